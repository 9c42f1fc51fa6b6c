import { ConfigError } from './config-errors.js';

/** One configuration parameter, as in Redis 7.0's config.c table. */
export interface ConfigParam {
  readonly name: string;
  readonly alias?: string;
  readonly kind: 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'special';
  /** The default, as CONFIG GET renders it. */
  readonly default: string;
  readonly min?: number;
  readonly max?: number;
  /** Bounds as Redis prints them in errors when they are not exact in a double (LLONG_MAX). */
  readonly minText?: string;
  readonly maxText?: string;
  readonly enumValues?: readonly string[];
  /** An enum that takes several words (e.g. "appendfsync" is single, "oom-score-adj" not). */
  readonly multi?: boolean;
  /** Settable only at start-up. */
  readonly immutable?: boolean;
  /** Special parameters parse their own arguments and return the rendered value. */
  readonly parse?: (args: string[], fromFile: boolean, current: string) => string;
  readonly validate?: (v: string) => void;
}

const INT_MAX = 2147483647;
const LLONG_MAX = 9223372036854775807;

function int(name: string, def: number, min: number, max: number, extra: Partial<ConfigParam> = {}): ConfigParam {
  return { name, kind: 'int', default: String(def), min, max, ...extra };
}
function mem(name: string, def: number, min: number, max: number, extra: Partial<ConfigParam> = {}): ConfigParam {
  return { name, kind: 'memory', default: String(def), min, max, ...extra };
}
function bool(name: string, def: boolean, extra: Partial<ConfigParam> = {}): ConfigParam {
  return { name, kind: 'bool', default: def ? 'yes' : 'no', ...extra };
}
function str(name: string, def: string, extra: Partial<ConfigParam> = {}): ConfigParam {
  return { name, kind: 'string', default: def, ...extra };
}
function enm(name: string, def: string, values: string[], extra: Partial<ConfigParam> = {}): ConfigParam {
  return { name, kind: 'enum', default: def, enumValues: values, ...extra };
}

/** `save` takes "<seconds> <changes>" pairs; "" clears them. Several lines in a file add up. */
function parseSave(args: string[], fromFile: boolean, current: string): string {
  const words = args.flatMap((a) => a.split(' ')).filter((w) => w !== '');
  if (args.length === 1 && args[0] === '') return '';
  if (words.length % 2 !== 0 || words.length === 0) throw new ConfigError('Invalid save parameters');
  for (const w of words) if (!/^\d+$/.test(w)) throw new ConfigError('Invalid save parameters');
  const pairs = words.join(' ');
  return fromFile && current !== '' && current !== DEFAULT_SAVE_MARK ? current + ' ' + pairs : pairs;
}

const DEFAULT_SAVE_MARK = '3600 1 300 100 60 10000';

export const CONFIG_PARAMS: readonly ConfigParam[] = [
  int('port', 6379, 0, 65535),
  { name: 'bind', kind: 'special', default: '* -::*', parse: (args) => args.join(' ') },
  str('dir', process.cwd()),
  str('dbfilename', 'dump.rdb'),
  { name: 'save', kind: 'special', default: DEFAULT_SAVE_MARK, parse: parseSave },
  bool('appendonly', false),
  str('appendfilename', 'appendonly.aof', { immutable: true }),
  str('appenddirname', 'appendonlydir', { immutable: true }),
  enm('appendfsync', 'everysec', ['always', 'everysec', 'no']),
  str('requirepass', ''),
  int('databases', 16, 1, INT_MAX, { immutable: true }),
  enm('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning', 'nothing']),
  str('logfile', '', { immutable: true }),
  int('hz', 10, 0, INT_MAX),
  bool('dynamic-hz', true),
  mem('proto-max-bulk-len', 512 * 1024 * 1024, 1024 * 1024, LLONG_MAX, { maxText: '9223372036854775807' }),
  mem('client-query-buffer-limit', 1024 * 1024 * 1024, 1024 * 1024, LLONG_MAX, { maxText: '9223372036854775807' }),
  int('maxclients', 10000, 1, INT_MAX),
  int('timeout', 0, 0, INT_MAX),
  int('tcp-keepalive', 300, 0, INT_MAX),
  int('tcp-backlog', 511, 0, INT_MAX, { immutable: true }),
  mem('maxmemory', 0, 0, LLONG_MAX, { maxText: '9223372036854775807' }),
  enm('maxmemory-policy', 'noeviction', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction']),
  int('maxmemory-samples', 5, 1, INT_MAX),
  int('lfu-log-factor', 10, 0, INT_MAX),
  int('lfu-decay-time', 1, 0, INT_MAX),
  int('slowlog-log-slower-than', 10000, -1, LLONG_MAX, { maxText: '9223372036854775807' }),
  int('slowlog-max-len', 128, 0, LLONG_MAX, { maxText: '9223372036854775807' }),
  str('notify-keyspace-events', ''),
  int('active-expire-effort', 1, 1, 10),
  bool('lazyfree-lazy-user-flush', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-server-del', false),
  bool('daemonize', false, { immutable: true }),
  str('pidfile', '', { immutable: true }),
  bool('protected-mode', true),
  str('unixsocket', '', { immutable: true }),
  bool('stop-writes-on-bgsave-error', true),
  bool('rdbcompression', true),
  bool('rdbchecksum', true, { immutable: true }),
  int('list-max-listpack-size', -2, -INT_MAX - 1, INT_MAX, { alias: 'list-max-ziplist-size', minText: '-2147483648' }),
  int('list-compress-depth', 0, 0, INT_MAX),
  mem('hash-max-listpack-entries', 128, 0, LLONG_MAX, { alias: 'hash-max-ziplist-entries', maxText: '9223372036854775807' }),
  mem('hash-max-listpack-value', 64, 0, LLONG_MAX, { alias: 'hash-max-ziplist-value', maxText: '9223372036854775807' }),
  mem('set-max-intset-entries', 512, 0, LLONG_MAX, { maxText: '9223372036854775807' }),
  mem('zset-max-listpack-entries', 128, 0, LLONG_MAX, { alias: 'zset-max-ziplist-entries', maxText: '9223372036854775807' }),
  mem('zset-max-listpack-value', 64, 0, LLONG_MAX, { alias: 'zset-max-ziplist-value', maxText: '9223372036854775807' }),
  int('busy-reply-threshold', 5000, 0, LLONG_MAX, { alias: 'lua-time-limit', maxText: '9223372036854775807' }),
  enm('enable-debug-command', 'no', ['no', 'yes', 'local'], { immutable: true }),
  str('aclfile', '', { immutable: true }),
];
