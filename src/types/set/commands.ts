import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import type { Value } from '../../keyspace/db.js';
import { ERR } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { parseInteger } from '../../protocol/number-format.js';
import { lookupRead, lookupWrite } from '../../keyspace/lookup.js';
import { scanWalk, startCollectionScan } from '../../keyspace/scan-args.js';
import { globMatch } from '../../keyspace/glob.js';
import { SetValue } from './set-value.js';
import { maxIntsetEntries, setAlgebraCommands, sunionDiffGeneric } from './algebra.js';

/** The set at `key` (read lookup), undefined when absent, or null after replying WRONGTYPE. */
function readSet(c: Client, key: string): SetValue | undefined | null {
  return asSet(c, lookupRead(c, key));
}

/** The set at `key` (write lookup), undefined when absent, or null after replying WRONGTYPE. */
function writeSet(c: Client, key: string): SetValue | undefined | null {
  return asSet(c, lookupWrite(c, key));
}

function asSet(c: Client, v: Value | undefined): SetValue | undefined | null {
  if (v === undefined || v instanceof SetValue) return v;
  c.reply.error(ERR.wrongType);
  return null;
}

/** Deletes a set that has just become empty, firing "del" as every set command does. */
function deleteEmptied(c: Client, key: string): void {
  c.db.delete(key);
  c.server.notify(NOTIFY.generic, 'del', key, c.db.id);
}

function sadd(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const db = c.db;
  let set = writeSet(c, key);
  if (set === null) return;
  if (set === undefined) {
    // setTypeCreate looks at the first member only; later ones convert as they arrive.
    set = SetValue.forMember(argv[2]!);
    db.add(key, set);
  }
  const max = maxIntsetEntries(c);
  let added = 0;
  for (let j = 2; j < argv.length; j++) if (set.add(argv[j]!, max)) added++;
  if (added) {
    db.signalModified(key);
    c.server.notify(NOTIFY.set, 'sadd', key, db.id);
  }
  c.server.dirty += added;
  c.reply.int(added);
}

function srem(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const db = c.db;
  const set = writeSet(c, key);
  if (set === null) return;
  if (set === undefined) {
    c.reply.int(0);
    return;
  }
  let deleted = 0;
  let keyRemoved = false;
  for (let j = 2; j < argv.length; j++) {
    if (!set.remove(argv[j]!)) continue;
    deleted++;
    if (set.size === 0) {
      db.delete(key);
      keyRemoved = true;
      break;
    }
  }
  if (deleted) {
    db.signalModified(key);
    c.server.notify(NOTIFY.set, 'srem', key, db.id);
    if (keyRemoved) c.server.notify(NOTIFY.generic, 'del', key, db.id);
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
}

/**
 * SMOVE source destination member. Both keys are looked up first; a missing source answers 0
 * before any type check, then the source's type is checked, then the destination's.
 */
function smove(c: Client, argv: string[]): void {
  const srcKey = argv[1]!;
  const dstKey = argv[2]!;
  const member = argv[3]!;
  const db = c.db;
  const srcV = lookupWrite(c, srcKey);
  const dstV = lookupWrite(c, dstKey);
  if (srcV === undefined) {
    c.reply.int(0);
    return;
  }
  const src = asSet(c, srcV);
  if (src === null || src === undefined) return;
  let dst = dstV === undefined ? undefined : asSet(c, dstV);
  if (dst === null) return;
  if (src === dst) {
    c.reply.int(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.remove(member)) {
    c.reply.int(0);
    return;
  }
  c.server.notify(NOTIFY.set, 'srem', srcKey, db.id);
  if (src.size === 0) deleteEmptied(c, srcKey);
  if (dst === undefined) {
    dst = SetValue.forMember(member);
    db.add(dstKey, dst);
  }
  db.signalModified(srcKey);
  db.signalModified(dstKey);
  c.server.dirty++;
  if (dst.add(member, maxIntsetEntries(c))) {
    c.server.dirty++;
    c.server.notify(NOTIFY.set, 'sadd', dstKey, db.id);
  }
  c.reply.int(1);
}

function sismember(c: Client, argv: string[]): void {
  const set = readSet(c, argv[1]!);
  if (set === null) return;
  c.reply.int(set !== undefined && set.has(argv[2]!) ? 1 : 0);
}

/** SMISMEMBER: a missing key is an empty set, so it answers zeros rather than nothing. */
function smismember(c: Client, argv: string[]): void {
  const set = readSet(c, argv[1]!);
  if (set === null) return;
  c.reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) c.reply.int(set !== undefined && set.has(argv[j]!) ? 1 : 0);
}

function scard(c: Client, argv: string[]): void {
  const set = readSet(c, argv[1]!);
  if (set === null) return;
  c.reply.int(set === undefined ? 0 : set.size);
}

/** SPOP key [count] */
function spop(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    spopWithCount(c, argv);
    return;
  }
  if (argv.length > 3) {
    c.reply.error(ERR.syntax);
    return;
  }
  const key = argv[1]!;
  const db = c.db;
  const set = writeSet(c, key);
  if (set === null) return;
  if (set === undefined) {
    c.reply.null();
    return;
  }
  const member = set.pop();
  c.server.notify(NOTIFY.set, 'spop', key, db.id);
  c.reply.bulk(member);
  if (set.size === 0) deleteEmptied(c, key);
  db.signalModified(key);
  c.server.dirty++;
  // Propagated as SREM of the member drawn: a replay must remove the same one (built only when
  // someone listens).
  if (c.server.propagation.active) c.rewriteArgv(['SREM', key, member]);
}

