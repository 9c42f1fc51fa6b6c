import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { parseInteger } from '../../protocol/number-format.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { SetValue } from './set-value.js';

/** set-max-intset-entries, read per command so CONFIG SET takes effect at once. */
export function maxIntsetEntries(c: Client): number {
  // Every SADD asks: the config is read again only after it changed (its generation moved).
  const config = c.server.config;
  if (config !== cachedFor || config.generation !== cachedGeneration) {
    cachedMax = config.int('set-max-intset-entries');
    cachedFor = config;
    cachedGeneration = config.generation;
  }
  return cachedMax;
}
let cachedMax = 0;
let cachedFor: object | null = null;
let cachedGeneration = -1;

/**
 * The source sets of an algebra command, looked up for reading as 7.0 does even for the STORE
 * variants (so they count keyspace hits and misses). A missing key is null (an empty set). Every
 * key is checked, so a wrong type anywhere wins over a missing key earlier. Returns null after
 * replying WRONGTYPE.
 */
function lookupSources(c: Client, keys: readonly string[]): (SetValue | null)[] | null {
  const sets: (SetValue | null)[] = [];
  for (const key of keys) {
    const v = lookupRead(c, key);
    if (v === undefined) {
      sets.push(null);
      continue;
    }
    if (!(v instanceof SetValue)) {
      c.reply.error(ERR.wrongType);
      return null;
    }
    sets.push(v);
  }
  return sets;
}

/**
 * Stores the result of a STORE variant as Redis does: a non-empty result replaces the
 * destination (setKey: any TTL goes) and fires `event`; an empty one deletes it, firing "del".
 */
function storeResult(c: Client, dstkey: string, result: SetValue, event: string): void {
  const db = c.db;
  if (result.size > 0) {
    db.set(dstkey, result);
    c.reply.int(result.size);
    c.server.notify(NOTIFY.set, event, dstkey, db.id);
    c.server.dirty++;
  } else {
    c.reply.int(0);
    if (db.delete(dstkey)) {
      c.server.dirty++;
      c.server.notify(NOTIFY.generic, 'del', dstkey, db.id);
    }
  }
}

/**
 * sinterGenericCommand: SINTER, SINTERSTORE, SINTERCARD and SMEMBERS (7.0's SMEMBERS is SINTER
 * of one key). The smallest set is walked (a stable sort, as glibc's merge sort is) and each
 * member tested against the others, so the reply comes in that set's order.
 */
export function sinterGeneric(c: Client, keys: readonly string[], dstkey: string | null, cardinalityOnly = false, limit = 0): void {
  const found = lookupSources(c, keys);
  if (found === null) return;
  if (found.includes(null)) {
    // Intersection with an empty set is empty: answer at once.
    if (dstkey !== null) {
      const db = c.db;
      if (db.delete(dstkey)) {
        c.server.notify(NOTIFY.generic, 'del', dstkey, db.id);
        c.server.dirty++;
      }
      c.reply.int(0);
    } else if (cardinalityOnly) {
      c.reply.int(0);
    } else {
      c.reply.set(0);
    }
    return;
  }
  const sets: SetValue[] = [];
  for (const s of found) if (s !== null) sets.push(s);
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0]!;
  const max = maxIntsetEntries(c);
  // The STORE result starts as an empty intset and converts as members arrive (createIntsetObject).
  const dst = dstkey !== null ? new SetValue() : null;
  const out: string[] = [];
  let cardinality = 0;
  for (const m of first.members()) {
    let inAll = true;
    for (let j = 1; j < sets.length; j++) {
      const s = sets[j]!;
      if (s === first) continue;
      if (!s.has(m)) {
        inAll = false;
        break;
      }
    }
    if (!inAll) continue;
    if (cardinalityOnly) {
      cardinality++;
      if (limit !== 0 && cardinality >= limit) break;
    } else if (dst !== null) {
      dst.add(m, max);
    } else {
      out.push(m);
    }
  }
  if (cardinalityOnly) {
    c.reply.int(cardinality);
  } else if (dst !== null) {
    storeResult(c, dstkey!, dst, 'sinterstore');
  } else {
    c.reply.set(out.length);
    for (const m of out) c.reply.bulk(m);
  }
}

/**
 * sunionDiffGenericCommand: SUNION, SDIFF and their STORE variants (and SPOP's "pop everything"
 * reply). The result is built in a fresh set that starts as an intset, so its encoding and, for
 * an intset, its sorted order are Redis's. SDIFF picks between Redis's two algorithms by the same
 * estimate, since they can leave the result in different encodings.
 */
