import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { formatDouble, parseBigInteger, parseInteger } from '../../protocol/number-format.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { readZset, writeZset } from './access.js';
import { scanWalk, startCollectionScan } from '../../keyspace/scan-args.js';
import { globMatch } from '../../keyspace/glob.js';
import { ZADD_IN_GT, ZADD_IN_INCR, ZADD_IN_LT, ZADD_IN_NX, ZADD_IN_XX, ZADD_OUT_ADDED, ZADD_OUT_NAN, ZADD_OUT_NOP, ZADD_OUT_UPDATED, ZSetValue, zsetLimits } from './zset-value.js';
import { parseLexRange, parseScore, parseScoreRange } from './args.js';
import { zrangeCommands, replyRankRange } from './range.js';
import { zsetOpCommands } from './setops.js';
import { zpopCommands } from './pop.js';

const NAN_ERR = 'ERR resulting score is not a number (NaN)';

/** zaddGenericCommand, shared by ZADD and ZINCRBY (which starts as if INCR were given). */
function zaddGeneric(c: Client, argv: string[], inFlags: number): void {
  const key = argv[1]!;
  let flags = inFlags;
  let ch = false;
  let idx = 2;
  for (; idx < argv.length; idx++) {
    const opt = argv[idx]!.toLowerCase();
    if (opt === 'nx') flags |= ZADD_IN_NX;
    else if (opt === 'xx') flags |= ZADD_IN_XX;
    else if (opt === 'ch') ch = true;
    else if (opt === 'incr') flags |= ZADD_IN_INCR;
    else if (opt === 'gt') flags |= ZADD_IN_GT;
    else if (opt === 'lt') flags |= ZADD_IN_LT;
    else break;
  }
  const incr = (flags & ZADD_IN_INCR) !== 0;
  const nx = (flags & ZADD_IN_NX) !== 0;
  const gt = (flags & ZADD_IN_GT) !== 0;
  const lt = (flags & ZADD_IN_LT) !== 0;
  let elements = argv.length - idx;
  if (elements % 2 !== 0 || elements === 0) {
    c.reply.error(ERR.syntax);
    return;
  }
  elements /= 2;
  if (nx && flags & ZADD_IN_XX) {
    c.reply.error('ERR XX and NX options at the same time are not compatible');
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.reply.error('ERR GT, LT, and/or NX options at the same time are not compatible');
    return;
  }
  if (incr && elements > 1) {
    c.reply.error('ERR INCR option supports a single increment-element pair');
    return;
  }
  const scores: number[] = [];
  for (let j = 0; j < elements; j++) {
    const s = parseScore(argv[idx + j * 2]!);
    if (s === null) {
      c.reply.error(ERR.notFloat);
      return;
    }
    scores.push(s);
  }
  const db = c.db;
  let z = writeZset(c, key);
  if (z === null) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  let created = false;
  if (z === undefined) {
    if (flags & ZADD_IN_XX) {
      // No key and XX: nothing to do, but the reply is still given.
      if (incr) c.reply.null();
      else c.reply.int(0);
      return;
    }
    z = ZSetValue.create(zsetLimits(c.server.config), argv[idx + 1]!.length);
    // dbAdd signals the new key itself.
    db.add(key, z);
    created = true;
  }
  const limits = zsetLimits(c.server.config);
  let nan = false;
  for (let j = 0; j < elements; j++) {
    const r = z.add(scores[j]!, argv[idx + 1 + j * 2]!, flags, limits);
    if (r.flags & ZADD_OUT_NAN) {
      nan = true;
      break;
    }
    if (r.flags & ZADD_OUT_ADDED) added++;
    if (r.flags & ZADD_OUT_UPDATED) updated++;
    if (!(r.flags & ZADD_OUT_NOP)) processed++;
    score = r.score;
  }
  if (nan) {
    c.reply.error(NAN_ERR);
  } else {
    c.server.dirty += added + updated;
    if (!incr) c.reply.int(ch ? added + updated : added);
    else if (processed) c.reply.double(score);
    else c.reply.null();
  }
  if (added || updated) {
    if (!created) db.signalModified(key);
    c.server.notify(NOTIFY.zset, incr ? 'zincr' : 'zadd', key, db.id);
  }
}

function zadd(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, 0);
}

function zincrby(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, ZADD_IN_INCR);
}