/**
 * How many times bigger than the count the rest of the set must be for SPOP to pop members one
 * by one; below it, Redis draws the members that stay into a new set and returns the old one.
 */
const SPOP_MOVE_STRATEGY_MUL = 5;

/** spopWithCountCommand: Redis's three strategies, which differ in which members come out and in the encoding left behind. */
function spopWithCount(c: Client, argv: string[]): void {
  // getPositiveLongFromObjectOrReply with a message: one text for "not a number" and "negative".
  const n = parseInteger(argv[2]!);
  if (n === null || n < 0) {
    c.reply.error('ERR value is out of range, must be positive');
    return;
  }
  const key = argv[1]!;
  const db = c.db;
  const set = writeSet(c, key);
  if (set === null) return;
  if (set === undefined || n === 0) {
    c.reply.set(0);
    return;
  }
  const size = set.size;
  c.server.notify(NOTIFY.set, 'spop', key, db.id);

  // The dirty counter grows by the number of members actually popped.
  if (n >= size) {
    // The whole set goes: Redis replies with SUNION of the key (a second, read lookup) and deletes it.
    sunionDiffGeneric(c, [key], null, 'union');
    deleteEmptied(c, key);
    db.signalModified(key);
    c.server.dirty += size;
    c.rewriteArgv([c.server.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key]);
    return;
  }
  // Otherwise each member drawn propagates as its own SREM (7.0's spopWithCountCommand).
  const prop = c.server.propagation;
  if (prop.active) c.preventPropagation = true;

  const remaining = size - n;
  c.reply.set(n);
  if (remaining * SPOP_MOVE_STRATEGY_MUL > n) {
    for (let i = 0; i < n; i++) {
      const m = set.pop();
      c.reply.bulk(m);
      if (prop.active) prop.also(db.id, ['SREM', key, m]);
    }
  } else {
    // The members that stay go into a new set (which may take a different encoding).
    const max = maxIntsetEntries(c);
    let kept: SetValue | null = null;
    for (let i = 0; i < remaining; i++) {
      const m = set.pop();
      kept ??= SetValue.forMember(m);
      kept.add(m, max);
    }
    for (const m of set.members()) {
      c.reply.bulk(m);
      if (prop.active) prop.also(db.id, ['SREM', key, m]);
    }
    const slot = db.findSlot(key);
    db.replaceValue(slot, kept!);
  }
  db.signalModified(key);
  c.server.dirty += n;
}

/** SRANDMEMBER key [count] */
function srandmember(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    srandmemberWithCount(c, argv);
    return;
  }
  if (argv.length > 3) {
    c.reply.error(ERR.syntax);
    return;
  }
  const set = readSet(c, argv[1]!);
  if (set === null) return;
  if (set === undefined) c.reply.null();
  else c.reply.bulk(set.random());
}

/** Above this many times the count, SRANDMEMBER draws members; below it, it removes from a copy. */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;

/**
 * srandmemberWithCountCommand (7.0): always an array, since a negative count may repeat members.
 * The count must be within +-LONG_MAX (LONG_MIN cannot be negated).
 */
function srandmemberWithCount(c: Client, argv: string[]): void {
  const arg = argv[2]!;
  const l = parseInteger(arg);
  if (l === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  // -LONG_MAX rounds to LONG_MIN as a double; only "-9223372036854775808" itself is below it.
  if (arg === '-9223372036854775808') {
    c.reply.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return;
  }
  const unique = l >= 0;
  const count = Math.abs(l);
  const set = readSet(c, argv[1]!);
  if (set === null) return;
  if (set === undefined || count === 0) {
    c.reply.array(0);
    return;
  }
  const r = c.reply;
  const size = set.size;
  if (!unique || count === 1) {
    r.array(count);
    for (let i = 0; i < count; i++) r.bulk(set.random());
    return;
  }
  if (count >= size) {
    r.array(size);
    for (const m of set.members()) r.bulk(m);
    return;
  }
  let picked: Iterable<string>;
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    // Copy everything, then drop random members until `count` are left.
    const all = Array.from(set.members());
    while (all.length > count) {
      const i = (Math.random() * all.length) | 0;
      all[i] = all[all.length - 1]!;
      all.pop();
    }
    picked = all;
  } else {
    const seen = new Set<string>();
    while (seen.size < count) seen.add(set.random());
    picked = seen;
  }
  r.array(count);
  for (const m of picked) r.bulk(m);
}

/**
 * SSCAN key cursor [MATCH pattern] [COUNT count]. The cursor is checked before the key, the
 * options after it (a missing key answers an empty scan whatever the options).
 */
function sscan(c: Client, argv: string[]): void {
  const start = startCollectionScan(c, argv, readSet);
  if (start === null) return;
  const { value: set, opts } = start;
  const { pattern } = opts;
  const found: string[] = [];
  const cursor = scanWalk(
    start.cursor,
    opts.count,
    (cur) => set.scan(cur, (m) => found.push(m)),
    () => found.length,
  );
  const out = pattern === null ? found : found.filter((m) => globMatch(pattern, m));
  const r = c.reply;
  r.array(2);
  r.bulk(String(cursor));
  r.array(out.length);
  for (const m of out) r.bulk(m);
}

export const setCommands: readonly CommandDef[] = [
  { name: 'sadd', handler: sadd },
  { name: 'srem', handler: srem },
  { name: 'smove', handler: smove },
  { name: 'sismember', handler: sismember },
  { name: 'smismember', handler: smismember },
  { name: 'scard', handler: scard },
  { name: 'spop', handler: spop },
  { name: 'srandmember', handler: srandmember },
  { name: 'sscan', handler: sscan },
  ...setAlgebraCommands,
];
