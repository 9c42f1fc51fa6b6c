import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupWrite } from '../../keyspace/lookup.js';
import { parseLongDouble, type LongDouble } from '../string/long-double.js';
import { ListValue } from './list-value.js';
import { type ListEnd, listForWrite, moveElement, parseListEnd, parseMpopArgs, popEnd, popRangeReplyWithKey } from './list-ops.js';

const LLONG_MAX = 9223372036854775807n;
const TWO_63 = 1n << 63n;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * Redis 7.0.15's `(long long) ceill(ftval * 1000.0)` in x87 long double arithmetic: the product
 * is rounded to a 64-bit mantissa (ties to even), rounded up to an integer, and a value outside
 * int64 (infinities included) converts to LLONG_MIN, as the x87 does. So 0.0001 is 1 ms, -0.0001
 * is 0 (wait forever) and 1e300 is "negative".
 */
function secondsToMillis(v: LongDouble): bigint {
  if (v.inf) return -TWO_63;
  if (v.mant === 0n) return 0n;
  let n = v.mant * 1000n;
  let e = v.exp;
  const extra = bitLength(n) - 64;
  if (extra > 0) {
    const s = BigInt(extra);
    let q = n >> s;
    const rem = n - (q << s);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    n = q;
    e += extra;
  }
  let magnitude: bigint;
  if (e >= 0) {
    if (e > 64) return -TWO_63;
    magnitude = n << BigInt(e);
  } else {
    const s = BigInt(-e);
    const q = n >> s;
    // ceil: up for a positive fraction, towards zero for a negative one.
    magnitude = !v.neg && q << s !== n ? q + 1n : q;
  }
  const ms = v.neg ? -magnitude : magnitude;
  if (ms >= TWO_63 || ms < -TWO_63) return -TWO_63;
  return ms;
}

/**
 * getTimeoutFromObjectOrReply in seconds: the wait in ms (0: forever), or null after replying.
 * A deadline past int64 wraps in Redis and then never fires: that too waits forever here.
 */
export function blockTimeoutOrReply(c: Client, arg: string): number | null {
  const v = parseLongDouble(arg);
  if (v === null) {
    c.reply.error('ERR timeout is not a float or out of range');
    return null;
  }
  const ms = secondsToMillis(v);
  if (ms < 0n) {
    c.reply.error(ERR.timeoutNegative);
    return null;
  }
  if (ms > LLONG_MAX - BigInt(c.server.now)) return 0;
  return Number(ms);
}

/** The key whose readiness re-runs this blocked client's command, or null on a first run. */
function servedKey(c: Client): string | null {
  return c.blocked !== null ? c.server.blocking.servingKey : null;
}

function block(c: Client, argv: string[], keys: string[], timeoutMs: number, onTimeout: (c: Client) => void): void {
  const cmd = c.server.commands.lookup(argv)!;
  c.server.blocking.block(c, cmd, argv, keys, timeoutMs, onTimeout);
}

/** Redis's replyToBlockedClientTimedOut for lists: a null array, even for BLMOVE. */
function timedOut(c: Client): void {
  c.reply.nullArray();
}

/**
 * Pops for BLPOP/BRPOP (count -1: [key, element]) or BLMPOP (count > 0: [key, [elements]])
 * from one non-empty list.
 */
function popFrom(c: Client, list: ListValue, key: string, where: ListEnd, count: number, served: boolean): void {
  if (count > 0) {
    popRangeReplyWithKey(c, list, key, where, count);
    return;
  }
  c.reply.array(2);
  c.reply.bulk(key);
  c.reply.bulk(popEnd(list, where));
  const db = c.db;
  c.server.notify(NOTIFY.list, where === 'head' ? 'lpop' : 'rpop', key, db.id);
  if (list.length === 0) {
    db.delete(key);
    c.server.notify(NOTIFY.generic, 'del', key, db.id);
  } else if (!served) {
    db.signalModified(key);
  }
  // A served client (serveClientBlockedOnList) neither signals nor counts a change: the push
  // that readied the key did both. Either way the pop propagates as LPOP/RPOP.
  const pop = [where === 'head' ? 'LPOP' : 'RPOP', key];
  if (!served) {
    c.server.dirty++;
    c.rewriteArgv(pop);
  } else if (c.server.propagation.active) {
    c.server.propagation.also(db.id, pop);
  }
}

