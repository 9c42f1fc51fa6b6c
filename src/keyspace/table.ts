import { NONE, emptyBuckets, growInt32, hashKey, nextScanCursor } from './hash-chains.js';

/**
 * The hash table behind each database: keys (binary strings) to values, with an expiry time,
 * an LRU clock and encoding flags per key, with no object per key.
 *
 * Chaining into a bucket array of power-of-two size, like Redis's dict, so SCAN can use Redis's
 * reverse-binary cursor and keep its guarantee across resizes (hash-chains.ts, shared with Dict).
 * Entries live in slots; deleted slots go to a free list.
 * Keys with a TTL are also kept in a dense list so the active expiry cycle can sample them.
 *
 * Laid out for a lookup-and-update to touch few cache lines (with 100k+ keys each is a miss):
 * the bucket, one meta record (next, hash, LRU word and flags side by side), one key/value pair
 * (side by side in a JS array), then the key string itself. Records and pairs sit in pages of
 * PAGE_SLOTS slots rather than in one array each, so growing never copies them, leaves no
 * garbage array behind (a 1M-key table's would be tens of MB until the next full GC) and keeps
 * no more than one page of slack. Only the first page grows, by doubling, so a small table
 * stays small.
 */

const MIN_BUCKETS = 16;

/** A slot's meta record: [next slot, hash, LRU word | flags << 24]. */
const STRIDE = 3;
const M_HASH = 1;
const M_WORD = 2;
/** The LRU word is 24 bits (Redis's LRU clock, or an LFU word: 16-bit minutes << 8 | counter). */
const LRU_MASK = 0xffffff;

/** Slots per page: 4096, so a key/value page is 64 KB (below V8's large-object threshold). */
const PAGE_BITS = 12;
const PAGE_SLOTS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SLOTS - 1;
const MIN_SLOTS = 16;

/** A page of key/value pairs: key at 2i, value at 2i + 1 (undefined in free slots). */
type Page<V> = (string | V | undefined)[];

export class KeyTable<V> {
  private buckets: Int32Array = emptyBuckets(MIN_BUCKETS);
  private mask = MIN_BUCKETS - 1;
  /** Meta records, page by page: slot s's at metaPages[s >>> PAGE_BITS][(s & PAGE_MASK) * STRIDE]. */
  private metaPages: Int32Array[] = [];
  /** Key/value pairs, page by page: slot s's key at kvPages[s >>> PAGE_BITS][(s & PAGE_MASK) * 2]. */
  private kvPages: Page<V>[] = [];
  /** Absolute expiry in ms since the epoch; 0 when the key has none. */
  private expires: Float64Array = new Float64Array(0);
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
  /** Slots the first page and the TTL arrays have room for; later pages come as slots reach them. */
  private capacity = 0;
  private used = 0; // slots handed out so far (high-water mark)
  private freeHead = NONE;
  private count = 0;
  /** The slot find() last found a key in, or -1; and the key it last did not find, with its hash. */
  private lastFound = NONE;
  private lastMissed: string | null = null;
  private lastMissedHash = 0;

  get size(): number {
    return this.count;
  }

  get expiresCount(): number {
    return this.volCount;
  }

  /** Slot of a key, or -1. */
  find(key: string): number {
    return this.findHashed(key, hashKey(key));
  }

  private findHashed(key: string, h: number): number {
    let s = this.buckets[h & this.mask]!;
    const metaPages = this.metaPages;
    const kvPages = this.kvPages;
    while (s !== NONE) {
      const page = s >>> PAGE_BITS;
      const o = s & PAGE_MASK;
      const meta = metaPages[page]!;
      if (meta[o * STRIDE + M_HASH] === h && kvPages[page]![o << 1] === key) return (this.lastFound = s);
      s = meta[o * STRIDE]!;
    }
    this.lastMissed = key;
    this.lastMissedHash = h;
    return NONE;
  }

