import fs from 'node:fs';
import type { SpecNode } from './spec-node.js';
import type { Client } from '../server/client.js';

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

  get(name: string): Command | undefined {
    return this.commands.get(name);
  }

  /** Finds a command (or subcommand) from argv names given in any case. */
  lookup(argv: readonly string[]): Command | undefined {
    const first = argv[0];
    if (first === undefined) return undefined;
    let cmd = this.commands.get(first);
    if (cmd === undefined) {
      const lower = first.toLowerCase();
      cmd = this.commands.get(lower);
      if (cmd === undefined) return undefined;
    }
    if (cmd.subcommands.size === 0 || argv.length < 2) return cmd;
    return cmd.subcommands.get(argv[1]!.toLowerCase());
  }
}

/**
 * Key positions of a command call, from its key specs (Redis's getKeysUsingKeySpecs).
 * Returns argv indexes. Commands whose keys cannot be found from specs alone take `custom`.
 */
export function keyPositions(cmd: Command, argv: readonly string[]): number[] {
  const out: number[] = [];
  const argc = argv.length;
  for (const spec of cmd.keySpecs) {
    let first: number;
    if (spec.begin.type === 'index') {
      first = spec.begin.index;
    } else if (spec.begin.type === 'keyword') {
      const { keyword, startfrom } = spec.begin;
      const kw = keyword.toLowerCase();
      let found = -1;
      if (startfrom >= 0) {
        for (let i = startfrom; i < argc; i++) if (argv[i]!.toLowerCase() === kw) { found = i; break; }
      } else {
        for (let i = argc + startfrom; i > 0; i--) if (argv[i]!.toLowerCase() === kw) { found = i; break; }
      }
      if (found < 0) continue;
      first = found + 1;
    } else {
      continue;
    }
    if (first >= argc) continue;
    if (spec.find.type === 'range') {
      const { lastkey, keystep, limit } = spec.find;
      let last: number;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit <= 1) last = argc + lastkey;
      else last = first + Math.floor((argc - first) / limit) + lastkey;
      for (let i = first; i <= last && i < argc; i += keystep) out.push(i);
    } else if (spec.find.type === 'keynum') {
      const { keynumidx, firstkey, keystep } = spec.find;
      const numArg = argv[first + keynumidx];
      const n = numArg === undefined ? NaN : Number(numArg);
      if (!Number.isInteger(n) || n < 0) continue;
      const start = first + firstkey;
      for (let k = 0, i = start; k < n && i < argc; k++, i += keystep) out.push(i);
    }
  }
  return out;
}
