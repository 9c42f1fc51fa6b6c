import type { CommandDef } from './table.js';
import { debugReload } from '../persistence/debug-reload.js';
import type { Client } from '../server/client.js';
import type { Value } from '../keyspace/db.js';
import { ERR } from '../errors.js';
import { replyHelp } from './command.js';
import { isOpt } from './args.js';
import { parseInteger, parseBigInteger } from '../protocol/number-format.js';
import { genInfoString, memoryFigures } from '../server/info.js';
import { NODIS_VERSION } from '../server/version.js';
import { setActiveExpire } from '../keyspace/expire.js';
import { DEBUG_HELP } from './debug-help.js';

function info(c: Client, argv: string[]): void {
  c.reply.verbatim(genInfoString(c.server, argv.slice(1)));
}

function time(c: Client): void {
  const us = BigInt(Math.round(performance.timeOrigin * 1000 + performance.now() * 1000));
  c.reply.array(2);
  c.reply.bulk(String(us / 1000000n));
  c.reply.bulk(String(us % 1000000n));
}

const SHUTDOWN_NOSAVE = 1;
const SHUTDOWN_SAVE = 2;
const SHUTDOWN_NOW = 4;
const SHUTDOWN_FORCE = 8;

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as 7.0's shutdownCommand and finishShutdown.
 * Saving goes through `server.saveHook` (filled by the persistence module); with no hook, or a
 * hook that throws, the save fails and, without FORCE, the client gets Redis's answer to a
 * failed save, "ERR Errors trying to SHUTDOWN. Check logs.", and the server keeps running.
 * Nodis has no replicas to wait for, so NOW changes nothing and ABORT never finds a shutdown.
 */
function shutdown(c: Client, argv: string[]): void {
  let flags = 0;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === 'nosave') flags |= SHUTDOWN_NOSAVE;
    else if (a === 'save') flags |= SHUTDOWN_SAVE;
    else if (a === 'now') flags |= SHUTDOWN_NOW;
    else if (a === 'force') flags |= SHUTDOWN_FORCE;
    else if (a === 'abort') abort = true;
    else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  if ((abort && flags !== 0) || (flags & SHUTDOWN_NOSAVE && flags & SHUTDOWN_SAVE)) {
    c.reply.error(ERR.syntax);
    return;
  }
  if (abort) {
    c.reply.error('ERR No shutdown in progress.');
    return;
  }
  const server = c.server;
  server.log.warning('User requested shutdown...');
  const wantSave = (server.config.get('save') !== '' && !(flags & SHUTDOWN_NOSAVE)) || (flags & SHUTDOWN_SAVE) !== 0;
  if (wantSave) {
    server.log.notice('Saving the final RDB snapshot before exiting.');
    let saved = false;
    try {
      if (server.saveHook) {
        server.saveHook();
        saved = true;
      }
    } catch (e) {
      server.log.warning(`Error saving the DB: ${(e as Error).message}`);
    }
    if (!saved && !(flags & SHUTDOWN_FORCE)) {
      server.log.warning("Error trying to save the DB, can't exit.");
      server.log.warning('Errors trying to shut down the server. Check the logs for more information.');
      c.reply.error('ERR Errors trying to SHUTDOWN. Check logs.');
      return;
    }
  }
  // On success Redis exits without answering: the connection just closes.
  server.onShutdown();
  if (!server.shuttingDown) void server.shutdown();
}

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

