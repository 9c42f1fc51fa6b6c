import type { Client } from '../../server/client.js';
import { parseDouble } from '../../protocol/number-format.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { HashValue } from '../hash/hash-value.js';

/** C string view: the bytes before the first NUL, as strchr/strstr/strcoll see them. */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z >= 0 ? s.slice(0, z) : s;
}

/**
 * lookupKeyByPattern: the value a BY or GET pattern names for one element, or null.
 *  - "#" is the element itself.
 *  - The first "*" is replaced by the element; a pattern without one names nothing.
 *  - "key*->field" after the "*" reads a field of a hash; otherwise the key must hold a string.
 * The searches work on the pattern as a C string (they stop at a NUL), the lengths on all of it,
 * as in Redis. Each lookup counts as a keyspace hit or miss.
 */
export function lookupByPattern(c: Client, pattern: string, element: string): string | null {
  const cpat = cString(pattern);
  if (cpat === '#') return element;
  const star = cpat.indexOf('*');
  if (star < 0) return null;
  const arrow = cpat.indexOf('->', star + 1);
  // "->" at the very end (of the C string) is part of the key name, not a field reference.
  const hasField = arrow >= 0 && arrow + 2 < cpat.length;
  const field = hasField ? pattern.slice(arrow + 2) : null;
  const keyEnd = hasField ? arrow : pattern.length;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, keyEnd);
  const v = lookupRead(c, key);
  if (v === undefined) return null;
  if (field !== null) {
    if (!(v instanceof HashValue)) return null;
    return v.get(field) ?? null;
  }
  return typeof v === 'string' ? v : null;
}

const DBL_MIN = 2.2250738585072014e-308;

/**
 * A SORT weight as Redis 7.0 reads it: glibc strtod, accepted when it stops at the end of the
 * string or at a NUL, and neither NaN nor out of range (ERANGE, which glibc also sets for a
 * subnormal result). So leading white space is skipped, "" is 0, hex floats and "inf" are fine.
 * Returns null when the weight cannot be converted.
 */
export function sortWeight(s: string): number | null {
  let t = cString(s);
  if (t.length === 0) return 0;
  let i = 0;
  while (i < t.length && isSpace(t.charCodeAt(i))) i++;
  if (i === t.length) return null;
  t = t.slice(i);
  const d = parseDouble(t);
  if (d === null) return null;
  if (d !== 0 && Math.abs(d) < DBL_MIN) return null;
  return d;
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/** strcmp order (what strcoll is in the C locale): unsigned bytes up to the first NUL. */
export function collate(a: string, b: string): number {
  return binaryCompare(cString(a), cString(b));
}

/** compareStringObjects: memcmp over the shorter length, then the shorter one first. */
export function binaryCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
