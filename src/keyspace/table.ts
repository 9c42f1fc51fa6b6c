import { NONE, emptyBuckets, growInt32, hashKey, nextScanCursor, randomChainSlot, rehashChains } from './hash-chains.js';

/**
 * The hash table behind each database: keys (binary strings) to values, with an expiry time,
 * an LRU clock and encoding flags per key, all in parallel arrays (no object per key).
 *
 * Chaining into a bucket array of power-of-two size, like Redis's dict, so SCAN can use Redis's
 * reverse-binary cursor and keep its guarantee across resizes (hash-chains.ts, shared with Dict).
 * Entries live in slots; deleted slots go to a free list.
 * Keys with a TTL are also kept in a dense list so the active expiry cycle can sample them.
 */

const MIN_BUCKETS = 16;

export class KeyTable<V> {
  private buckets: Int32Array = emptyBuckets(MIN_BUCKETS);
  private mask = MIN_BUCKETS - 1;
  private keys: (string | undefined)[] = [];
  private vals: (V | undefined)[] = [];
  private next: Int32Array = new Int32Array(0);
  private hashes: Int32Array = new Int32Array(0);
  /** Absolute expiry in ms since the epoch; 0 when the key has none. */
  private expires: Float64Array = new Float64Array(0);
  /** Last access in LRU clock units (or an LFU counter), as Redis keeps in robj.lru. */
  private lru: Uint32Array = new Uint32Array(0);
  /** Per-key bits (string encoding hints). */
  private flags: Uint8Array = new Uint8Array(0);
  /** Position of a slot in `volatile`, or -1. */
  private volPos: Int32Array = new Int32Array(0);
  /** Slots that have an expiry, densely packed. */
  private volatile: Int32Array = new Int32Array(0);
  /**
   * Exact expiry times that a double cannot hold (beyond 2^53 ms, e.g. PEXPIREAT k
   * 9223372036854775807): PEXPIRETIME must answer them to the last digit. `expires` keeps the
   * rounded value for comparisons with the clock, which is all that precision is needed for.
   */
  private bigExpires: Map<number, bigint> | null = null;
  /**
   * Whether expires/volPos/volatile exist yet. A database whose keys never had a TTL (the common
   * cache-less case) does without those 16 bytes per slot; they are made on the first TTL.
   */
  private ttlArrays = false;
  private volCount = 0;
  private volCursor = 0;
  private capacity = 0;
  private used = 0; // slots handed out so far (high-water mark)
  private freeHead = NONE;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get expiresCount(): number {
    return this.volCount;
  }

  /** Slot of a key, or -1. */
  find(key: string): number {
    const h = hashKey(key);
    let s = this.buckets[h & this.mask]!;
    const hashes = this.hashes;
    const keys = this.keys;
    while (s !== NONE) {
      if (hashes[s] === h && keys[s] === key) return s;
      s = this.next[s]!;
    }
    return NONE;
  }

  keyAt(slot: number): string {
    return this.keys[slot]!;
  }

  valueAt(slot: number): V {
    return this.vals[slot]!;
  }

  setValueAt(slot: number, v: V): void {
    this.vals[slot] = v;
  }

  /** Expiry in ms (rounded beyond 2^53), or 0 for none. */
  expireAt(slot: number): number {
    return this.ttlArrays ? this.expires[slot]! : 0;
  }

  /** Expiry in ms, exact: a bigint only when a double could not hold it. 0 for none. */
  expireExact(slot: number): number | bigint {
    if (!this.ttlArrays) return 0;
    return this.bigExpires?.get(slot) ?? this.expires[slot]!;
  }

  lruAt(slot: number): number {
    return this.lru[slot]!;
  }

  setLru(slot: number, v: number): void {
    this.lru[slot] = v;
  }

  flagsAt(slot: number): number {
    return this.flags[slot]!;
  }

  setFlags(slot: number, f: number): void {
    this.flags[slot] = f;
  }

  /** Inserts a key known to be absent; returns its slot. */
  insert(key: string, v: V, lru: number): number {
    if (this.count + 1 > this.buckets.length) this.rehash(this.buckets.length * 2);
    let s: number;
    if (this.freeHead !== NONE) {
      s = this.freeHead;
      this.freeHead = this.next[s]!;
    } else {
      if (this.used === this.capacity) this.grow();
      s = this.used++;
    }
    const h = hashKey(key);
    const b = h & this.mask;
    this.keys[s] = key;
    this.vals[s] = v;
    this.hashes[s] = h;
    if (this.ttlArrays) {
      this.expires[s] = 0;
      this.volPos[s] = NONE;
    }
    this.lru[s] = lru;
    this.flags[s] = 0;
    this.next[s] = this.buckets[b]!;
    this.buckets[b] = s;
    this.count++;
    return s;
  }

