import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { parseInteger } from '../../protocol/number-format.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupWrite } from '../../keyspace/lookup.js';
import { ZSetValue } from './zset-value.js';
import { timeoutArg } from './args.js';

type Where = 'min' | 'max';

/**
 * genericZpopCommand: pops up to `count` elements (-1: one, the plain form) from the first
 * non-empty sorted set among `keys`, and replies in the shape the caller asks for:
 *   flat [m, s, ...]                    ZPOPMIN/MAX (RESP2, or no count)
 *   [[m, s], ...]                       ZPOPMIN/MAX with count in RESP3
 *   [key, m, s]                         BZPOPMIN/MAX
 *   [key, [[m, s], ...]]                ZMPOP/BZMPOP
 * A wrong type on a key before the first sorted set found answers WRONGTYPE.
 */
function zpopGeneric(c: Client, keys: string[], where: Where, emitKey: boolean, count: number, nested: boolean, nilWhenEmpty: boolean): void {
  let key = '';
  let z: ZSetValue | undefined;
  for (const k of keys) {
    const v = lookupWrite(c, k);
    if (v === undefined) continue;
    if (!(v instanceof ZSetValue)) {
      c.reply.error(ERR.wrongType);
      return;
    }
    key = k;
    z = v;
    break;
  }
  const r = c.reply;
  if (z === undefined) {
    if (nilWhenEmpty) r.nullArray();
    else r.array(0);
    return;
  }
  if (count === 0) {
    r.array(0);
    return;
  }
  if (count === -1) count = 1;
  const n = Math.min(count, z.size);
  if (!nested && !emitKey) r.array(n * 2);
  else if (nested && !emitKey) r.array(n);
  else if (!nested && emitKey) {
    r.array(n * 2 + 1);
    r.bulk(key);
  } else {
    r.array(2);
    r.bulk(key);
    r.array(n);
  }
  const db = c.db;
  for (let i = 0; i < n; i++) {
    const node = where === 'min' ? z.first! : z.last!;
    const member = node.member;
    const score = node.score;
    z.remove(member);
    c.server.dirty++;
    if (i === 0) {
      c.server.notify(NOTIFY.zset, where === 'min' ? 'zpopmin' : 'zpopmax', key, db.id);
      db.signalModified(key);
    }
    if (nested) r.array(2);
    r.bulk(member);
    r.double(score);
  }
  if (z.size === 0) {
    db.delete(key);
    c.server.notify(NOTIFY.generic, 'del', key, db.id);
  }
  // BZPOPMIN/MAX propagate as ZPOPMIN/MAX key; [B]ZMPOP as ZPOPMIN/MAX key <number popped>.
  if (emitKey) {
    const pop = where === 'min' ? 'ZPOPMIN' : 'ZPOPMAX';
    c.rewriteArgv(nested ? [pop, key, String(n)] : [pop, key]);
  }
}

/** ZPOPMIN/ZPOPMAX key [count]. */
function zpopMinMax(c: Client, argv: string[], where: Where): void {
  if (argv.length > 3) {
    c.reply.error(ERR.syntax);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    const n = parseInteger(argv[2]!);
    // getPositiveLongFromObjectOrReply gives one message for both failures.
    if (n === null || n < 0) {
      c.reply.error('ERR value is out of range, must be positive');
      return;
    }
    count = n;
  }
  zpopGeneric(c, [argv[1]!], where, false, count, c.reply.resp > 2 && count !== -1, false);
}

/**
 * blockingGenericZpopCommand: pops at once when a key has elements; otherwise blocks (or,
 * where blocking is not allowed, answers as a timeout). When re-run for a blocked client, a key
 * that now holds another type is passed over as Redis 7.0 does (it serves only sorted sets).
 */
function blockingZpop(c: Client, argv: string[], keys: string[], where: Where, timeoutIdx: number, count: number, nested: boolean): void {
  const timeout = timeoutArg(c, argv[timeoutIdx]!);
  if (timeout === null) return;
  const rerun = c.server.blocking.isRerun(c);
  for (const k of keys) {
    const v = lookupWrite(c, k);
    if (v === undefined) continue;
    if (!(v instanceof ZSetValue)) {
      if (rerun) continue;
      c.reply.error(ERR.wrongType);
      return;
    }
    if (v.size === 0) continue;
    zpopGeneric(c, [k], where, true, count, nested, true);
    return;
  }
  if (!c.server.blocking.canBlock(c)) {
    c.reply.nullArray();
    return;
  }
  const cmd = c.server.commands.lookup(argv);
  if (cmd === undefined) return;
  c.server.blocking.block(c, cmd, argv, keys, timeout, (cl) => cl.reply.nullArray());
}

function bzpopMinMax(c: Client, argv: string[], where: Where): void {
  blockingZpop(c, argv, argv.slice(1, -1), where, argv.length - 1, -1, false);
}

/** ZMPOP numkeys key... MIN|MAX [COUNT n] and BZMPOP timeout numkeys ... (zmpopGenericCommand). */
function zmpopGeneric(c: Client, argv: string[], numkeysIdx: number, block: boolean): void {
  const numkeys = parseInteger(argv[numkeysIdx]!);
  if (numkeys === null || numkeys < 1) {
    c.reply.error('ERR numkeys should be greater than 0');
    return;
  }
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.reply.error(ERR.syntax);
    return;
  }
  const w = argv[whereIdx]!.toLowerCase();
  if (w !== 'min' && w !== 'max') {
    c.reply.error(ERR.syntax);
    return;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && more) {
      j++;
      const n = parseInteger(argv[j]!);
      if (n === null || n < 1) {
        c.reply.error('ERR count should be greater than 0');
        return;
      }
      count = n;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, whereIdx);
  if (block) blockingZpop(c, argv, keys, w, 1, count, true);
  else zpopGeneric(c, keys, w, true, count, true, true);
}

export const zpopCommands: readonly CommandDef[] = [
  { name: 'zpopmin', handler: (c, argv) => zpopMinMax(c, argv, 'min') },
  { name: 'zpopmax', handler: (c, argv) => zpopMinMax(c, argv, 'max') },
  { name: 'bzpopmin', handler: (c, argv) => bzpopMinMax(c, argv, 'min') },
  { name: 'bzpopmax', handler: (c, argv) => bzpopMinMax(c, argv, 'max') },
  { name: 'zmpop', handler: (c, argv) => zmpopGeneric(c, argv, 1, false) },
  { name: 'bzmpop', handler: (c, argv) => zmpopGeneric(c, argv, 2, true) },
];
