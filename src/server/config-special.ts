import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-errors.js';
import { parseDouble } from '../protocol/number-format.js';
import { NOTIFY } from '../keyspace/notify.js';
import type { SpecialContext } from './config-params.js';

/**
 * The parameters config.c handles with its own set/get functions (save, bind, client-output-buffer-
 * limit, notify-keyspace-events, ...), and the C library parsers they rely on, reproduced closely
 * because their quirks show in what CONFIG SET accepts and what CONFIG GET prints.
 */

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/**
 * C's strtoll (base 10 or 8): leading white space, a sign, digits; saturates at the int64 range.
 * `end` is the index where parsing stopped (0 when there were no digits, as C leaves endptr at
 * the start). Callers check `end === s.length` for "the whole string was a number".
 */
export function strtoll(s: string, base = 10): { value: bigint; end: number; overflow: boolean } {
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i]!)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const start = i;
  let v = 0n;
  const b = BigInt(base);
  while (i < s.length) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d >= base) break;
    v = v * b + BigInt(d);
    i++;
  }
  if (i === start) return { value: 0n, end: 0, overflow: false };
  if (neg) v = -v;
  const max = 9223372036854775807n;
  const min = -9223372036854775808n;
  if (v > max) return { value: max, end: i, overflow: true };
  if (v < min) return { value: min, end: i, overflow: true };
  return { value: v, end: i, overflow: false };
}

/** strtoll that must consume the whole string (`*eptr == '\0'`); null otherwise. */
function wholeStrtoll(s: string): bigint | null {
  const r = strtoll(s);
  // An empty string leaves endptr at its terminating NUL, which C code reads as success.
  if (s === '') return 0n;
  return r.end === s.length ? r.value : null;
}

const MEMORY_UNITS = new Map<string, bigint>([
  ['', 1n],
  ['b', 1n],
  ['k', 1000n],
  ['kb', 1024n],
  ['m', 1000n * 1000n],
  ['mb', 1024n * 1024n],
  ['g', 1000n * 1000n * 1000n],
  ['gb', 1024n * 1024n * 1024n],
]);

/**
 * util.c's memtoull: digits then an optional unit (b, k, kb, m, mb, g, gb, any case). A leading
 * '-' is an error, "" is 0, and the product wraps at 64 bits as unsigned C arithmetic does.
 */
export function memtoull(s: string): bigint | null {
  if (s.startsWith('-')) return null;
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const mul = MEMORY_UNITS.get(s.slice(i).toLowerCase());
  if (mul === undefined) return null;
  if (i >= 128) return null;
  const digits = s.slice(0, i);
  const v = digits === '' ? 0n : BigInt(digits);
  // strtoull saturates on overflow; 7.0.15 does not look at ERANGE, so the value is ULLONG_MAX.
  if (v > 18446744073709551615n) return U64(18446744073709551615n * mul);
  return U64(v * mul);
}

/** `save`: "<seconds> <changes>" pairs; a single "" clears them; a file's lines add up. */
export function parseSave(args: string[], ctx: SpecialContext): string {
  // A single "" always clears the save points, also in the middle of a config file.
  if (args.length === 1 && args[0] === '') return '';
  const argv = args;
  if (argv.length % 2 !== 0) throw new ConfigError('Invalid save parameters');
  const pairs: string[] = [];
  for (let j = 0; j < argv.length; j++) {
    const a = argv[j]!;
    const r = strtoll(a);
    const ok = a === '' || r.end === a.length;
    const val = a === '' ? 0n : r.value;
    if (!ok || (j % 2 === 0 && val < 1n) || (j % 2 === 1 && val < 0n)) throw new ConfigError('Invalid save parameters');
    // seconds is a time_t, changes an int: C truncates the strtoll result to the field.
    pairs.push(j % 2 === 0 ? String(val) : String(BigInt.asIntN(32, val)));
  }
  const rendered = pairs.join(' ');
  if (ctx.fromFile && !ctx.firstSaveInFile && ctx.current !== '') return rendered === '' ? ctx.current : ctx.current + ' ' + rendered;
  return rendered;
}

/** Redis's getClientTypeByName, for client-output-buffer-limit classes (master is refused). */
function obufClass(name: string): number {
  switch (name.toLowerCase()) {
    case 'normal':
      return 0;
    case 'slave':
    case 'replica':
      return 1;
    case 'pubsub':
      return 2;
    case 'master':
      return 3;
    default:
      return -1;
  }
}

const OBUF_CLASS_NAMES = ['normal', 'slave', 'pubsub'] as const;

