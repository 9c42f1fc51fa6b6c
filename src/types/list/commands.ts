import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, arityError } from '../../errors.js';
import { parseBigInteger, parseInteger, LLONG_MIN } from '../../protocol/number-format.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { ListValue } from './list-value.js';
import {
  type ListEnd,
  listElementsRemoved,
  listForWrite,
  moveElement,
  parseListEnd,
  parseMpopArgs,
  popEnd,
  popRangeReplyWithKey,
  pushEnd,
  replyListRange,
} from './list-ops.js';
import { blockingListCommands } from './blocking-commands.js';

/** The list at a key for a read (counting a hit or miss), undefined if absent, null after WRONGTYPE. */
function listForRead(c: Client, key: string): ListValue | undefined | null {
  const v = lookupRead(c, key);
  if (v === undefined || v instanceof ListValue) return v;
  c.reply.error(ERR.wrongType);
  return null;
}

/** getLongFromObjectOrReply: an int64 argument, or null after replying `msg`. */
function longArg(c: Client, arg: string, msg: string = ERR.notInteger): number | null {
  const n = parseInteger(arg);
  if (n === null) c.reply.error(msg);
  return n;
}

/** getPositiveLongFromObjectOrReply: Redis uses `msg` for non-integers as well as for negatives. */
function positiveLongArg(c: Client, arg: string, msg: string): number | null {
  const n = parseInteger(arg);
  if (n === null || n < 0) {
    c.reply.error(msg);
    return null;
  }
  return n;
}

/** pushGenericCommand: LPUSH/RPUSH, and with `onlyExisting` LPUSHX/RPUSHX. */
function push(c: Client, argv: string[], where: ListEnd, onlyExisting: boolean): void {
  const key = argv[1]!;
  let list = listForWrite(c, key);
  if (list === null) return;
  const db = c.db;
  if (list === undefined) {
    if (onlyExisting) {
      c.reply.int(0);
      return;
    }
    list = new ListValue(argv.length - 2);
    for (let j = 2; j < argv.length; j++) pushEnd(list, argv[j]!, where);
    db.add(key, list);
  } else {
    for (let j = 2; j < argv.length; j++) pushEnd(list, argv[j]!, where);
    db.signalModified(key);
  }
  c.server.dirty += argv.length - 2;
  c.reply.int(list.length);
  c.server.notify(NOTIFY.list, where === 'head' ? 'lpush' : 'rpush', key, db.id);
}

/** popGenericCommand: LPOP/RPOP with an optional COUNT (a bulk without it, an array with it). */
function pop(c: Client, argv: string[], where: ListEnd): void {
  if (argv.length > 3) {
    c.reply.error(arityError(argv[0]!.toLowerCase()));
    return;
  }
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const n = positiveLongArg(c, argv[2]!, 'ERR value is out of range, must be positive');
    if (n === null) return;
    count = n;
  }
  const key = argv[1]!;
  const list = listForWrite(c, key);
  if (list === null) return;
  if (list === undefined) {
    if (hasCount) c.reply.nullArray();
    else c.reply.null();
    return;
  }
  if (hasCount && count === 0) {
    c.reply.array(0);
    return;
  }
  if (!hasCount) {
    c.reply.bulk(popEnd(list, where));
    listElementsRemoved(c, key, where, list, 1);
    return;
  }
  const n = Math.min(count, list.length);
  const popped = new Array<string>(n);
  for (let i = 0; i < n; i++) popped[i] = popEnd(list, where);
  c.reply.array(n);
  c.reply.bulks(popped);
  listElementsRemoved(c, key, where, list, n);
}

function llen(c: Client, argv: string[]): void {
  const list = listForRead(c, argv[1]!);
  if (list === null) return;
  c.reply.int(list === undefined ? 0 : list.length);
}

function lrange(c: Client, argv: string[]): void {
  const start = longArg(c, argv[2]!);
  if (start === null) return;
  const end = longArg(c, argv[3]!);
  if (end === null) return;
  const list = listForRead(c, argv[1]!);
  if (list === null) return;
  if (list === undefined) c.reply.array(0);
  else replyListRange(c, list, start, end, false);
}

