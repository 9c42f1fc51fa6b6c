import { createHash } from 'node:crypto';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { parseInteger } from '../protocol/number-format.js';
import { splitArgs } from '../protocol/parser.js';
import { ERR } from '../errors.js';
import { LuaEngine, SCRIPT_FLAG, killScript, parseFlagNames } from './engine.js';
import { replyHelp } from '../commands/command.js';
import { feedMonitors, hasMonitors } from '../pubsub/monitor.js';

/**
 * EVAL and the script cache (eval.c): scripts are cached by the SHA1 of their body, compiled once
 * in the EVAL engine's Lua state; SCRIPT FLUSH drops the cache and the state with it.
 */

export interface CachedScript {
  readonly body: string;
  /** SCRIPT_FLAG bits from the shebang (EVAL_COMPAT without one). */
  readonly flags: number;
  readonly ref: number;
}

export class EvalScripts {
  private engineInstance: LuaEngine | null = null;
  readonly scripts = new Map<string, CachedScript>();
  /** Bytes of cached bodies and their keys (INFO used_memory_scripts_eval). */
  bodyBytes = 0;

  constructor(readonly server: Server) {}

  /** The Lua state, made on first use (a server that never runs a script pays nothing for it). */
  get engine(): LuaEngine {
    this.engineInstance ??= new LuaEngine(this.server, 'eval');
    return this.engineInstance;
  }

  get hasEngine(): boolean {
    return this.engineInstance !== null;
  }

  /** scriptingReset: a new Lua state and an empty cache. */
  flush(): void {
    this.engineInstance = null;
    this.scripts.clear();
    this.bodyBytes = 0;
  }

  /**
   * luaCreateFunction: the cached script for this body, compiling it when new. On error, replies
   * to the client and answers null.
   */
  create(c: Client, body: string): { sha: string; script: CachedScript } | null {
    const sha = sha1hex(body);
    const hit = this.scripts.get(sha);
    if (hit !== undefined) return { sha, script: hit };
    const shebang = extractShebangFlags(body);
    if ('error' in shebang) {
      c.reply.error('ERR ' + shebang.error);
      return null;
    }
    // The shebang line is skipped but its line feed kept, so line numbers stay the user's.
    const compiled = this.engine.compile(body.slice(shebang.length), '@user_script');
    if ('error' in compiled) {
      c.reply.error(('ERR Error compiling script (new function): ' + compiled.error).replace(/[\r\n]/g, ' '));
      return null;
    }
    const script: CachedScript = { body, flags: shebang.flags, ref: compiled.ref };
    this.scripts.set(sha, script);
    this.bodyBytes += body.length + 40;
    return { sha, script };
  }
}

export function sha1hex(s: string): string {
  return createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');
}

/**
 * evalExtractShebangFlags: a body starting with "#!" must be "#!lua [flags=a,b]" on its first
 * line. Answers the flags and the length of the line (without its \n), or Redis's error text.
 */
export function extractShebangFlags(body: string): { flags: number; length: number } | { error: string } {
  if (!body.startsWith('#!')) return { flags: SCRIPT_FLAG.EVAL_COMPAT, length: 0 };
  // strchr: the line ends at the first \n (or at a NUL byte, where C strings end).
  const nl = body.indexOf('\n');
  const nul = body.indexOf('\0');
  if (nl < 0 || (nul >= 0 && nul < nl)) return { error: 'Invalid script shebang' };
  const parts = splitArgs(body.slice(0, nl));
  if (parts === null || parts.length === 0) return { error: 'Invalid engine in script shebang' };
  if (parts[0] !== '#!lua') return { error: `Unexpected engine in script shebang: ${parts[0]}` };
  let flags = 0;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return { error: `Unknown lua shebang option: ${part}` };
    const rest = part.slice(6);
    // sdssplitlen of an empty string gives no elements.
    const names = rest === '' ? [] : rest.split(',');
    const parsed = parseFlagNames(names);
    if ('unknown' in parsed) return { error: `Unexpected flag in script shebang: ${parsed.unknown}` };
    flags |= parsed.flags;
  }
  return { flags, length: nl };
}

const scriptsOf = new WeakMap<Server, EvalScripts>();

export function evalScripts(server: Server): EvalScripts {
  let s = scriptsOf.get(server);
  if (s === undefined) {
    s = new EvalScripts(server);
    scriptsOf.set(server, s);
  }
  return s;
}

