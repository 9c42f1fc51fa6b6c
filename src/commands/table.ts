import fs from 'node:fs';
import type { SpecNode } from './spec-node.js';
import type { Client } from '../server/client.js';
import { parseInteger } from '../protocol/number-format.js';

/**
 * The command table. Each command's metadata (arity, flags, key specs, ACL categories, docs)
 * is Redis 7.0's own, read from redis-spec.json (generated from redis-server by
 * scripts/gen-command-spec.ts) plus extra-spec.json for the few newer commands Nodis adopts.
 * Handler modules declare only name -> handler; a command exists when it has a handler.
 */

export type Handler = (c: Client, argv: string[]) => void;

export interface CommandDef {
  /** Lower-case name; "parent|sub" for a subcommand. */
  readonly name: string;
  readonly handler: Handler;
}

export interface KeySpec {
  flags: string[];
  begin: { type: 'index'; index: number } | { type: 'keyword'; keyword: string; startfrom: number } | { type: 'unknown' };
  find: { type: 'range'; lastkey: number; keystep: number; limit: number } | { type: 'keynum'; keynumidx: number; firstkey: number; keystep: number } | { type: 'unknown' };
}

export class Command {
  readonly flags: Set<string>;
  readonly categories: string[];
  readonly keySpecs: KeySpec[];
  readonly subcommands = new Map<string, Command>();
  /** Index in the ordered list; used for per-command stats arrays. */
  calls = 0;
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;

  constructor(
    /** Full lower-case name ("get", "config|get"). */
    readonly fullName: string,
    readonly arity: number,
    readonly firstKey: number,
    readonly lastKey: number,
    readonly step: number,
    readonly info: SpecNode,
    readonly docs: SpecNode,
    readonly handler: Handler | null,
    readonly parent: Command | null,
    flags: string[],
    categories: string[],
    keySpecs: KeySpec[],
  ) {
    this.flags = new Set(flags);
    this.categories = categories;
    this.keySpecs = keySpecs;
  }

  /** Whether any keys are found in the arguments (key specs or a legacy range). */
  get hasKeys(): boolean {
    return this.keySpecs.length > 0;
  }

  isWrite(): boolean {
    return this.flags.has('write');
  }
}

type RawSpec = Record<string, { info: SpecNode; docs: SpecNode }>;

/** The JSON files stay in src/commands (they are data, not compiled); dist/src/commands is two levels below the root. */
function loadSpec(file: string): RawSpec {
  return JSON.parse(fs.readFileSync(new URL(`../../../src/commands/${file}`, import.meta.url), 'utf8')) as RawSpec;
}

const specJson = loadSpec('redis-spec.json');
const extraSpec = loadSpec('extra-spec.json');

function setItems(n: SpecNode | undefined): string[] {
  if (n && typeof n === 'object' && !Array.isArray(n) && '~' in n) {
    return n['~'].map((x) => (x && typeof x === 'object' && !Array.isArray(x) && '+' in x ? x['+'] : String(x)));
  }
  return [];
}

/** Items of an array or a set node. */
function listItems(n: SpecNode | undefined): SpecNode[] {
  if (Array.isArray(n)) return n;
  if (n && typeof n === 'object' && '~' in n) return n['~'];
  return [];
}

function mapGet(n: SpecNode | undefined, key: string): SpecNode | undefined {
  if (n && typeof n === 'object' && !Array.isArray(n) && '%' in n) {
    for (const [k, v] of n['%']) if (k === key) return v;
  }
  return undefined;
}

function num(n: SpecNode | undefined): number {
  return typeof n === 'number' ? n : 0;
}

function parseKeySpec(n: SpecNode): KeySpec {
  const bs = mapGet(n, 'begin_search');
  const fk = mapGet(n, 'find_keys');
  const bsType = mapGet(bs, 'type');
  const bsSpec = mapGet(bs, 'spec');
  const fkType = mapGet(fk, 'type');
  const fkSpec = mapGet(fk, 'spec');
  const begin: KeySpec['begin'] =
    bsType === 'index'
      ? { type: 'index', index: num(mapGet(bsSpec, 'index')) }
      : bsType === 'keyword'
        ? { type: 'keyword', keyword: String(mapGet(bsSpec, 'keyword')), startfrom: num(mapGet(bsSpec, 'startfrom')) }
        : { type: 'unknown' };
  const find: KeySpec['find'] =
    fkType === 'range'
      ? { type: 'range', lastkey: num(mapGet(fkSpec, 'lastkey')), keystep: num(mapGet(fkSpec, 'keystep')), limit: num(mapGet(fkSpec, 'limit')) }
      : fkType === 'keynum'
        ? { type: 'keynum', keynumidx: num(mapGet(fkSpec, 'keynumidx')), firstkey: num(mapGet(fkSpec, 'firstkey')), keystep: num(mapGet(fkSpec, 'keystep')) }
        : { type: 'unknown' };
  return { flags: setItems(mapGet(n, 'flags')), begin, find };
}