  /** Removes a key by slot; returns nothing. */
  removeAt(slot: number): void {
    const b = this.hashes[slot]! & this.mask;
    let s = this.buckets[b]!;
    if (s === slot) {
      this.buckets[b] = this.next[slot]!;
    } else {
      while (s !== NONE) {
        const n = this.next[s]!;
        if (n === slot) {
          this.next[s] = this.next[slot]!;
          break;
        }
        s = n;
      }
    }
    if (this.ttlArrays && this.expires[slot] !== 0) this.setExpireAt(slot, 0);
    this.keys[slot] = undefined;
    this.vals[slot] = undefined;
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.count--;
    if (this.buckets.length > MIN_BUCKETS && this.count * 8 < this.buckets.length) {
      this.rehash(Math.max(MIN_BUCKETS, this.buckets.length / 2));
    }
  }

  setExpireAt(slot: number, exact: number | bigint): void {
    if (!this.ttlArrays) {
      if (exact === 0 || exact === 0n) return;
      this.makeTtlArrays();
    }
    let when: number;
    if (typeof exact === 'bigint') {
      when = Number(exact);
      if (BigInt(when) !== exact) (this.bigExpires ??= new Map()).set(slot, exact);
      else this.bigExpires?.delete(slot);
    } else {
      when = exact;
      this.bigExpires?.delete(slot);
    }
    const had = this.expires[slot] !== 0;
    this.expires[slot] = when;
    if (when !== 0 && !had) {
      this.volatile[this.volCount] = slot;
      this.volPos[slot] = this.volCount++;
    } else if (when === 0 && had) {
      const p = this.volPos[slot]!;
      const last = this.volatile[--this.volCount]!;
      this.volatile[p] = last;
      this.volPos[last] = p;
      this.volPos[slot] = NONE;
      // The moved key now sits where the walk has been: step back so it is not skipped.
      if (p === this.volCursor - 1) this.volCursor--;
    }
  }

  /**
   * The next key with an expiry in a round-robin walk of the dense list (the active expiry
   * cycle's cursor, like Redis's expires_cursor), or -1. Removing the returned key moves the
   * last one into its place, so the walk steps back to check that one too.
   */
  nextVolatile(): number {
    if (this.volCount === 0) return NONE;
    if (this.volCursor >= this.volCount) this.volCursor = 0;
    const s = this.volatile[this.volCursor]!;
    this.volCursor++;
    return s;
  }

  /** A random slot among keys with an expiry, or -1. */
  randomVolatile(): number {
    if (this.volCount === 0) return NONE;
    return this.volatile[(Math.random() * this.volCount) | 0]!;
  }

  /** A random occupied slot, or -1; uniform enough (random bucket, then random chain member). */
  randomSlot(): number {
    return this.count === 0 ? NONE : randomChainSlot(this.buckets, this.next);
  }

  /**
   * One step of SCAN: visits the buckets at `cursor` (in both table sizes' terms, as Redis's
   * dictScan does with its reverse-binary increment) and returns the next cursor (0 = done).
   */
  scan(cursor: number, visit: (slot: number) => void): number {
    if (this.count === 0) return 0;
    // The mask before the visits: a deletion may shrink the table.
    const mask = this.mask;
    let s = this.buckets[cursor & mask]!;
    while (s !== NONE) {
      const n = this.next[s]!; // the visitor may delete s
      visit(s);
      s = n;
    }
    return nextScanCursor(cursor, mask);
  }

  /** Every occupied slot, in table order. */
  *slots(): IterableIterator<number> {
    for (let b = 0; b < this.buckets.length; b++) {
      for (let s = this.buckets[b]!; s !== NONE; ) {
        const n = this.next[s]!;
        yield s;
        s = n;
      }
    }
  }

  private grow(): void {
    const cap = Math.max(16, this.capacity * 2);
    this.next = growInt32(this.next, cap);
    this.hashes = growInt32(this.hashes, cap);
    if (this.ttlArrays) {
      const e = new Float64Array(cap);
      e.set(this.expires);
      this.expires = e;
      this.volPos = growInt32(this.volPos, cap);
      this.volatile = growInt32(this.volatile, cap);
    }
    const l = new Uint32Array(cap);
    l.set(this.lru);
    this.lru = l;
    const f = new Uint8Array(cap);
    f.set(this.flags);
    this.flags = f;
    this.capacity = cap;
  }

  /** The TTL arrays, sized like the others, on the first expiry set in this table. */
  private makeTtlArrays(): void {
    this.expires = new Float64Array(this.capacity);
    this.volPos = new Int32Array(this.capacity).fill(NONE);
    this.volatile = new Int32Array(this.capacity);
    this.ttlArrays = true;
  }

  private rehash(size: number): void {
    this.buckets = rehashChains(this.buckets, this.next, this.hashes, size);
    this.mask = size - 1;
  }
}
