import type { ObjectValue } from '../../keyspace/db.js';
import { Dict } from '../dict.js';
import { SkipList, type SkipNode, type ScoreRange, type LexRange } from './skiplist.js';
import { cachedByGeneration } from '../../server/config-cache.js';

/** Size limits for the compact encoding (zset-max-listpack-entries / -value). */
export interface ZSetLimits {
  maxEntries: number;
  maxValue: number;
}

/** zsetAdd's input flags. */
export const ZADD_IN_INCR = 1;
export const ZADD_IN_NX = 2;
export const ZADD_IN_XX = 4;
export const ZADD_IN_GT = 8;
export const ZADD_IN_LT = 16;

/** zsetAdd's outcome. */
export const ZADD_OUT_NOP = 1;
export const ZADD_OUT_NAN = 2;
export const ZADD_OUT_ADDED = 4;
export const ZADD_OUT_UPDATED = 8;

export interface ZAddResult {
  flags: number;
  /** The element's score afterwards (INCR's reply). */
  score: number;
}

/**
 * A sorted set: a skip list in (score, member) order plus a member -> score dict, for every
 * size. The encoding Redis would use ("listpack" while small, "skiplist" after) is tracked as a
 * flag, because it shows through OBJECT ENCODING, ZSCAN (one pass with cursor 0 on a listpack)
 * and the RDB format; like Redis 7.0 a set never goes back to listpack once converted.
 */
export class ZSetValue implements ObjectValue {
  readonly type = 'zset' as const;
  readonly zsl = new SkipList();
  readonly dict = new Dict<number>();
  /** Whether Redis would hold this set as a listpack. */
  listpack: boolean;

  constructor(listpack = true) {
    this.listpack = listpack;
  }