/** addReplySubcommandSyntaxError */
function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try ${argv[0]!.toUpperCase()} HELP.`);
}

function slowlogGet(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let count = 10;
  if (argv.length === 3) {
    const n = parseInteger(argv[2]!);
    if (n === null || n < -1) {
      c.reply.error('ERR count should be greater than or equal to -1');
      return;
    }
    count = n === -1 ? Infinity : n;
  }
  const entries = c.server.slowlog.entries.slice(0, count === Infinity ? undefined : count);
  c.reply.array(entries.length);
  for (const e of entries) {
    c.reply.array(6);
    c.reply.int(e.id);
    c.reply.int(e.time);
    c.reply.int(e.micros);
    c.reply.bulkArray(e.argv);
    c.reply.bulk(e.addr);
    c.reply.bulk(e.name);
  }
}

/** jemalloc's size classes: what an allocation of n bytes really takes. */
export function allocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const p = 2 ** Math.floor(Math.log2(n - 1));
  const step = p / 4;
  return Math.ceil(n / step) * step;
}

/** sdsReqType header size + payload + NUL. */
function sdsAlloc(len: number, short5 = true): number {
  const hdr = len < 32 && short5 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : len < 2 ** 32 ? 9 : 17;
  return allocSize(hdr + len + 1);
}

/** Bytes of a string value as Redis stores it: int-encoded, embstr (<= 44 bytes) or raw. */
function stringSize(s: string): number {
  if (s.length <= 20 && parseBigInteger(s) !== null) return 16;
  if (s.length <= 44) return allocSize(16 + 3 + s.length + 1);
  return 16 + sdsAlloc(s.length, false);
}

/**
 * An estimate of the memory of a non-string value, in the spirit of objectComputeSize: the
 * container's own entries are counted, nested elements are sampled (`samples` of them, 0 for
 * all) and the average is scaled to the element count. The data-type modules keep their own
 * structures, so this walks them generically: Maps, Sets, arrays, typed arrays, strings.
 */
function estimateSize(v: unknown, samples: number, depth = 0): number {
  if (typeof v === 'string') return sdsAlloc(v.length);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return 8;
  if (v === null || typeof v !== 'object' || depth > 6) return 0;
  if (ArrayBuffer.isView(v)) return allocSize(v.byteLength);
  let items: unknown[];
  let count: number;
  let perEntry = 0;
  if (v instanceof Map) {
    count = v.size;
    perEntry = 24; // a dictEntry
    items = [];
    for (const [k, val] of v) {
      items.push(k, val);
      if (samples !== 0 && items.length >= samples * 2) break;
    }
  } else if (v instanceof Set) {
    count = v.size;
    perEntry = 24;
    items = [];
    for (const k of v) {
      items.push(k);
      if (samples !== 0 && items.length >= samples) break;
    }
  } else if (Array.isArray(v)) {
    count = v.length;
    perEntry = 8;
    items = samples === 0 ? v : v.slice(0, samples);
  } else {
    let sum = 16;
    for (const val of Object.values(v)) sum += estimateSize(val, samples, depth + 1);
    return sum;
  }
  if (count === 0 || items.length === 0) return 16;
  let sampled = 0;
  for (const it of items) sampled += estimateSize(it, samples, depth + 1);
  const per = v instanceof Map ? (sampled / items.length) * 2 : sampled / items.length;
  return 16 + Math.round(count * (per + perEntry));
}

function valueSize(v: Value, samples: number): number {
  if (typeof v === 'string') return stringSize(v);
  return estimateSize(v, samples);
}

const MEMORY_HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

function memoryUsage(c: Client, argv: string[]): void {
  let samples = 5;
  for (let j = 3; j < argv.length; j++) {
    if (isOpt(argv[j]!, 'samples') && j + 1 < argv.length) {
      const n = parseInteger(argv[j + 1]!);
      if (n === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      if (n < 0) {
        c.reply.error(ERR.syntax);
        return;
      }
      samples = n;
      j++;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  const key = argv[2]!;
  const v = c.db.get(key, false);
  if (v === undefined) {
    c.reply.null();
    return;
  }
  c.reply.int(keyMemoryUsage(key, v, samples));
}

/** MEMORY USAGE's estimate for one key: its value, the key's sds and its dictEntry. Eviction counts what it frees with it. */
export function keyMemoryUsage(key: string, v: Value, samples: number): number {
  return valueSize(v, samples) + sdsAlloc(key.length) + 24;
}

function memoryStats(c: Client): void {
  const server = c.server;
  const m = memoryFigures(server);
  const r = c.reply;
  const dbs = server.dbs.filter((db) => db.size > 0);
  const keys = dbs.reduce((n, db) => n + db.size, 0);
  r.map(25 + dbs.length);
  const int = (k: string, v: number) => {
    r.bulk(k);
    r.int(v);
  };
  const dbl = (k: string, v: number) => {
    r.bulk(k);
    r.double(v);
  };
  int('peak.allocated', m.peak);
  int('total.allocated', m.used);
  int('startup.allocated', m.startup);
  int('replication.backlog', 0);
  int('clients.slaves', 0);
  int('clients.normal', Math.max(0, m.overhead - m.startup));
  int('cluster.links', 0);
  int('aof.buffer', 0);
  int('lua.caches', 0);
  int('functions.caches', 0);
  for (const db of dbs) {
    r.bulk(`db.${db.id}`);
    r.map(2);
    int('overhead.hashtable.main', db.size * 32);
    int('overhead.hashtable.expires', db.table.expiresCount * 32);
  }
  int('overhead.total', m.overhead);
  int('keys.count', keys);
  int('keys.bytes-per-key', keys === 0 ? 0 : Math.floor((m.used - m.startup) / keys));
  int('dataset.bytes', m.dataset);
  dbl('dataset.percentage', m.used - m.startup === 0 ? 0 : (m.dataset * 100) / (m.used - m.startup));
  dbl('peak.percentage', m.peak === 0 ? 0 : (m.used * 100) / m.peak);
  int('allocator.allocated', m.used);
  int('allocator.active', m.used);
  int('allocator.resident', m.rss);
  dbl('allocator-fragmentation.ratio', 1);
  int('allocator-fragmentation.bytes', 0);
  dbl('allocator-rss.ratio', m.used === 0 ? 0 : m.rss / m.used);
  int('allocator-rss.bytes', m.rss - m.used);
  dbl('rss-overhead.ratio', 1);
  int('rss-overhead.bytes', 0);
  dbl('fragmentation', m.used === 0 ? 0 : m.rss / m.used);
  int('fragmentation.bytes', m.rss - m.used);
}

/** MEMORY DOCTOR: Redis's report; Nodis has no fragmentation or allocator figures to blame. */
function memoryDoctor(c: Client): void {
  const m = memoryFigures(c.server);
  const text =
    m.used - m.startup < 5 * 1024 * 1024
      ? "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting."
      : "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.";
  c.reply.verbatim(text);
}

/**
 * LOLWUT [VERSION v]: Redis 7.0 draws art only for versions 5 and 6 (Schotter and the skyscrapers,
 * both random); any other version, and the default, print the version line.
 */
function lolwut(c: Client, argv: string[]): void {
  if (argv.length === 3 && isOpt(argv[1]!, 'version')) {
    const v = parseInteger(argv[2]!);
    if (v === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
  }
  c.reply.verbatim(`Redis ver. ${NODIS_VERSION}\n`);
}


/** Blocks the whole server, as Redis's DEBUG SLEEP does (nanosleep in the main thread). */
function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** C's strtod prefix parse (as DEBUG SLEEP uses it: garbage gives 0). */
function strtodPrefix(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)/i.exec(s);
  return m ? Number(m[0]) : 0;
}

function debugObject(c: Client, key: string): void {
  const v = c.db.get(key, false);
  if (v === undefined) {
    c.reply.error(ERR.noKey);
    return;
  }
  const slot = c.db.table.find(key);
  const lru = slot >= 0 ? c.db.table.lruAt(slot) : 0;
  const idle = Math.max(0, Math.floor(((Math.floor(Date.now() / 1000) & 0xffffff) - lru) & 0xffffff));
  let encoding: string;
  let serialized: number;
  if (typeof v === 'string') {
    const isInt = v.length <= 20 && parseBigInteger(v) !== null;
    encoding = isInt ? 'int' : v.length <= 44 ? 'embstr' : 'raw';
    const n = isInt ? Number(v) : 0;
    serialized = isInt && n >= -(2 ** 31) && n < 2 ** 31 ? (n >= -128 && n < 128 ? 2 : n >= -32768 && n < 32768 ? 3 : 5) : (v.length < 64 ? 1 : v.length < 16384 ? 2 : 5) + v.length;
  } else {
    encoding = v.encoding();
    serialized = Math.max(1, estimateSize(v, 0) >> 1);
  }
  const addr = '0x' + (0x7f0000000000 + slot * 64).toString(16);
  c.reply.simple(`Value at:${addr} refcount:1 encoding:${encoding} serializedlength:${serialized} lru:${lru} lru_seconds_idle:${idle}`);
}

/** DEBUG: refused unless enable-debug-command allows it; the subcommands tests rely on. */
function debug(c: Client, argv: string[]): void {
  const sub = argv[1]!.toLowerCase();
  if (sub === 'help' && argv.length === 2) {
    replyHelp(c, argv, DEBUG_HELP);
  } else if (sub === 'sleep' && argv.length === 3) {
    sleepSync(strtodPrefix(argv[2]!) * 1000);
    c.reply.ok();
  } else if (sub === 'set-active-expire' && argv.length === 3) {
    // atoi: anything not a number is 0.
    const n = parseInt(argv[2]!, 10);
    setActiveExpire(c.server, Number.isNaN(n) ? false : n !== 0);
    c.reply.ok();
  } else if (sub === 'object' && argv.length === 3) {
    debugObject(c, argv[2]!);
  } else if (sub === 'reload') {
    debugReload(c, argv);
  } else {
    subcommandSyntaxError(c, argv);
  }
}

export const serverCommands: CommandDef[] = [
  { name: 'info', handler: info },
  { name: 'time', handler: time },
  { name: 'shutdown', handler: shutdown },
  { name: 'slowlog|get', handler: slowlogGet },
  { name: 'slowlog|len', handler: (c) => c.reply.int(c.server.slowlog.entries.length) },
  {
    name: 'slowlog|reset',
    handler: (c) => {
      c.server.slowlog.reset();
      c.reply.ok();
    },
  },
  { name: 'slowlog|help', handler: (c, argv) => replyHelp(c, argv, SLOWLOG_HELP) },
  { name: 'memory|usage', handler: memoryUsage },
  { name: 'memory|stats', handler: memoryStats },
  { name: 'memory|doctor', handler: memoryDoctor },
  { name: 'memory|malloc-stats', handler: (c) => c.reply.verbatim('Stats not supported for the current allocator') },
  { name: 'memory|purge', handler: (c) => c.reply.ok() },
  { name: 'memory|help', handler: (c, argv) => replyHelp(c, argv, MEMORY_HELP) },
  { name: 'lolwut', handler: lolwut },
  { name: 'debug', handler: debug },
];
