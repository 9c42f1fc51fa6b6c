import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, cstr } from '../../errors.js';
import { isOpt } from '../../commands/args.js';
import { lookupKey, lookupRead, LOOKUP_NONOTIFY, LOOKUP_NOSTATS } from '../../keyspace/lookup.js';
import { parseInteger } from '../../protocol/number-format.js';
import { Reply } from '../../protocol/reply.js';
import { StreamValue, type Consumer, type ConsumerGroup, type PendingEntry } from './stream-value.js';
import { compareIds, formatId, incrId, MAX_ID, MIN_ID, parseStreamId, INVALID_ID_ERROR, type StreamID } from './stream-id.js';
import { replyEntry } from './stream-ops.js';
import { advanceGroup, createConsumer, lookupConsumer, propagateConsumerCreation, propagateGroupId, propagateXclaim } from './group-ops.js';

/** XREAD_BLOCKED_DEFAULT_COUNT: a blocked reader served without COUNT gets at most this many. */
const BLOCKED_DEFAULT_COUNT = 1000;
const LLONG_MAX = 9223372036854775807n;

interface ReadArgs {
  /** BLOCK in ms, -1 without BLOCK. */
  timeout: number;
  count: number;
  streamsArg: number;
  keys: string[];
  group: string | null;
  consumer: string;
  noack: boolean;
}