  /**
   * The encoding a new set gets (createZsetListpackObject or createZsetObject, as ZADD decides
   * in 7.0 from the first member only).
   */
  static create(limits: ZSetLimits, firstMemberLength: number): ZSetValue {
    return new ZSetValue(limits.maxEntries !== 0 && firstMemberLength <= limits.maxValue);
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  get size(): number {
    return this.zsl.length;
  }

  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  /** Converts to skiplist when one more member of this length would not fit a listpack. */
  private growFor(member: string, limits: ZSetLimits): void {
    if (this.listpack && (this.zsl.length + 1 > limits.maxEntries || member.length > limits.maxValue)) this.listpack = false;
  }

  /** Adds a member known to be absent (results of unions, RDB loading, ...). */
  insertNew(score: number, member: string, limits: ZSetLimits): void {
    this.growFor(member, limits);
    // A listpack keeps scores as text or integers, where -0 comes back as 0.
    if (this.listpack && score === 0) score = 0;
    this.zsl.insert(score, member);
    this.dict.set(member, score);
  }

  /** Redis's zsetAdd: NX/XX/GT/LT/INCR semantics, reported through ZADD_OUT_* flags. */
  add(score: number, member: string, inFlags: number, limits: ZSetLimits): ZAddResult {
    const cur = this.dict.get(member);
    if (cur !== undefined) {
      if (inFlags & ZADD_IN_NX) return { flags: ZADD_OUT_NOP, score: cur };
      if (inFlags & ZADD_IN_INCR) {
        score += cur;
        if (Number.isNaN(score)) return { flags: ZADD_OUT_NAN, score };
      }
      if ((inFlags & ZADD_IN_LT && score >= cur) || (inFlags & ZADD_IN_GT && score <= cur)) return { flags: ZADD_OUT_NOP, score: cur };
      if (score !== cur) {
        const stored = this.listpack && score === 0 ? 0 : score;
        this.zsl.updateScore(cur, member, stored);
        this.dict.set(member, stored);
        return { flags: ZADD_OUT_UPDATED, score };
      }
      // Same score (including 0 and -0, which compare equal): nothing changes.
      return { flags: 0, score };
    }
    if (inFlags & ZADD_IN_XX) return { flags: ZADD_OUT_NOP, score };
    this.insertNew(score, member, limits);
    return { flags: ZADD_OUT_ADDED, score };
  }

  remove(member: string): boolean {
    const s = this.dict.get(member);
    if (s === undefined) return false;
    this.dict.delete(member);
    this.zsl.delete(s, member);
    return true;
  }

  /** 0-based rank of a member (from the top when reverse), or -1. */
  rank(member: string, reverse: boolean): number {
    const s = this.dict.get(member);
    if (s === undefined) return -1;
    const r = this.zsl.rank(s, member);
    return reverse ? this.zsl.length - r : r - 1;
  }

  /** The node at a 0-based rank from the bottom. */
  at(rank: number): SkipNode | null {
    return this.zsl.byRank(rank + 1);
  }

  get first(): SkipNode | null {
    return this.zsl.first;
  }

  get last(): SkipNode | null {
    return this.zsl.tail;
  }

  /** Elements in ascending order. */
  *entries(): IterableIterator<[string, number]> {
    for (let n = this.zsl.first; n; n = n.next) yield [n.member, n.score];
  }

  /** Number of elements whose score is in range (ZCOUNT), by ranks. */
  countInScoreRange(r: ScoreRange): number {
    const f = this.zsl.firstInScoreRange(r);
    if (!f) return 0;
    const l = this.zsl.lastInScoreRange(r)!;
    return this.zsl.rank(l.score, l.member) - this.zsl.rank(f.score, f.member) + 1;
  }

  countInLexRange(r: LexRange): number {
    const f = this.zsl.firstInLexRange(r);
    if (!f) return 0;
    const l = this.zsl.lastInLexRange(r);
    if (!l) return 0;
    const n = this.zsl.rank(l.score, l.member) - this.zsl.rank(f.score, f.member) + 1;
    return n > 0 ? n : 0;
  }

  deleteRangeByScore(r: ScoreRange): number {
    return this.zsl.deleteRangeByScore(r, (n) => this.dict.delete(n.member));
  }

  deleteRangeByLex(r: LexRange): number {
    return this.zsl.deleteRangeByLex(r, (n) => this.dict.delete(n.member));
  }

  /** Deletes 0-based ranks start..end inclusive (already clamped). */
  deleteRangeByRank(start: number, end: number): number {
    return this.zsl.deleteRangeByRank(start + 1, end + 1, (n) => this.dict.delete(n.member));
  }

  /** A uniformly random element. */
  random(): [string, number] {
    const n = this.zsl.byRank(1 + Math.floor(Math.random() * this.zsl.length))!;
    return [n.member, n.score];
  }

  clone(): ZSetValue {
    const z = new ZSetValue(this.listpack);
    // Appending in order: insert() finds the tail position quickly enough for a copy.
    for (let n = this.zsl.first; n; n = n.next) {
      z.zsl.insert(n.score, n.member);
      z.dict.set(n.member, n.score);
    }
    return z;
  }
}

/** The listpack limits in force, remade only when the config changed (every ZADD reads them). Callers never modify the object. */
export const zsetLimits = cachedByGeneration<ZSetLimits>((config) => ({ maxEntries: config.int('zset-max-listpack-entries'), maxValue: config.int('zset-max-listpack-value') }));

/**
 * zsetConvertToListpackIfNeeded for a freshly built result (ZUNIONSTORE & co., ZRANGESTORE):
 * listpack when it fits both limits.
 */
export function fitEncoding(z: ZSetValue, limits: ZSetLimits): void {
  let maxLen = 0;
  for (let n = z.first; n; n = n.next) if (n.member.length > maxLen) maxLen = n.member.length;
  z.listpack = z.size <= limits.maxEntries && maxLen <= limits.maxValue;
  if (!z.listpack) return;
  // Converted to a listpack, a -0 score reads back as 0.
  for (let n = z.first; n; n = n.next) {
    if (Object.is(n.score, -0)) {
      n.score = 0;
      z.dict.set(n.member, 0);
    }
  }
}