function buildCommand(info: SpecNode, docs: SpecNode, handlers: Map<string, Handler>, parent: Command | null): Command | null {
  if (!Array.isArray(info)) throw new Error('bad command spec');
  const name = String(info[0]);
  const handler = handlers.get(name) ?? null;
  const subInfos = Array.isArray(info[9]) ? info[9] : [];
  const cmd = new Command(
    name,
    num(info[1]),
    num(info[3]),
    num(info[4]),
    num(info[5]),
    info,
    docs,
    handler,
    parent,
    setItems(info[2]),
    setItems(info[6]),
    listItems(info[8]).map(parseKeySpec),
  );
  const subDocs = mapGet(docs, 'subcommands');
  for (const si of subInfos) {
    if (!Array.isArray(si)) continue;
    const subName = String(si[0]);
    const sd = mapGet(subDocs, subName) ?? { '%': [] };
    const sub = buildCommand(si, sd, handlers, cmd);
    if (sub) cmd.subcommands.set(subName.slice(name.length + 1), sub);
  }
  if (!handler && cmd.subcommands.size === 0) return null;
  return cmd;
}

export class CommandTable {
  readonly commands = new Map<string, Command>();
  /** Lookup by name as sent: lower and upper case spellings, so the hot path allocates nothing. */
  private readonly byWireName = new Map<string, Command>();

  constructor(defs: readonly CommandDef[]) {
    const handlers = new Map<string, Handler>();
    for (const d of defs) {
      if (handlers.has(d.name)) throw new Error(`command ${d.name} declared twice`);
      handlers.set(d.name, d.handler);
    }
    const spec: RawSpec = { ...specJson, ...extraSpec };
    const used = new Set<string>();
    for (const [name, s] of Object.entries(spec)) {
      const parentOverride = name.includes('|');
      if (parentOverride) continue; // extra subcommands are merged below
      const cmd = buildCommand(s.info, s.docs, handlers, null);
      if (cmd) this.commands.set(name, cmd);
    }
    // Extra subcommands (e.g. 7.2's "client|setinfo") join their 7.0 parent.
    for (const [name, s] of Object.entries(extraSpec)) {
      if (!name.includes('|')) continue;
      const [parentName, subName] = name.split('|') as [string, string];
      const parent = this.commands.get(parentName);
      if (!parent) continue;
      const sub = buildCommand(s.info, s.docs, handlers, parent);
      if (sub) parent.subcommands.set(subName, sub);
    }
    for (const cmd of this.all()) used.add(cmd.fullName);
    for (const [name, cmd] of this.commands) {
      this.byWireName.set(name, cmd);
      this.byWireName.set(name.toUpperCase(), cmd);
    }
    for (const name of handlers.keys()) {
      if (!used.has(name)) throw new Error(`handler for ${name} has no command spec`);
    }
  }

  /** Every command and subcommand. */
  *all(): IterableIterator<Command> {
    for (const c of this.commands.values()) {
      yield c;
      yield* c.subcommands.values();
    }
  }

  /** The last name looked up that named a command without subcommands, and that command. */
  private lastName: string | null = null;
  private lastCmd: Command | null = null;

  get(name: string): Command | undefined {
    return this.commands.get(name);
  }

  /** Finds a command (or subcommand) from argv names given in any case. */
  lookup(argv: readonly string[]): Command | undefined {
    const first = argv[0];
    if (first === undefined) return undefined;
    // The same command again (a pipeline, a busy client): comparing a few bytes is cheaper than
    // hashing the fresh string for the map.
    if (first === this.lastName) return this.lastCmd!;
    let cmd = this.byWireName.get(first);
    if (cmd !== undefined && cmd.subcommands.size === 0) {
      this.lastName = first;
      this.lastCmd = cmd;
      return cmd;
    }
    if (cmd === undefined) {
      cmd = this.commands.get(first.toLowerCase());
      if (cmd === undefined) return undefined;
    }
    if (cmd.subcommands.size === 0 || argv.length < 2) return cmd;
    return cmd.subcommands.get(argv[1]!.toLowerCase());
  }

  /**
   * Finds a command by its full name, "get" or "config|get", in any case (Redis's
   * lookupCommandBySds, used by COMMAND INFO and DOCS). "config" alone is the container.
   */
  lookupFullName(name: string): Command | undefined {
    const parts = name.toLowerCase().split('|');
    if (parts.length > 2) return undefined;
    const base = this.commands.get(parts[0]!);
    if (base === undefined || parts.length === 1) return base;
    return base.subcommands.get(parts[1]!);
  }
}

/** One key found in a command call: its argv index and its key-spec flags ("RO", "access", ...). */
export interface KeyRef {
  readonly pos: number;
  readonly flags: readonly string[];
}

