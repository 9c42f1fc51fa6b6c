/**
 * INCRBYFLOAT's arithmetic: Redis on x86-64 computes in C `long double`, the x87 80-bit extended
 * format (64-bit mantissa, 15-bit exponent), parses with glibc's strtold and prints with "%.17Lf".
 * JS doubles give other digits (0.1 + 0.2 is "0.3" in Redis), so this module emulates the format
 * exactly with BigInt: every step is exact and then correctly rounded, as the hardware and glibc do.
 */

/** Mantissa bits of the x87 extended format (the integer bit is explicit). */
const MANT_BITS = 64;
/** Exponent of the smallest denormal's unit: 2^-16445. */
const EXP_MIN = -16445;
/** Every finite long double is below 2^16384. */
const EXP_LIMIT = 16384;
/** strtold's buffer in Redis's string2ld (MAX_LONG_DOUBLE_CHARS): longer input is refused. */
export const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

/** A finite long double (-1)^neg * mant * 2^exp with mant < 2^64, or an infinity. */
export interface LongDouble {
  readonly neg: boolean;
  readonly mant: bigint;
  readonly exp: number;
  readonly inf: boolean;
}

/** +0, what a missing key counts as. */
export const LONG_DOUBLE_ZERO: LongDouble = { neg: false, mant: 0n, exp: 0, inf: false };
const ZERO = LONG_DOUBLE_ZERO;