/** `client-output-buffer-limit <class> <hard> <soft> <seconds>`...: validated whole, then applied. */
export function parseClientOutputBufferLimit(args: string[], ctx: SpecialContext): string {
  if (args.length % 4 !== 0) throw new ConfigError('Wrong number of arguments in buffer limit configuration.');
  const cur = ctx.current.split(' ');
  const values: string[][] = [0, 1, 2].map((k) => cur.slice(k * 4 + 1, k * 4 + 4));
  const updates = new Map<number, string[]>();
  for (let j = 0; j < args.length; j += 4) {
    const cls = obufClass(args[j]!);
    if (cls === -1 || cls === 3) throw new ConfigError('Invalid client class specified in buffer limit configuration.');
    const hard = memtoull(args[j + 1]!);
    const soft = memtoull(args[j + 2]!);
    const secArg = args[j + 3]!;
    const sec = strtoll(secArg);
    const secVal = BigInt.asIntN(32, secArg === '' ? 0n : sec.value);
    if (hard === null || soft === null || secVal < 0n || (secArg !== '' && sec.end !== secArg.length)) {
      throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    updates.set(cls, [String(hard), String(soft), String(secVal)]);
  }
  for (const [cls, v] of updates) values[cls] = v;
  return values.map((v, k) => `${OBUF_CLASS_NAMES[k]} ${v.join(' ')}`).join(' ');
}

/** `oom-score-adj-values <master> <replica> <bgchild>`, each within -2000..2000. */
export function parseOomScoreAdjValues(args: string[]): string {
  if (args.length !== 3) throw new ConfigError('wrong number of arguments');
  const out: string[] = [];
  for (const a of args) {
    const v = wholeStrtoll(a);
    if (v === null || a === '' || v < -2000n || v > 2000n) throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
    out.push(String(v));
  }
  return out.join(' ');
}

/** All classes that "A" stands for (NOTIFY_ALL). */
export const NOTIFY_ALL =
  NOTIFY.generic | NOTIFY.string | NOTIFY.list | NOTIFY.set | NOTIFY.hash | NOTIFY.zset | NOTIFY.expired | NOTIFY.evicted | NOTIFY.stream | NOTIFY.module;

const NOTIFY_LETTERS = new Map<string, number>([
  ['A', NOTIFY_ALL],
  ['g', NOTIFY.generic],
  ['$', NOTIFY.string],
  ['l', NOTIFY.list],
  ['s', NOTIFY.set],
  ['h', NOTIFY.hash],
  ['z', NOTIFY.zset],
  ['x', NOTIFY.expired],
  ['e', NOTIFY.evicted],
  ['K', NOTIFY.keyspace],
  ['E', NOTIFY.keyevent],
  ['t', NOTIFY.stream],
  ['m', NOTIFY.keyMiss],
  ['d', NOTIFY.module],
  ['n', NOTIFY.newKey],
]);

/** keyspaceEventsStringToFlags: the letters to NOTIFY_* bits, or -1 for an unknown letter. */
export function notifyFlagsFromString(s: string): number {
  let flags = 0;
  for (const ch of s) {
    const f = NOTIFY_LETTERS.get(ch);
    if (f === undefined) return -1;
    flags |= f;
  }
  return flags;
}

/** keyspaceEventsFlagsToString: Redis's canonical spelling ("A" hides g$lshzxetd and also n). */
export function notifyFlagsToString(flags: number): string {
  let res = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) {
    res += 'A';
  } else {
    const order: [number, string][] = [
      [NOTIFY.generic, 'g'],
      [NOTIFY.string, '$'],
      [NOTIFY.list, 'l'],
      [NOTIFY.set, 's'],
      [NOTIFY.hash, 'h'],
      [NOTIFY.zset, 'z'],
      [NOTIFY.expired, 'x'],
      [NOTIFY.evicted, 'e'],
      [NOTIFY.stream, 't'],
      [NOTIFY.module, 'd'],
      [NOTIFY.newKey, 'n'],
    ];
    for (const [bit, ch] of order) if (flags & bit) res += ch;
  }
  if (flags & NOTIFY.keyspace) res += 'K';
  if (flags & NOTIFY.keyevent) res += 'E';
  if (flags & NOTIFY.keyMiss) res += 'm';
  return res;
}

export function parseNotifyKeyspaceEvents(args: string[]): string {
  if (args.length !== 1) throw new ConfigError('wrong number of arguments');
  const flags = notifyFlagsFromString(args[0]!);
  if (flags === -1) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  return notifyFlagsToString(flags);
}

