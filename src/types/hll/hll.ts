import '../../protocol/buffer-ext.js';
import { hllPatLen } from './murmur.js';

/**
 * Redis's HyperLogLog representation (hyperloglog.c), byte for byte, so GET returns what Redis
 * would and values written by Redis load here:
 *
 *   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused | cached cardinality, 8 bytes little endian,
 *   top bit of the last byte set when stale | registers
 *
 * Dense: 16384 registers of 6 bits, packed from the least significant bit of each byte.
 * Sparse: opcodes ZERO 00xxxxxx (1..64 zero registers), XZERO 01xxxxxx yyyyyyyy (1..16384 zero
 * registers), VAL 1vvvvvxx (1..4 registers of value 1..32). No RESP here.
 */

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * 6 + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;
const HLL_Q = 64 - HLL_P;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
/** 0.5 / ln(2), the estimator's alpha for m -> infinity. */
const HLL_ALPHA_INF = 0.72134752044448170368;

/**
 * An HLL being worked on: the value's bytes with room to grow, as Redis's sds. The byte at `len`
 * is always 0, like sds's terminator, which Redis's code reads past the last opcode or register.
 */
export interface Hll {
  b: Buffer;
  len: number;
}

/** createHLLObject: an empty sparse HLL (one XZERO covering every register). */
export function hllCreate(): Hll {
  const b = Buffer.alloc(HLL_HDR_SIZE + 2 + 1 + 16);
  b.latin1Write('HYLL', 0);
  b[4] = HLL_SPARSE;
  setXZero(b, HLL_HDR_SIZE, HLL_REGISTERS);
  return { b, len: HLL_HDR_SIZE + 2 };
}

/** The HLL of a string value (a copy: strings are immutable), with a little room to grow. */
export function hllFromString(s: string): Hll {
  const b = Buffer.allocUnsafe(s.length + 1 + 16);
  b.latin1Write(s, 0);
  b.fill(0, s.length);
  return { b, len: s.length };
}

export function hllToString(h: Hll): string {
  return h.b.latin1Slice(0, h.len);
}

/** isHLLObjectOrReply's checks on a string value: header, known encoding, dense size. */
export function isHllString(s: string): boolean {
  if (s.length < HLL_HDR_SIZE) return false;
  if (s.charCodeAt(0) !== 72 || s.charCodeAt(1) !== 89 || s.charCodeAt(2) !== 76 || s.charCodeAt(3) !== 76) return false;
  const enc = s.charCodeAt(4);
  if (enc > HLL_MAX_ENCODING) return false;
  return enc !== HLL_DENSE || s.length === HLL_DENSE_SIZE;
}

export function hllEncoding(h: Hll): number {
  return h.b[4]!;
}

/** HLL_VALID_CACHE on a string value. */
export function cacheValid(s: string): boolean {
  return (s.charCodeAt(15) & 0x80) === 0;
}

/** HLL_INVALIDATE_CACHE */
export function invalidateCache(h: Hll): void {
  h.b[15] = h.b[15]! | 0x80;
}

function ensureRoom(h: Hll, extra: number): void {
  if (h.len + extra + 1 <= h.b.length) return;
  const nb = Buffer.alloc(Math.max(h.b.length * 2, h.len + extra + 1));
  h.b.copy(nb, 0, 0, h.len);
  h.b = nb;
}

/** sdsIncrLen: the length changes and the byte after the end is zeroed. */
function setLen(h: Hll, len: number): void {
  h.len = len;
  h.b[len] = 0;
}

// ---- dense registers ----

/** HLL_DENSE_GET_REGISTER over registers starting at byte `base`. */
export function denseGet(b: Uint8Array, base: number, regnum: number): number {
  const bit = regnum * 6;
  const byte = base + (bit >>> 3);
  const fb = bit & 7;
  return ((b[byte]! >> fb) | ((b[byte + 1] ?? 0) << (8 - fb))) & 63;
}

