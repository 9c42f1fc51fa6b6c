/**
 * MurmurHash64A (Redis's endian-neutral variant) over a binary string, and hllPatLen on top of it.
 * 64-bit arithmetic is done on two unsigned 32-bit halves: BigInt would allocate on every step,
 * and PFADD hashes every element it is given.
 */

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const M_LO_0 = M_LO & 0xffff;
const M_LO_1 = M_LO >>> 16;

/** Redis's seed for the HyperLogLog hash. */
export const HLL_HASH_SEED = 0xadc83b19;

// mulM's result. A typed array, not two variables: a module variable holding a uint32 above
// 2^30 is a heap number in V8, and each write would allocate one.
const R = new Uint32Array(2);

/** (hi:lo) * m mod 2^64, into rHi:rLo. */
function mulM(hi: number, lo: number): void {
  // The high half of lo * M_LO from 16-bit pieces (each partial product stays below 2^32);
  // every other cross product only reaches the high half mod 2^32, which Math.imul gives.
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const p01 = a0 * M_LO_1;
  const p10 = a1 * M_LO_0;
  const carry = (((a0 * M_LO_0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) >>> 16;
  const high = a1 * M_LO_1 + (p01 >>> 16) + (p10 >>> 16) + carry;
  R[1] = Math.imul(lo, M_LO);
  R[0] = high + Math.imul(lo, M_HI) + Math.imul(hi, M_LO);
}

/** The last murmurHash64A result: [high half, low half]. */
export const HASH = new Uint32Array(2);

/** MurmurHash64A of the bytes of s (one char per byte); the result is in HASH. */
export function murmurHash64A(s: string, seed: number): void {
  const len = s.length;
  mulM(0, len);
  let hHi = R[0]!;
  let hLo = (R[1]! ^ seed) >>> 0;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    const kLo = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    const kHi = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mulM(kHi, kLo);
    // k ^= k >> 47; k *= m
    mulM(R[0]!, (R[1]! ^ (R[0]! >>> 15)) >>> 0);
    hHi = (hHi ^ R[0]!) >>> 0;
    hLo = (hLo ^ R[1]!) >>> 0;
    mulM(hHi, hLo);
    hHi = R[0]!;
    hLo = R[1]!;
  }
  const rest = len & 7;
  if (rest) {
    // The tail bytes, little endian, as the switch's fall-through cases do.
    for (let j = rest - 1; j >= 0; j--) {
      const b = s.charCodeAt(i + j);
      if (j >= 4) hHi = (hHi ^ (b << ((j - 4) * 8))) >>> 0;
      else hLo = (hLo ^ (b << (j * 8))) >>> 0;
    }
    mulM(hHi, hLo);
    hHi = R[0]!;
    hLo = R[1]!;
  }
  // h ^= h >> r; h *= m; h ^= h >> r
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mulM(hHi, hLo);
  HASH[0] = R[0]!;
  HASH[1] = R[1]! ^ (R[0]! >>> 15);
}


/**
 * hllPatLen: hashes the element; the low 14 bits pick the register, and the count is 1 + the
 * number of zero bits above them before the first 1 (at most 51: bit 50 of the shifted hash is
 * forced on). Answers index * 64 + count, one small integer.
 */
export function hllPatLen(s: string): number {
  murmurHash64A(s, HLL_HASH_SEED);
  return patternOfHash();
}

/**
 * hllPatLen of the 8 bytes of a little-endian uint64 (hi:lo), without building a string:
 * PFSELFTEST hashes ten million of them.
 */
export function hllPatLenU64(hi: number, lo: number): number {
  // MurmurHash64A with len 8: one block, no tail.
  mulM(0, 8);
  let hHi = R[0]!;
  let hLo = (R[1]! ^ HLL_HASH_SEED) >>> 0;
  mulM(hi >>> 0, lo >>> 0);
  mulM(R[0]!, (R[1]! ^ (R[0]! >>> 15)) >>> 0);
  hHi = (hHi ^ R[0]!) >>> 0;
  hLo = (hLo ^ R[1]!) >>> 0;
  mulM(hHi, hLo);
  hHi = R[0]!;
  hLo = (R[1]! ^ (hHi >>> 15)) >>> 0;
  mulM(hHi, hLo);
  HASH[0] = R[0]!;
  HASH[1] = R[1]! ^ (R[0]! >>> 15);
  return patternOfHash();
}

function patternOfHash(): number {
  const hashHi = HASH[0]!;
  const hashLo = HASH[1]!;
  const index = hashLo & 0x3fff;
  const lo = ((hashLo >>> 14) | (hashHi << 18)) >>> 0;
  if (lo !== 0) return index * 64 + 1 + ctz32(lo);
  const hi = (hashHi >>> 14) | (1 << 18);
  return index * 64 + 33 + ctz32(hi);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}
