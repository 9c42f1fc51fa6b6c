import type { Client } from '../../server/client.js';
import { parseDouble } from '../../protocol/number-format.js';
import { parseLongDouble } from '../string/long-double.js';
import type { LexBound, LexRange, ScoreRange } from './skiplist.js';

/**
 * Argument parsing of the sorted-set commands, as t_zset.c does it. Score ranges go through a
 * bare strtod (not string2d): leading blanks, "" (as 0), overflow to inf and a NUL ending the
 * text are all accepted there, and only NaN and trailing bytes are refused.
 */

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/** strtod over a C string that must be consumed entirely; null for NaN or trailing bytes. */
export function strtodWhole(s: string): number | null {
  const z = s.indexOf('\0');
  if (z >= 0) s = s.slice(0, z);
  if (s === '') return 0;
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const body = s.slice(i);
  if (body === '') return null;
  const lower = body.toLowerCase();
  const unsigned = lower[0] === '+' || lower[0] === '-' ? lower.slice(1) : lower;
  const neg = lower[0] === '-';
  if (unsigned === 'inf' || unsigned === 'infinity') return neg ? -Infinity : Infinity;
  if (unsigned.startsWith('nan')) return null;
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(unsigned)) {
    const v = Number(unsigned);
    return neg ? -v : v;
  }
  if (unsigned.startsWith('0x')) {
    // parseDouble refuses what overflows or underflows; strtod gives inf or 0 there.
    const v = parseDouble(body);
    if (v !== null) return v;
    if (!/^0x([0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(p[+-]?\d+)?$/.test(unsigned)) return null;
    const big = /p\+?\d/.test(unsigned) || !unsigned.includes('p');
    const mag = big ? Infinity : 0;
    return neg ? -mag : mag;
  }
  return null;
}

/**
 * A ZADD/ZINCRBY score: parseDouble (string2d), with a fast path for what scores usually are, a
 * decimal integer of at most 15 digits (exact in a double, and read by strtod as that integer;
 * leading zeros and "-0" included).
 */
export function parseScore(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 15) return parseDouble(s);
  const neg = s.charCodeAt(0) === 45;
  if (neg && n === 1) return null;
  let v = 0;
  for (let i = neg ? 1 : 0; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return parseDouble(s);
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** zslParseRange: "(" makes an end open. Null on a bad value. */
export function parseScoreRange(minArg: string, maxArg: string): ScoreRange | null {
  const r: ScoreRange = { min: 0, max: 0, minex: false, maxex: false };
  const one = (arg: string): [number, boolean] | null => {
    const open = arg.charCodeAt(0) === 40;
    const v = strtodWhole(open ? arg.slice(1) : arg);
    return v === null ? null : [v, open];
  };
  const a = one(minArg);
  const b = one(maxArg);
  if (a === null || b === null) return null;
  [r.min, r.minex] = a;
  [r.max, r.maxex] = b;
  return r;
}

/** zslParseLexRangeItem: "+", "-", "(str" or "[str". */
function parseLexItem(s: string): [LexBound, boolean] | null {
  const c0 = s[0];
  // "+" and "-" are read as C strings: a NUL right after them ends the item.
  if (c0 === '+' || c0 === '-') {
    if (s.length > 1 && s[1] !== '\0') return null;
    return [{ inf: c0 === '+' ? 1 : -1, s: '' }, true];
  }
  if (c0 === '(') return [{ inf: 0, s: s.slice(1) }, true];
  if (c0 === '[') return [{ inf: 0, s: s.slice(1) }, false];
  return null;
}

export function parseLexRange(minArg: string, maxArg: string): LexRange | null {
  const a = parseLexItem(minArg);
  const b = parseLexItem(maxArg);
  if (a === null || b === null) return null;
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

const LLONG_MAX = 9223372036854775807n;

/**
 * Redis 7.0's getTimeoutFromObjectOrReply in seconds: a long double, times 1000, rounded up to
 * a long long (a value beyond its range converts to LLONG_MIN and so reads as negative). Returns
 * the timeout in ms (0 = forever), or null after replying.
 */
export function timeoutArg(c: Client, s: string): number | null {
  const ld = parseLongDouble(s);
  if (ld === null) {
    c.reply.error('ERR timeout is not a float or out of range');
    return null;
  }
  let ms: bigint;
  if (ld.inf) ms = -1n;
  else {
    // ceill(mant * 2^exp * 1000): a positive fraction of a millisecond still waits 1 ms.
    const scaled = ld.mant * 1000n;
    if (ld.exp >= 0) ms = scaled << BigInt(ld.exp);
    else {
      const sh = BigInt(-ld.exp);
      ms = scaled >> sh;
      const exact = ms << sh === scaled;
      if (!exact && !ld.neg) ms += 1n;
    }
    if (ms > LLONG_MAX) ms = -1n;
    else if (ld.neg) ms = -ms;
  }
  if (ms < 0n) {
    c.reply.error('ERR timeout is negative');
    return null;
  }
  return Number(ms);
}
