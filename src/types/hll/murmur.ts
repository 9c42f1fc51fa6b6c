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

// Results of mulM and murmurHash64A, kept in module variables so no object is allocated per call.
let rHi = 0;
let rLo = 0;

/** (hi:lo) * m mod 2^64, into rHi:rLo. */
function mulM(hi: number, lo: number): void {
  // lo * M_LO exactly, from 16-bit pieces (every partial sum stays below 2^53).
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const mid = a0 * M_LO_1 + a1 * M_LO_0;
  const low = a0 * M_LO_0 + (mid % 65536) * 65536;
  const high = a1 * M_LO_1 + Math.floor(mid / 65536) + Math.floor(low / 4294967296);
  rLo = low >>> 0;
  // The cross products only reach the high half, where mod 2^32 is what Math.imul gives.
  rHi = (high + Math.imul(lo, M_HI) + Math.imul(hi, M_LO)) >>> 0;
}

/** The high half of the last murmurHash64A result. */
export let hashHi = 0;
/** The low half of the last murmurHash64A result. */
export let hashLo = 0;

/** MurmurHash64A of the bytes of s (one char per byte); the result is in hashHi:hashLo. */
export function murmurHash64A(s: string, seed: number): void {
  const len = s.length;
  mulM(0, len);
  let hHi = rHi;
  let hLo = (rLo ^ seed) >>> 0;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    const kLo = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    const kHi = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mulM(kHi, kLo);
    // k ^= k >> 47; k *= m
    mulM(rHi, (rLo ^ (rHi >>> 15)) >>> 0);
    hHi = (hHi ^ rHi) >>> 0;
    hLo = (hLo ^ rLo) >>> 0;
    mulM(hHi, hLo);
    hHi = rHi;
    hLo = rLo;
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
    hHi = rHi;
    hLo = rLo;
  }
  // h ^= h >> r; h *= m; h ^= h >> r
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mulM(hHi, hLo);
  hashHi = rHi;
  hashLo = (rLo ^ (rHi >>> 15)) >>> 0;
}

/** Register index of the last hllPatLen call. */
export let patIndex = 0;

/**
 * hllPatLen: hashes the element; the low 14 bits pick the register (patIndex), and the answer is
 * 1 + the number of zero bits above them before the first 1 (at most 51: bit 50 of the shifted
 * hash is forced on).
 */
export function hllPatLen(s: string): number {
  murmurHash64A(s, HLL_HASH_SEED);
  patIndex = hashLo & 0x3fff;
  const lo = ((hashLo >>> 14) | (hashHi << 18)) >>> 0;
  if (lo !== 0) return 1 + ctz32(lo);
  const hi = (hashHi >>> 14) | (1 << 18);
  return 33 + ctz32(hi);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}