/** Redis's C atoi: optional blanks and sign, then digits up to the first non-digit; 0 if none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

const NO_FLAGS: readonly string[] = [];

/**
 * Redis's genericGetKeys, behind the getkeys functions of the numkeys commands (EVAL, FCALL,
 * ZUNION, LMPOP, ...). Keys found this way carry no flags, as in Redis.
 */
function genericGetKeys(storeKeyOfs: number, keyCountOfs: number, firstKeyOfs: number, keyStep: number, argv: readonly string[]): KeyRef[] {
  const num = atoi(argv[keyCountOfs] ?? '');
  if (num < 1 || num > Math.trunc((argv.length - firstKeyOfs) / keyStep)) return [];
  const out: KeyRef[] = [];
  for (let i = 0; i < num; i++) out.push({ pos: firstKeyOfs + i * keyStep, flags: NO_FLAGS });
  if (storeKeyOfs) out.push({ pos: storeKeyOfs, flags: NO_FLAGS });
  return out;
}

const RO_ACCESS = ['RO', 'access'] as const;
const OW_UPDATE = ['OW', 'update'] as const;
const RW_ACCESS_UPDATE = ['RW', 'access', 'update'] as const;
const RW_ACCESS_DELETE = ['RW', 'access', 'delete'] as const;

const lc = (s: string | undefined): string => (s === undefined ? '' : s.toLowerCase());

/** Redis's sortGetKeys: the sorted key, and the last STORE destination. */
function sortGetKeys(argv: readonly string[]): KeyRef[] {
  const out: KeyRef[] = [{ pos: 1, flags: RO_ACCESS }];
  let store: KeyRef | null = null;
  const skip = new Map([
    ['limit', 2],
    ['get', 1],
    ['by', 1],
  ]);
  for (let i = 2; i < argv.length; i++) {
    const a = lc(argv[i]);
    const n = skip.get(a);
    if (n !== undefined) i += n;
    // Redis does not skip over the STORE key itself, so a key named "limit" would skip on.
    else if (a === 'store' && i + 1 < argv.length) store = { pos: i + 1, flags: OW_UPDATE };
  }
  if (store) out.push(store);
  return out;
}

/** Redis's migrateGetKeys: the key argument, or everything after KEYS when the key is "". */
function migrateGetKeys(argv: readonly string[]): KeyRef[] {
  let first = 3;
  let num = 1;
  const skip = new Map([
    ['copy', 0],
    ['replace', 0],
    ['auth', 1],
    ['auth2', 2],
  ]);
  for (let i = 6; i < argv.length; i++) {
    const a = lc(argv[i]);
    if (a === 'keys') {
      if (argv[3] !== '') return []; // Redis logs "Cannot use multiple keys in MIGRATE with non-empty key".
      first = i + 1;
      num = argv.length - first;
      break;
    }
    i += skip.get(a) ?? 0;
  }
  const out: KeyRef[] = [];
  for (let i = 0; i < num; i++) out.push({ pos: first + i, flags: RW_ACCESS_DELETE });
  return out;
}

/** Redis's georadiusGetKeys: the source key and the last STORE/STOREDIST destination. */
function georadiusGetKeys(argv: readonly string[]): KeyRef[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    const a = lc(argv[i]);
    if ((a === 'store' || a === 'storedist') && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  const out: KeyRef[] = [{ pos: 1, flags: RO_ACCESS }];
  if (stored >= 0) out.push({ pos: stored, flags: OW_UPDATE });
  return out;
}

/** Redis's xreadGetKeys: the first half of the arguments after the STREAMS option. */
function xreadGetKeys(argv: readonly string[]): KeyRef[] {
  let streamsPos = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = lc(argv[i]);
    if (a === 'block' || a === 'count') i++;
    else if (a === 'group') i += 2;
    else if (a === 'noack') continue;
    else if (a === 'streams') {
      streamsPos = i;
      break;
    } else break;
  }
  const num = argv.length - streamsPos - 1;
  if (streamsPos === -1 || num === 0 || num % 2 !== 0) return [];
  const out: KeyRef[] = [];
  for (let i = streamsPos + 1; i < argv.length - num / 2; i++) out.push({ pos: i, flags: RO_ACCESS });
  return out;
}

/** Redis's setGetKeys: SET's key flags depend on whether GET is given. */
function setGetKeys(argv: readonly string[]): KeyRef[] {
  for (let i = 3; i < argv.length; i++) if (lc(argv[i]) === 'get') return [{ pos: 1, flags: RW_ACCESS_UPDATE }];
  return [{ pos: 1, flags: OW_UPDATE }];
}