/** xreadCommand's option parsing; null after replying. */
function parseReadArgs(c: Client, argv: string[], xreadgroup: boolean): ReadArgs | null {
  const a: ReadArgs = { timeout: -1, count: 0, streamsArg: 0, keys: [], group: null, consumer: '', noack: false };
  for (let i = 1; i < argv.length; i++) {
    const moreargs = argv.length - i - 1;
    const o = argv[i]!;
    if (isOpt(o, 'block') && moreargs) {
      if (c.inScript) {
        c.reply.error(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`);
        return null;
      }
      i++;
      const t = parseInteger(argv[i]!);
      if (t === null) {
        c.reply.error('ERR timeout is not an integer or out of range');
        return null;
      }
      if (t < 0) {
        c.reply.error(ERR.timeoutNegative);
        return null;
      }
      // A deadline past int64 wraps in Redis 7.0 and never fires: wait forever.
      a.timeout = t > 0 && BigInt(argv[i]!) > LLONG_MAX - BigInt(c.server.now) ? 0 : t;
    } else if (isOpt(o, 'count') && moreargs) {
      i++;
      const n = parseInteger(argv[i]!);
      if (n === null) {
        c.reply.error(ERR.notInteger);
        return null;
      }
      a.count = n < 0 ? 0 : n;
    } else if (isOpt(o, 'streams') && moreargs) {
      a.streamsArg = i + 1;
      const n = argv.length - a.streamsArg;
      if (n % 2 !== 0) {
        // 7.0 names XREAD and '$' for XREADGROUP too.
        c.reply.error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
        return null;
      }
      a.keys = argv.slice(a.streamsArg, a.streamsArg + n / 2);
      break;
    } else if (isOpt(o, 'group') && moreargs >= 2) {
      if (!xreadgroup) {
        c.reply.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
        return null;
      }
      a.group = argv[i + 1]!;
      a.consumer = argv[i + 2]!;
      i += 2;
    } else if (isOpt(o, 'noack')) {
      if (!xreadgroup) {
        c.reply.error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
        return null;
      }
      a.noack = true;
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  if (a.streamsArg === 0) {
    c.reply.error(ERR.syntax);
    return null;
  }
  if (xreadgroup && a.group === null) {
    c.reply.error('ERR Missing GROUP option for XREADGROUP');
    return null;
  }
  return a;
}

/** Where a group read delivers: the group and consumer, the key and group name as propagated. */
interface Delivery {
  key: string;
  groupName: string;
  group: ConsumerGroup;
  consumer: Consumer;
  noack: boolean;
}

/**
 * streamReplyWithRange for XREAD and XREADGROUP ">": entries after `start` (inclusive), at most
 * `count` (0: all). A group read moves the group's last ID and entries-read, and (without NOACK)
 * puts each entry in the PEL, taking it from another consumer if it was there, and propagates it
 * as XCLAIM.
 */
function replyNewEntries(c: Client, s: StreamValue, start: StreamID, count: number, d: Delivery | null): void {
  const entries: [StreamID, readonly string[]][] = [];
  s.range(start, MAX_ID, false, (id, fv) => {
    entries.push([id, fv]);
    return count === 0 || entries.length < count;
  });
  c.reply.array(entries.length);
  let propagateLastId = false;
  const now = Date.now();
  for (const [id, fv] of entries) {
    if (d !== null && compareIds(id, d.group.lastId) > 0) {
      advanceGroup(s, d.group, id);
      // Without NOACK the XCLAIMs carry the last ID.
      if (d.noack) propagateLastId = true;
    }
    replyEntry(c, id, fv);
    if (d !== null && !d.noack) {
      const g = d.group;
      let nack: PendingEntry | undefined = g.pel.get(id);
      if (nack === undefined) {
        nack = g.addPending(id, now, 1, d.consumer);
      } else {
        nack.consumer.pel.delete(id);
        nack.consumer = d.consumer;
        nack.deliveryTime = now;
        nack.deliveryCount = 1;
        d.consumer.pel.set(id, nack);
      }
      propagateXclaim(c, d.key, g, d.groupName, id, nack);
    }
  }
  if (d !== null && propagateLastId) propagateGroupId(c, d.key, d.group, d.groupName);
}

/**
 * streamReplyWithRangeFromConsumerPEL: XREADGROUP with an ID replays the consumer's own pending
 * entries after it; an entry deleted since is sent as [id, nil]. Each counts as a new delivery.
 */
function replyConsumerHistory(c: Client, s: StreamValue, start: StreamID, count: number, consumer: Consumer): void {
  const pel = consumer.pel;
  const out: PendingEntry[] = [];
  for (let i = pel.lowerBound(start); i < pel.size && (count === 0 || out.length < count); i++) out.push(pel.valueAt(i));
  c.reply.array(out.length);
  const now = Date.now();
  for (const nack of out) {
    const fv = s.get(nack.id);
    if (fv === undefined) {
      c.reply.array(2);
      c.reply.bulk(formatId(nack.id));
      c.reply.nullArray();
    } else {
      replyEntry(c, nack.id, fv);
      nack.deliveryTime = now;
      nack.deliveryCount = typeof nack.deliveryCount === 'number' ? nack.deliveryCount + 1 : nack.deliveryCount + 1n;
    }
  }
}

/** The consumer a group read serves, created (and announced) on first use. */
function readingConsumer(c: Client, g: ConsumerGroup, a: ReadArgs, key: string): Consumer {
  let cons = lookupConsumer(g, a.consumer);
  if (cons === undefined) {
    cons = createConsumer(c, g, a.consumer, key);
    // With NOACK no XCLAIM will create the consumer on replicas.
    if (a.noack) propagateConsumerCreation(c, key, a.group!, a.consumer);
  }
  return cons;
}

function replyKeyHeader(c: Client, key: string): void {
  if (c.resp === 2) c.reply.array(2);
  c.reply.bulk(key);
}

/**
 * serveClientsBlockedOnStreamKey for a blocked reader re-run because `key` is ready: serves from
 * that key only. A group reader whose stream is gone, or whose group was destroyed, gets Redis's
 * errors; anything else without new entries keeps waiting.
 */
function serveBlocked(c: Client, argv: string[], key: string, xreadgroup: boolean): void {
  const a = parseReadArgs(c, argv, xreadgroup)!;
  const idx = a.keys.indexOf(key);
  const o = lookupKey(c, key, LOOKUP_NONOTIFY | LOOKUP_NOSTATS);
  if (!(o instanceof StreamValue)) {
    if (a.group !== null) c.reply.error('UNBLOCKED the stream key no longer exists');
    else block(c, argv, a, 0);
    return;
  }
  let gt: StreamID;
  let g: ConsumerGroup | undefined;
  if (a.group !== null) {
    g = o.groups.get(a.group);
    if (g === undefined) {
      c.reply.error('NOGROUP the consumer group this client was blocked on no longer exists');
      return;
    }
    gt = g.lastId;
  } else {
    gt = parseStreamId(argv[a.streamsArg + a.keys.length + idx]!, 0, true)!.id;
  }
  if (compareIds(o.lastId, gt) <= 0) {
    block(c, argv, a, 0);
    return;
  }
  const start = incrId(gt)!;
  let d: Delivery | null = null;
  if (g !== undefined) d = { key, groupName: a.group!, group: g, consumer: readingConsumer(c, g, a, key), noack: a.noack };
  if (c.resp === 2) c.reply.array(1);
  else c.reply.map(1);
  replyKeyHeader(c, key);
  replyNewEntries(c, o, start, a.count || BLOCKED_DEFAULT_COUNT, d);
  if (xreadgroup) c.preventPropagation = true;
}

function block(c: Client, argv: string[], a: ReadArgs, timeoutMs: number): void {
  const cmd = c.server.commands.lookup(argv)!;
  c.server.blocking.block(c, cmd, argv, a.keys, timeoutMs, (cl) => cl.reply.nullArray());
}

/** xreadCommand: XREAD and XREADGROUP. */
function xread(c: Client, argv: string[], xreadgroup: boolean): void {
  if (c.blocked !== null) {
    const served = c.server.blocking.servingKey;
    if (served !== null) {
      serveBlocked(c, argv, served, xreadgroup);
      return;
    }
  }
  if (xreadgroup) c.preventPropagation = true;
  const a = parseReadArgs(c, argv, xreadgroup);
  if (a === null) return;
  const n = a.keys.length;
  const ids: StreamID[] = [];
  const groups: ConsumerGroup[] = [];
  /** The block-time argv: `$` resolved to the stream's last ID, so a re-run sees only newer entries. */
  let blockArgv: string[] | null = null;
  for (let i = 0; i < n; i++) {
    const key = a.keys[i]!;
    const idArg = argv[a.streamsArg + n + i]!;
    const o = lookupRead(c, key);
    if (o !== undefined && !(o instanceof StreamValue)) {
      c.reply.error(ERR.wrongType);
      return;
    }
    if (a.group !== null) {
      const g = o?.groups.get(a.group);
      if (g === undefined) {
        c.reply.error(`NOGROUP No such key '${cstr(key, Infinity)}' or consumer group '${cstr(a.group, Infinity)}' in XREADGROUP with GROUP option`);
        return;
      }
      groups.push(g);
    }
    if (idArg === '$') {
      if (xreadgroup) {
        c.reply.error('ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.');
        return;
      }
      const id = o !== undefined ? o.lastId : MIN_ID;
      ids.push(id);
      (blockArgv ??= argv.slice())[a.streamsArg + n + i] = formatId(id);
      continue;
    }
    if (idArg === '>') {
      if (!xreadgroup) {
        c.reply.error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
        return;
      }
      ids.push(MAX_ID);
      continue;
    }
    const p = parseStreamId(idArg, 0, true);
    if (p === null) {
      c.reply.error(INVALID_ID_ERROR);
      return;
    }
    ids.push(p.id);
  }
  // With a key given twice, serving it once changes what its second mention finds: the reply is
  // built aside and its length set after, as Redis's deferred length does.
  const outer = c.reply;
  const aside = new Set(a.keys).size !== n ? new Reply() : null;
  if (aside !== null) {
    aside.resp = outer.resp;
    aside.onError = outer.onError;
    c.reply = aside;
  }
  let served = 0;
  try {
    for (let i = 0; i < n; i++) {
      const key = a.keys[i]!;
      const o = lookupRead(c, key);
      if (!(o instanceof StreamValue)) continue;
      let gt = ids[i]!;
      let history = false;
      let serve = false;
      const g = groups[i];
      if (g !== undefined) {
        if (gt !== MAX_ID) {
          serve = history = true;
        } else if (o.length > 0 && compareIds(o.edgeId(false, true), g.lastId) > 0) {
          serve = true;
          gt = g.lastId;
        }
      } else if (o.length > 0 && compareIds(o.edgeId(false, true), gt) > 0) {
        serve = true;
      }
      if (!serve) continue;
      if (served++ === 0 && aside === null) {
        // Distinct keys: which streams will be served is known before serving any.
        let total = 1;
        for (let j = i + 1; j < n; j++) if (willServe(c, a.keys[j]!, ids[j]!, groups[j])) total++;
        if (c.resp === 2) c.reply.array(total);
        else c.reply.map(total);
      }
      replyKeyHeader(c, key);
      const start = incrId(gt) ?? MAX_ID;
      if (g !== undefined) {
        const cons = readingConsumer(c, g, a, key);
        if (history) replyConsumerHistory(c, o, start, a.count, cons);
        else replyNewEntries(c, o, start, a.count, { key, groupName: a.group!, group: g, consumer: cons, noack: a.noack });
        c.server.dirty++;
      } else {
        replyNewEntries(c, o, start, a.count, null);
      }
    }
  } finally {
    if (aside !== null) {
      c.reply = outer;
      if (served > 0) {
        if (c.resp === 2) outer.array(served);
        else outer.map(served);
        for (const b of aside.take()) outer.rawBuffer(b);
      }
    }
  }
  if (served > 0) return;
  if (a.timeout !== -1) {
    if (!c.server.blocking.canBlock(c)) {
      c.reply.nullArray();
      return;
    }
    block(c, blockArgv ?? argv, a, a.timeout);
    return;
  }
  c.reply.nullArray();
}

/** Whether the serve loop will serve this stream (looked at before replying, without side effects). */
function willServe(c: Client, key: string, id: StreamID, g: ConsumerGroup | undefined): boolean {
  const o = c.db.get(key, false);
  if (!(o instanceof StreamValue)) return false;
  if (g !== undefined) return id !== MAX_ID || (o.length > 0 && compareIds(o.edgeId(false, true), g.lastId) > 0);
  return o.length > 0 && compareIds(o.edgeId(false, true), id) > 0;
}

export const streamReadCommands: CommandDef[] = [
  { name: 'xread', handler: (c, argv) => xread(c, argv, false) },
  { name: 'xreadgroup', handler: (c, argv) => xread(c, argv, true) },
];
