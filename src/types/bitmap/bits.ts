/**
 * Bit-level primitives over string values (binary latin1 strings, one char per byte), with the
 * semantics of Redis's bitops.c: bit 0 is the most significant bit of the first byte. No RESP here.
 */

import '../../protocol/buffer-ext.js';

/** Set bits in each byte value. */
const POPCOUNT8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT8[i] = (i & 1) + POPCOUNT8[i >> 1]!;

/** redisPopcount over bytes [start, start + count) of s. */
export function popcount(s: string, start: number, count: number): number {
  let bits = 0;
  const end = start + count;
  for (let i = start; i < end; i++) bits += POPCOUNT8[s.charCodeAt(i)]!;
  return bits;
}

/** Set bits of one byte. */
export function popcount8(b: number): number {
  return POPCOUNT8[b & 0xff]!;
}

/**
 * redisBitpos over bytes [start, start + count) of s: the position (from the range's first bit)
 * of the first bit equal to `bit`. Looking for 0, the bytes right of the range count as zero
 * padding, so the answer is count*8 when the range is all ones; looking for 1 in a range with
 * no set bit the answer is -1.
 */
export function bitposIn(s: string, start: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  const end = start + count;
  let i = start;
  while (i < end && s.charCodeAt(i) === skip) i++;
  if (i === end) return bit ? -1 : count * 8;
  const b = s.charCodeAt(i);
  // The first byte that differs from the skip value holds the bit.
  const x = bit ? b : ~b & 0xff;
  return (i - start) * 8 + (Math.clz32(x) - 24);
}

/** bitposIn for a single byte value (Redis builds a masked copy of an edge byte). */
export function bitposByte(b: number, bit: number): number {
  return bitposIn(String.fromCharCode(b & 0xff), 0, 1, bit);
}

/**
 * The string s with its length grown to at least `len` bytes by NUL padding (sdsgrowzero).
 */
export function growZero(s: string, len: number): string {
  return s.length >= len ? s : s + '\0'.repeat(len - s.length);
}

/** Values at least this long get a changed byte through a Buffer copy instead of slices. */
const BUFFER_COPY_MIN = 64 * 1024;
/** A scratch buffer for that copy is kept while values are at most this long. */
const SCRATCH_MAX = 8 * 1024 * 1024;
let scratch = Buffer.alloc(0);

/**
 * s with byte `index` replaced. Strings are immutable, so this costs a copy of s. Small ones are
 * built from slices (a rope, flattened when next read). For large ones (measured on 1 MB) two
 * memcpy-speed copies through a reused Buffer beat the rope: flattening it and the slices it is
 * made of cost more than the copies.
 */
export function replaceByte(s: string, index: number, byte: number): string {
  const len = s.length;
  if (len < BUFFER_COPY_MIN) return s.slice(0, index) + String.fromCharCode(byte) + s.slice(index + 1);
  let buf: Buffer;
  if (len <= SCRATCH_MAX) {
    if (scratch.length < len) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(len, scratch.length * 2)));
    buf = scratch;
  } else {
    buf = Buffer.allocUnsafe(len);
  }
  buf.latin1Write(s, 0);
  buf[index] = byte;
  return buf.latin1Slice(0, len);
}

/** Bitfield values narrower than this are read and written as plain numbers. */
const NUMBER_BITS = 53;

/**
 * getUnsignedBitfield: `bits` bits (1..64) at bit `offset` of p, as an unsigned integer. Bytes
 * past the end of p read as zero.
 */
export function getUnsignedBits(p: Uint8Array, offset: number, bits: number): bigint {
  if (bits < NUMBER_BITS) return BigInt(readBitsNumber(p, offset, bits));
  // Two halves, each exact as a number.
  const hiBits = bits - 32;
  const hi = readBitsNumber(p, offset, hiBits);
  const lo = readBitsNumber(p, offset + hiBits, 32);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** getSignedBitfield: the same bits read as a two's complement integer. */
export function getSignedBits(p: Uint8Array, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsignedBits(p, offset, bits));
}

function readBitsNumber(p: Uint8Array, offset: number, bits: number): number {
  let v = 0;
  for (let j = 0; j < bits; j++, offset++) {
    const byte = p[Math.floor(offset / 8)] ?? 0;
    v = v * 2 + ((byte >> (7 - (offset % 8))) & 1);
  }
  return v;
}

