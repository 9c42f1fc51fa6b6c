import { ConfigError } from './config-errors.js';
import {
  parseBindArgs,
  parseClientOutputBufferLimit,
  parseDir,
  parseLatencyPercentiles,
  parseNotifyKeyspaceEvents,
  parseOomScoreAdjValues,
  parseReplicaOf,
  parseSave,
  validateAnnouncedHostname,
  validateAofDirname,
  validateAofFilename,
  validateDbFilename,
  validateProcTitleTemplate,
} from './config-special.js';

/**
 * Redis's config.c numeric types. They matter for the bounds check: the unsigned ones (uint,
 * ulonglong, size_t) compare the value as unsigned, so "-1" is a huge number that fails the upper
 * bound instead of the lower one; "ulong" is (by an accident of config.c) checked as signed.
 */
export type NumericType = 'int' | 'uint' | 'long' | 'ulong' | 'longlong' | 'ulonglong' | 'size_t' | 'ssize_t' | 'off_t' | 'time_t';

/** One configuration parameter, as in Redis 7.0's standardConfig table (config.c). */
export interface ConfigParam {
  readonly name: string;
  readonly alias?: string;
  readonly kind: 'bool' | 'numeric' | 'string' | 'sds' | 'enum' | 'special';
  /** The default, as CONFIG GET renders it. */
  readonly default: string;
  // Flags (config.c's *_CONFIG flags).
  readonly immutable?: boolean;
  /** PROTECTED_CONFIG: settable at run time only when enable-protected-configs allows it. */
  readonly protected?: boolean;
  /** HIDDEN_CONFIG: CONFIG GET shows it only for its exact name, never for a pattern. */
  readonly hidden?: boolean;
  /** SENSITIVE_CONFIG: its value is redacted from SLOWLOG and MONITOR. */
  readonly sensitive?: boolean;
  /** MULTI_ARG_CONFIG: a file line may give several words; CONFIG SET's value is split on spaces. */
  readonly multiArg?: boolean;
  /** DENY_LOADING_CONFIG: refused while a dataset is loading. */
  readonly denyLoading?: boolean;
  // Numeric parameters.
  readonly numType?: NumericType;
  readonly min?: bigint;
  readonly max?: bigint;
  /** MEMORY_CONFIG: accepts units (1kb, 2gb) and prints bytes. */
  readonly memory?: boolean;
  /** PERCENT_CONFIG: accepts "n%", stored as -n and printed back as "n%". */
  readonly percent?: boolean;
  /** OCTAL_CONFIG: parsed and printed in base 8. */
  readonly octal?: boolean;
  // Enum parameters: name -> value; several names may share a value, the first one is printed.
  readonly enumValues?: readonly (readonly [string, number])[];
  /** A bit-flags enum (with multiArg): several names OR'ed together ("save now"). */
  readonly bitflags?: boolean;
  /** String parameters whose empty value Redis keeps as NULL (CONFIG REWRITE then omits them). */
  readonly emptyIsNull?: boolean;
  /** Optional validity check of the new value; returns Redis's reason, or null. */
  readonly validate?: (v: string) => string | null;
  /** Special parameters parse their own arguments and return the value CONFIG GET prints. */
  readonly parse?: (args: string[], ctx: SpecialContext) => string;
  /**
   * Name of the apply step run after CONFIG SET changed the value (config.c's apply functions);
   * parameters sharing one apply step run it once. See Config.appliers.
   */
  readonly apply?: string;
}

/** What a special parameter's parser may need besides its arguments. */
export interface SpecialContext {
  /** The value before this change, as CONFIG GET printed it. */
  readonly current: string;
  /** True while reading a config file or the command line (not CONFIG SET). */
  readonly fromFile: boolean;
  /** True for the first `save` line of a config file (it replaces the defaults, later lines add). */
  readonly firstSaveInFile: boolean;
}

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;
const SSIZE_MAX = LONG_MAX;

