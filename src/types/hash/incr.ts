import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble, LONG_DOUBLE_ZERO } from '../string/long-double.js';
import { addInt64, parseInt64, type Int64 } from '../string/int64.js';
import { writeHash } from './access.js';
import { hashLimits } from './hash-value.js';

const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const HASH_NOT_FLOAT = 'ERR hash value is not a float';
const INCR_NAN_OR_INF = 'ERR value is NaN or Infinity';

/** HINCRBY key field increment: int64 arithmetic, refusing overflow as INCRBY does. */
function hincrby(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const field = argv[2]!;
  // The increment is checked before the key is created.
  const incr = parseInt64(argv[3]!);
  if (incr === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  const h = writeHash(c, key);
  if (h === null) return;
  let old: Int64 = 0;
  const cur = h.get(field);
  if (cur !== undefined) {
    const n = parseInt64(cur);
    if (n === null) {
      c.reply.error(HASH_NOT_INTEGER);
      return;
    }
    old = n;
  }
  const result = addInt64(old, incr);
  if (result === null) {
    c.reply.error(ERR.overflow);
    return;
  }
  h.set(field, String(result), hashLimits(c.server.config));
  c.reply.int(result);
  c.db.signalModified(key);
  c.server.notify(NOTIFY.hash, 'hincrby', key, c.db.id);
  c.server.dirty++;
}

/** HINCRBYFLOAT key field increment: x87 long double arithmetic, formatted as INCRBYFLOAT. */
function hincrbyfloat(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const field = argv[2]!;
  const incr = parseLongDouble(argv[3]!);
  if (incr === null) {
    c.reply.error(ERR.notFloat);
    return;
  }
  if (incr.inf) {
    c.reply.error(INCR_NAN_OR_INF);
    return;
  }
  const h = writeHash(c, key);
  if (h === null) return;
  let old = LONG_DOUBLE_ZERO;
  const cur = h.get(field);
  if (cur !== undefined) {
    const p = parseLongDouble(cur);
    if (p === null) {
      c.reply.error(HASH_NOT_FLOAT);
      return;
    }
    old = p;
  }
  const sum = addLongDouble(old, incr);
  if (sum === null || sum.inf) {
    c.reply.error(ERR.nanOrInf);
    return;
  }
  const text = formatLongDoubleHuman(sum);
  h.set(field, text, hashLimits(c.server.config));
  c.reply.bulk(text);
  c.db.signalModified(key);
  c.server.notify(NOTIFY.hash, 'hincrbyfloat', key, c.db.id);
  c.server.dirty++;
  // Propagated as HSET with the result: float rounding never differs on replay.
  c.rewriteArgv(['HSET', key, field, text]);
}

export const incrCommands: CommandDef[] = [
  { name: 'hincrby', handler: hincrby },
  { name: 'hincrbyfloat', handler: hincrbyfloat },
];