/** Redis's bitfieldGetKeys: read-only flags unless a SET/INCRBY (or a syntax error) appears. */
function bitfieldGetKeys(argv: readonly string[]): KeyRef[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remargs = argv.length - i - 1;
    const a = lc(argv[i]);
    if (a === 'get' && remargs >= 2) i += 2;
    else if ((a === 'set' || a === 'incrby') && remargs >= 3) {
      readonly = false;
      break;
    } else if (a === 'overflow' && remargs >= 1) i += 1;
    else {
      readonly = false;
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE }];
}

type GetKeysProc = (argv: readonly string[]) => KeyRef[];

/**
 * The commands that have a getkeys function in Redis 7.0 (commands.c): used when their key specs
 * cannot describe a call (unknown or incomplete specs, bad numkeys) or their flags vary.
 */
const GETKEYS_PROCS = new Map<string, GetKeysProc>([
  ['set', setGetKeys],
  ['bitfield', bitfieldGetKeys],
  ['sort', sortGetKeys],
  ['sort_ro', () => [{ pos: 1, flags: RO_ACCESS }]],
  ['migrate', migrateGetKeys],
  ['georadius', georadiusGetKeys],
  ['georadiusbymember', georadiusGetKeys],
  ['xread', xreadGetKeys],
  ['xreadgroup', xreadGetKeys],
  ['eval', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['evalsha', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['eval_ro', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['evalsha_ro', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['fcall', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['fcall_ro', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['lmpop', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['blmpop', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['zmpop', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['bzmpop', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['sintercard', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zintercard', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zunion', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zinter', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zdiff', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zunionstore', (a) => genericGetKeys(1, 2, 3, 1, a)],
  ['zinterstore', (a) => genericGetKeys(1, 2, 3, 1, a)],
  ['zdiffstore', (a) => genericGetKeys(1, 2, 3, 1, a)],
]);

/**
 * Redis's getKeysUsingKeySpecs. Returns null when a spec cannot be applied to this call
 * (unknown spec, numkeys not a number, keys out of range, incomplete spec): the caller then
 * falls back to the command's getkeys function.
 */
function keysFromSpecs(cmd: Command, argv: readonly string[], includeNotKeys: boolean): KeyRef[] | null {
  const out: KeyRef[] = [];
  const argc = argv.length;
  for (const spec of cmd.keySpecs) {
    if (spec.flags.includes('not_key') && !includeNotKeys) continue;
    let first = 0;
    if (spec.begin.type === 'index') {
      first = spec.begin.index;
    } else if (spec.begin.type === 'keyword') {
      const { keyword, startfrom } = spec.begin;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      // As in Redis, the search stops short of `end`: a keyword in the last place (or at 1,
      // searching backwards) is not found.
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (lc(argv[i]) === keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;
    } else {
      return null;
    }
    let last: number;
    let step: number;
    if (spec.find.type === 'range') {
      const { lastkey, keystep, limit } = spec.find;
      step = keystep;
      if (lastkey >= 0) last = first + lastkey;
      else if (!limit) last = argc + lastkey;
      else last = first + (Math.trunc((argc - first) / limit) + lastkey);
    } else if (spec.find.type === 'keynum') {
      const { keynumidx, firstkey, keystep } = spec.find;
      step = keystep;
      const numArg = argv[first + keynumidx];
      if (keynumidx >= argc || numArg === undefined) return null;
      const numkeys = parseInteger(numArg);
      if (numkeys === null || numkeys < 0) return null;
      first += firstkey;
      last = first + numkeys - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) out.push({ pos: i, flags: spec.flags });
    if (spec.flags.includes('incomplete')) return null;
  }
  return out;
}

/** Whether a command can have key arguments (Redis's doesCommandHaveKeys). */
export function commandHasKeys(cmd: Command): boolean {
  return GETKEYS_PROCS.has(cmd.fullName) || cmd.keySpecs.some((s) => !s.flags.includes('not_key'));
}

/**
 * The keys of a command call, with their flags (Redis's getKeysFromCommandWithSpecs): from the
 * key specs when they describe the call and their flags are fixed, else from the command's
 * getkeys function. The caller has checked the arity.
 */
export function getKeys(cmd: Command, argv: readonly string[]): KeyRef[] {
  const hasKeySpec = cmd.keySpecs.some((s) => !s.flags.includes('not_key'));
  const varFlags = cmd.keySpecs.some((s) => s.flags.includes('variable_flags'));
  if (hasKeySpec && !varFlags) {
    const keys = keysFromSpecs(cmd, argv, false);
    if (keys !== null) return keys;
  }
  const proc = GETKEYS_PROCS.get(cmd.fullName);
  return proc ? proc(argv) : [];
}

/** Argv indexes of the keys of a command call (for ACL key checks, cluster slots, WATCH...). */
export function keyPositions(cmd: Command, argv: readonly string[]): number[] {
  return getKeys(cmd, argv).map((k) => k.pos);
}
