/**
 * What KeyTable (a database's keys) and Dict (the hashtable encodings of hashes, sets and sorted
 * sets) share: both chain binary-string keys, by slot number, into a bucket array of
 * power-of-two size like Redis's dict (`buckets[b]` is a bucket's first slot, `next[s]` the slot
 * after s, -1 ends a chain), so SCAN, HSCAN, SSCAN and ZSCAN use Redis's reverse-binary cursor
 * and keep its guarantee across grow and shrink: every key present for the whole scan is
 * returned at least once.
 *
 * These are plain functions over the typed arrays rather than a base class or a shared object:
 * find and insert stay in each table, reading their own fields, so the keyspace lookup (the
 * hottest code in the server) stays monomorphic, with no extra indirection.
 */

export const NONE = -1;

let hashSeed = (Math.random() * 0x7fffffff) | 0;

/** Seeded FNV-1a over the chars of a binary string, with a final avalanche. */
export function hashKey(s: string): number {
  let h = (0x811c9dc5 ^ hashSeed) | 0;
  const n = s.length;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h | 0;
}

/** For tests that need reproducible SCAN order. */
export function setHashSeed(seed: number): void {
  hashSeed = seed | 0;
}

/** A bucket array of `size` (a power of two) empty buckets. */
export function emptyBuckets(size: number): Int32Array {
  return new Int32Array(size).fill(NONE);
}

/** Rechains every slot into `size` new buckets by its hash, and returns them. */
export function rehashChains(buckets: Int32Array, next: Int32Array, hashes: Int32Array, size: number): Int32Array {
  const out = emptyBuckets(size);
  const mask = size - 1;
  for (let b = 0; b < buckets.length; b++) {
    let s = buckets[b]!;
    while (s !== NONE) {
      const n = next[s]!;
      const nb = hashes[s]! & mask;
      next[s] = out[nb]!;
      out[nb] = s;
      s = n;
    }
  }
  return out;
}

/**
 * A random slot of a table that is not empty: a random non-empty bucket, then a random member
 * of its chain (as dictGetFairRandomKey approximates).
 */
export function randomChainSlot(buckets: Int32Array, next: Int32Array): number {
  for (;;) {
    const b = (Math.random() * buckets.length) | 0;
    let s = buckets[b]!;
    if (s === NONE) continue;
    let len = 0;
    for (let t = s; t !== NONE; t = next[t]!) len++;
    let k = (Math.random() * len) | 0;
    while (k-- > 0) s = next[s]!;
    return s;
  }
}

/**
 * The SCAN cursor after `cursor` in a table of `mask + 1` buckets (0 = done): Redis's dictScan
 * reverse-binary increment of the masked bits, which also covers every bucket of a table that
 * grows or shrinks between calls.
 */
export function nextScanCursor(cursor: number, mask: number): number {
  let v = cursor | ~mask;
  v = reverseBits32(v);
  v = (v + 1) | 0;
  v = reverseBits32(v);
  // Cursors are unsigned; higher bits than the mask stay zero.
  return (v >>> 0) & mask;
}

/** A copy of `a` in a longer array, zero-filled. */
export function growInt32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

export function reverseBits32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  v = (v >>> 16) | (v << 16);
  return v | 0;
}