  /**
   * find, for a key that was probably the last one looked up (SET finds its key in writeSlot,
   * then again to set it): hashing the key is most of the cost of a lookup. A slot holds one key
   * at most, so when the last slot found holds this key it is this key's slot (a key deleted
   * since leaves that slot empty, or someone else's); a key not found last time is looked up
   * again, with its hash kept from then.
   */
  findAgain(key: string): number {
    const s = this.lastFound;
    if (s !== NONE && this.kvPages[s >>> PAGE_BITS]![(s & PAGE_MASK) << 1] === key) return s;
    return this.findHashed(key, key === this.lastMissed ? this.lastMissedHash : hashKey(key));
  }

  keyAt(slot: number): string {
    return this.kvPages[slot >>> PAGE_BITS]![(slot & PAGE_MASK) << 1] as string;
  }

  valueAt(slot: number): V {
    return this.kvPages[slot >>> PAGE_BITS]![((slot & PAGE_MASK) << 1) + 1] as V;
  }

  setValueAt(slot: number, v: V): void {
    this.kvPages[slot >>> PAGE_BITS]![((slot & PAGE_MASK) << 1) + 1] = v;
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
    return this.metaPages[slot >>> PAGE_BITS]![(slot & PAGE_MASK) * STRIDE + M_WORD]! & LRU_MASK;
  }

  setLru(slot: number, v: number): void {
    const meta = this.metaPages[slot >>> PAGE_BITS]!;
    const i = (slot & PAGE_MASK) * STRIDE + M_WORD;
    meta[i] = (meta[i]! & ~LRU_MASK) | (v & LRU_MASK);
  }

  /** Per-key bits (string encoding hints), 0 to 255. */
  flagsAt(slot: number): number {
    return this.metaPages[slot >>> PAGE_BITS]![(slot & PAGE_MASK) * STRIDE + M_WORD]! >>> 24;
  }

  setFlags(slot: number, f: number): void {
    const meta = this.metaPages[slot >>> PAGE_BITS]!;
    const i = (slot & PAGE_MASK) * STRIDE + M_WORD;
    meta[i] = (meta[i]! & LRU_MASK) | (f << 24);
  }

  /** Inserts a key known to be absent; returns its slot. */
  insert(key: string, v: V, lru: number): number {
    if (this.count + 1 > this.buckets.length) this.rehash(this.buckets.length * 2);
    let s: number;
    if (this.freeHead !== NONE) {
      s = this.freeHead;
      this.freeHead = this.nextOf(s);
    } else {
      if (this.used === this.capacity) this.grow();
      s = this.used++;
      if (s >>> PAGE_BITS === this.kvPages.length) {
        this.kvPages.push(newKvPage<V>(PAGE_SLOTS));
        this.metaPages.push(new Int32Array(PAGE_SLOTS * STRIDE));
      }
    }
    // Usually the key a find() just missed.
    const h = key === this.lastMissed ? this.lastMissedHash : hashKey(key);
    const b = h & this.mask;
    const kv = this.kvPages[s >>> PAGE_BITS]!;
    const p = (s & PAGE_MASK) << 1;
    kv[p] = key;
    kv[p + 1] = v;
    if (this.ttlArrays) {
      this.expires[s] = 0;
      this.volPos[s] = NONE;
    }
    const meta = this.metaPages[s >>> PAGE_BITS]!;
    const m = (s & PAGE_MASK) * STRIDE;
    meta[m] = this.buckets[b]!;
    meta[m + M_HASH] = h;
    meta[m + M_WORD] = lru & LRU_MASK;
    this.buckets[b] = s;
    this.count++;
    return s;
  }