export function sunionDiffGeneric(c: Client, keys: readonly string[], dstkey: string | null, op: 'union' | 'diff'): void {
  const sets = lookupSources(c, keys);
  if (sets === null) return;
  const first = sets[0] ?? null;
  let sameset = false;
  for (let j = 1; j < sets.length; j++) if (first !== null && sets[j] === first) sameset = true;

  let algo = 1;
  if (op === 'diff' && first !== null && !sameset) {
    let one = 0;
    let two = 0;
    for (const s of sets) {
      if (s === null) continue;
      one += first.size;
      two += s.size;
    }
    // Algorithm 1 has better constants: Redis gives it a head start.
    one = Math.floor(one / 2);
    algo = one <= two ? 1 : 2;
    // Algorithm 1 then tries the biggest sets first (by decreasing size; missing ones count as 0).
    if (algo === 1 && sets.length > 1) {
      const rest = sets.slice(1).sort((a, b) => (b?.size ?? 0) - (a?.size ?? 0));
      for (let j = 0; j < rest.length; j++) sets[j + 1] = rest[j]!;
    }
  }

  const max = maxIntsetEntries(c);
  const dst = new SetValue();
  let cardinality = 0;
  if (op === 'union') {
    for (const s of sets) {
      if (s === null) continue;
      for (const m of s.members()) if (dst.add(m, max)) cardinality++;
    }
  } else if (sameset) {
    // A key subtracted from itself: the difference is empty.
  } else if (first !== null && algo === 1) {
    for (const m of first.members()) {
      let keep = true;
      for (let j = 1; j < sets.length; j++) {
        const s = sets[j];
        if (s === null || s === undefined) continue;
        if (s === first || s.has(m)) {
          keep = false;
          break;
        }
      }
      if (keep) {
        dst.add(m, max);
        cardinality++;
      }
    }
  } else if (first !== null) {
    for (let j = 0; j < sets.length; j++) {
      const s = sets[j];
      if (s === null || s === undefined) continue;
      for (const m of s.members()) {
        if (j === 0) {
          if (dst.add(m, max)) cardinality++;
        } else if (dst.remove(m)) {
          cardinality--;
        }
      }
      // Nothing left to subtract from.
      if (cardinality === 0) break;
    }
  }

  if (dstkey === null) {
    c.reply.set(cardinality);
    for (const m of dst.members()) c.reply.bulk(m);
  } else {
    storeResult(c, dstkey, dst, op === 'union' ? 'sunionstore' : 'sdiffstore');
  }
}

function sinter(c: Client, argv: string[]): void {
  sinterGeneric(c, argv.slice(1), null);
}

function sinterstore(c: Client, argv: string[]): void {
  sinterGeneric(c, argv.slice(2), argv[1]!);
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit] */
function sintercard(c: Client, argv: string[]): void {
  const numkeys = parseInteger(argv[1]!);
  if (numkeys === null || numkeys < 1) {
    c.reply.error('ERR numkeys should be greater than 0');
    return;
  }
  if (numkeys > argv.length - 2) {
    c.reply.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (argv[j]!.toLowerCase() === 'limit' && more > 0) {
      const n = parseInteger(argv[++j]!);
      if (n === null || n < 0) {
        c.reply.error("ERR LIMIT can't be negative");
        return;
      }
      limit = n;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  sinterGeneric(c, argv.slice(2, 2 + numkeys), null, true, limit);
}

function sunion(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv.slice(1), null, 'union');
}

function sunionstore(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv.slice(2), argv[1]!, 'union');
}

function sdiff(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv.slice(1), null, 'diff');
}

function sdiffstore(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv.slice(2), argv[1]!, 'diff');
}

/** 7.0's SMEMBERS is sinterCommand over one key: the set in its own iteration order. */
function smembers(c: Client, argv: string[]): void {
  sinterGeneric(c, [argv[1]!], null);
}

export const setAlgebraCommands: readonly CommandDef[] = [
  { name: 'sinter', handler: sinter },
  { name: 'sinterstore', handler: sinterstore },
  { name: 'sintercard', handler: sintercard },
  { name: 'sunion', handler: sunion },
  { name: 'sunionstore', handler: sunionstore },
  { name: 'sdiff', handler: sdiff },
  { name: 'sdiffstore', handler: sdiffstore },
  { name: 'smembers', handler: smembers },
];