function infinity(neg: boolean): LongDouble {
  return { neg, mant: 0n, exp: 0, inf: true };
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * Rounds the exact value n * 2^e (plus, if `sticky`, some positive amount below one unit of 2^e)
 * to the nearest long double, ties to even, with gradual underflow and overflow to infinity.
 * Callers pass at least two bits beyond the mantissa whenever `sticky` is set, so the flag only
 * decides ties.
 */
function roundToLongDouble(neg: boolean, n: bigint, e: number, sticky: boolean): LongDouble {
  if (n === 0n) return { neg, mant: 0n, exp: 0, inf: false };
  const shift = Math.max(bitLength(n) - MANT_BITS, EXP_MIN - e);
  let q = n;
  if (shift > 0) {
    const s = BigInt(shift);
    q = n >> s;
    const rem = n - (q << s);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q += 1n;
    e += shift;
    if (q === 1n << BigInt(MANT_BITS)) {
      q >>= 1n;
      e += 1;
    }
  }
  if (q === 0n) return { neg, mant: 0n, exp: 0, inf: false };
  if (e + bitLength(q) > EXP_LIMIT) return infinity(neg);
  return { neg, mant: q, exp: e, inf: false };
}

/** An int64 (or any integer) as a long double; exact for every int64. */
export function longDoubleFromBigInt(v: bigint): LongDouble {
  return v < 0n ? roundToLongDouble(true, -v, 0, false) : roundToLongDouble(false, v, 0, false);
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

function isDigit(ch: number): boolean {
  return ch >= 48 && ch <= 57;
}

function hexValue(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  const l = ch | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Exponent digits are read saturating: anything this large already over- or underflows. */
const EXP_SATURATE = 1_000_000;

/**
 * Reads an optional exponent ("e-12", "p+3") at i; returns [value, end]. A marker without digits
 * is not part of the number (strtold stops before it), so end stays at i.
 */
function readExponent(s: string, i: number, marker: number): [number, number] {
  if (i >= s.length || (s.charCodeAt(i) | 32) !== marker) return [0, i];
  let j = i + 1;
  let sign = 1;
  const c = s.charCodeAt(j);
  if (c === 43 || c === 45) {
    if (c === 45) sign = -1;
    j++;
  }
  if (j >= s.length || !isDigit(s.charCodeAt(j))) return [0, i];
  let v = 0;
  while (j < s.length && isDigit(s.charCodeAt(j))) {
    if (v < EXP_SATURATE) v = v * 10 + (s.charCodeAt(j) - 48);
    j++;
  }
  return [sign * v, j];
}

/** 10^k for k >= 0, memoised for the exponents that repeat (17 for printing). */
const pow10Cache = new Map<number, bigint>();
function pow10(k: number): bigint {
  let p = pow10Cache.get(k);
  if (p === undefined) {
    p = 10n ** BigInt(k);
    if (pow10Cache.size < 64) pow10Cache.set(k, p);
  }
  return p;
}

/** The decimal digits D and exponent E of a value D * 10^E, rounded to a long double. */
function decimalToLongDouble(neg: boolean, digits: bigint, exp10: number, nDigits: number): LongDouble {
  if (digits === 0n) return { neg, mant: 0n, exp: 0, inf: false };
  // Far outside the range: overflow or underflow to zero without the big arithmetic.
  if (exp10 + nDigits - 1 > 4933) return infinity(neg);
  if (exp10 + nDigits < -4952) return { neg, mant: 0n, exp: 0, inf: false };
  if (exp10 >= 0) return roundToLongDouble(neg, digits * pow10(exp10), 0, false);
  const den = pow10(-exp10);
  // Enough quotient bits for the mantissa, two guard bits, and the denormal range.
  const s = Math.max(0, MANT_BITS + 2 + bitLength(den) - bitLength(digits));
  const num = digits << BigInt(s);
  const q = num / den;
  return roundToLongDouble(neg, q, -s, q * den !== num);
}

/**
 * Redis's string2ld: glibc strtold over the whole string, refusing empty or over-long input,
 * leading white space, trailing garbage, NaN, and ERANGE results that are infinite or zero
 * (a number too large or too small; the literal "inf" sets no ERANGE and is kept).
 * Accepts "inf"/"infinity", hex floats ("0x1.8p3"), and denormals.
 */
export function parseLongDouble(input: string): LongDouble | null {
  if (input.length === 0 || input.length >= MAX_LONG_DOUBLE_CHARS) return null;
  // Redis checks that strtold consumed all slen bytes, so an embedded NUL makes it invalid.
  if (input.indexOf('\0') >= 0) return null;
  const s = input;
  if (isSpace(s.charCodeAt(0))) return null;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  const rest = s.slice(i).toLowerCase();
  if (rest === 'inf' || rest === 'infinity') return infinity(neg);
  if (rest.startsWith('nan')) return null; // NaN, "nan(...)", or garbage after it: all refused.

  if (rest.startsWith('0x')) {
    let j = i + 2;
    let mant = 0n;
    let any = false;
    let fracDigits = 0;
    while (j < s.length && hexValue(s.charCodeAt(j)) >= 0) {
      mant = (mant << 4n) | BigInt(hexValue(s.charCodeAt(j)));
      any = true;
      j++;
    }
    if (j < s.length && s.charCodeAt(j) === 46) {
      j++;
      while (j < s.length && hexValue(s.charCodeAt(j)) >= 0) {
        mant = (mant << 4n) | BigInt(hexValue(s.charCodeAt(j)));
        fracDigits++;
        any = true;
        j++;
      }
    }
    // "0x" without hex digits: strtold reads just the "0" and stops at the 'x'.
    if (!any) return null;
    const [pexp, end] = readExponent(s, j, 112);
    if (end !== s.length) return null;
    if (mant === 0n) return { neg, mant: 0n, exp: 0, inf: false };
    const e = pexp - 4 * fracDigits;
    const top = e + bitLength(mant);
    if (top > EXP_LIMIT || top < EXP_MIN - 1) return null; // ERANGE
    return refuseRangeErrors(roundToLongDouble(neg, mant, e, false));
  }

  let j = i;
  let digits = '';
  let fracDigits = 0;
  let any = false;
  while (j < s.length && isDigit(s.charCodeAt(j))) {
    digits += s[j];
    any = true;
    j++;
  }
  if (j < s.length && s.charCodeAt(j) === 46) {
    j++;
    while (j < s.length && isDigit(s.charCodeAt(j))) {
      digits += s[j];
      fracDigits++;
      any = true;
      j++;
    }
  }
  if (!any) return null;
  const [exp, end] = readExponent(s, j, 101);
  if (end !== s.length) return null;
  const trimmed = digits.replace(/^0+/, '');
  if (trimmed === '') return { neg, mant: 0n, exp: 0, inf: false };
  return refuseRangeErrors(decimalToLongDouble(neg, BigInt(trimmed), exp - fracDigits, trimmed.length));
}

/**
 * A non-zero number that rounds to infinity or to zero makes strtold set ERANGE, and string2ld
 * refuses those (a denormal result also sets ERANGE but is kept).
 */
function refuseRangeErrors(v: LongDouble): LongDouble | null {
  return v.inf || v.mant === 0n ? null : v;
}

/** a + b in long double arithmetic; NaN (inf - inf) is reported as null. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null;
    return a.inf ? a : b;
  }
  const e = Math.min(a.exp, b.exp);
  const va = (a.neg ? -a.mant : a.mant) << BigInt(a.exp - e);
  const vb = (b.neg ? -b.mant : b.mant) << BigInt(b.exp - e);
  const sum = va + vb;
  // An exact zero sum is +0 in round-to-nearest.
  if (sum === 0n) return ZERO;
  return sum < 0n ? roundToLongDouble(true, -sum, e, false) : roundToLongDouble(false, sum, e, false);
}

/**
 * Redis's ld2string in LD_STR_HUMAN mode: printf("%.17Lf") (exact, ties to even, as glibc),
 * then trailing zeros and a trailing '.' removed, and "-0" turned into "0".
 */
export function formatLongDoubleHuman(v: LongDouble): string {
  if (v.inf) return v.neg ? '-inf' : 'inf';
  let scaled: bigint;
  if (v.exp >= 0) {
    scaled = (v.mant << BigInt(v.exp)) * pow10(17);
  } else {
    const s = BigInt(-v.exp);
    const n = v.mant * pow10(17);
    scaled = n >> s;
    const rem = n - (scaled << s);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (scaled & 1n) === 1n)) scaled += 1n;
  }
  let digits = scaled.toString();
  if (digits.length < 18) digits = '0'.repeat(18 - digits.length) + digits;
  const intPart = digits.slice(0, digits.length - 17);
  const frac = digits.slice(digits.length - 17).replace(/0+$/, '');
  const out = (v.neg ? '-' : '') + intPart + (frac === '' ? '' : '.' + frac);
  return out === '-0' ? '0' : out;
}
