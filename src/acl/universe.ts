import fs from 'node:fs';
import type { SpecNode } from '../commands/spec-node.js';

/**
 * The commands ACL rules speak of: every command and subcommand of Redis 7.0.15's own table
 * (redis-spec.json), plus the few newer ones Nodis adopts (extra-spec.json), whether or not Nodis
 * implements them yet. Redis's rule descriptions ("-@all +@hash -hget") come from counting the
 * commands of each category, so the universe must be Redis's for those strings to come out the
 * same. Each command gets an id, its bit in a selector's bitmap.
 */

/** Redis 7.0's ACLCommandCategories, in its order (ACL CAT, COMMAND INFO, rule descriptions). */
export const CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
  'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
] as const;

export interface AclCommand {
  readonly id: number;
  /** "get", "config|get". */
  readonly fullName: string;
  /** Category bits: 1 << index in CATEGORIES. */
  readonly categories: number;
  readonly parent: AclCommand | null;
  readonly subcommands: AclCommand[];
}

type RawSpec = Record<string, { info: SpecNode }>;

function loadSpec(file: string): RawSpec {
  return JSON.parse(fs.readFileSync(new URL(`../../../src/commands/${file}`, import.meta.url), 'utf8')) as RawSpec;
}

/** The category bit of a name ("hash", any case), 0 when unknown (ACLGetCommandCategoryFlagByName). */
export function categoryFlag(name: string): number {
  const i = CATEGORIES.indexOf(name.toLowerCase() as (typeof CATEGORIES)[number]);
  return i < 0 ? 0 : 1 << i;
}

function categoryBits(n: SpecNode | undefined): number {
  let bits = 0;
  if (n && typeof n === 'object' && !Array.isArray(n) && '~' in n) {
    for (const item of n['~']) {
      const s = item && typeof item === 'object' && !Array.isArray(item) && '+' in item ? item['+'] : String(item);
      bits |= categoryFlag(s.startsWith('@') ? s.slice(1) : s);
    }
  }
  return bits;
}

class Universe {
  /** Top-level commands in table order; subcommands hang off them. */
  readonly commands: AclCommand[] = [];
  readonly byName = new Map<string, AclCommand>();
  /** Ids run 0..size-1; bit `size` is the reserved "future commands" bit set only by +@all. */
  size = 0;

  add(info: SpecNode, parent: AclCommand | null): AclCommand | null {
    if (!Array.isArray(info)) return null;
    const fullName = String(info[0]);
    if (this.byName.has(fullName)) return null;
    const cmd: AclCommand = { id: this.size++, fullName, categories: categoryBits(info[6]), parent, subcommands: [] };
    this.byName.set(fullName, cmd);
    if (parent) parent.subcommands.push(cmd);
    else this.commands.push(cmd);
    const subs = info[9];
    if (Array.isArray(subs)) for (const s of subs) this.add(s, cmd);
    return cmd;
  }
}

function buildUniverse(): Universe {
  const u = new Universe();
  for (const s of Object.values(loadSpec('redis-spec.json'))) u.add(s.info, null);
  const extra = loadSpec('extra-spec.json');
  for (const [name, s] of Object.entries(extra)) {
    const bar = name.indexOf('|');
    if (bar < 0) u.add(s.info, null);
    else {
      const parent = u.byName.get(name.slice(0, bar));
      if (parent) u.add(s.info, parent);
    }
  }
  return u;
}

export const universe = buildUniverse();

/** The reserved bit: a selector that had +@all may run commands added later. */
export const FUTURE_BIT = universe.size;

/**
 * ACLLookupCommand: "get" or "config|get", any case; a container named alone is the container.
 * Three parts or an unknown subcommand find nothing.
 */
export function lookupAclCommand(name: string): AclCommand | undefined {
  const parts = name.toLowerCase().split('|');
  if (parts.length > 2) return undefined;
  const base = universe.byName.get(parts[0]!);
  if (base === undefined || base.parent !== null) return undefined;
  if (parts.length === 1) return base;
  if (base.subcommands.length === 0) return undefined;
  return universe.byName.get(`${parts[0]!}|${parts[1]!}`);
}
