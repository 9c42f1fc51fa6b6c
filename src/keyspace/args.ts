import type { Client } from '../server/client.js';
import { ERR } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/**
 * Redis's getIntFromObjectOrReply: an integer within a C int, or null after replying. With `msg`,
 * that text answers both a parse failure and a value out of range (SWAPDB's "invalid first DB
 * index"); without it, the usual "not an integer" and "must be between" errors.
 */
export function cIntArg(c: Client, s: string, msg?: string): number | null {
  const n = parseInteger(s);
  if (n === null) {
    c.reply.error(msg ?? ERR.notInteger);
    return null;
  }
  if (n < INT_MIN || n > INT_MAX) {
    c.reply.error(msg ?? `ERR value is out of range, value must between ${INT_MIN} and ${INT_MAX}`);
    return null;
  }
  return n;
}

/** Redis's addReplyHelp: a header naming the command, the lines, and the HELP footer. */
export function replyHelp(c: Client, cmdName: string, lines: readonly string[]): void {
  const r = c.reply;
  r.array(lines.length + 3);
  r.simple(`${cmdName.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) r.simple(l);
  r.simple('HELP');
  r.simple('    Prints this help.');
}

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
