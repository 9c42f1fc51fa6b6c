import type { CommandDef, Command, CommandTable } from './table.js';
import { commandHasKeys, getKeys } from './table.js';
import type { Client } from '../server/client.js';
import type { Reply } from '../protocol/reply.js';
import { writeSpecNode, type SpecNode } from './spec-node.js';
import { ERR } from '../errors.js';
import { isOpt } from './args.js';
import { globMatch } from '../keyspace/glob.js';

/**
 * The COMMAND family. Everything comes from the one command table: a command is listed once it
 * has a handler, and a container lists only the subcommands Nodis implements.
 */

/** The "~" map entries of a docs node, with its subcommands map left out. */
function docsEntriesWithoutSubcommands(docs: SpecNode): [SpecNode, SpecNode][] {
  if (docs && typeof docs === 'object' && !Array.isArray(docs) && '%' in docs) return docs['%'].filter(([k]) => k !== 'subcommands');
  return [];
}

/** One command's COMMAND INFO entry: Redis's 10-element array, subcommands as implemented. */
export function writeCommandInfo(out: Reply, cmd: Command): void {
  const info = cmd.info;
  if (!Array.isArray(info)) throw new Error(`no COMMAND INFO for ${cmd.fullName}`);
  out.array(info.length);
  for (let i = 0; i < info.length; i++) {
    if (i === 9 && cmd.subcommands.size > 0) {
      // Redis writes a leaf's (empty) subcommands as a set, a container's as an array.
      out.array(cmd.subcommands.size);
      for (const sub of cmd.subcommands.values()) writeCommandInfo(out, sub);
    } else {
      writeSpecNode(out, info[i]!);
    }
  }
}

/** One command's COMMAND DOCS map (without its name), subcommands as implemented. */
export function writeCommandDocs(out: Reply, cmd: Command): void {
  const entries = docsEntriesWithoutSubcommands(cmd.docs);
  const withSubs = cmd.subcommands.size > 0;
  out.map(entries.length + (withSubs ? 1 : 0));
  for (const [k, v] of entries) {
    writeSpecNode(out, k);
    writeSpecNode(out, v);
  }
  if (withSubs) {
    out.bulk('subcommands');
    out.map(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) {
      out.bulk(sub.fullName);
      writeCommandDocs(out, sub);
    }
  }
}

/** COMMAND with no subcommand: every command's info. */
function commandAll(c: Client): void {
  const table = c.server.commands;
  c.reply.array(table.commands.size);
  for (const cmd of table.commands.values()) writeCommandInfo(c.reply, cmd);
}

function commandCount(c: Client): void {
  c.reply.int(c.server.commands.commands.size);
}

/** COMMAND INFO [name ...]: unknown names give a null entry in their place. */
function commandInfo(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    commandAll(c);
    return;
  }
  const table = c.server.commands;
  c.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const cmd = table.lookupFullName(argv[i]!);
    if (cmd) writeCommandInfo(c.reply, cmd);
    else c.reply.null();
  }
}

/** COMMAND DOCS [name ...]: a map from full name to docs; unknown names are left out. */
function commandDocs(c: Client, argv: string[]): void {
  const table = c.server.commands;
  const found: Command[] = [];
  if (argv.length === 2) {
    for (const cmd of table.commands.values()) found.push(cmd);
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = table.lookupFullName(argv[i]!);
      if (cmd) found.push(cmd);
    }
  }
  c.reply.map(found.length);
  for (const cmd of found) {
    c.reply.bulk(cmd.fullName);
    writeCommandDocs(c.reply, cmd);
  }
}

/** Redis 7.0's addReplyHelp: a header naming the command, the lines, and the HELP footer. */
export function replyHelp(c: Client, argv: readonly string[], lines: readonly string[]): void {
  const r = c.reply;
  r.array(lines.length + 3);
  r.simple(`${argv[0]!.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) r.simple(l);
  r.simple('HELP');
  r.simple('    Prints this help.');
}

type ListFilter = (cmd: Command) => boolean;

/** Every command and subcommand name that passes the filter, depth first as Redis walks them. */
function listNames(table: CommandTable, filter: ListFilter | null): string[] {
  const out: string[] = [];
  const walk = (cmds: Iterable<Command>): void => {
    for (const cmd of cmds) {
      if (!filter || filter(cmd)) out.push(cmd.fullName);
      if (cmd.subcommands.size) walk(cmd.subcommands.values());
    }
  };
  walk(table.commands.values());
  return out;
}

/** COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]. */
function commandList(c: Client, argv: string[]): void {
  let filter: ListFilter | null = null;
  if (argv.length === 5 && isOpt(argv[2]!, 'filterby')) {
    const kind = argv[3]!;
    const arg = argv[4]!;
    if (isOpt(kind, 'module')) {
      filter = () => false; // Nodis loads no modules.
    } else if (isOpt(kind, 'aclcat')) {
      // Redis matches the category name without its "@", in any case.
      const cat = '@' + arg.toLowerCase();
      filter = (cmd) => cmd.categories.includes(cat);
    } else if (isOpt(kind, 'pattern')) {
      filter = (cmd) => globMatch(arg, cmd.fullName, true);
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  } else if (argv.length !== 2) {
    c.reply.error(ERR.syntax);
    return;
  }
  c.reply.bulkArray(listNames(c.server.commands, filter));
}

/**
 * COMMAND GETKEYS / GETKEYSANDFLAGS's reply for a target command line, written to `out`. Kept
 * apart from the handler so it can be checked against Redis with a table of every command.
 */
export function writeGetKeys(out: Reply, table: CommandTable, target: readonly string[], withFlags: boolean): void {
  const cmd = table.lookup(target);
  if (!cmd) {
    out.error('ERR Invalid command specified');
    return;
  }
  if (!commandHasKeys(cmd)) {
    out.error('ERR The command has no key arguments');
    return;
  }
  const argc = target.length;
  if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) {
    out.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = getKeys(cmd, target);
  if (keys.length === 0) {
    // EVAL and FCALL may be called without keys; elsewhere no key means a malformed call.
    if (cmd.flags.has('no_mandatory_keys')) out.array(0);
    else out.error('ERR Invalid arguments specified for command');
    return;
  }
  out.array(keys.length);
  for (const k of keys) {
    if (withFlags) {
      out.array(2);
      out.bulk(target[k.pos]!);
      out.set(k.flags.length);
      for (const f of k.flags) out.simple(f);
    } else {
      out.bulk(target[k.pos]!);
    }
  }
}

const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

export const commandCommands: CommandDef[] = [
  { name: 'command', handler: commandAll },
  { name: 'command|count', handler: commandCount },
  { name: 'command|info', handler: commandInfo },
  { name: 'command|docs', handler: commandDocs },
  { name: 'command|list', handler: commandList },
  { name: 'command|getkeys', handler: (c, argv) => writeGetKeys(c.reply, c.server.commands, argv.slice(2), false) },
  { name: 'command|getkeysandflags', handler: (c, argv) => writeGetKeys(c.reply, c.server.commands, argv.slice(2), true) },
  { name: 'command|help', handler: (c, argv) => replyHelp(c, argv, COMMAND_HELP) },
];
