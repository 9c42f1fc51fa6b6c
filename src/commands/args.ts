import { parseInteger, parseDouble } from '../protocol/number-format.js';
import { ERR } from '../errors.js';
import type { Client } from '../server/client.js';

/**
 * Argument helpers for handlers. Each returns the parsed value, or null after replying with
 * Redis's error, so a handler reads: `const n = intArg(c, argv[2]!); if (n === null) return;`
 */
export function intArg(c: Client, s: string, err: string = ERR.notInteger): number | null {
  const n = parseInteger(s);
  if (n === null) c.reply.error(err);
  return n;
}

/** An integer that must be >= 0 (Redis's getPositiveLongFromObjectOrReply). */
export function positiveIntArg(c: Client, s: string, err = 'ERR value is out of range, must be positive'): number | null {
  const n = parseInteger(s);
  if (n === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  if (n < 0) {
    c.reply.error(err);
    return null;
  }
  return n;
}

export function doubleArg(c: Client, s: string): number | null {
  const n = parseDouble(s);
  if (n === null) c.reply.error(ERR.notFloat);
  return n;
}

/** Case-insensitive comparison of an argument with an option name given in lower case. */
export function isOpt(arg: string, lowerName: string): boolean {
  return arg.length === lowerName.length && arg.toLowerCase() === lowerName;
}
