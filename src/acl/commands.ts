import crypto from 'node:crypto';
import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import { replyHelp } from '../commands/command.js';
import { ERR, arityError, subcommandSyntaxError } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';
import { aclOf } from './index.js';
import { CATEGORIES, categoryFlag, universe, type AclCommand } from './universe.js';
import { hasSpaces, ruleErrorText, type Selector } from './selector.js';
import { mergeSelectorArgs } from './user.js';
import { DENIED_CMD, DENIED_KEY } from './state.js';
import { loadAclFile, saveAclFile } from './file.js';

/** The ACL command (aclCommand in acl.c). */

const NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

/** ACL SETUSER: every rule is tried on a copy first; one bad rule and nothing changes. */
function setuser(c: Client, argv: string[]): void {
  const state = aclOf(c.server);
  const name = argv[2]!;
  if (hasSpaces(name)) {
    c.reply.error("ERR Usernames can't contain spaces or null characters");
    return;
  }
  const merged = mergeSelectorArgs(argv.slice(3));
  if (typeof merged === 'number') {
    c.reply.error(`ERR Unmatched parenthesis in acl selector starting at '${argv[merged + 3]!}'.`);
    return;
  }
  const pubsub = state.pubsubDefault();
  const temp = state.newUser(name);
  const existing = state.users.get(name);
  if (existing) temp.copyFrom(existing);
  for (const rule of merged) {
    const err = temp.apply(rule, pubsub);
    if (err !== null) {
      c.reply.error(`ERR Error in ACL SETUSER modifier '${rule}': ${ruleErrorText(err)}`);
      return;
    }
  }
  if (existing) state.killPubsubClientsIfNeeded(temp, existing, c);
  if (existing) existing.copyFrom(temp);
  else state.users.set(name, temp);
  state.onUsersChanged();
  c.reply.ok();
}

function deluser(c: Client, argv: string[]): void {
  const state = aclOf(c.server);
  for (let j = 2; j < argv.length; j++) {
    if (argv[j] === 'default') {
      c.reply.error("ERR The 'default' user cannot be removed");
      return;
    }
  }
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    const name = argv[j]!;
    if (!state.users.delete(name)) continue;
    state.killClientsOf(name, c);
    deleted++;
  }
  state.onUsersChanged();
  c.reply.int(deleted);
}

/** GETUSER's commands/keys/channels fields of one selector. */
function writeSelector(c: Client, s: Selector): void {
  const r = c.reply;
  r.bulk('commands');
  r.bulk(s.describeCommands());
  r.bulk('keys');
  r.bulk(s.describeKeys());
  r.bulk('channels');
  r.bulk(s.describeChannels());
}

function getuser(c: Client, argv: string[]): void {
  const u = aclOf(c.server).users.get(argv[2]!);
  const r = c.reply;
  if (u === undefined) {
    r.null();
    return;
  }
  r.map(6);
  r.bulk('flags');
  const flags = u.flagNames();
  r.set(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk('passwords');
  r.bulkArray(u.passwords);
  writeSelector(c, u.root);
  r.bulk('selectors');
  r.array(u.selectors.length - 1);
  for (let i = 1; i < u.selectors.length; i++) {
    r.map(3);
    writeSelector(c, u.selectors[i]!);
  }
}

function list(c: Client, argv: string[], justNames: boolean): void {
  if (argv.length !== 2) {
    c.reply.error(subcommandSyntaxError(argv[1]!, 'acl'));
    return;
  }
  const users = aclOf(c.server).sortedUsers();
  c.reply.bulkArray(users.map((u) => (justNames ? u.name : `user ${u.name} ${u.describe()}`)));
}

function whoami(c: Client): void {
  c.reply.bulk(aclOf(c.server).userOf(c).name);
}

/** ACL CAT [category]: the categories, or the commands (and subcommands) of one, in table order. */
function cat(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    c.reply.bulkArray([...CATEGORIES]);
    return;
  }
  if (argv.length !== 3) {
    c.reply.error(subcommandSyntaxError(argv[1]!, 'acl'));
    return;
  }
  const flag = categoryFlag(argv[2]!);
  if (!flag) {
    c.reply.error(`ERR Unknown category '${argv[2]!.slice(0, 128)}'`);
    return;
  }
  const out: string[] = [];
  const walk = (cmds: readonly AclCommand[]): void => {
    for (const cmd of cmds) {
      if (cmd.categories & flag) out.push(cmd.fullName);
      if (cmd.subcommands.length) walk(cmd.subcommands);
    }
  };
  walk(universe.commands);
  c.reply.bulkArray(out);
}

