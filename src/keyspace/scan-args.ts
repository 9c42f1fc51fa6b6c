import type { Client } from '../server/client.js';
import { ERR } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';

// What SCAN, HSCAN, SSCAN and ZSCAN share (Redis's parseScanCursorOrReply and scanGenericCommand).
// Each command checks its cursor first, looks its key up next (a missing key answers an empty
// scan before any option is read) and only then parses the options, so these stay separate steps.

const TWO64 = 1n << 64n;

/**
 * parseScanCursorOrReply's strtoul: optional sign and decimal digits, the whole string, no
 * leading space, within an unsigned long ("-1" wraps to 2^64-1 as strtoul does; "" is 0).
 * Returns null after replying "ERR invalid cursor".
 */
export function scanCursorArg(c: Client, s: string): bigint | null {
  const bad = (): null => {
    c.reply.error('ERR invalid cursor');
    return null;
  };
  // C reads the argument as a NUL-terminated string: whatever follows a NUL is not seen.
  const z = s.indexOf('\0');
  if (z >= 0) s = s.slice(0, z);
  if (s.length === 0) return 0n;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return bad();
  let neg = false;
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  if (i === s.length) return bad();
  for (let j = i; j < s.length; j++) {
    const d = s.charCodeAt(j);
    if (d < 48 || d > 57) return bad();
  }
  const v = BigInt(s.slice(i));
  if (v >= TWO64) return bad();
  return neg ? (TWO64 - v) % TWO64 : v;
}

/** The options of a SCAN-family command. */
export interface ScanOptions {
  count: number;
  /** null: match everything (no MATCH, or MATCH "*"). */
  pattern: string | null;
  /** SCAN's TYPE as given (compared lower-cased); null without it. */
  type: string | null;
}

/**
 * Parses [MATCH pattern] [COUNT count] [TYPE type] from argv[from], left to right, the last of a
 * repeated option winning. TYPE only with `allowType`: Redis takes it only when no object is
 * scanned (SCAN), so HSCAN/SSCAN/ZSCAN answer it with a syntax error. A COUNT that is no integer
 * is "not an integer", one below 1 a syntax error. Returns null after replying the error.
 */
export function parseScanOptions(c: Client, argv: readonly string[], from: number, allowType: boolean): ScanOptions | null {
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = from; i < argv.length; i += 2) {
    const opt = argv[i]!.toLowerCase();
    const more = argv.length - i >= 2;
    if (opt === 'count' && more) {
      const n = parseInteger(argv[i + 1]!);
      if (n === null) {
        c.reply.error(ERR.notInteger);
        return null;
      }
      if (n < 1) {
        c.reply.error(ERR.syntax);
        return null;
      }
      count = n;
    } else if (opt === 'match' && more) {
      const p = argv[i + 1]!;
      pattern = p === '*' ? null : p;
    } else if (opt === 'type' && allowType && more) {
      type = argv[i + 1]!;
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  return { count, pattern, type };
}

/**
 * The bucket index a cursor names. Only the low bits select a bucket (a table never has 2^31 of
 * them), and the reverse-binary increment never carries the higher bits into the next cursor.
 */
export function scanCursorIndex(cursor: bigint): number {
  return Number(cursor & 0x7fffffffn);
}

/**
 * scanGenericCommand's walk: calls `step` (one bucket, returning the next cursor) until the scan
 * ends, `collected()` reaches `count`, or ten buckets per COUNT have been visited, so that a
 * sparse table cannot make one call walk it all. Returns the cursor to reply.
 */
export function scanWalk(cursor: number, count: number, step: (cursor: number) => number, collected: () => number): number {
  let maxIterations = count * 10;
  do {
    cursor = step(cursor);
  } while (cursor !== 0 && maxIterations-- !== 0 && collected() < count);
  return cursor;
}

/** A collection scan ready to walk: the value, the bucket its cursor names, and the options. */
export interface CollectionScan<T> {
  value: T;
  cursor: number;
  opts: ScanOptions;
}

/**
 * The start HSCAN, SSCAN and ZSCAN share (key at argv[1], cursor at argv[2], options after):
 * the cursor is checked first, then the key is read with `read` (WRONGTYPE replied there), a
 * missing key answers an empty scan before any option is read, then the options. Null when
 * there is nothing more to do (a reply has been sent).
 */
export function startCollectionScan<T>(c: Client, argv: readonly string[], read: (c: Client, key: string) => T | undefined | null): CollectionScan<T> | null {
  const cursorArg = scanCursorArg(c, argv[2]!);
  if (cursorArg === null) return null;
  const value = read(c, argv[1]!);
  if (value === null) return null;
  if (value === undefined) {
    replyEmptyScan(c);
    return null;
  }
  const opts = parseScanOptions(c, argv, 3, false);
  if (opts === null) return null;
  return { value, cursor: scanCursorIndex(cursorArg), opts };
}

/** The reply to a scan of a missing key: cursor 0 and no elements. */
export function replyEmptyScan(c: Client): void {
  c.reply.array(2);
  c.reply.bulk('0');
  c.reply.array(0);
}