  /** Removes a key by slot; returns nothing. */
  removeAt(slot: number): void {
    const b = this.hashOf(slot) & this.mask;
    const after = this.nextOf(slot);
    let s = this.buckets[b]!;
    if (s === slot) {
      this.buckets[b] = after;
    } else {
      while (s !== NONE) {
        const n = this.nextOf(s);
        if (n === slot) {
          this.setNext(s, after);
          break;
        }
        s = n;
      }
    }
    if (this.ttlArrays && this.expires[slot] !== 0) this.setExpireAt(slot, 0);
    const kv = this.kvPages[slot >>> PAGE_BITS]!;
    const p = (slot & PAGE_MASK) << 1;
    kv[p] = undefined;
    kv[p + 1] = undefined;
    this.setNext(slot, this.freeHead);
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
    if (this.count === 0) return NONE;
    // hash-chains.ts's randomChainSlot, over paged records.
    for (;;) {
      let s = this.buckets[(Math.random() * this.buckets.length) | 0]!;
      if (s === NONE) continue;
      let len = 0;
      for (let t = s; t !== NONE; t = this.nextOf(t)) len++;
      let k = (Math.random() * len) | 0;
      while (k-- > 0) s = this.nextOf(s);
      return s;
    }
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
      const n = this.nextOf(s); // the visitor may delete s
      visit(s);
      s = n;
    }
    return nextScanCursor(cursor, mask);
  }

  /** Every occupied slot, in table order. */
  *slots(): IterableIterator<number> {
    for (let b = 0; b < this.buckets.length; b++) {
      for (let s = this.buckets[b]!; s !== NONE; ) {
        const n = this.nextOf(s);
        yield s;
        s = n;
      }
    }
  }

  private nextOf(slot: number): number {
    return this.metaPages[slot >>> PAGE_BITS]![(slot & PAGE_MASK) * STRIDE]!;
  }

  private setNext(slot: number, next: number): void {
    this.metaPages[slot >>> PAGE_BITS]![(slot & PAGE_MASK) * STRIDE] = next;
  }

  private hashOf(slot: number): number {
    return this.metaPages[slot >>> PAGE_BITS]![(slot & PAGE_MASK) * STRIDE + M_HASH]!;
  }

  /**
   * Doubles `capacity`: the TTL arrays grow with it, and so does the first page until it is
   * whole; later pages are made whole as slots reach them.
   */
  private grow(): void {
    const cap = Math.max(MIN_SLOTS, this.capacity * 2);
    if (this.ttlArrays) {
      const e = new Float64Array(cap);
      e.set(this.expires);
      this.expires = e;
      this.volPos = growInt32(this.volPos, cap);
      this.volatile = growInt32(this.volatile, cap);
    }
    if (this.capacity < PAGE_SLOTS) {
      const n = Math.min(cap, PAGE_SLOTS);
      const kv = newKvPage<V>(n);
      const oldKv = this.kvPages[0];
      if (oldKv !== undefined) for (let i = 0; i < oldKv.length; i++) kv[i] = oldKv[i];
      this.kvPages[0] = kv;
      const meta = new Int32Array(n * STRIDE);
      const oldMeta = this.metaPages[0];
      if (oldMeta !== undefined) meta.set(oldMeta);
      this.metaPages[0] = meta;
    }
    this.capacity = cap;
  }

  /** The TTL arrays, sized like the others, on the first expiry set in this table. */
  private makeTtlArrays(): void {
    this.expires = new Float64Array(this.capacity);
    this.volPos = new Int32Array(this.capacity).fill(NONE);
    this.volatile = new Int32Array(this.capacity);
    this.ttlArrays = true;
  }

  /** Rechains every slot into `size` buckets (hash-chains.ts's rehashChains, over paged records). */
  private rehash(size: number): void {
    const out = emptyBuckets(size);
    const mask = size - 1;
    const old = this.buckets;
    for (let b = 0; b < old.length; b++) {
      let s = old[b]!;
      while (s !== NONE) {
        const n = this.nextOf(s);
        const nb = this.hashOf(s) & mask;
        this.setNext(s, out[nb]!);
        out[nb] = s;
        s = n;
      }
    }
    this.buckets = out;
    this.mask = mask;
  }
}

/**
 * A page for `slots` key/value pairs, all free. Made holey with room for all of them (appending
 * would leave V8's growth slack), and generic from the start, so every page has the same map
 * and the accesses stay monomorphic (a fresh `new Array(n)` holds small integers only).
 */
function newKvPage<V>(slots: number): Page<V> {
  const page = new Array<string | V | undefined>(slots * 2);
  page[0] = undefined;
  return page;
}