type Extra = Partial<Omit<ConfigParam, 'name' | 'kind' | 'default'>>;

function bool(name: string, alias: string | null, def: boolean, extra: Extra = {}): ConfigParam {
  return { name, ...(alias ? { alias } : {}), kind: 'bool', default: def ? 'yes' : 'no', ...extra };
}

function num(name: string, alias: string | null, numType: NumericType, min: bigint, max: bigint, def: bigint, extra: Extra = {}): ConfigParam {
  return { name, ...(alias ? { alias } : {}), kind: 'numeric', numType, min, max, default: String(def), ...extra };
}

function str(name: string, alias: string | null, def: string, extra: Extra = {}): ConfigParam {
  return { name, ...(alias ? { alias } : {}), kind: 'string', default: def, ...extra };
}

function enm(name: string, values: readonly (readonly [string, number])[], def: string, extra: Extra = {}): ConfigParam {
  return { name, kind: 'enum', enumValues: values, default: def, ...extra };
}

function special(name: string, alias: string | null, def: string, parse: ConfigParam['parse'], extra: Extra = {}): ConfigParam {
  return { name, ...(alias ? { alias } : {}), kind: 'special', default: def, parse, ...extra };
}

const IMM = { immutable: true } as const;
const MEM = { memory: true } as const;

