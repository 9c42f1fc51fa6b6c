/**
 * Number parsing and formatting with Redis's exact rules (util.c: string2ll, string2ld, d2string).
 */

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

/**
 * string2ll: an optional '-', then digits without leading zeros ("0" alone is fine), no '+', no
 * spaces, within int64. Returns a number (exact up to 2^53, rounded beyond) or null.
 */
export function parseInteger(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null; // "0" only; "-0", "01" are refused
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (v >= 9007199254740992) {
    // Beyond 2^53 the digit loop has rounded: check the int64 range and round once, exactly.
    const b = BigInt(s);
    if (b > LLONG_MAX || b < LLONG_MIN) return null;
    return Number(b);
  }
  return s.charCodeAt(0) === 45 ? -v : v;
}

/** string2ll with the exact int64 value as a bigint, or null. */
export function parseBigInteger(s: string): bigint | null {
  return parseInteger(s) === null ? null : BigInt(s);
}

/** Whether a string value would be stored by Redis as an integer (OBJECT ENCODING int). */
export function isIntegerEncodable(s: string): boolean {
  return s.length <= 20 && parseInteger(s) !== null;
}

export { LLONG_MAX, LLONG_MIN };

/**
 * Redis's string2d (getDoubleFromObject): glibc strtod over all slen bytes, refusing empty input,
 * leading white space, trailing bytes (an embedded NUL included), NaN, and ERANGE results that
 * overflow to infinity or underflow to zero. The literals "inf"/"infinity" are accepted, as are
 * hex floats ("0x1.8p3") and denormals.
 */
export function parseDouble(s: string): number | null {
  const n = s.length;
  if (n === 0) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  let i = 0;
  let sign = 1;
  if (c0 === 43 || c0 === 45) {
    if (c0 === 45) sign = -1;
    i = 1;
  }
  const body = s.slice(i).toLowerCase();
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  if (body.startsWith('0x')) {
    const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(body);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
    return hexToDouble(sign, m[1]! + (m[2] ?? ''), (m[2] ?? '').length, m[3] ?? '0');
  }
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return null;
  const v = sign * Number(body);
  // ERANGE: a finite literal that overflows, or a non-zero one that underflows to zero.
  if (!Number.isFinite(v)) return null;
  if (v === 0 && /[1-9]/.test(body.split('e')[0]!)) return null;
  return v;
}

/** A hex float's value, correctly rounded (beyond the denormal range), or null on ERANGE. */
function hexToDouble(sign: number, hexDigits: string, fracDigits: number, expText: string): number | null {
  let mant = BigInt('0x' + (hexDigits === '' ? '0' : hexDigits));
  if (mant === 0n) return sign * 0;
  let exp = Math.max(-100000, Math.min(100000, parseInt(expText, 10))) - 4 * fracDigits;
  // Keep 60 bits plus a sticky bit, so Number() below rounds once and correctly.
  const bits = mant.toString(2).length;
  if (bits > 60) {
    const shift = BigInt(bits - 60);
    const sticky = (mant & ((1n << shift) - 1n)) !== 0n ? 1n : 0n;
    mant = (mant >> shift) | sticky;
    exp += bits - 60;
  }
  const half = Math.trunc(exp / 2);
  const v = sign * Number(mant) * Math.pow(2, half) * Math.pow(2, exp - half);
  if (!Number.isFinite(v) || v === 0) return null;
  return v;
}

/**
 * Redis 7.0's d2string / addReplyDouble text for a double: "inf", "-inf", integers without a
 * decimal point when exact, otherwise "%.17g".
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  return formatG17(d);
}

/** A finite double as an exact m * 2^e with integer m. */
export function dyadic(d: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(d));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const frac = bits & ((1n << 52n) - 1n);
  return biased === 0 ? [frac, -1074] : [frac | (1n << 52n), biased - 1075];
}

/** Whether |d| equals digits * 10^exp10 exactly. */
export function equalsDecimal(d: number, digits: bigint, exp10: number): boolean {
  const [m, e] = dyadic(d);
  let left = m;
  let right = digits;
  if (e >= 0) left <<= BigInt(e);
  else right <<= BigInt(-e);
  if (exp10 >= 0) right *= 10n ** BigInt(exp10);
  else left *= 10n ** BigInt(-exp10);
  return left === right;
}

/**
 * The 17 significant digits and decimal exponent printf("%.17g") uses. toExponential rounds
 * exact ties up, glibc to even, so an exact 18-digit value ending in 5 is settled here.
 */
function digits17(d: number): [string, string, number] {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(d.toExponential(16))!;
  const sign = m[1]!;
  let digits = m[2]! + (m[3] ?? '');
  let x = parseInt(m[4]!, 10);
  // Integers below 10^17 print exactly: no tie to settle.
  if (Number.isInteger(d) && Math.abs(d) < 1e17) return [sign, digits, x];
  const m18 = /^-?(\d)\.(\d+)e([+-]\d+)$/.exec(d.toExponential(17))!;
  const d18 = m18[1]! + m18[2]!;
  if (d18.endsWith('5') && (d18.charCodeAt(16) & 1) === 0) {
    const x18 = parseInt(m18[3]!, 10);
    if (equalsDecimal(d, BigInt(d18), x18 - 17)) {
      digits = d18.slice(0, 17);
      x = x18;
    }
  }
  return [sign, digits, x];
}

/** C's printf("%.17g", d) for a finite double. */
export function formatG17(d: number): string {
  const [sign, all, x] = digits17(d);
  const digits = all.replace(/0+$/, '') || '0';
  if (x < -4 || x >= 17) {
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const ax = Math.abs(x);
    return sign + mant + 'e' + (x < 0 ? '-' : '+') + (ax < 10 ? '0' + ax : String(ax));
  }
  if (x >= 0) {
    if (digits.length <= x + 1) return sign + digits + '0'.repeat(x + 1 - digits.length);
    return sign + digits.slice(0, x + 1) + '.' + digits.slice(x + 1);
  }
  return sign + '0.' + '0'.repeat(-x - 1) + digits;
}