/**
 * blockingPopGenericCommand (BLPOP, BRPOP, BLMPOP): pops from the first non-empty list among the
 * keys; with none, times out at once where blocking is not allowed (MULTI, scripts), else blocks.
 * Re-run for a ready key, it serves from that key only, as Redis 7.0's serveClientsBlockedOnListKey
 * does; a key that is missing or no longer a list keeps the client waiting.
 */
function blockingPop(c: Client, argv: string[], keys: string[], where: ListEnd, timeoutArg: string, count: number): void {
  const served = servedKey(c);
  if (served !== null) {
    const v = lookupWrite(c, served);
    if (v instanceof ListValue && v.length > 0) popFrom(c, v, served, where, count, true);
    else block(c, argv, keys, 0, timedOut);
    return;
  }
  const timeoutMs = blockTimeoutOrReply(c, timeoutArg);
  if (timeoutMs === null) return;
  for (const key of keys) {
    const list = listForWrite(c, key);
    if (list === null) return;
    if (list === undefined || list.length === 0) continue;
    popFrom(c, list, key, where, count, false);
    return;
  }
  if (!c.server.blocking.canBlock(c)) {
    c.reply.nullArray();
    return;
  }
  block(c, argv, keys, timeoutMs, timedOut);
}

/** BLMOVE -> LMOVE (with the ends as the client wrote them), BRPOPLPUSH -> RPOPLPUSH. */
function nonBlockingMove(argv: string[]): string[] {
  return argv.length === 6 ? ['LMOVE', argv[1]!, argv[2]!, argv[3]!, argv[4]!] : ['RPOPLPUSH', argv[1]!, argv[2]!];
}

/** BLMOVE / BRPOPLPUSH: blockmoveGenericCommand, and the BLMOVE part of serveClientBlockedOnList. */
function blockingMove(c: Client, argv: string[], from: ListEnd, to: ListEnd, timeoutArg: string): void {
  const src = argv[1]!;
  const dst = argv[2]!;
  if (servedKey(c) !== null) {
    const v = lookupWrite(c, src);
    // A destination of another type answers WRONGTYPE and ends the wait (moveElement checks it).
    if (v instanceof ListValue && v.length > 0) {
      const before = v.length;
      moveElement(c, src, v, dst, from, to, true);
      if (v.length !== before && c.server.propagation.active) c.server.propagation.also(c.db.id, nonBlockingMove(argv));
    } else block(c, argv, [src], 0, timedOut);
    return;
  }
  const timeoutMs = blockTimeoutOrReply(c, timeoutArg);
  if (timeoutMs === null) return;
  const list = listForWrite(c, src);
  if (list === null) return;
  if (list !== undefined) {
    moveElement(c, src, list, dst, from, to);
    c.rewriteArgv(nonBlockingMove(argv));
    return;
  }
  if (!c.server.blocking.canBlock(c)) {
    c.reply.null();
    return;
  }
  block(c, argv, [src], timeoutMs, timedOut);
}

function blmove(c: Client, argv: string[]): void {
  const from = parseListEnd(c, argv[3]!);
  if (from === null) return;
  const to = parseListEnd(c, argv[4]!);
  if (to === null) return;
  blockingMove(c, argv, from, to, argv[5]!);
}

function blmpop(c: Client, argv: string[]): void {
  const args = parseMpopArgs(c, argv, 2);
  if (args === null) return;
  blockingPop(c, argv, args.keys, args.where, argv[1]!, args.count);
}

export const blockingListCommands: readonly CommandDef[] = [
  { name: 'blpop', handler: (c, argv) => blockingPop(c, argv, argv.slice(1, -1), 'head', argv[argv.length - 1]!, -1) },
  { name: 'brpop', handler: (c, argv) => blockingPop(c, argv, argv.slice(1, -1), 'tail', argv[argv.length - 1]!, -1) },
  { name: 'blmove', handler: blmove },
  { name: 'brpoplpush', handler: (c, argv) => blockingMove(c, argv, 'tail', 'head', argv[3]!) },
  { name: 'blmpop', handler: blmpop },
];