/** Enum tables of config.c, in its order (the error text lists them in this order). */
const E = {
  maxmemoryPolicy: [['volatile-lru', 0], ['volatile-lfu', 1], ['volatile-random', 2], ['volatile-ttl', 3], ['allkeys-lru', 4], ['allkeys-lfu', 5], ['allkeys-random', 6], ['noeviction', 7]],
  syslogFacility: [['user', 8], ['local0', 128], ['local1', 136], ['local2', 144], ['local3', 152], ['local4', 160], ['local5', 168], ['local6', 176], ['local7', 184]],
  loglevel: [['debug', 0], ['verbose', 1], ['notice', 2], ['warning', 3]],
  supervised: [['upstart', 1], ['systemd', 2], ['auto', 3], ['no', 0]],
  aofFsync: [['everysec', 2], ['always', 1], ['no', 0]],
  replDisklessLoad: [['disabled', 0], ['on-empty-db', 1], ['swapdb', 2]],
  tlsAuthClients: [['no', 0], ['yes', 1], ['optional', 2]],
  oomScoreAdj: [['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]],
  aclPubsubDefault: [['allchannels', 1], ['resetchannels', 0]],
  sanitizeDumpPayload: [['no', 0], ['yes', 1], ['clients', 2]],
  protectedAction: [['no', 0], ['yes', 1], ['local', 2]],
  clusterEndpoint: [['ip', 0], ['hostname', 1], ['unknown-endpoint', 2]],
  propagationErrorBehavior: [['ignore', 0], ['panic', 1], ['panic-on-replicas', 2]],
  shutdownOnSig: [['default', 0], ['save', 1], ['nosave', 2], ['now', 4], ['force', 8]],
} as const satisfies Record<string, readonly (readonly [string, number])[]>;

/** HAVE_DEFRAG is off in builds without Redis's own jemalloc (Debian's among them), and in Nodis. */
function refuseActiveDefrag(v: string): string | null {
  return v === 'yes'
    ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'
    : null;
}

/** isValidShutdownOnSigFlags; receives the canonical rendering ("save now"). */
function validateShutdownFlags(v: string): string | null {
  const words = v.split(' ');
  return words.includes('save') && words.includes('nosave') ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null;
}

const DEFAULT_SAVE = '3600 1 300 100 60 10000';
export const DEFAULT_CLIENT_OUTPUT_BUFFER_LIMIT = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

/**
 * Every parameter of Redis 7.0.15 (config.c's static_configs, plus the three 7.0.x additions
 * socket-mark-id, propagation-error-behavior and replica-ignore-disk-write-errors), in its
 * order. Redis is built with TLS on Debian, so the tls-* parameters are listed too.
 */
export const CONFIG_PARAMS: readonly ConfigParam[] = [
  // Bool configs
  bool('rdbchecksum', null, true, IMM),
  bool('daemonize', null, false, IMM),
  bool('io-threads-do-reads', null, false, IMM),
  bool('always-show-logo', null, false, IMM),
  bool('protected-mode', null, true),
  bool('rdbcompression', null, true),
  bool('rdb-del-sync-files', null, false),
  bool('activerehashing', null, true),
  bool('stop-writes-on-bgsave-error', null, true),
  bool('set-proc-title', null, true, IMM),
  bool('dynamic-hz', null, true),
  bool('lazyfree-lazy-eviction', null, false),
  bool('lazyfree-lazy-expire', null, false),
  bool('lazyfree-lazy-server-del', null, false),
  bool('lazyfree-lazy-user-del', null, false),
  bool('lazyfree-lazy-user-flush', null, false),
  bool('repl-disable-tcp-nodelay', null, false),
  bool('repl-diskless-sync', null, true),
  bool('aof-rewrite-incremental-fsync', null, true),
  bool('no-appendfsync-on-rewrite', null, false),
  bool('cluster-require-full-coverage', null, true),
  bool('rdb-save-incremental-fsync', null, true),
  bool('aof-load-truncated', null, true),
  bool('aof-use-rdb-preamble', null, true),
  bool('aof-timestamp-enabled', null, false),
  bool('cluster-replica-no-failover', 'cluster-slave-no-failover', false),
  bool('replica-lazy-flush', 'slave-lazy-flush', false),
  bool('replica-serve-stale-data', 'slave-serve-stale-data', true),
  bool('replica-read-only', 'slave-read-only', true),
  bool('replica-ignore-maxmemory', 'slave-ignore-maxmemory', true),
  bool('jemalloc-bg-thread', null, true),
  bool('activedefrag', null, false, { validate: refuseActiveDefrag }),
  bool('syslog-enabled', null, false, IMM),
  bool('cluster-enabled', null, false, IMM),
  bool('appendonly', null, false, { denyLoading: true, apply: 'appendonly' }),
  bool('cluster-allow-reads-when-down', null, false),
  bool('cluster-allow-pubsubshard-when-down', null, true),
  bool('crash-log-enabled', null, true),
  bool('crash-memcheck-enabled', null, true),
  bool('use-exit-on-panic', null, false, { hidden: true }),
  bool('disable-thp', null, true, IMM),
  bool('cluster-allow-replica-migration', null, true),
  bool('replica-announced', null, true),
  bool('latency-tracking', null, true),
  bool('aof-disable-auto-gc', null, false),
  bool('replica-ignore-disk-write-errors', null, false),

  // String configs
  str('aclfile', null, '', IMM),
  str('unixsocket', null, '', { ...IMM, emptyIsNull: true }),
  str('pidfile', null, '', { ...IMM, emptyIsNull: true }),
  str('replica-announce-ip', 'slave-announce-ip', '', { emptyIsNull: true }),
  str('masteruser', null, '', { sensitive: true, emptyIsNull: true }),
  str('cluster-announce-ip', null, '', { emptyIsNull: true }),
  str('cluster-config-file', null, 'nodes.conf', IMM),
  str('cluster-announce-hostname', null, '', { emptyIsNull: true, validate: validateAnnouncedHostname }),
  str('syslog-ident', null, 'redis', IMM),
  str('dbfilename', null, 'dump.rdb', { protected: true, validate: validateDbFilename }),
  str('appendfilename', null, 'appendonly.aof', { ...IMM, validate: validateAofFilename }),
  str('appenddirname', null, 'appendonlydir', { ...IMM, validate: validateAofDirname }),
  str('server_cpulist', null, '', { ...IMM, emptyIsNull: true }),
  str('bio_cpulist', null, '', { ...IMM, emptyIsNull: true }),
  str('aof_rewrite_cpulist', null, '', { ...IMM, emptyIsNull: true }),
  str('bgsave_cpulist', null, '', { ...IMM, emptyIsNull: true }),
  str('ignore-warnings', null, ''),
  str('proc-title-template', null, '{title} {listen-addr} {server-mode}', { validate: validateProcTitleTemplate }),
  str('bind-source-addr', null, '', { emptyIsNull: true }),
  str('logfile', null, '', IMM),

  // SDS configs
  { name: 'masterauth', kind: 'sds', default: '', sensitive: true, emptyIsNull: true },
  { name: 'requirepass', kind: 'sds', default: '', sensitive: true, emptyIsNull: true, apply: 'requirepass' },

  // Enum configs
  enm('supervised', E.supervised, 'no', IMM),
  enm('syslog-facility', E.syslogFacility, 'local0', IMM),
  enm('repl-diskless-load', E.replDisklessLoad, 'disabled', { denyLoading: true }),
  enm('loglevel', E.loglevel, 'notice', { apply: 'loglevel' }),
  enm('maxmemory-policy', E.maxmemoryPolicy, 'noeviction'),
  enm('appendfsync', E.aofFsync, 'everysec'),
  enm('oom-score-adj', E.oomScoreAdj, 'no'),
  enm('acl-pubsub-default', E.aclPubsubDefault, 'resetchannels'),
  enm('sanitize-dump-payload', E.sanitizeDumpPayload, 'no'),
  enm('enable-protected-configs', E.protectedAction, 'no', IMM),
  enm('enable-debug-command', E.protectedAction, 'no', IMM),
  enm('enable-module-command', E.protectedAction, 'no', IMM),
  enm('cluster-preferred-endpoint-type', E.clusterEndpoint, 'ip'),
  enm('propagation-error-behavior', E.propagationErrorBehavior, 'ignore'),
  enm('shutdown-on-sigint', E.shutdownOnSig, 'default', { multiArg: true, bitflags: true, validate: validateShutdownFlags }),
  enm('shutdown-on-sigterm', E.shutdownOnSig, 'default', { multiArg: true, bitflags: true, validate: validateShutdownFlags }),

  // Integer configs
  num('databases', null, 'int', 1n, INT_MAX, 16n, IMM),
  num('port', null, 'int', 0n, 65535n, 6379n, { apply: 'port' }),
  num('io-threads', null, 'int', 1n, 128n, 1n, IMM),
  num('auto-aof-rewrite-percentage', null, 'int', 0n, INT_MAX, 100n),
  num('cluster-replica-validity-factor', 'cluster-slave-validity-factor', 'int', 0n, INT_MAX, 10n),
  num('list-max-listpack-size', 'list-max-ziplist-size', 'int', INT_MIN, INT_MAX, -2n),
  num('tcp-keepalive', null, 'int', 0n, INT_MAX, 300n),
  num('cluster-migration-barrier', null, 'int', 0n, INT_MAX, 1n),
  num('active-defrag-cycle-min', null, 'int', 1n, 99n, 1n),
  num('active-defrag-cycle-max', null, 'int', 1n, 99n, 25n),
  num('active-defrag-threshold-lower', null, 'int', 0n, 1000n, 10n),
  num('active-defrag-threshold-upper', null, 'int', 0n, 1000n, 100n),
  num('lfu-log-factor', null, 'int', 0n, INT_MAX, 10n),
  num('lfu-decay-time', null, 'int', 0n, INT_MAX, 1n),
  num('replica-priority', 'slave-priority', 'int', 0n, INT_MAX, 100n),
  num('repl-diskless-sync-delay', null, 'int', 0n, INT_MAX, 5n),
  num('maxmemory-samples', null, 'int', 1n, INT_MAX, 5n),
  num('maxmemory-eviction-tenacity', null, 'int', 0n, 100n, 10n),
  num('timeout', null, 'int', 0n, INT_MAX, 0n),
  num('replica-announce-port', 'slave-announce-port', 'int', 0n, 65535n, 0n),
  num('tcp-backlog', null, 'int', 0n, INT_MAX, 511n, IMM),
  num('cluster-port', null, 'int', 0n, 65535n, 0n, IMM),
  num('cluster-announce-bus-port', null, 'int', 0n, 65535n, 0n),
  num('cluster-announce-port', null, 'int', 0n, 65535n, 0n),
  num('cluster-announce-tls-port', null, 'int', 0n, 65535n, 0n),
  num('repl-timeout', null, 'int', 1n, INT_MAX, 60n),
  num('repl-ping-replica-period', 'repl-ping-slave-period', 'int', 1n, INT_MAX, 10n),
  num('list-compress-depth', null, 'int', 0n, INT_MAX, 0n),
  num('rdb-key-save-delay', null, 'int', INT_MIN, INT_MAX, 0n, { hidden: true }),
  num('key-load-delay', null, 'int', INT_MIN, INT_MAX, 0n, { hidden: true }),
  num('active-expire-effort', null, 'int', 1n, 10n, 1n),
  num('hz', null, 'int', 0n, INT_MAX, 10n, { apply: 'hz' }),
  num('min-replicas-to-write', 'min-slaves-to-write', 'int', 0n, INT_MAX, 0n),
  num('min-replicas-max-lag', 'min-slaves-max-lag', 'int', 0n, INT_MAX, 10n),
  num('watchdog-period', null, 'int', 0n, INT_MAX, 0n, { hidden: true, apply: 'watchdog-period' }),
  num('shutdown-timeout', null, 'int', 0n, INT_MAX, 10n),
  num('repl-diskless-sync-max-replicas', null, 'int', 0n, INT_MAX, 0n),

  // Unsigned int configs
  num('maxclients', null, 'uint', 1n, UINT_MAX, 10000n),
  num('unixsocketperm', null, 'uint', 0n, 0o777n, 0n, { ...IMM, octal: true }),
  num('socket-mark-id', null, 'uint', 0n, UINT_MAX, 0n, IMM),

  // Unsigned long configs
  num('active-defrag-max-scan-fields', null, 'ulong', 1n, LONG_MAX, 1000n),
  num('slowlog-max-len', null, 'ulong', 0n, LONG_MAX, 128n),
  num('acllog-max-len', null, 'ulong', 0n, LONG_MAX, 128n),

  // Long long configs
  num('busy-reply-threshold', 'lua-time-limit', 'longlong', 0n, LONG_MAX, 5000n),
  num('cluster-node-timeout', null, 'longlong', 0n, LLONG_MAX, 15000n),
  num('slowlog-log-slower-than', null, 'longlong', -1n, LLONG_MAX, 10000n),
  num('latency-monitor-threshold', null, 'longlong', 0n, LLONG_MAX, 0n),
  num('proto-max-bulk-len', null, 'longlong', 1024n * 1024n, LONG_MAX, 512n * 1024n * 1024n, { ...MEM, apply: 'proto-max-bulk-len' }),
  num('stream-node-max-entries', null, 'longlong', 0n, LLONG_MAX, 100n),
  num('repl-backlog-size', null, 'longlong', 1n, LLONG_MAX, 1024n * 1024n, MEM),

  // Unsigned long long configs
  num('maxmemory', null, 'ulonglong', 0n, ULLONG_MAX, 0n, MEM),
  num('cluster-link-sendbuf-limit', null, 'ulonglong', 0n, ULLONG_MAX, 0n, MEM),

  // size_t configs
  num('hash-max-listpack-entries', 'hash-max-ziplist-entries', 'size_t', 0n, LONG_MAX, 512n),
  num('set-max-intset-entries', null, 'size_t', 0n, LONG_MAX, 512n),
  num('zset-max-listpack-entries', 'zset-max-ziplist-entries', 'size_t', 0n, LONG_MAX, 128n),
  num('active-defrag-ignore-bytes', null, 'size_t', 1n, LLONG_MAX, 100n << 20n, MEM),
  num('hash-max-listpack-value', 'hash-max-ziplist-value', 'size_t', 0n, LONG_MAX, 64n, MEM),
  num('stream-node-max-bytes', null, 'size_t', 0n, LONG_MAX, 4096n, MEM),
  num('zset-max-listpack-value', 'zset-max-ziplist-value', 'size_t', 0n, LONG_MAX, 64n, MEM),
  num('hll-sparse-max-bytes', null, 'size_t', 0n, LONG_MAX, 3000n, MEM),
  num('tracking-table-max-keys', null, 'size_t', 0n, LONG_MAX, 1000000n),
  num('client-query-buffer-limit', null, 'size_t', 1024n * 1024n, LONG_MAX, 1024n * 1024n * 1024n, MEM),
  num('maxmemory-clients', null, 'ssize_t', -100n, SSIZE_MAX, 0n, { ...MEM, percent: true }),

  // Other numeric configs
  num('repl-backlog-ttl', null, 'time_t', 0n, LONG_MAX, 3600n),
  num('auto-aof-rewrite-min-size', null, 'off_t', 0n, LLONG_MAX, 64n * 1024n * 1024n, MEM),
  num('loading-process-events-interval-bytes', null, 'off_t', 1024n, INT_MAX, 2n * 1024n * 1024n, { hidden: true }),

  // TLS configs (Nodis has no TLS: turning it on fails in the apply step, as Redis does without certificates)
  num('tls-port', null, 'int', 0n, 65535n, 0n, { apply: 'tls' }),
  num('tls-session-cache-size', null, 'int', 0n, INT_MAX, 20480n, { apply: 'tls' }),
  num('tls-session-cache-timeout', null, 'int', 0n, INT_MAX, 300n, { apply: 'tls' }),
  bool('tls-cluster', null, false, { apply: 'tls' }),
  bool('tls-replication', null, false, { apply: 'tls' }),
  enm('tls-auth-clients', E.tlsAuthClients, 'yes'),
  bool('tls-prefer-server-ciphers', null, false, { apply: 'tls' }),
  bool('tls-session-caching', null, true, { apply: 'tls' }),
  str('tls-cert-file', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-key-file', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-key-file-pass', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-client-cert-file', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-client-key-file', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-client-key-file-pass', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-dh-params-file', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-ca-cert-file', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-ca-cert-dir', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-protocols', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-ciphers', null, '', { emptyIsNull: true, apply: 'tls' }),
  str('tls-ciphersuites', null, '', { emptyIsNull: true, apply: 'tls' }),

  // Special configs
  special('dir', null, '', parseDir, { protected: true, denyLoading: true }),
  special('save', null, DEFAULT_SAVE, parseSave, { multiArg: true }),
  special('client-output-buffer-limit', null, DEFAULT_CLIENT_OUTPUT_BUFFER_LIMIT, parseClientOutputBufferLimit, { multiArg: true }),
  special('oom-score-adj-values', null, '0 200 800', parseOomScoreAdjValues, { multiArg: true }),
  special('notify-keyspace-events', null, '', parseNotifyKeyspaceEvents, { apply: 'notify-keyspace-events' }),
  special('bind', null, '* -::*', parseBindArgs, { multiArg: true, apply: 'bind' }),
  special('replicaof', 'slaveof', '', parseReplicaOf, { ...IMM, multiArg: true }),
  special('latency-tracking-info-percentiles', null, '50 99 99.9', parseLatencyPercentiles, { multiArg: true }),
];

/** Lines config.c silently accepts from a file for parameters that no longer exist (name, argc range). */
export const DEPRECATED_CONFIGS: readonly (readonly [string, number, number])[] = [
  ['list-max-ziplist-entries', 2, 2],
  ['list-max-ziplist-value', 2, 2],
  ['lua-replicate-commands', 2, 2],
];

export { ConfigError };
