import { NONE, emptyBuckets, growInt32, hashKey, nextScanCursor, randomChainSlot, rehashChains } from '../keyspace/hash-chains.js';

const MIN_BUCKETS = 4;

/**
 * A hash table of binary-string keys for the "hashtable" encodings of hashes, sets and sorted
 * sets. Chained, in parallel arrays (no object per entry), power-of-two buckets, so HSCAN, SSCAN
 * and ZSCAN use Redis's reverse-binary cursor and keep SCAN's guarantee across grow and shrink
 * (the chain algorithms are KeyTable's, in hash-chains.ts).
 * Iteration order is bucket order, like Redis's dict (callers never rely on it).
 */
export class Dict<V> {
  private buckets: Int32Array = emptyBuckets(MIN_BUCKETS);
  private mask = MIN_BUCKETS - 1;
  private keys: (string | undefined)[] = [];
  private vals: (V | undefined)[] = [];
  private next: Int32Array = new Int32Array(0);
  private hashes: Int32Array = new Int32Array(0);
  private used = 0;
  private freeHead = NONE;
  private count = 0;

  get size(): number {
    return this.count;
  }

  private find(key: string): number {
    return this.findHashed(key, hashKey(key));
  }

  private findHashed(key: string, h: number): number {
    let s = this.buckets[h & this.mask]!;
    while (s !== NONE) {
      if (this.hashes[s] === h && this.keys[s] === key) return s;
      s = this.next[s]!;
    }
    return NONE;
  }

  has(key: string): boolean {
    return this.find(key) !== NONE;
  }

  get(key: string): V | undefined {
    const s = this.find(key);
    return s === NONE ? undefined : this.vals[s];
  }

  /** Sets a key; returns true when it was added (not updated). */
  set(key: string, v: V): boolean {
    // Hashed once for the lookup and the insert.
    const h = hashKey(key);
    const found = this.findHashed(key, h);
    if (found !== NONE) {
      this.vals[found] = v;
      return false;
    }
    if (this.count + 1 > this.buckets.length) this.rehash(this.buckets.length * 2);
    let s: number;
    if (this.freeHead !== NONE) {
      s = this.freeHead;
      this.freeHead = this.next[s]!;
    } else {
      if (this.used === this.next.length) this.grow();
      s = this.used++;
    }
    const b = h & this.mask;
    this.keys[s] = key;
    this.vals[s] = v;
    this.hashes[s] = h;
    this.next[s] = this.buckets[b]!;
    this.buckets[b] = s;
    this.count++;
    return true;
  }

  /** Removes a key; returns true when it was there. */
  delete(key: string): boolean {
    const h = hashKey(key);
    const b = h & this.mask;
    let prev = NONE;
    let s = this.buckets[b]!;
    while (s !== NONE) {
      if (this.hashes[s] === h && this.keys[s] === key) break;
      prev = s;
      s = this.next[s]!;
    }
    if (s === NONE) return false;
    this.unlink(b, prev, s);
    return true;
  }

  /**
   * Removes a random key and returns it (the dict must not be empty): the key random() would
   * draw, without a tuple for it or a second lookup to delete it (SPOP).
   */
  popRandomKey(): string {
    const s = randomChainSlot(this.buckets, this.next);
    const key = this.keys[s]!;
    const b = this.hashes[s]! & this.mask;
    let prev = NONE;
    for (let t = this.buckets[b]!; t !== s; t = this.next[t]!) prev = t;
    this.unlink(b, prev, s);
    return key;
  }

  /** Takes slot s (after `prev` in bucket b's chain, or first) out of the table; may shrink it. */
  private unlink(b: number, prev: number, s: number): void {
    if (prev === NONE) this.buckets[b] = this.next[s]!;
    else this.next[prev] = this.next[s]!;
    this.keys[s] = undefined;
    this.vals[s] = undefined;
    this.next[s] = this.freeHead;
    this.freeHead = s;
    this.count--;
    if (this.buckets.length > MIN_BUCKETS && this.count * 8 < this.buckets.length) this.rehash(Math.max(MIN_BUCKETS, this.buckets.length / 2));
  }

  /** Every entry, in bucket order. Do not modify the dict while iterating. */
  *entries(): IterableIterator<[string, V]> {
    for (let b = 0; b < this.buckets.length; b++) {
      for (let s = this.buckets[b]!; s !== NONE; s = this.next[s]!) yield [this.keys[s]!, this.vals[s]!];
    }
  }

  *keysIter(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  /** A random key (as random() draws it, without the tuple); the dict must not be empty. */
  randomKey(): string {
    return this.keys[randomChainSlot(this.buckets, this.next)]!;
  }

  /** A random entry (random bucket, then a random member of its chain, as dictGetFairRandomKey approximates). */
  random(): [string, V] | undefined {
    if (this.count === 0) return undefined;
    const s = randomChainSlot(this.buckets, this.next);
    return [this.keys[s]!, this.vals[s]!];
  }

  /**
   * One SCAN step over the bucket at `cursor` (reverse-binary increment, as Redis's dictScan);
   * returns the next cursor, 0 when the scan is complete.
   */
  scan(cursor: number, visit: (key: string, v: V) => void): number {
    if (this.count === 0) return 0;
    const mask = this.mask;
    for (let s = this.buckets[cursor & mask]!; s !== NONE; s = this.next[s]!) visit(this.keys[s]!, this.vals[s]!);
    return nextScanCursor(cursor, mask);
  }

  clone(copyValue: (v: V) => V = (v) => v): Dict<V> {
    const d = new Dict<V>();
    for (const [k, v] of this.entries()) d.set(k, copyValue(v));
    return d;
  }

  private grow(): void {
    const cap = Math.max(8, this.next.length * 2);
    this.next = growInt32(this.next, cap);
    this.hashes = growInt32(this.hashes, cap);
  }

  private rehash(size: number): void {
    this.buckets = rehashChains(this.buckets, this.next, this.hashes, size);
    this.mask = size - 1;
  }
}