function lindex(c: Client, argv: string[]): void {
  const list = listForRead(c, argv[1]!);
  if (list === null) return;
  if (list === undefined) {
    c.reply.null();
    return;
  }
  let index = longArg(c, argv[2]!);
  if (index === null) return;
  if (index < 0) index += list.length;
  if (index < 0 || index >= list.length) c.reply.null();
  else c.reply.bulk(list.at(index));
}

function lset(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const list = listForWrite(c, key);
  if (list === null) return;
  if (list === undefined) {
    c.reply.error(ERR.noKey);
    return;
  }
  let index = longArg(c, argv[2]!);
  if (index === null) return;
  if (index < 0) index += list.length;
  if (index < 0 || index >= list.length) {
    c.reply.error(ERR.outOfRange);
    return;
  }
  list.setAt(index, argv[3]!);
  c.reply.ok();
  c.db.signalModified(key);
  c.server.notify(NOTIFY.list, 'lset', key, c.db.id);
  c.server.dirty++;
}

function linsert(c: Client, argv: string[]): void {
  const pos = argv[2]!.toLowerCase();
  if (pos !== 'after' && pos !== 'before') {
    c.reply.error(ERR.syntax);
    return;
  }
  const key = argv[1]!;
  const list = listForWrite(c, key);
  if (list === null) return;
  if (list === undefined) {
    c.reply.int(0);
    return;
  }
  const i = list.indexOf(argv[3]!);
  if (i < 0) {
    c.reply.int(-1);
    return;
  }
  list.insertAt(pos === 'after' ? i + 1 : i, argv[4]!);
  c.db.signalModified(key);
  c.server.notify(NOTIFY.list, 'linsert', key, c.db.id);
  c.server.dirty++;
  c.reply.int(list.length);
}

function lrem(c: Client, argv: string[]): void {
  const toRemove = longArg(c, argv[2]!);
  if (toRemove === null) return;
  const key = argv[1]!;
  const list = listForWrite(c, key);
  if (list === null) return;
  if (list === undefined) {
    c.reply.int(0);
    return;
  }
  // A negative count scans from the tail; LLONG_MIN, which C cannot negate, removes them all.
  const removed = list.removeMatching(argv[3]!, Math.abs(toRemove), toRemove < 0);
  const db = c.db;
  c.server.dirty += removed;
  if (removed) {
    db.signalModified(key);
    c.server.notify(NOTIFY.list, 'lrem', key, db.id);
  }
  if (list.length === 0) {
    db.delete(key);
    c.server.notify(NOTIFY.generic, 'del', key, db.id);
  }
  c.reply.int(removed);
}

function ltrim(c: Client, argv: string[]): void {
  let start = longArg(c, argv[2]!);
  if (start === null) return;
  let end = longArg(c, argv[3]!);
  if (end === null) return;
  const key = argv[1]!;
  const list = listForWrite(c, key);
  if (list === null) return;
  if (list === undefined) {
    c.reply.ok();
    return;
  }
  const llen = list.length;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  let ltrim: number;
  let rtrim: number;
  if (start > end || start >= llen) {
    ltrim = llen;
    rtrim = 0;
  } else {
    if (end >= llen) end = llen - 1;
    ltrim = start;
    rtrim = llen - end - 1;
  }
  list.trimHead(ltrim);
  list.trimTail(rtrim);
  const db = c.db;
  // Redis fires "ltrim" and signals the key even when nothing was trimmed.
  c.server.notify(NOTIFY.list, 'ltrim', key, db.id);
  if (list.length === 0) {
    db.delete(key);
    c.server.notify(NOTIFY.generic, 'del', key, db.id);
  } else {
    db.signalModified(key);
  }
  c.server.dirty += ltrim + rtrim;
  c.reply.ok();
}

const RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]. */
function lpos(c: Client, argv: string[]): void {
  const ele = argv[2]!;
  let rank = 1;
  // 7.0 reads RANK with getLongFromObjectOrReply: LLONG_MIN passes, and negating it overflows,
  // so every match from the tail counts and no COUNT is ever reached.
  let rankMin = false;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const moreArgs = argv.length - 1 - j;
    if (opt === 'rank' && moreArgs) {
      const r = parseBigInteger(argv[++j]!);
      if (r === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      if (r === 0n) {
        c.reply.error(RANK_ZERO);
        return;
      }
      rankMin = r === LLONG_MIN;
      rank = Number(r);
    } else if (opt === 'count' && moreArgs) {
      const n = positiveLongArg(c, argv[++j]!, "ERR COUNT can't be negative");
      if (n === null) return;
      count = n;
    } else if (opt === 'maxlen' && moreArgs) {
      const n = positiveLongArg(c, argv[++j]!, "ERR MAXLEN can't be negative");
      if (n === null) return;
      maxlen = n;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  const fromTail = rank < 0;
  if (rank < 0) rank = -rank;
  const list = listForRead(c, argv[1]!);
  if (list === null) return;
  if (list === undefined) {
    if (count !== -1) c.reply.array(0);
    else c.reply.null();
    return;
  }
  const llen = list.length;
  const found: number[] = [];
  let matches = 0;
  for (let index = 0; index < llen && (maxlen === 0 || index < maxlen); index++) {
    const pos = fromTail ? llen - index - 1 : index;
    if (list.at(pos) !== ele) continue;
    matches++;
    if (!rankMin && matches < rank) continue;
    found.push(pos);
    if (count === -1) break;
    if (!rankMin && count && matches - rank + 1 >= count) break;
  }
  if (count !== -1) {
    c.reply.array(found.length);
    for (const p of found) c.reply.int(p);
  } else if (found.length) c.reply.int(found[0]!);
  else c.reply.null();
}

/** LMOVE source destination LEFT|RIGHT LEFT|RIGHT; RPOPLPUSH is LMOVE ... RIGHT LEFT. */
export function lmoveGeneric(c: Client, src: string, dst: string, from: ListEnd, to: ListEnd): void {
  const list = listForWrite(c, src);
  if (list === null) return;
  if (list === undefined) {
    c.reply.null();
    return;
  }
  moveElement(c, src, list, dst, from, to);
}

function lmove(c: Client, argv: string[]): void {
  const from = parseListEnd(c, argv[3]!);
  if (from === null) return;
  const to = parseListEnd(c, argv[4]!);
  if (to === null) return;
  lmoveGeneric(c, argv[1]!, argv[2]!, from, to);
}

/** mpopGenericCommand: pops from the first non-empty list of the keys, or replies a null array. */
function lmpop(c: Client, argv: string[]): void {
  const args = parseMpopArgs(c, argv, 1);
  if (args === null) return;
  for (const key of args.keys) {
    const list = listForWrite(c, key);
    if (list === null) return;
    if (list === undefined || list.length === 0) continue;
    popRangeReplyWithKey(c, list, key, args.where, args.count);
    return;
  }
  c.reply.nullArray();
}

export const listCommands: readonly CommandDef[] = [
  { name: 'lpush', handler: (c, argv) => push(c, argv, 'head', false) },
  { name: 'rpush', handler: (c, argv) => push(c, argv, 'tail', false) },
  { name: 'lpushx', handler: (c, argv) => push(c, argv, 'head', true) },
  { name: 'rpushx', handler: (c, argv) => push(c, argv, 'tail', true) },
  { name: 'lpop', handler: (c, argv) => pop(c, argv, 'head') },
  { name: 'rpop', handler: (c, argv) => pop(c, argv, 'tail') },
  { name: 'llen', handler: llen },
  { name: 'lrange', handler: lrange },
  { name: 'lindex', handler: lindex },
  { name: 'lset', handler: lset },
  { name: 'linsert', handler: linsert },
  { name: 'lrem', handler: lrem },
  { name: 'ltrim', handler: ltrim },
  { name: 'lpos', handler: lpos },
  { name: 'lmove', handler: lmove },
  { name: 'rpoplpush', handler: (c, argv) => lmoveGeneric(c, argv[1]!, argv[2]!, 'tail', 'head') },
  { name: 'lmpop', handler: lmpop },
  ...blockingListCommands,
];