function zrem(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const z = writeZset(c, key);
  if (z === null) return;
  if (z === undefined) {
    c.reply.int(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.length; j++) {
    if (z.remove(argv[j]!)) deleted++;
    if (z.size === 0) {
      c.db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted) {
    c.server.notify(NOTIFY.zset, 'zrem', key, c.db.id);
    if (removed) c.server.notify(NOTIFY.generic, 'del', key, c.db.id);
    c.db.signalModified(key);
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
}

function zcard(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  c.reply.int(z ? z.size : 0);
}

function zscore(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  const s = z?.score(argv[2]!);
  if (s === undefined) c.reply.null();
  else c.reply.double(s);
}

function zmscore(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  c.reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z?.score(argv[j]!);
    if (s === undefined) c.reply.null();
    else c.reply.double(s);
  }
}

/**
 * ZRANK / ZREVRANK, with Redis 7.2's WITHSCORE (adopted on purpose: the command table entry comes
 * from extra-spec.json with 7.2's arity -3). A missing key or member answers a null, or a null
 * array with WITHSCORE, as 7.2 does.
 */
function zrankGeneric(c: Client, argv: string[], reverse: boolean): void {
  if (argv.length > 4) {
    c.reply.error(`ERR wrong number of arguments for '${reverse ? 'zrevrank' : 'zrank'}' command`);
    return;
  }
  let withScore = false;
  if (argv.length === 4) {
    if (argv[3]!.toLowerCase() !== 'withscore') {
      c.reply.error(ERR.syntax);
      return;
    }
    withScore = true;
  }
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  const r = z ? z.rank(argv[2]!, reverse) : -1;
  if (r < 0) {
    if (withScore) c.reply.nullArray();
    else c.reply.null();
    return;
  }
  if (withScore) {
    c.reply.array(2);
    c.reply.int(r);
    c.reply.double(z!.score(argv[2]!)!);
  } else {
    c.reply.int(r);
  }
}

function zcount(c: Client, argv: string[]): void {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  if (range === null) {
    c.reply.error('ERR min or max is not a float');
    return;
  }
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  c.reply.int(z ? z.countInScoreRange(range) : 0);
}

function zlexcount(c: Client, argv: string[]): void {
  const range = parseLexRange(argv[2]!, argv[3]!);
  if (range === null) {
    c.reply.error('ERR min or max not valid string range item');
    return;
  }
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  c.reply.int(z ? z.countInLexRange(range) : 0);
}

/** ZSCAN key cursor [MATCH pattern] [COUNT count]: one pass on a listpack, Dict cursor after. */
function zscan(c: Client, argv: string[]): void {
  const start = startCollectionScan(c, argv, readZset);
  if (start === null) return;
  const { value: z, opts } = start;
  const { pattern } = opts;
  const found: [string, number][] = [];
  let cursor = 0;
  if (z.listpack) {
    for (const e of z.entries()) found.push(e);
  } else {
    cursor = scanWalk(
      start.cursor,
      opts.count,
      (cur) => z.dict.scan(cur, (m, s) => found.push([m, s])),
      () => found.length,
    );
  }
  const out = pattern === null ? found : found.filter(([m]) => globMatch(pattern, m));
  c.reply.array(2);
  c.reply.bulk(String(cursor));
  c.reply.array(out.length * 2);
  for (const [m, s] of out) {
    c.reply.bulk(m);
    // Scores are sent as text here, also in RESP3 (ld2string / the listpack's string).
    c.reply.bulk(formatDouble(s));
  }
}

const LONG_MAX = 9223372036854775807n;

/** ZRANDMEMBER key [count [WITHSCORES]] (zrandmemberCommand). */
function zrandmember(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const b = parseBigInteger(argv[2]!);
    if (b === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    if (b < -LONG_MAX) {
      c.reply.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
      return;
    }
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && argv[3]!.toLowerCase() !== 'withscores')) {
      c.reply.error(ERR.syntax);
      return;
    } else if (argv.length === 4) {
      withscores = true;
      if (b < -LONG_MAX / 2n || b > LONG_MAX / 2n) {
        c.reply.error('ERR value is out of range');
        return;
      }
    }
    zrandmemberWithCount(c, argv[1]!, b, withscores);
    return;
  }
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  if (z === undefined) c.reply.null();
  else c.reply.bulk(z.random()[0]);
}

function zrandmemberWithCount(c: Client, key: string, l: bigint, withscores: boolean): void {
  const z = readZset(c, key);
  if (z === null) return;
  if (z === undefined || l === 0n) {
    c.reply.array(0);
    return;
  }
  const r = c.reply;
  const uniq = l > 0n;
  const count = uniq ? l : -l;
  const emit = (m: string, s: number): void => {
    if (withscores && r.resp > 2) r.array(2);
    r.bulk(m);
    if (withscores) r.double(s);
  };
  if (!uniq || count === 1n) {
    // Sampling with repetition. Redis would try to send every one of a huge count too.
    const n = Number(count);
    r.array(withscores && r.resp === 2 ? n * 2 : n);
    for (let i = 0; i < n; i++) {
      const [m, s] = z.random();
      emit(m, s);
    }
    return;
  }
  const size = z.size;
  if (count >= BigInt(size)) {
    // The whole set; 7.0 sends it from the highest rank down (genericZrangebyrankCommand, reverse).
    replyRankRange(c, z, 0, -1, withscores, true);
    return;
  }
  // Distinct members: pick ranks at random (either sampling or removing, as Redis chooses).
  const n = Number(count);
  const picked = new Set<number>();
  if (n * 3 > size) {
    const ranks = Array.from({ length: size }, (_, i) => i);
    while (ranks.length > n) ranks.splice(Math.floor(Math.random() * ranks.length), 1);
    for (const i of ranks) picked.add(i);
  } else {
    while (picked.size < n) picked.add(Math.floor(Math.random() * size));
  }
  r.array(withscores && r.resp === 2 ? n * 2 : n);
  for (const i of picked) {
    const node = z.at(i)!;
    emit(node.member, node.score);
  }
}

export const zsetCommands: readonly CommandDef[] = [
  { name: 'zadd', handler: zadd },
  { name: 'zincrby', handler: zincrby },
  { name: 'zrem', handler: zrem },
  { name: 'zcard', handler: zcard },
  { name: 'zscore', handler: zscore },
  { name: 'zmscore', handler: zmscore },
  { name: 'zrank', handler: (c, argv) => zrankGeneric(c, argv, false) },
  { name: 'zrevrank', handler: (c, argv) => zrankGeneric(c, argv, true) },
  { name: 'zcount', handler: zcount },
  { name: 'zlexcount', handler: zlexcount },
  { name: 'zscan', handler: zscan },
  { name: 'zrandmember', handler: zrandmember },
  ...zrangeCommands,
  ...zsetOpCommands,
  ...zpopCommands,
];
