import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { parseInteger } from '../../protocol/number-format.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupWrite } from '../../keyspace/lookup.js';
import { ListValue } from './list-value.js';

/**
 * The pieces of t_list.c that several list commands share: the blocking commands (served or
 * not) and the plain ones reply and notify through exactly the same steps, as in Redis.
 */

/** Redis's LIST_HEAD / LIST_TAIL. */
export type ListEnd = 'head' | 'tail';

/** getListPositionFromObjectOrReply: LEFT or RIGHT, any case; anything else is a syntax error. */
export function parseListEnd(c: Client, arg: string): ListEnd | null {
  const a = arg.toLowerCase();
  if (a === 'left') return 'head';
  if (a === 'right') return 'tail';
  c.reply.error(ERR.syntax);
  return null;
}

/**
 * The list at a key for a write (no hit/miss accounting), undefined if absent, or null after
 * replying WRONGTYPE.
 */
export function listForWrite(c: Client, key: string): ListValue | undefined | null {
  const v = lookupWrite(c, key);
  if (v === undefined || v instanceof ListValue) return v;
  c.reply.error(ERR.wrongType);
  return null;
}

export function popEnd(list: ListValue, where: ListEnd): string {
  return (where === 'head' ? list.popHead() : list.popTail())!;
}

export function pushEnd(list: ListValue, value: string, where: ListEnd): void {
  if (where === 'head') list.pushHead(value);
  else list.pushTail(value);
}

/**
 * addListRangeReply: elements start..end with Redis's index rules (negative from the tail,
 * clamped; an empty range is an empty array), tail first when `reverse`.
 */
export function replyListRange(c: Client, list: ListValue, start: number, end: number, reverse: boolean): void {
  const llen = list.length;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    c.reply.array(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  c.reply.array(end - start + 1);
  const items = list.range(start, end);
  if (reverse) items.reverse();
  c.reply.bulks(items);
}

/**
 * listElementsRemoved: after popping `count` elements, fire lpop/rpop, delete the emptied key
 * (firing "del"), signal the key and count the changes. Returns whether the key was deleted.
 */
export function listElementsRemoved(c: Client, key: string, where: ListEnd, list: ListValue, count: number): boolean {
  const db = c.db;
  c.server.notify(NOTIFY.list, where === 'head' ? 'lpop' : 'rpop', key, db.id);
  let deleted = false;
  if (list.length === 0) {
    db.delete(key);
    c.server.notify(NOTIFY.generic, 'del', key, db.id);
    deleted = true;
  } else {
    db.signalModified(key);
  }
  c.server.dirty += count;
  return deleted;
}

/**
 * listPopRangeAndReplyWithKey (LMPOP, BLMPOP): [key, [up to count elements]] popped from one
 * end, with the side effects of listElementsRemoved.
 */
export function popRangeReplyWithKey(c: Client, list: ListValue, key: string, where: ListEnd, count: number): void {
  const n = Math.min(count, list.length);
  c.reply.array(2);
  c.reply.bulk(key);
  const popped = new Array<string>(n);
  for (let i = 0; i < n; i++) popped[i] = popEnd(list, where);
  c.reply.array(n);
  c.reply.bulks(popped);
  listElementsRemoved(c, key, where, list, n);
  // [B]LMPOP propagates as LPOP/RPOP with the number actually popped.
  c.rewriteArgv([where === 'head' ? 'LPOP' : 'RPOP', key, String(n)]);
}

/**
 * lmoveHandlePush: pushes the moved value onto the destination (created if absent, firing
 * "new"), fires lpush/rpush and replies the value.
 */
export function moveHandlePush(c: Client, dstKey: string, dst: ListValue | undefined, value: string, where: ListEnd): void {
  const db = c.db;
  let list = dst;
  if (list === undefined) {
    list = new ListValue();
    list.pushTail(value);
    db.add(dstKey, list);
  } else {
    pushEnd(list, value, where);
    db.signalModified(dstKey);
  }
  c.server.notify(NOTIFY.list, where === 'head' ? 'lpush' : 'rpush', dstKey, db.id);
  c.reply.bulk(value);
}

/**
 * lmoveGenericCommand once the source is known to be a non-empty list: checks the destination's
 * type, moves one element, fires the pop (after the push, as Redis does), deletes an emptied
 * source. A `served` blocked BLMOVE (serveClientBlockedOnList) neither signals the source nor
 * counts a change: the push that readied it did both.
 */
export function moveElement(c: Client, srcKey: string, src: ListValue, dstKey: string, from: ListEnd, to: ListEnd, served = false): void {
  const dst = listForWrite(c, dstKey);
  if (dst === null) return;
  const db = c.db;
  const value = popEnd(src, from);
  moveHandlePush(c, dstKey, dst, value, to);
  c.server.notify(NOTIFY.list, from === 'head' ? 'lpop' : 'rpop', srcKey, db.id);
  if (src.length === 0) {
    db.delete(srcKey);
    c.server.notify(NOTIFY.generic, 'del', srcKey, db.id);
  } else if (!served) {
    db.signalModified(srcKey);
  }
  if (!served) c.server.dirty++;
}

/** Parsed [B]LMPOP arguments after numkeys. */
export interface MpopArgs {
  keys: string[];
  where: ListEnd;
  count: number;
}

/**
 * lmpopGenericCommand's parsing: numkeys (>= 1), that many keys, LEFT|RIGHT, then COUNT once.
 * Null after replying an error.
 */
export function parseMpopArgs(c: Client, argv: string[], numkeysIdx: number): MpopArgs | null {
  const numkeys = parseInteger(argv[numkeysIdx]!);
  if (numkeys === null || numkeys < 1) {
    c.reply.error('ERR numkeys should be greater than 0');
    return null;
  }
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.reply.error(ERR.syntax);
    return null;
  }
  const where = parseListEnd(c, argv[whereIdx]!);
  if (where === null) return null;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j;
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && moreArgs) {
      const n = parseInteger(argv[++j]!);
      if (n === null || n < 1) {
        c.reply.error('ERR count should be greater than 0');
        return null;
      }
      count = n;
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), where, count: count === -1 ? 1 : count };
}