const GENPASS_MAX_BITS = 4096;

function genpass(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.reply.error(subcommandSyntaxError(argv[1]!, 'acl'));
    return;
  }
  let bits = 256;
  if (argv.length === 3) {
    const n = parseInteger(argv[2]!);
    if (n === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    bits = n;
  }
  if (bits <= 0 || bits > GENPASS_MAX_BITS) {
    c.reply.error(`ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`);
    return;
  }
  const chars = Math.floor((bits + 3) / 4);
  c.reply.bulk(crypto.randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

function log(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.reply.error(subcommandSyntaxError(argv[1]!, 'acl'));
    return;
  }
  const state = aclOf(c.server);
  let count = 10;
  if (argv.length === 3) {
    if (argv[2]!.toLowerCase() === 'reset') {
      state.resetLog();
      c.reply.ok();
      return;
    }
    const n = parseInteger(argv[2]!);
    if (n === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    count = Math.max(0, n);
  }
  state.writeLog(c, count);
}

/** ACL DRYRUN user command [arg ...]: OK, or why the user may not run it (a bulk string). */
function dryrun(c: Client, argv: string[]): void {
  const state = aclOf(c.server);
  const u = state.users.get(argv[2]!);
  if (u === undefined) {
    c.reply.error(`ERR User '${argv[2]!}' not found`);
    return;
  }
  const target = argv.slice(3);
  const cmd = c.server.commands.lookup(target);
  if (cmd === undefined) {
    c.reply.error(`ERR Command '${argv[3]!}' not found`);
    return;
  }
  const argc = target.length;
  if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) {
    c.reply.error(arityError(cmd.fullName));
    return;
  }
  const d = state.check(u, cmd, target);
  if (d === null) {
    c.reply.ok();
    return;
  }
  if (d.reason === DENIED_CMD) c.reply.bulk(`This user has no permissions to run the '${cmd.fullName}' command`);
  else if (d.reason === DENIED_KEY) c.reply.bulk(`This user has no permissions to access the '${target[d.idx]!}' key`);
  else c.reply.bulk(`This user has no permissions to access the '${target[d.idx]!}' channel`);
}

function load(c: Client): void {
  const file = c.server.config.get('aclfile');
  if (file === '') {
    c.reply.error(NO_ACLFILE);
    return;
  }
  const state = aclOf(c.server);
  const errors = loadAclFile(state, file, c);
  state.onUsersChanged();
  if (errors === null) c.reply.ok();
  else c.reply.error('ERR ' + errors);
}

function save(c: Client): void {
  const file = c.server.config.get('aclfile');
  if (file === '') {
    c.reply.error(NO_ACLFILE);
    return;
  }
  if (saveAclFile(aclOf(c.server), file)) c.reply.ok();
  else c.reply.error('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
}

const ACL_HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

/** ACL. */
export const aclCommands: CommandDef[] = [
  { name: 'acl|setuser', handler: setuser },
  { name: 'acl|deluser', handler: deluser },
  { name: 'acl|getuser', handler: getuser },
  { name: 'acl|list', handler: (c, argv) => list(c, argv, false) },
  { name: 'acl|users', handler: (c, argv) => list(c, argv, true) },
  { name: 'acl|whoami', handler: whoami },
  { name: 'acl|cat', handler: cat },
  { name: 'acl|genpass', handler: genpass },
  { name: 'acl|log', handler: log },
  { name: 'acl|dryrun', handler: dryrun },
  { name: 'acl|load', handler: load },
  { name: 'acl|save', handler: save },
  { name: 'acl|help', handler: (c, argv) => replyHelp(c, argv, ACL_HELP) },
];
