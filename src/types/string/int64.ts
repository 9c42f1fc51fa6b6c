import { LLONG_MAX, LLONG_MIN, parseInteger } from '../../protocol/number-format.js';

// The int64 arithmetic of INCRBY/DECRBY and HINCRBY: doubles carry the common case exactly,
// BigInt takes over near the limits, so no increment ever rounds.

/** A string2ll value: a number while exact (|v| < 2^53), a bigint beyond. */
export type Int64 = number | bigint;

/** string2ll with an exact result: null when not an int64 in Redis's strict syntax. */
export function parseInt64(s: string): Int64 | null {
  const n = parseInteger(s);
  if (n === null) return null;
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

/** old + incr, or null where the sum leaves the int64 range (Redis's overflow check, before adding). */
export function addInt64(old: Int64, incr: Int64): Int64 | null {
  if (typeof old === 'number' && typeof incr === 'number' && Number.isSafeInteger(old + incr)) return old + incr;
  const o = BigInt(old);
  const i = BigInt(incr);
  if ((i < 0n && o < 0n && i < LLONG_MIN - o) || (i > 0n && o > 0n && i > LLONG_MAX - o)) return null;
  return o + i;
}
