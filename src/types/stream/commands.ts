import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, arityError } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { isOpt } from '../../commands/args.js';
import { StreamValue } from './stream-value.js';
import { compareIds, decrId, formatId, incrId, incU64, INVALID_ID_ERROR, isZeroId, MIN_ID, parseStreamId, U64_MAX, type StreamID } from './stream-id.js';
import { collectRange, exactLongArg, idArg, longArg, mustObey, nodeLimits, replyEntry, strictIdArg, streamForRead, streamForWrite } from './stream-ops.js';
import { streamReadCommands } from './read-commands.js';
import { streamGroupCommands } from './group-commands.js';
import { streamClaimCommands } from './claim-commands.js';
import { streamInfoCommands } from './info-commands.js';
// Registers the stream's RDB encoding with the persistence codec.
import './rdb-codec.js';

/** streamAddTrimArgs: what XADD and XTRIM were asked to do. */
interface AddTrimArgs {
  id: StreamID;
  idGiven: boolean;
  seqGiven: boolean;
  noMkstream: boolean;
  strategy: 'none' | 'maxlen' | 'minid';
  /** argv index of the MAXLEN/MINID value, for rewriting. */
  strategyArgIdx: number;
  approx: boolean;
  limit: number;
  maxlen: number;
  minid: StreamID;
  /** XADD: argv index of the ID. */
  idIdx: number;
}