/** evalGenericCommand: EVAL, EVALSHA and their _RO forms. */
function evalGeneric(c: Client, argv: string[], bySha: boolean, readOnly: boolean): void {
  // evalCommand feeds MONITOR itself, first, so the script's commands show after it.
  if (hasMonitors()) feedMonitors(c, c.server.commands.lookup(argv)!, argv, true);
  // EVAL's own effects are its commands' (effects replication): never the EVAL itself.
  c.preventPropagation = true;
  const numkeys = parseInteger(argv[2]!);
  if (numkeys === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  if (numkeys > argv.length - 3) {
    c.reply.error('ERR Number of keys can\'t be greater than number of args');
    return;
  }
  if (numkeys < 0) {
    c.reply.error('ERR Number of keys can\'t be negative');
    return;
  }
  const cache = evalScripts(c.server);
  let sha: string;
  let script: { flags: number; ref: number } | undefined;
  if (bySha) {
    sha = argv[1]!.toLowerCase();
    script = argv[1]!.length === 40 ? cache.scripts.get(sha) : undefined;
    if (script === undefined) {
      c.reply.error('NOSCRIPT No matching script. Please use EVAL.');
      return;
    }
  } else {
    const created = cache.create(c, argv[1]!);
    if (created === null) return;
    sha = created.sha;
    script = created.script;
  }
  cache.engine.run({
    caller: c,
    ref: script.ref,
    name: sha,
    keys: argv.slice(3, 3 + numkeys),
    args: argv.slice(3 + numkeys),
    flags: script.flags,
    readOnly,
  });
}

export function evalCommand(c: Client, argv: string[]): void {
  evalGeneric(c, argv, false, false);
}
export function evalRoCommand(c: Client, argv: string[]): void {
  evalGeneric(c, argv, false, true);
}
export function evalShaCommand(c: Client, argv: string[]): void {
  evalGeneric(c, argv, true, false);
}
export function evalShaRoCommand(c: Client, argv: string[]): void {
  evalGeneric(c, argv, true, true);
}

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

export function scriptHelpCommand(c: Client, argv: string[]): void {
  replyHelp(c, argv, SCRIPT_HELP);
}

export function scriptFlushCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    const mode = argv[2]!.toLowerCase();
    if (mode !== 'sync' && mode !== 'async') {
      c.reply.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
      return;
    }
  } else if (argv.length !== 2) {
    c.reply.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    return;
  }
  // ASYNC or SYNC alike: the old state is left to the garbage collector.
  evalScripts(c.server).flush();
  c.reply.ok();
}

export function scriptExistsCommand(c: Client, argv: string[]): void {
  const cache = evalScripts(c.server);
  c.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.reply.int(cache.scripts.has(argv[i]!.toLowerCase()) ? 1 : 0);
}

export function scriptLoadCommand(c: Client, argv: string[]): void {
  const created = evalScripts(c.server).create(c, argv[2]!);
  if (created === null) return;
  c.reply.bulk(created.sha);
}

export function scriptKillCommand(c: Client): void {
  killScript(c, true);
}

/** jemalloc's size class for an allocation of n bytes (what zmalloc_size reports). */
function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 16) return 16;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  // Four classes per doubling above 128.
  const p = 2 ** Math.floor(Math.log2(n - 1));
  const step = p / 4;
  return Math.ceil(n / step) * step;
}

/** Bytes of a string object's sds as Redis counts them (embstr up to 44 bytes). */
function stringObjectBytes(len: number): number {
  if (len <= 44) return jemallocSize(16 + 3 + len + 1) - 16;
  const hdr = len < 256 ? 3 : len < 65536 ? 5 : 9;
  return jemallocSize(hdr + len + 1);
}

/**
 * INFO memory's EVAL figures: the script cache as evalScriptsMemory() counts it (sha sds, body,
 * dict entry and luaScript per script, plus the table) and the Lua VM, whose heap fengari cannot
 * measure: Redis's figure for a fresh VM plus a little per cached script.
 */
export function evalMemoryInfo(server: Server): { vm: number; scripts: number; count: number } {
  const cache = scriptsOf.get(server);
  const count = cache?.scripts.size ?? 0;
  let scripts = 0;
  if (cache !== undefined && count > 0) {
    for (const s of cache.scripts.values()) scripts += jemallocSize(3 + 40 + 1) + stringObjectBytes(s.body.length) + 40;
    let slots = 4;
    while (slots < count) slots *= 2;
    scripts += slots * 8;
  }
  return { vm: 32768 + 1024 * Math.ceil((count * 400) / 1024), scripts, count };
}
