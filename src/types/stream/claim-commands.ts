import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, cstr } from '../../errors.js';
import { isOpt } from '../../commands/args.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { parseInteger } from '../../protocol/number-format.js';
import { StreamValue, type ConsumerGroup, type PendingEntry } from './stream-value.js';
import { addI64, compareIds, formatId, incrId, MIN_ID, parseStreamId, type I64, type StreamID } from './stream-id.js';
import { replyEntry, strictIdArg, idArg } from './stream-ops.js';
import { createConsumer, lookupConsumer, propagateGroupId, propagateXclaim } from './group-ops.js';

/** XCLAIM and XAUTOCLAIM: moving pending entries between consumers. */

/** The stream and group of a claim, or null after Redis's NOGROUP (or WRONGTYPE) error. */
function claimTarget(c: Client, argv: string[]): [StreamValue, ConsumerGroup] | null {
  const o = lookupRead(c, argv[1]!);
  if (o !== undefined && !(o instanceof StreamValue)) {
    c.reply.error(ERR.wrongType);
    return null;
  }
  const g = o?.groups.get(argv[2]!);
  if (o === undefined || g === undefined) {
    c.reply.error(`NOGROUP No such key '${cstr(argv[1]!, Infinity)}' or consumer group '${cstr(argv[2]!, Infinity)}'`);
    return null;
  }
  return [o, g];
}

/** getLongLongFromObjectOrReply with a command's own error text. */
function longOr(c: Client, arg: string, msg: string): number | null {
  const n = parseInteger(arg);
  if (n === null) c.reply.error(`ERR ${msg}`);
  return n;
}

/** The PEL entry leaves its group and consumer (the entry itself is gone from the stream). */
function dropPending(g: ConsumerGroup, nack: PendingEntry): void {
  g.pel.delete(nack.id);
  nack.consumer.pel.delete(nack.id);
}

/** Moves a pending entry to `consumer` (its delivery time and count set by the caller). */
function transfer(nack: PendingEntry, consumer: PendingEntry['consumer']): void {
  if (nack.consumer === consumer) return;
  nack.consumer.pel.delete(nack.id);
  consumer.pel.set(nack.id, nack);
  nack.consumer = consumer;
}

function replyClaimed(c: Client, s: StreamValue, id: StreamID, justid: boolean): void {
  if (justid) {
    c.reply.bulk(formatId(id));
    return;
  }
  const fv = s.get(id);
  if (fv === undefined) c.reply.null();
  else replyEntry(c, id, fv);
}

/** XCLAIM key group consumer min-idle-time id... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id]. */
function xclaim(c: Client, argv: string[]): void {
  const t = claimTarget(c, argv);
  if (t === null) return;
  const [s, g] = t;
  let minIdle = longOr(c, argv[4]!, 'Invalid min-idle-time argument for XCLAIM');
  if (minIdle === null) return;
  if (minIdle < 0) minIdle = 0;
  // IDs first, up to the first argument that is not one: the options follow.
  const ids: StreamID[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const p = parseStreamId(argv[j]!, 0, true);
    if (p === null) break;
    ids.push(p.id);
  }
  const now = Date.now();
  let force = false;
  let justid = false;
  let retrycount: I64 = -1;
  let deliveryTime: number = -1;
  let lastId: StreamID = MIN_ID;
  for (; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j]!;
    if (isOpt(opt, 'force')) {
      force = true;
    } else if (isOpt(opt, 'justid')) {
      justid = true;
    } else if (isOpt(opt, 'idle') && moreargs) {
      const n = longOr(c, argv[++j]!, 'Invalid IDLE option argument for XCLAIM');
      if (n === null) return;
      deliveryTime = now - n;
    } else if (isOpt(opt, 'time') && moreargs) {
      const n = longOr(c, argv[++j]!, 'Invalid TIME option argument for XCLAIM');
      if (n === null) return;
      deliveryTime = n;
    } else if (isOpt(opt, 'retrycount') && moreargs) {
      const a = argv[++j]!;
      const n = longOr(c, a, 'Invalid RETRYCOUNT option argument for XCLAIM');
      if (n === null) return;
      retrycount = Number.isSafeInteger(n) ? n : BigInt(a);
    } else if (isOpt(opt, 'lastid') && moreargs) {
      const id = strictIdArg(c, argv[++j]!);
      if (id === null) return;
      lastId = id;
    } else {
      c.reply.error(`ERR Unrecognized XCLAIM option '${cstr(opt, Infinity)}'`);
      return;
    }
  }
  let propagateLastId = false;
  if (compareIds(lastId, g.lastId) > 0) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  // A bogus time (negative, or in the future) means now: clients compute it from their clocks.
  if (deliveryTime === -1 || deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  let consumer: PendingEntry['consumer'] | undefined;
  const claimed: StreamID[] = [];
  const key = argv[1]!;
  const groupName = argv[2]!;
  const name = argv[3]!;
  for (const id of ids) {
    let nack = g.pel.get(id);
    if (s.get(id) === undefined) {
      // The entry is gone: its PEL entry goes too.
      if (nack !== undefined) {
        propagateXclaim(c, key, g, groupName, id, nack);
        propagateLastId = false;
        c.server.dirty++;
        dropPending(g, nack);
      }
      continue;
    }
    if (nack === undefined && !force) continue;
    // A PEL entry made by FORCE has no previous delivery to be idle since.
    if (nack !== undefined && minIdle && now - Number(nack.deliveryTime) < minIdle) continue;
    if (consumer === undefined) consumer = lookupConsumer(g, name) ?? createConsumer(c, g, name, key);
    if (nack === undefined) nack = g.addPending(id, now, 1, consumer);
    else transfer(nack, consumer);
    nack.deliveryTime = deliveryTime;
    if (retrycount !== -1 && retrycount >= 0) nack.deliveryCount = retrycount;
    else if (!justid) nack.deliveryCount = addI64(nack.deliveryCount, 1);
    claimed.push(id);
    const n = nack;
    propagateXclaim(c, key, g, groupName, id, n);
    propagateLastId = false;
    c.server.dirty++;
  }
  if (propagateLastId) {
    propagateGroupId(c, key, g, groupName);
    c.server.dirty++;
  }
  c.reply.array(claimed.length);
  for (const id of claimed) replyClaimed(c, s, id, justid);
  c.preventPropagation = true;
}