/** HLL_DENSE_SET_REGISTER */
export function denseSetRegister(b: Uint8Array, base: number, regnum: number, val: number): void {
  const bit = regnum * 6;
  const byte = base + (bit >>> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  b[byte] = (b[byte]! & ~(63 << fb)) | (val << fb);
  if (byte + 1 < b.length) b[byte + 1] = (b[byte + 1]! & ~(63 >> fb8)) | (val >> fb8);
}

/** hllDenseSet: raises a register to count; 1 if it changed. */
function denseSet(b: Uint8Array, index: number, count: number): number {
  if (count > denseGet(b, HLL_HDR_SIZE, index)) {
    denseSetRegister(b, HLL_HDR_SIZE, index, count);
    return 1;
  }
  return 0;
}

// ---- sparse opcodes ----

function isZero(op: number): boolean {
  return (op & 0xc0) === 0;
}
function isXZero(op: number): boolean {
  return (op & 0xc0) === 0x40;
}
function valValue(op: number): number {
  return ((op >> 2) & 0x1f) + 1;
}
function valLen(op: number): number {
  return (op & 3) + 1;
}
function xzeroLen(b: Uint8Array, p: number): number {
  return (((b[p]! & 0x3f) << 8) | (b[p + 1] ?? 0)) + 1;
}
function valOp(value: number, len: number): number {
  return (((value - 1) << 2) | (len - 1)) | 0x80;
}
function setXZero(b: Uint8Array, p: number, len: number): void {
  const l = len - 1;
  b[p] = (l >> 8) | 0x40;
  b[p + 1] = l & 0xff;
}

/**
 * hllSparseToDense: false (and h unchanged) when the opcodes do not cover exactly 16384
 * registers. The header, cached cardinality included, is kept.
 */
export function sparseToDense(h: Hll): boolean {
  const b = h.b;
  if (b[4] === HLL_DENSE) return true;
  const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
  b.copy(dense, 0, 0, HLL_HDR_SIZE);
  dense[4] = HLL_DENSE;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  const end = h.len;
  while (p < end) {
    const op = b[p]!;
    if (isZero(op)) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if (isXZero(op)) {
      idx += xzeroLen(b, p);
      p += 2;
    } else {
      let runlen = valLen(op);
      const regval = valValue(op);
      if (runlen + idx > HLL_REGISTERS) break; // overflow
      while (runlen--) denseSetRegister(dense, HLL_HDR_SIZE, idx++, regval);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  h.b = dense;
  h.len = HLL_DENSE_SIZE;
  return true;
}

/**
 * hllSparseSet: raises register `index` to `count` in a sparse HLL, splitting the opcode that
 * covers it and merging equal neighbours as Redis does, so the bytes come out the same. Turns
 * the HLL dense when count does not fit a VAL opcode or the value would grow past maxBytes.
 * 1 when a register changed, 0 when not, -1 on a corrupt HLL.
 */
export function sparseSet(h: Hll, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(h, index, count);
  ensureRoom(h, 3);
  const b = h.b;
  let end = h.len;
  // Step 1: find the opcode covering the register.
  let p = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = b[p]!;
    let oplen = 1;
    if (isZero(op)) span = (op & 0x3f) + 1;
    else if (op & 0x80) span = valLen(op);
    else {
      span = xzeroLen(b, p);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = b[p]!;
  let next = isXZero(op) ? p + 2 : p + 1;
  if (next >= end) next = -1;
  const zero = isZero(op);
  const xzero = isXZero(op);
  const runlen = zero ? (op & 0x3f) + 1 : xzero ? xzeroLen(b, p) : valLen(op);
  updated: {
    // Step 2: the cases that rewrite the opcode in place.
    if (!zero && !xzero) {
      if (valValue(op) >= count) return 0;
      if (runlen === 1) {
        b[p] = valOp(count, 1);
        break updated;
      }
    }
    if (zero && runlen === 1) {
      b[p] = valOp(count, 1);
      break updated;
    }
    // Step 3: the general case, the opcode split into up to three (five bytes).
    const seq: number[] = [];
    const last = first + span - 1;
    if (zero || xzero) {
      if (index !== first) pushZeros(seq, index - first);
      seq.push(valOp(count, 1));
      if (index !== last) pushZeros(seq, last - index);
    } else {
      const curval = valValue(op);
      if (index !== first) seq.push(valOp(curval, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(curval, last - index));
    }
    const deltalen = seq.length - (xzero ? 2 : 1);
    if (deltalen > 0 && h.len + deltalen > maxBytes) return promote(h, index, count);
    if (deltalen !== 0 && next !== -1) b.copyWithin(next + deltalen, next, end);
    setLen(h, h.len + deltalen);
    for (let i = 0; i < seq.length; i++) b[p + i] = seq[i]!;
    end += deltalen;
  }
  // Step 4: merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from prev.
  p = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scanlen = 5;
  while (p < end && scanlen--) {
    const o = b[p]!;
    if (isXZero(o)) {
      p += 2;
      continue;
    } else if (isZero(o)) {
      p++;
      continue;
    }
    if (p + 1 < end && b[p + 1]! & 0x80) {
      const v1 = valValue(o);
      const o2 = b[p + 1]!;
      if (v1 === valValue(o2)) {
        const len = valLen(o) + valLen(o2);
        if (len <= SPARSE_VAL_MAX_LEN) {
          b[p + 1] = valOp(v1, len);
          // memmove(p, p+1, end-p): the terminator comes along.
          b.copyWithin(p, p + 1, end + 1);
          setLen(h, h.len - 1);
          end--;
          // Try again from the same place: the merged opcode may merge with the next one.
          continue;
        }
      }
    }
    p++;
  }
  invalidateCache(h);
  return 1;
}

function pushZeros(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) {
    const l = len - 1;
    seq.push((l >> 8) | 0x40, l & 0xff);
  } else {
    seq.push(len - 1);
  }
}

/** The promote path of hllSparseSet: convert, then set the register densely (always a change). */
function promote(h: Hll, index: number, count: number): number {
  if (!sparseToDense(h)) return -1;
  return denseSet(h.b, index, count);
}

/** hllAdd: 1 when a register changed, 0 when not, -1 on a corrupt HLL. */
export function hllAdd(h: Hll, ele: string, maxBytes: number): number {
  return hllAddPattern(h, hllPatLen(ele), maxBytes);
}

/** hllAdd of an element already hashed by hllPatLen (index * 64 + count). */
export function hllAddPattern(h: Hll, pat: number, maxBytes: number): number {
  const index = pat >> 6;
  const count = pat & 63;
  const enc = h.b[4];
  if (enc === HLL_DENSE) return denseSet(h.b, index, count);
  if (enc === HLL_SPARSE) return sparseSet(h, index, count, maxBytes);
  return -1;
}

/** Raises one register in either encoding (PFMERGE's write-back): 1 if it changed, -1 if corrupt. */
export function hllSetRegister(h: Hll, index: number, count: number, maxBytes: number): number {
  return h.b[4] === HLL_DENSE ? denseSet(h.b, index, count) : sparseSet(h, index, count, maxBytes);
}

// ---- counting ----

/** Register-value histogram of an HLL; false when a sparse one is corrupt. */
export function hllHistogram(h: Hll, reghisto: Int32Array): boolean {
  const b = h.b;
  if (b[4] === HLL_DENSE) {
    for (let j = 0; j < HLL_REGISTERS; j++) reghisto[denseGet(b, HLL_HDR_SIZE, j)]!++;
    return true;
  }
  let idx = 0;
  let p = HLL_HDR_SIZE;
  const end = h.len;
  while (p < end) {
    const op = b[p]!;
    if (isZero(op)) {
      const runlen = (op & 0x3f) + 1;
      idx += runlen;
      reghisto[0]! += runlen;
      p++;
    } else if (isXZero(op)) {
      const runlen = xzeroLen(b, p);
      idx += runlen;
      reghisto[0]! += runlen;
      p += 2;
    } else {
      const runlen = valLen(op);
      idx += runlen;
      reghisto[valValue(op)]! += runlen;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

/** Histogram of 8-bit registers (the "raw" encoding PFCOUNT merges several keys into). */
export function rawHistogram(regs: Uint8Array, reghisto: Int32Array): void {
  for (let j = 0; j < HLL_REGISTERS; j++) reghisto[regs[j]!]!++;
}

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** -2^63: what llroundl gives on x86-64 for a result out of the long long range. */
const LLONG_MIN = -9223372036854775808n;

/**
 * hllCount's estimator over a register histogram (Otmar Ertl's improved estimator, as Redis 5+),
 * rounded as llroundl does. A number while exact, else a bigint.
 */
export function estimate(reghisto: Int32Array): number | bigint {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - reghisto[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += reghisto[j]!;
    z *= 0.5;
  }
  z += m * hllSigma(reghisto[0]! / m);
  const e = (HLL_ALPHA_INF * m * m) / z;
  // llroundl: half away from zero, which Math.round is for the non-negative e. Infinity (all
  // registers at their maximum) and NaN are out of range: x86-64 gives LLONG_MIN for those.
  const r = Math.round(e);
  if (!(r < 9223372036854775808)) return LLONG_MIN;
  return Number.isSafeInteger(r) ? r : BigInt(r);
}

/** PFCOUNT of one HLL: null when it is corrupt. */
export function hllCount(h: Hll): number | bigint | null {
  const reghisto = new Int32Array(64);
  if (!hllHistogram(h, reghisto)) return null;
  return estimate(reghisto);
}

/** hllMerge: max[i] = max(max[i], register i); false on a corrupt sparse HLL. */
export function hllMerge(max: Uint8Array, h: Hll): boolean {
  const b = h.b;
  if (b[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(b, HLL_HDR_SIZE, i);
      if (val > max[i]!) max[i] = val;
    }
    return true;
  }
  let i = 0;
  let p = HLL_HDR_SIZE;
  const end = h.len;
  while (p < end) {
    const op = b[p]!;
    if (isZero(op)) {
      i += (op & 0x3f) + 1;
      p++;
    } else if (isXZero(op)) {
      i += xzeroLen(b, p);
      p += 2;
    } else {
      let runlen = valLen(op);
      const regval = valValue(op);
      if (runlen + i > HLL_REGISTERS) break; // overflow
      while (runlen--) {
        if (regval > max[i]!) max[i] = regval;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** The cached cardinality bytes of a header (valid cache assumed), as a number or bigint. */
export function cachedCardinality(s: string): number | bigint {
  let hi = 0;
  for (let i = 15; i >= 12; i--) hi = hi * 256 + s.charCodeAt(i);
  let lo = 0;
  for (let i = 11; i >= 8; i--) lo = lo * 256 + s.charCodeAt(i);
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The 8 header bytes that cache a cardinality (little endian). */
export function cardinalityBytes(card: number | bigint): string {
  let v = BigInt.asUintN(64, BigInt(card));
  let out = '';
  for (let i = 0; i < 8; i++) {
    out += String.fromCharCode(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

/** PFDEBUG DECODE's text of a sparse HLL ("z:N", "Z:N", "v:VALUE,N" separated by spaces). */
export function sparseDecode(h: Hll): string {
  const b = h.b;
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < h.len) {
    const op = b[p]!;
    if (isZero(op)) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if (isXZero(op)) {
      parts.push(`Z:${xzeroLen(b, p)}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valLen(op)}`);
      p++;
    }
  }
  return parts.join(' ');
}

/** Every register value of a dense HLL (PFDEBUG GETREG). */
export function denseRegisters(h: Hll): number[] {
  const out = new Array<number>(HLL_REGISTERS);
  for (let j = 0; j < HLL_REGISTERS; j++) out[j] = denseGet(h.b, HLL_HDR_SIZE, j);
  return out;
}
