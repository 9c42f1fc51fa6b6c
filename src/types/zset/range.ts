import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { parseInteger } from '../../protocol/number-format.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { ZSetValue, fitEncoding, zsetLimits } from './zset-value.js';
import { lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type LexRange, type ScoreRange, type SkipNode } from './skiplist.js';
import { parseLexRange, parseScoreRange } from './args.js';
import { readZset, writeZset } from './access.js';

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

/** A range result: members with their scores, in reply order. */
type Entries = [string, number][];

/** Replies a list of elements as Redis's zrange result handler does (pairs in RESP3 with scores). */
function replyEntries(c: Client, out: Entries, withscores: boolean): void {
  const r = c.reply;
  const pairs = withscores && r.resp > 2;
  r.array(withscores && !pairs ? out.length * 2 : out.length);
  for (const [m, s] of out) {
    if (pairs) r.array(2);
    r.bulk(m);
    if (withscores) r.double(s);
  }
}

/** Clamps rank indexes as Redis does; null when the range is empty. */
export function clampRanks(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

function collectByRank(z: ZSetValue, start: number, end: number, reverse: boolean): Entries {
  const r = clampRanks(start, end, z.size);
  if (r === null) return [];
  const [s, e] = r;
  const out: Entries = [];
  let n = reverse ? z.at(z.size - 1 - s) : z.at(s);
  for (let i = s; i <= e && n; i++) {
    out.push([n.member, n.score]);
    n = reverse ? n.backward : n.next;
  }
  return out;
}

/** genericZrangebyrankCommand for a client (ZRANDMEMBER's whole-set case uses it too). */
export function replyRankRange(c: Client, z: ZSetValue, start: number, end: number, withscores: boolean, reverse: boolean): void {
  replyEntries(c, collectByRank(z, start, end, reverse), withscores);
}

/**
 * The walk of genericZrangebyscore/lexCommand: from the first (or last) element in range, skip
 * `offset` (a negative offset skips everything), then take up to `limit` (negative: no limit)
 * while in range.
 */
function walk(first: SkipNode | null, inRange: (n: SkipNode) => boolean, offset: number, limit: number, reverse: boolean): Entries {
  const out: Entries = [];
  let n = first;
  if (offset < 0) return out;
  while (n && offset-- > 0) n = reverse ? n.backward : n.next;
  while (n && limit-- !== 0) {
    if (!inRange(n)) break;
    out.push([n.member, n.score]);
    n = reverse ? n.backward : n.next;
  }
  return out;
}

function collectByScore(z: ZSetValue, range: ScoreRange, offset: number, limit: number, reverse: boolean): Entries {
  if (offset > 0 && offset >= z.size) return [];
  const first = reverse ? z.zsl.lastInScoreRange(range) : z.zsl.firstInScoreRange(range);
  const inRange = reverse ? (n: SkipNode): boolean => scoreGteMin(n.score, range) : (n: SkipNode): boolean => scoreLteMax(n.score, range);
  return walk(first, inRange, offset, limit, reverse);
}

function collectByLex(z: ZSetValue, range: LexRange, offset: number, limit: number, reverse: boolean): Entries {
  if (offset > 0 && offset >= z.size) return [];
  const first = reverse ? z.zsl.lastInLexRange(range) : z.zsl.firstInLexRange(range);
  const inRange = reverse ? (n: SkipNode): boolean => lexGteMin(n.member, range) : (n: SkipNode): boolean => lexLteMax(n.member, range);
  return walk(first, inRange, offset, limit, reverse);
}

/**
 * zrangeGenericCommand: every ZRANGE form. `argStart` is the source key's index; `store` is the
 * destination key (ZRANGESTORE) or null. The legacy commands fix the range type or direction,
 * which then may not be given as options.
 */
function zrangeGeneric(c: Client, argv: string[], argStart: number, store: string | null, rangetype: RangeType, direction: Direction): void {
  const key = argv[argStart]!;
  let minIdx = argStart + 1;
  let maxIdx = argStart + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argStart + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = argv[j]!.toLowerCase();
    if (store === null && opt === 'withscores') {
      withscores = true;
    } else if (opt === 'limit' && left >= 2) {
      const o = parseInteger(argv[j + 1]!);
      if (o === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      const l = parseInteger(argv[j + 2]!);
      if (l === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      offset = o;
      limit = l;
      j += 2;
    } else if (direction === 'auto' && opt === 'rev') {
      direction = 'reverse';
    } else if (rangetype === 'auto' && opt === 'bylex') {
      rangetype = 'lex';
    } else if (rangetype === 'auto' && opt === 'byscore') {
      rangetype = 'score';
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  if (direction === 'auto') direction = 'forward';
  if (rangetype === 'auto') rangetype = 'rank';
  if (limit !== -1 && rangetype === 'rank') {
    c.reply.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return;
  }
  if (withscores && rangetype === 'lex') {
    c.reply.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return;
  }
  const reverse = direction === 'reverse';
  if (reverse && rangetype !== 'rank') [minIdx, maxIdx] = [maxIdx, minIdx];

  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: LexRange | null = null;
  if (rangetype === 'rank') {
    const s = parseInteger(argv[minIdx]!);
    if (s === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    const e = parseInteger(argv[maxIdx]!);
    if (e === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    start = s;
    end = e;
  } else if (rangetype === 'score') {
    scoreRange = parseScoreRange(argv[minIdx]!, argv[maxIdx]!);
    if (scoreRange === null) {
      c.reply.error('ERR min or max is not a float');
      return;
    }
  } else {
    lexRange = parseLexRange(argv[minIdx]!, argv[maxIdx]!);
    if (lexRange === null) {
      c.reply.error('ERR min or max not valid string range item');
      return;
    }
  }

  const z = readZset(c, key);
  if (z === null) return;
  let out: Entries = [];
  if (z !== undefined) {
    if (scoreRange) out = collectByScore(z, scoreRange, offset, limit, reverse);
    else if (lexRange) out = collectByLex(z, lexRange, offset, limit, reverse);
    else out = collectByRank(z, start, end, reverse);
  }
  if (store === null) {
    replyEntries(c, out, withscores);
    return;
  }
  storeResult(c, store, out, 'zrangestore');
}

/**
 * Stores a computed sorted set at `dst` (setKey: any old value and its TTL go), or deletes `dst`
 * when the result is empty; replies the result's size.
 */
export function storeResult(c: Client, dst: string, out: Entries | ZSetValue, event: string): void {
  const db = c.db;
  const limits = zsetLimits(c.server.config);
  let z: ZSetValue;
  if (out instanceof ZSetValue) {
    z = out;
  } else {
    z = new ZSetValue(false);
    for (const [m, s] of out) z.insertNew(s, m, limits);
  }
  if (z.size > 0) {
    fitEncoding(z, limits);
    db.set(dst, z);
    c.reply.int(z.size);
    c.server.notify(NOTIFY.zset, event, dst, db.id);
    c.server.dirty++;
  } else {
    c.reply.int(0);
    if (db.delete(dst)) {
      c.server.notify(NOTIFY.generic, 'del', dst, db.id);
      c.server.dirty++;
    }
  }
}

/** ZREMRANGEBYRANK / BYSCORE / BYLEX (zremrangeGenericCommand). */
function zremrangeGeneric(c: Client, argv: string[], type: 'rank' | 'score' | 'lex'): void {
  const key = argv[1]!;
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: LexRange | null = null;
  if (type === 'rank') {
    const s = parseInteger(argv[2]!);
    const e = s === null ? null : parseInteger(argv[3]!);
    if (s === null || e === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    start = s;
    end = e;
  } else if (type === 'score') {
    scoreRange = parseScoreRange(argv[2]!, argv[3]!);
    if (scoreRange === null) {
      c.reply.error('ERR min or max is not a float');
      return;
    }
  } else {
    lexRange = parseLexRange(argv[2]!, argv[3]!);
    if (lexRange === null) {
      c.reply.error('ERR min or max not valid string range item');
      return;
    }
  }
  const z = writeZset(c, key);
  if (z === null) return;
  if (z === undefined) {
    c.reply.int(0);
    return;
  }
  let deleted: number;
  if (scoreRange) deleted = z.deleteRangeByScore(scoreRange);
  else if (lexRange) deleted = z.deleteRangeByLex(lexRange);
  else {
    const r = clampRanks(start, end, z.size);
    if (r === null) {
      c.reply.int(0);
      return;
    }
    deleted = z.deleteRangeByRank(r[0], r[1]);
  }
  const db = c.db;
  if (deleted) {
    const removed = z.size === 0;
    if (removed) db.delete(key);
    else db.signalModified(key);
    c.server.notify(NOTIFY.zset, 'zremrangeby' + type, key, db.id);
    if (removed) c.server.notify(NOTIFY.generic, 'del', key, db.id);
  }
  c.server.dirty += deleted;
  c.reply.int(deleted);
}

export const zrangeCommands: readonly CommandDef[] = [
  { name: 'zrange', handler: (c, argv) => zrangeGeneric(c, argv, 1, null, 'auto', 'auto') },
  { name: 'zrangestore', handler: (c, argv) => zrangeGeneric(c, argv, 2, argv[1]!, 'auto', 'auto') },
  { name: 'zrevrange', handler: (c, argv) => zrangeGeneric(c, argv, 1, null, 'rank', 'reverse') },
  { name: 'zrangebyscore', handler: (c, argv) => zrangeGeneric(c, argv, 1, null, 'score', 'forward') },
  { name: 'zrevrangebyscore', handler: (c, argv) => zrangeGeneric(c, argv, 1, null, 'score', 'reverse') },
  { name: 'zrangebylex', handler: (c, argv) => zrangeGeneric(c, argv, 1, null, 'lex', 'forward') },
  { name: 'zrevrangebylex', handler: (c, argv) => zrangeGeneric(c, argv, 1, null, 'lex', 'reverse') },
  { name: 'zremrangebyrank', handler: (c, argv) => zremrangeGeneric(c, argv, 'rank') },
  { name: 'zremrangebyscore', handler: (c, argv) => zremrangeGeneric(c, argv, 'score') },
  { name: 'zremrangebylex', handler: (c, argv) => zremrangeGeneric(c, argv, 'lex') },
];
