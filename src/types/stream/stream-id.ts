import { parseInteger } from '../../protocol/number-format.js';

/**
 * Stream entry IDs: two unsigned 64-bit numbers (ms, seq), as Redis's streamID. Each part is a
 * U64: a plain number while it fits exactly (< 2^53, nearly always), a bigint beyond. The form is
 * normalized (a bigint only when >= 2^53), so `===` is equality and `<`/`>` compare mixed forms
 * exactly.
 */
export type U64 = number | bigint;

export interface StreamID {
  readonly ms: U64;
  readonly seq: U64;
}

export const U64_MAX: bigint = (1n << 64n) - 1n;
const SAFE = Number.MAX_SAFE_INTEGER;

export const MIN_ID: StreamID = { ms: 0, seq: 0 };
export const MAX_ID: StreamID = { ms: U64_MAX, seq: U64_MAX };

/** The normalized form of an integer (a number when exact). */
export function norm(v: bigint): U64 {
  return v <= BigInt(SAFE) && v >= -BigInt(SAFE) ? Number(v) : v;
}

export function compareIds(a: StreamID, b: StreamID): number {
  if (a.ms !== b.ms) return a.ms > b.ms ? 1 : -1;
  if (a.seq !== b.seq) return a.seq > b.seq ? 1 : -1;
  return 0;
}

export function idEquals(a: StreamID, b: StreamID): boolean {
  return a.ms === b.ms && a.seq === b.seq;
}

export function isZeroId(id: StreamID): boolean {
  return id.ms === 0 && id.seq === 0;
}

export function formatId(id: StreamID): string {
  return `${id.ms}-${id.seq}`;
}

/** One more, wrapping at 2^64 (as C's uint64 arithmetic). */
export function incU64(v: U64): U64 {
  if (typeof v === 'number' && v < SAFE) return v + 1;
  const r = BigInt(v) + 1n;
  return r > U64_MAX ? 0 : norm(r);
}

/** streamIncrID: the next ID, or null past the last possible one. */
export function incrId(id: StreamID): StreamID | null {
  if (id.seq === U64_MAX) {
    if (id.ms === U64_MAX) return null;
    return { ms: incU64(id.ms), seq: 0 };
  }
  return { ms: id.ms, seq: incU64(id.seq) };
}

/** streamDecrID: the previous ID, or null before 0-0. */
export function decrId(id: StreamID): StreamID | null {
  if (id.seq === 0) {
    if (id.ms === 0) return null;
    return { ms: norm(BigInt(id.ms) - 1n), seq: U64_MAX };
  }
  return { ms: id.ms, seq: norm(BigInt(id.seq) - 1n) };
}

/** a - b as a C int64 (uint64 difference cast), for listpack delta sizes. */
export function deltaI64(a: U64, b: U64): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return BigInt.asIntN(64, BigInt(a) - BigInt(b));
}

const SPACE = new Set([32, 9, 10, 11, 12, 13]);

/**
 * Redis's string2ull over a C string: string2ll's strict form (negatives refused), else glibc
 * strtoull, which takes leading spaces, a sign ('-' wraps modulo 2^64) and leading zeros but no
 * trailing bytes or overflow.
 */
export function parseU64(s: string): U64 | null {
  const ll = parseInteger(s);
  if (ll !== null) {
    if (ll < 0) return null;
    return Number.isSafeInteger(ll) ? ll : norm(BigInt(s));
  }
  let i = 0;
  while (i < s.length && SPACE.has(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const start = i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === start || i !== s.length) return null;
  const v = BigInt(s.slice(start));
  if (v > U64_MAX) return null;
  return norm(neg ? (U64_MAX + 1n - v) & U64_MAX : v);
}

export interface ParsedId {
  id: StreamID;
  /** False for XADD's `<ms>-*` form, where the sequence is generated. */
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: `-` and `+` (unless strict), `<ms>`, `<ms>-<seq>` and, when
 * `seqStar`, `<ms>-*`. The argument is a C string (cut at NUL) of at most 127 bytes. Null means
 * Redis's "Invalid stream ID" error.
 */
export function parseStreamId(arg: string, missingSeq: U64, strict: boolean, seqStar = false): ParsedId | null {
  if (arg.length > 127) return null;
  const nul = arg.indexOf('\0');
  const buf = nul >= 0 ? arg.slice(0, nul) : arg;
  if (buf === '-') return strict ? null : { id: MIN_ID, seqGiven: true };
  if (buf === '+') return strict ? null : { id: MAX_ID, seqGiven: true };
  const dash = buf.indexOf('-');
  const ms = parseU64(dash >= 0 ? buf.slice(0, dash) : buf);
  if (ms === null) return null;
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const rest = buf.slice(dash + 1);
  if (seqStar && rest === '*') return { id: { ms, seq: 0 }, seqGiven: false };
  const seq = parseU64(rest);
  if (seq === null) return null;
  return { id: { ms, seq }, seqGiven: true };
}

export const INVALID_ID_ERROR = 'ERR Invalid stream ID specified as stream command argument';

/** A map key for an ID (the PEL's lookup side). */
export function idKey(id: StreamID): string {
  return `${id.ms}-${id.seq}`;
}

/** Signed 64-bit counters (entries-added, entries-read), exact as U64 is. */
export type I64 = number | bigint;

export function addI64(a: I64, b: I64): I64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return norm(BigInt.asIntN(64, BigInt(a) + BigInt(b)));
}

export function subI64(a: I64, b: I64): I64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return norm(BigInt.asIntN(64, BigInt(a) - BigInt(b)));
}

/** Index of the first ID >= id in a sorted array of IDs (binary search). */
export function lowerBoundId(ids: readonly StreamID[], id: StreamID): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(ids[mid]!, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