/** streamParseAddOrTrimArgsOrReply (Redis 7.0): null after replying. */
function parseAddTrimArgs(c: Client, argv: string[], xadd: boolean): AddTrimArgs | null {
  const a: AddTrimArgs = { id: MIN_ID, idGiven: false, seqGiven: true, noMkstream: false, strategy: 'none', strategyArgIdx: 0, approx: false, limit: 0, maxlen: 0, minid: MIN_ID, idIdx: 0 };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i]!;
    if (xadd && opt === '*') break;
    const maxlen = isOpt(opt, 'maxlen');
    if ((maxlen || isOpt(opt, 'minid')) && moreargs) {
      if (a.strategy !== 'none') {
        c.reply.error('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
        return null;
      }
      // An optional `~` (approximate) or `=` (exact) precedes the threshold.
      a.approx = false;
      const next = argv[i + 1]!;
      if (moreargs >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') {
        i++;
      }
      if (maxlen) {
        const n = longArg(c, argv[i + 1]!);
        if (n === null) return null;
        if (n < 0) {
          c.reply.error('ERR The MAXLEN argument must be >= 0.');
          return null;
        }
        a.maxlen = n;
      } else {
        const id = strictIdArg(c, argv[i + 1]!);
        if (id === null) return null;
        a.minid = id;
      }
      i++;
      a.strategy = maxlen ? 'maxlen' : 'minid';
      a.strategyArgIdx = i;
    } else if (isOpt(opt, 'limit') && moreargs) {
      const n = longArg(c, argv[i + 1]!);
      if (n === null) return null;
      if (n < 0) {
        c.reply.error('ERR The LIMIT argument must be >= 0.');
        return null;
      }
      a.limit = n;
      limitGiven = true;
      i++;
    } else if (xadd && isOpt(opt, 'nomkstream')) {
      a.noMkstream = true;
    } else if (xadd) {
      const p = parseStreamId(opt, 0, true, true);
      if (p === null) {
        c.reply.error(INVALID_ID_ERROR);
        return null;
      }
      a.id = p.id;
      a.seqGiven = p.seqGiven;
      a.idGiven = true;
      break;
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  a.idIdx = i;
  if (a.limit && a.strategy === 'none') {
    c.reply.error('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
    return null;
  }
  if (!xadd && a.strategy === 'none') {
    c.reply.error('ERR syntax error, XTRIM must be called with a trimming strategy');
    return null;
  }
  if (mustObey(c)) {
    // Replayed commands were rewritten to exact trims: no work limit.
    a.limit = 0;
  } else if (limitGiven) {
    if (!a.approx) {
      c.reply.error('ERR syntax error, LIMIT cannot be used without the special ~ option');
      return null;
    }
  } else {
    // At most 100 nodes' worth of work for `~` without LIMIT.
    a.limit = a.approx ? 100 * c.server.config.int('stream-node-max-entries') : 0;
  }
  return a;
}

/**
 * After an approximate trim, what Redis propagates (streamRewriteApproxSpecifier and
 * streamRewriteTrimArgument): `=` and the length, or first ID, the trim actually left.
 */
function rewriteTrim(s: StreamValue, a: AddTrimArgs, out: string[]): void {
  out[a.strategyArgIdx - 1] = '=';
  out[a.strategyArgIdx] = a.strategy === 'maxlen' ? String(s.length) : formatId(s.edgeId(true, false));
}

function trimStream(s: StreamValue, a: AddTrimArgs): number {
  if (a.strategy === 'none') return 0;
  return s.trim(a.strategy, a.maxlen, a.minid, a.approx, a.limit);
}

function xadd(c: Client, argv: string[]): void {
  const a = parseAddTrimArgs(c, argv, true);
  if (a === null) return;
  const fieldPos = a.idIdx + 1;
  const nfv = argv.length - fieldPos;
  if (nfv < 2 || nfv % 2 === 1) {
    c.reply.error(arityError('xadd'));
    return;
  }
  if (a.idGiven && a.seqGiven && isZeroId(a.id)) {
    c.reply.error('ERR The ID specified in XADD must be greater than 0-0');
    return;
  }
  const key = argv[1]!;
  const db = c.db;
  let s = streamForWrite(c, key);
  if (s === null) return;
  if (s === undefined) {
    if (a.noMkstream) {
      c.reply.null();
      return;
    }
    s = new StreamValue();
    db.add(key, s);
  }
  const last = s.lastId;
  if (last.ms === U64_MAX && last.seq === U64_MAX) {
    c.reply.error('ERR The stream has exhausted the last possible ID, unable to add more items');
    return;
  }
  let id: StreamID | null;
  if (a.idGiven) {
    if (a.seqGiven) id = a.id;
    else if (last.ms === a.id.ms) id = last.seq === U64_MAX ? null : { ms: a.id.ms, seq: incU64(last.seq) };
    else id = a.id;
  } else {
    // streamNextID: the clock, never going back.
    const now = Date.now();
    id = now > last.ms ? { ms: now, seq: 0 } : incrId(last);
  }
  if (id === null || compareIds(id, last) <= 0) {
    c.reply.error('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    return;
  }
  let total = 0;
  for (let i = fieldPos; i < argv.length; i++) total += argv[i]!.length;
  if (total > 1 << 30) {
    c.reply.error('ERR Elements are too large to be stored');
    return;
  }
  s.append(id, argv.slice(fieldPos), nodeLimits(c));
  c.reply.bulk(formatId(id));
  db.signalModified(key);
  c.server.notify(NOTIFY.stream, 'xadd', key, db.id);
  c.server.dirty++;
  let out: string[] | null = null;
  if (a.strategy !== 'none') {
    if (trimStream(s, a)) c.server.notify(NOTIFY.stream, 'xtrim', key, db.id);
    if (a.approx) rewriteTrim(s, a, (out = argv.slice()));
  }
  if (!a.idGiven || !a.seqGiven) (out ??= argv.slice())[a.idIdx] = formatId(id);
  if (out !== null) c.rewriteArgv(out);
}

function xtrim(c: Client, argv: string[]): void {
  const a = parseAddTrimArgs(c, argv, false);
  if (a === null) return;
  const key = argv[1]!;
  const s = streamForWrite(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.reply.int(0);
    return;
  }
  const deleted = trimStream(s, a);
  if (deleted) {
    c.server.notify(NOTIFY.stream, 'xtrim', key, c.db.id);
    if (a.approx) {
      const out = argv.slice();
      rewriteTrim(s, a, out);
      c.rewriteArgv(out);
    }
    c.db.signalModified(key);
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
}

/**
 * streamParseIntervalIDOrReply: an ID, or `(` and a strict ID for an exclusive bound. Returns
 * [id, exclusive] or null after replying.
 */
function intervalArg(c: Client, arg: string, missingSeq: number | bigint): [StreamID, boolean] | null {
  if (arg.length > 1 && arg[0] === '(') {
    const id = strictIdArg(c, arg.slice(1), missingSeq);
    return id === null ? null : [id, true];
  }
  const id = idArg(c, arg, missingSeq);
  return id === null ? null : [id, false];
}

/** xrangeGenericCommand: XRANGE key start end [COUNT n] and XREVRANGE key end start [COUNT n]. */
function xrangeGeneric(c: Client, argv: string[], rev: boolean): void {
  const startArg = rev ? argv[3]! : argv[2]!;
  const endArg = rev ? argv[2]! : argv[3]!;
  const s0 = intervalArg(c, startArg, 0);
  if (s0 === null) return;
  let start: StreamID | null = s0[0];
  if (s0[1] && (start = incrId(start)) === null) {
    c.reply.error('ERR invalid start ID for the interval');
    return;
  }
  const e0 = intervalArg(c, endArg, U64_MAX);
  if (e0 === null) return;
  let end: StreamID | null = e0[0];
  if (e0[1] && (end = decrId(end)) === null) {
    c.reply.error('ERR invalid end ID for the interval');
    return;
  }
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (isOpt(argv[j]!, 'count') && argv.length - j - 1 >= 1) {
      const n = longArg(c, argv[j + 1]!);
      if (n === null) return;
      count = n < 0 ? 0 : n;
      j++;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  const s = streamForRead(c, argv[1]!);
  if (s === null) return;
  if (s === undefined) {
    c.reply.array(0);
    return;
  }
  if (count === 0) {
    c.reply.nullArray();
    return;
  }
  const entries = collectRange(s, start, end, rev, count === -1 ? 0 : count);
  c.reply.array(entries.length);
  for (const [id, fv] of entries) replyEntry(c, id, fv);
}

function xlen(c: Client, argv: string[]): void {
  const s = streamForRead(c, argv[1]!);
  if (s === null) return;
  c.reply.int(s === undefined ? 0 : s.length);
}

function xdel(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const s = streamForWrite(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.reply.int(0);
    return;
  }
  // Every ID is checked before anything is deleted.
  const ids: StreamID[] = [];
  for (let j = 2; j < argv.length; j++) {
    const id = strictIdArg(c, argv[j]!);
    if (id === null) return;
    ids.push(id);
  }
  let deleted = 0;
  let firstEntry = false;
  for (const id of ids) {
    if (!s.deleteEntry(id)) continue;
    if (compareIds(id, s.firstId) === 0) firstEntry = true;
    if (compareIds(id, s.maxDeletedId) > 0) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted) {
    if (s.length === 0) s.firstId = MIN_ID;
    else if (firstEntry) s.firstId = s.edgeId(true, true);
    c.db.signalModified(key);
    c.server.notify(NOTIFY.stream, 'xdel', key, c.db.id);
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
}

/** XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id] (Redis 7.0). */
function xsetid(c: Client, argv: string[]): void {
  const id = strictIdArg(c, argv[2]!);
  if (id === null) return;
  let entriesAdded: number | bigint = -1;
  let maxXdel: StreamID = MIN_ID;
  for (let i = 3; i < argv.length; ) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i]!;
    if (isOpt(opt, 'entriesadded') && moreargs) {
      const n = exactLongArg(c, argv[i + 1]!);
      if (n === null) return;
      if (n < 0) {
        c.reply.error('ERR entries_added must be positive');
        return;
      }
      entriesAdded = n;
      i += 2;
    } else if (isOpt(opt, 'maxdeletedid') && moreargs) {
      const m = strictIdArg(c, argv[i + 1]!);
      if (m === null) return;
      if (compareIds(id, m) < 0) {
        c.reply.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
        return;
      }
      maxXdel = m;
      i += 2;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  const key = argv[1]!;
  const s = streamForWrite(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.reply.error(ERR.noKey);
    return;
  }
  if (s.length > 0) {
    if (compareIds(id, s.edgeId(false, true)) < 0) {
      c.reply.error('ERR The ID specified in XSETID is smaller than the target stream top item');
      return;
    }
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      c.reply.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
      return;
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!isZeroId(maxXdel)) s.maxDeletedId = maxXdel;
  // Redis 7.0's XSETID does not signal the key: WATCH does not hear of it.
  c.server.notify(NOTIFY.stream, 'xsetid', key, c.db.id);
  c.server.dirty++;
  c.reply.ok();
}

/** Streams (XADD, XRANGE, XREAD, consumer groups). */
export const streamCommands: CommandDef[] = [
  { name: 'xadd', handler: xadd },
  { name: 'xtrim', handler: xtrim },
  { name: 'xrange', handler: (c, argv) => xrangeGeneric(c, argv, false) },
  { name: 'xrevrange', handler: (c, argv) => xrangeGeneric(c, argv, true) },
  { name: 'xlen', handler: xlen },
  { name: 'xdel', handler: xdel },
  { name: 'xsetid', handler: xsetid },
  ...streamReadCommands,
  ...streamGroupCommands,
  ...streamClaimCommands,
  ...streamInfoCommands,
];
