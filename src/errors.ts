/**
 * Redis's error reply texts, in one place. Clients match on these, so they are Redis 7.0's
 * exact words (server.c shared objects and the command files).
 */
export const ERR = {
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  noKey: 'ERR no such key',
  outOfRange: 'ERR index out of range',
  dbIndex: 'ERR DB index is out of range',
  noAuth: 'NOAUTH Authentication required.',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  overflow: 'ERR increment or decrement would overflow',
  nanOrInf: 'ERR increment would produce NaN or Infinity',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  offsetOutOfRange: 'ERR offset is out of range',
  timeoutNegative: 'ERR timeout is negative',
  sameObject: 'ERR source and destination objects are the same',
  decrementOverflow: 'ERR decrement would overflow',
  lcsNotString: 'ERR The specified keys must contain string values',
  lcsLenAndIdx: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTooLong: 'ERR String too long for LCS',
  lcsTooBig: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
} as const;

/** "ERR wrong number of arguments for 'get' command". */
export function arityError(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

/** "ERR invalid expire time in 'set' command". */
export function invalidExpireError(cmd: string): string {
  return `ERR invalid expire time in '${cmd}' command`;
}

/** Redis's addReplyErrorFormat turns CR and LF into spaces so the error stays one line. */
export function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

/** "%.128s": C strings stop at NUL and are cut at 128 bytes. */
export function cstr(s: string, max = 128): string {
  const z = s.indexOf('\0');
  return (z >= 0 ? s.slice(0, z) : s).slice(0, max);
}

export function unknownSubcommandError(sub: string, cmd: string): string {
  return oneLine(`ERR unknown subcommand '${cstr(sub)}'. Try ${cmd.toUpperCase()} HELP.`);
}

/** Redis's addReplySubcommandSyntaxError: a known subcommand given the wrong arguments. */
export function subcommandSyntaxError(sub: string, cmd: string): string {
  return oneLine(`ERR unknown subcommand or wrong number of arguments for '${cstr(sub)}'. Try ${cmd.toUpperCase()} HELP.`);
}
