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