const AUTOCLAIM_ATTEMPTS_FACTOR = 10;
/** LONG_MAX / max(sizeof(streamID), attempts factor). */
const AUTOCLAIM_MAX_COUNT = 9223372036854775807n / 16n;

/** XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]. */
function xautoclaim(c: Client, argv: string[]): void {
  let minIdle = longOr(c, argv[4]!, 'Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle === null) return;
  if (minIdle < 0) minIdle = 0;
  const startArg = argv[5]!;
  let start: StreamID | null;
  if (startArg.length > 1 && startArg[0] === '(') {
    start = strictIdArg(c, startArg.slice(1));
    if (start === null) return;
    if ((start = incrId(start)) === null) {
      c.reply.error('ERR invalid start ID for the interval');
      return;
    }
  } else if ((start = idArg(c, startArg)) === null) {
    return;
  }
  let count = 100;
  let justid = false;
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    if (isOpt(argv[j]!, 'count') && moreargs) {
      const n = parseInteger(argv[j + 1]!);
      if (n === null || n < 1 || BigInt(argv[j + 1]!) > AUTOCLAIM_MAX_COUNT) {
        c.reply.error('ERR COUNT must be > 0');
        return;
      }
      count = n;
      j++;
    } else if (isOpt(argv[j]!, 'justid')) {
      justid = true;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  const t = claimTarget(c, argv);
  if (t === null) return;
  const [s, g] = t;
  const key = argv[1]!;
  const groupName = argv[2]!;
  const name = argv[3]!;
  let attempts = count * AUTOCLAIM_ATTEMPTS_FACTOR;
  const now = Date.now();
  const pel = g.pel;
  const claimed: StreamID[] = [];
  const deleted: StreamID[] = [];
  let i = pel.lowerBound(start);
  while (attempts-- > 0 && count > 0 && i < pel.size) {
    const id = pel.idAt(i)!;
    const nack = pel.valueAt(i);
    if (s.get(id) === undefined) {
      propagateXclaim(c, key, g, groupName, id, nack);
      c.server.dirty++;
      dropPending(g, nack);
      deleted.push(id);
      // Redis 7.0.15 counts a dropped entry against COUNT (it bounds the deleted-IDs reply).
      count--;
      continue;
    }
    i++;
    if (minIdle && now - Number(nack.deliveryTime) < minIdle) continue;
    const consumer = lookupConsumer(g, name) ?? createConsumer(c, g, name, key);
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount = addI64(nack.deliveryCount, 1);
    transfer(nack, consumer);
    claimed.push(id);
    count--;
    propagateXclaim(c, key, g, groupName, id, nack);
    c.server.dirty++;
  }
  const next = i < pel.size ? pel.idAt(i)! : MIN_ID;
  const r = c.reply;
  r.array(3);
  r.bulk(formatId(next));
  r.array(claimed.length);
  for (const id of claimed) replyClaimed(c, s, id, justid);
  r.array(deleted.length);
  for (const id of deleted) r.bulk(formatId(id));
  c.preventPropagation = true;
}

export const streamClaimCommands: CommandDef[] = [
  { name: 'xclaim', handler: xclaim },
  { name: 'xautoclaim', handler: xautoclaim },
];