/** setUnsignedBitfield: writes the low `bits` bits of value (any sign) at bit `offset` of p. */
export function setBits(p: Uint8Array, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(bits, value);
  if (bits < NUMBER_BITS) {
    writeBitsNumber(p, offset, bits, Number(u));
    return;
  }
  const hiBits = bits - 32;
  writeBitsNumber(p, offset, hiBits, Number(u >> 32n));
  writeBitsNumber(p, offset + hiBits, 32, Number(u & 0xffffffffn));
}

function writeBitsNumber(p: Uint8Array, offset: number, bits: number, v: number): void {
  // From the least significant bit, which goes to the last position.
  for (let j = bits - 1; j >= 0; j--) {
    const pos = offset + j;
    const byte = Math.floor(pos / 8);
    const mask = 1 << (7 - (pos % 8));
    const bit = v % 2;
    v = Math.floor(v / 2);
    p[byte] = bit ? p[byte]! | mask : p[byte]! & ~mask;
  }
}

export const BFOVERFLOW_WRAP = 0;
export const BFOVERFLOW_SAT = 1;
export const BFOVERFLOW_FAIL = 2;

/**
 * checkSignedBitfieldOverflow / checkUnsignedBitfieldOverflow: the value to store for value +
 * incr in a `bits` wide field, or null when the overflow type is FAIL and it does not fit. The
 * checks are Redis's, with its int64 wrap-arounds: a signed SET of a value far below the
 * minimum compares against an overflowed "max - value" and saturates to the maximum, as in Redis.
 * An unsigned SET passes its value as C's uint64_t conversion makes it (2^64 + n for n < 0).
 */
export function bitfieldSum(value: bigint, incr: bigint, bits: number, signed: boolean, owtype: number): bigint | null {
  let overflow: number;
  let max: bigint;
  let min: bigint;
  if (signed) {
    max = bits === 64 ? 0x7fffffffffffffffn : (1n << BigInt(bits - 1)) - 1n;
    min = -max - 1n;
    const maxincr = BigInt.asIntN(64, max - value);
    const minincr = BigInt.asIntN(64, min - value);
    if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) overflow = 1;
    else if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) overflow = -1;
    else return value + incr;
  } else {
    max = (1n << BigInt(bits)) - 1n;
    min = 0n;
    const maxincr = BigInt.asIntN(64, max - value);
    const minincr = BigInt.asIntN(64, -value);
    if (value > max || (incr > 0n && incr > maxincr)) overflow = 1;
    else if (incr < 0n && incr < minincr) overflow = -1;
    else return value + incr;
  }
  if (owtype === BFOVERFLOW_FAIL) return null;
  if (owtype === BFOVERFLOW_SAT) return overflow > 0 ? max : min;
  return signed ? BigInt.asIntN(bits, value + incr) : BigInt.asUintN(bits, value + incr);
}

export const BITOP_AND = 0;
export const BITOP_OR = 1;
export const BITOP_XOR = 2;
export const BITOP_NOT = 3;

/**
 * BITOP's result over the source strings (missing keys as ""): as long as the longest source,
 * shorter ones zero padded. Empty when every source is empty.
 */
export function bitop(op: number, srcs: readonly string[]): string {
  let maxlen = 0;
  for (const s of srcs) if (s.length > maxlen) maxlen = s.length;
  if (maxlen === 0) return '';
  const res = Buffer.alloc(maxlen);
  const first = srcs[0]!;
  res.latin1Write(first, 0);
  if (op === BITOP_NOT) {
    for (let j = 0; j < maxlen; j++) res[j] = ~res[j]! & 0xff;
    return res.latin1Slice(0, maxlen);
  }
  for (let i = 1; i < srcs.length; i++) {
    const s = srcs[i]!;
    const n = s.length;
    if (op === BITOP_AND) {
      for (let j = 0; j < n; j++) res[j] = res[j]! & s.charCodeAt(j);
      // Past its end a source is zeros: AND clears the rest.
      if (n < maxlen) res.fill(0, n);
    } else if (op === BITOP_OR) {
      for (let j = 0; j < n; j++) res[j] = res[j]! | s.charCodeAt(j);
    } else {
      for (let j = 0; j < n; j++) res[j] = res[j]! ^ s.charCodeAt(j);
    }
  }
  return res.latin1Slice(0, maxlen);
}
