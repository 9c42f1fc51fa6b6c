/**
 * Sizes of listpack elements, so a stream node knows how many bytes Redis's listpack for it would
 * take: stream-node-max-bytes decides where Redis starts a new node, and node boundaries show
 * through approximate trimming (`~` removes whole nodes only) and XINFO's radix-tree figures.
 */

/** lpEncodeBacklen's size for an element whose encoding is `l` bytes. */
function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Bytes of an integer element (encoding plus backlen). */
export function lpIntSize(v: number | bigint): number {
  let enc: number;
  if (v >= 0 && v <= 127) enc = 1;
  else if (v >= -4096 && v <= 4095) enc = 2;
  else if (v >= -32768 && v <= 32767) enc = 3;
  else if (v >= -8388608 && v <= 8388607) enc = 4;
  else if (v >= -2147483648 && v <= 2147483647) enc = 5;
  else enc = 9;
  return enc + backlenSize(enc);
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** lpStringToInt64: the integer a string element is stored as, or null for a string. */
function asInt64(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n >= 21) return null;
  if (!/^-?[1-9][0-9]*$/.test(s) && s !== '0') return null;
  if (n < 16) return Number(s);
  const b = BigInt(s);
  return b > INT64_MAX || b < INT64_MIN ? null : b;
}

/** Bytes of a string element as lpAppend stores it (integers in integer encodings). */
export function lpStringSize(s: string): number {
  const i = asInt64(s);
  if (i !== null) return lpIntSize(i);
  const len = s.length;
  const enc = len <= 63 ? 1 + len : len <= 4095 ? 2 + len : 5 + len;
  return enc + backlenSize(enc);
}

/** Header (total bytes, element count) and the end byte. */
export const LP_OVERHEAD = 7;
