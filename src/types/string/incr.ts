import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { LLONG_MIN } from '../../protocol/number-format.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { STR_NOINT } from '../../keyspace/db.js';
import { LONG_DOUBLE_ZERO, addLongDouble, formatLongDoubleHuman, parseLongDouble } from './long-double.js';
import { writeSlot } from './write-slot.js';
import { addInt64, parseInt64, type Int64 } from './int64.js';

/**
 * incrDecrCommand: adds `incr` to the integer in a key (missing counts as 0), refusing int64
 * overflow, keeping the TTL.
 */
function incrDecr(c: Client, key: string, incr: Int64): void {
  const db = c.db;
  const slot = writeSlot(c, key);
  let old: Int64 = 0;
  if (slot >= 0) {
    const v = db.table.valueAt(slot);
    if (typeof v !== 'string') {
      c.reply.error(ERR.wrongType);
      return;
    }
    const n = parseInt64(v);
    if (n === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    old = n;
  }
  const result = addInt64(old, incr);
  if (result === null) {
    c.reply.error(ERR.overflow);
    return;
  }
  const text = String(result);
  // The result is always integer-encoded (createStringObjectFromLongLongForValue).
  if (slot >= 0) db.replaceValue(slot, text);
  else db.add(key, text);
  c.server.notify(NOTIFY.string, 'incrby', key, db.id);
  c.server.dirty++;
  c.reply.int(result);
}

function incrby(c: Client, argv: string[]): void {
  const incr = parseInt64(argv[2]!);
  if (incr === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  incrDecr(c, argv[1]!, incr);
}

function decrby(c: Client, argv: string[]): void {
  const incr = parseInt64(argv[2]!);
  if (incr === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  // -LLONG_MIN does not fit in an int64.
  if (incr === LLONG_MIN) {
    c.reply.error(ERR.decrementOverflow);
    return;
  }
  incrDecr(c, argv[1]!, typeof incr === 'number' ? -incr : -incr);
}

/**
 * INCRBYFLOAT in x87 long double arithmetic (see long-double.ts). The result is stored as text
 * built by createStringObject, so it is never "int" encoded, and the TTL is kept.
 */
function incrbyfloat(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const db = c.db;
  const slot = writeSlot(c, key);
  let old = LONG_DOUBLE_ZERO;
  if (slot >= 0) {
    const v = db.table.valueAt(slot);
    if (typeof v !== 'string') {
      c.reply.error(ERR.wrongType);
      return;
    }
    const p = parseLongDouble(v);
    if (p === null) {
      c.reply.error(ERR.notFloat);
      return;
    }
    old = p;
  }
  const incr = parseLongDouble(argv[2]!);
  if (incr === null) {
    c.reply.error(ERR.notFloat);
    return;
  }
  const sum = addLongDouble(old, incr);
  if (sum === null || sum.inf) {
    c.reply.error(ERR.nanOrInf);
    return;
  }
  const text = formatLongDoubleHuman(sum);
  if (slot >= 0) db.replaceValue(slot, text, STR_NOINT);
  else db.add(key, text, STR_NOINT);
  c.server.notify(NOTIFY.string, 'incrbyfloat', key, db.id);
  c.server.dirty++;
  c.reply.bulk(text);
  // Propagated as SET with the result, so float rounding can never differ on replay.
  c.rewriteArgv(['SET', key, text, 'KEEPTTL']);
}

export const incrCommands: CommandDef[] = [
  { name: 'incr', handler: (c, argv) => incrDecr(c, argv[1]!, 1) },
  { name: 'decr', handler: (c, argv) => incrDecr(c, argv[1]!, -1) },
  { name: 'incrby', handler: incrby },
  { name: 'decrby', handler: decrby },
  { name: 'incrbyfloat', handler: incrbyfloat },
];
