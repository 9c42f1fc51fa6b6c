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
    // Beyond 2^53 check the int64 range exactly.
    const b = BigInt(s);
    if (b > LLONG_MAX || b < LLONG_MIN) return null;
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
 * strtod as Redis's getDoubleFromObject / string2d uses it: no leading space, the whole string
 * consumed, not NaN. Accepts "inf", "-inf", "+inf", exponents and hex floats like strtod.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  const lower = s.toLowerCase();
  let body = lower;
  let sign = 1;
  if (body[0] === '+' || body[0] === '-') {
    if (body[0] === '-') sign = -1;
    body = body.slice(1);
  }
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  if (/^0x/.test(body)) {
    const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(body);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
    const intPart = m[1] ? parseInt(m[1], 16) : 0;
    let frac = 0;
    const fd = m[2] ?? '';
    for (let i = 0; i < fd.length; i++) frac += parseInt(fd[i]!, 16) / Math.pow(16, i + 1);
    const exp = m[3] ? parseInt(m[3], 10) : 0;
    return sign * (intPart + frac) * Math.pow(2, exp);
  }
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return null;
  const v = sign * Number(body);
  if (Number.isNaN(v)) return null;
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

/** C's printf("%.17g", d) for a finite double. */
export function formatG17(d: number): string {
  const exp = d === 0 ? 0 : Math.floor(Math.log10(Math.abs(d)));
  // toExponential gives exact correctly rounded digits; pick the style as %g does.
  const e = d.toExponential(16); // 17 significant digits
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e);
  if (!m) return String(d);
  const sign = m[1]!;
  const digits = (m[2]! + (m[3] ?? '')).replace(/0+$/, '') || '0';
  const x = parseInt(m[4]!, 10);
  void exp;
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