/** CONFIG_BINDADDR_MAX */
const BINDADDR_MAX = 16;

export function parseBindArgs(args: string[]): string {
  if (args.length > BINDADDR_MAX) throw new ConfigError('Too many bind addresses specified.');
  if (args.length === 1 && args[0] === '') return '';
  return args.join(' ');
}

export function parseReplicaOf(args: string[]): string {
  if (args.length !== 2) throw new ConfigError('wrong number of arguments');
  const [host, port] = args as [string, string];
  if (host.toLowerCase() === 'no' && port.toLowerCase() === 'one') return '';
  const r = strtoll(port);
  const p = BigInt.asIntN(32, r.value);
  if (p < 0n || p > 65535n || (port !== '' && r.end !== port.length)) throw new ConfigError('Invalid master port');
  return `${host} ${p}`;
}

/** printf("%f") then trimDoubleString: "99.900000" -> "99.9", "50.000000" -> "50". */
function formatPercentile(d: number): string {
  let s = d.toFixed(6);
  if (s.includes('.')) {
    s = s.replace(/0+$/, '');
    if (s.endsWith('.')) s = s.slice(0, -1);
  }
  return s;
}

export function parseLatencyPercentiles(args: string[]): string {
  if (args.length === 1 && args[0] === '') return '';
  const out: string[] = [];
  for (const a of args) {
    const d = parseDouble(a);
    if (d === null) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
    if (d > 100 || d < 0) throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
    out.push(formatPercentile(d));
  }
  return out.join(' ');
}

/** strerror texts for the errors a chdir can meet. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EACCES':
      return 'Permission denied';
    case 'ELOOP':
      return 'Too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'File name too long';
    case 'EISDIR':
      return 'Is a directory';
    case 'EROFS':
      return 'Read-only file system';
    case 'ENOSPC':
      return 'No space left on device';
    default:
      return (e as Error).message;
  }
}

/**
 * `dir`: Redis chdir()s and CONFIG GET prints getcwd(). Nodis may be embedded in another program,
 * so it keeps the directory as an absolute path instead of changing the process's cwd (the
 * nodis-server binary does chdir at start-up); file paths are resolved against it.
 */
export function parseDir(args: string[], ctx: SpecialContext): string {
  if (args.length !== 1) throw new ConfigError('wrong number of arguments');
  const target = path.resolve(ctx.current || process.cwd(), args[0]!);
  try {
    const st = fs.statSync(target);
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    fs.accessSync(target, fs.constants.X_OK);
    return fs.realpathSync(target);
  } catch (e) {
    throw new ConfigError(strerror(e));
  }
}

/** pathIsBaseName */
function isBaseName(p: string): boolean {
  return !p.includes('/') && !p.includes('\\');
}

export function validateDbFilename(v: string): string | null {
  return isBaseName(v) ? null : "dbfilename can't be a path, just a filename";
}

export function validateAofFilename(v: string): string | null {
  if (v === '') return "appendfilename can't be empty";
  return isBaseName(v) ? null : "appendfilename can't be a path, just a filename";
}

export function validateAofDirname(v: string): string | null {
  if (v === '') return "appenddirname can't be empty";
  return isBaseName(v) ? null : "appenddirname can't be a path, just a dirname";
}

/** NET_HOST_STR_LEN */
const HOST_STR_LEN = 256;

export function validateAnnouncedHostname(v: string): string | null {
  if (v.length >= HOST_STR_LEN) return `Hostnames must be less than ${HOST_STR_LEN} characters`;
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return null;
}

const PROC_TITLE_VARS = new Set(['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file']);

/**
 * validateProcTitleTemplate: sdstemplate must expand it ("{{" and "}}" are literal braces, every
 * "{name}" a known variable) and the result, trimmed of spaces, must not be empty. The variables
 * other than {title} always expand to something, so only their presence matters here.
 */
export function validateProcTitleTemplate(v: string): string | null {
  const bad = 'template format is invalid or contains unknown variables';
  let out = '';
  for (let i = 0; i < v.length; ) {
    const ch = v[i]!;
    if ((ch === '{' || ch === '}') && v[i + 1] === ch) {
      out += ch;
      i += 2;
    } else if (ch === '{') {
      const close = v.indexOf('}', i);
      if (close < 0) return bad;
      const name = v.slice(i + 1, close);
      if (!PROC_TITLE_VARS.has(name)) return bad;
      if (name !== 'title') out += 'x';
      i = close + 1;
    } else {
      out += ch;
      i++;
    }
  }
  return out.trim() === '' ? bad : null;
}
