import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Server } from './server.js';
import { NODIS_VERSION } from './version.js';
import { loadingInfoLines, rdbInfoLines } from '../persistence/index.js';
import { aofInfoFields } from '../persistence/aof/index.js';
import { functionsCounts } from '../scripting/functions.js';
import { evalMemoryInfo } from '../scripting/eval.js';

/**
 * INFO, as Redis 7.0's genRedisInfoString: the same sections, field names and order. Values are
 * Nodis's own measurements; fields about machinery Nodis does not have (forks, replication
 * backlog, jemalloc, io threads) carry the value an idle standalone Redis shows for them.
 */

/** The sections a plain INFO (or "default") shows. */
const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats', 'cluster', 'keyspace'];

/** Per-server values fixed at first use: run_id, replication ids (random, as Redis's). */
const identities = new WeakMap<Server, { runId: string; replId: string }>();

function identity(server: Server): { runId: string; replId: string } {
  let id = identities.get(server);
  if (!id) {
    id = { runId: crypto.randomBytes(20).toString('hex'), replId: crypto.randomBytes(20).toString('hex') };
    identities.set(server, id);
  }
  return id;
}

/** The run id INFO shows (also for other modules that need to name this server). */
export function runId(server: Server): string {
  return identity(server).runId;
}

/** genInfoSectionDict: which sections the arguments ask for. */
export function infoSections(args: string[]): { sections: Set<string>; all: boolean; everything: boolean } {
  const sections = new Set<string>();
  let all = false;
  let everything = false;
  if (args.length === 0) {
    for (const s of DEFAULT_SECTIONS) sections.add(s);
    return { sections, all, everything };
  }
  for (const a of args) {
    const l = a.toLowerCase();
    if (l === 'default') for (const s of DEFAULT_SECTIONS) sections.add(s);
    else if (l === 'all') all = true;
    else if (l === 'everything') {
      all = true;
      everything = true;
    } else sections.add(l);
  }
  return { sections, all, everything };
}

/** bytesToHuman */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let d = n / 1024;
  for (let i = 0; i < units.length; i++) {
    if (d < 1024 || i === units.length - 1) {
      if (i === units.length - 1 && d >= 1024) return `${n}B`;
      return `${d.toFixed(2)}${units[i]}`;
    }
    d /= 1024;
  }
  return `${n}B`;
}

/** Memory figures, from the V8 heap and the process RSS; used by INFO and MEMORY STATS. */
export interface MemoryFigures {
  used: number;
  rss: number;
  peak: number;
  startup: number;
  overhead: number;
  dataset: number;
}

/**
 * used_memory_startup never counts more than Redis 7.0's own (about 0.9 MB, rounded up to 1 MB):
 * an embedded server shares its process heap with the host (a test runner holding hundreds of MB
 * of garbage from earlier work), which is not the server's memory. Eviction weighs this baseline
 * plus the dataset estimate against maxmemory.
 */
const MAX_STARTUP_MEMORY = 1024 * 1024;

/** used_memory at server creation, for used_memory_startup. */
const startupMemory = new WeakMap<Server, number>();

export function memoryFigures(server: Server): MemoryFigures {
  const m = process.memoryUsage();
  const used = m.heapUsed + m.external + m.arrayBuffers;
  if (!startupMemory.has(server)) startupMemory.set(server, used);
  if (used > server.stats.peakMemory) server.stats.peakMemory = used;
  const startup = Math.min(startupMemory.get(server)!, used, MAX_STARTUP_MEMORY);
  // Per-client overhead is a rough count of the objects every connection keeps (parser, reply buffer).
  const overhead = startup + server.clients.size * 20 * 1024;
  return { used, rss: m.rss, peak: server.stats.peakMemory, startup, overhead: Math.min(overhead, used), dataset: Math.max(0, used - Math.min(overhead, used)) };
}

function pct(a: number, b: number): string {
  return `${(b === 0 ? 0 : (a * 100) / b).toFixed(2)}%`;
}

function ratio(a: number, b: number): string {
  return (b === 0 ? 0 : a / b).toFixed(2);
}

type Lines = string[];

function serverSection(server: Server, out: Lines): void {
  const now = Date.now();
  const uptime = Math.floor((now - server.startTime) / 1000);
  const cfgHz = server.config.int('hz');
  out.push(
    `redis_version:${NODIS_VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    `redis_build_id:${crypto.createHash('sha1').update(`nodis-${process.version}`).digest('hex').slice(0, 16)}`,
    'redis_mode:standalone',
    `os:${os.type()} ${os.release()} ${os.machine()}`,
    'arch_bits:64',
    'monotonic_clock:POSIX clock_gettime',
    `multiplexing_api:${process.platform === 'linux' ? 'epoll' : process.platform === 'darwin' ? 'kqueue' : 'select'}`,
    'atomicvar_api:c11-builtin',
    'gcc_version:0.0.0',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${identity(server).runId}`,
    `tcp_port:${server.port}`,
    `server_time_usec:${now * 1000}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    `hz:${cfgHz}`,
    `configured_hz:${cfgHz}`,
    `lru_clock:${Math.floor(now / 1000) & ((1 << 24) - 1)}`,
    `executable:${process.argv[1] ? path.resolve(process.argv[1]) : process.execPath}`,
    `config_file:${server.config.configFile ?? ''}`,
    'io_threads_active:0',
  );
}

function clientsSection(server: Server, out: Lines): void {
  let normal = 0;
  let blocked = 0;
  let tracking = 0;
  let maxIn = 0;
  for (const c of server.clients.values()) {
    if (c.role !== 'replica') normal++;
    if (c.blocked) blocked++;
    if (c.tracking) tracking++;
    if (c.parser.pending > maxIn) maxIn = c.parser.pending;
  }
  out.push(
    `connected_clients:${normal}`,
    'cluster_connections:0',
    `maxclients:${server.config.int('maxclients')}`,
    `client_recent_max_input_buffer:${maxIn}`,
    'client_recent_max_output_buffer:0',
    `blocked_clients:${blocked}`,
    `tracking_clients:${tracking}`,
    `clients_in_timeout_table:${blocked}`,
  );
}

function memorySection(server: Server, out: Lines): void {
  const m = memoryFigures(server);
  const evalMem = evalMemoryInfo(server);
  const total = os.totalmem();
  const maxmemory = server.config.int('maxmemory');
  out.push(
    `used_memory:${m.used}`,
    `used_memory_human:${bytesToHuman(m.used)}`,
    `used_memory_rss:${m.rss}`,
    `used_memory_rss_human:${bytesToHuman(m.rss)}`,
    `used_memory_peak:${m.peak}`,
    `used_memory_peak_human:${bytesToHuman(m.peak)}`,
    `used_memory_peak_perc:${pct(m.used, m.peak)}`,
    `used_memory_overhead:${m.overhead}`,
    `used_memory_startup:${m.startup}`,
    `used_memory_dataset:${m.dataset}`,
    `used_memory_dataset_perc:${pct(m.dataset, m.used - m.startup)}`,
    `allocator_allocated:${m.used}`,
    `allocator_active:${m.used}`,
    `allocator_resident:${m.rss}`,
    `total_system_memory:${total}`,
    `total_system_memory_human:${bytesToHuman(total)}`,
    `used_memory_lua:${evalMem.vm}`,
    `used_memory_vm_eval:${evalMem.vm}`,
    `used_memory_lua_human:${bytesToHuman(evalMem.vm)}`,
    `used_memory_scripts_eval:${evalMem.scripts}`,
    `number_of_cached_scripts:${evalMem.count}`,
    `number_of_functions:${functionsCounts(server).functions}`,
    `number_of_libraries:${functionsCounts(server).libraries}`,
    'used_memory_vm_functions:32768',
    `used_memory_vm_total:${evalMem.vm + 32768}`,
    `used_memory_vm_total_human:${bytesToHuman(evalMem.vm + 32768)}`,
    'used_memory_functions:0',
    `used_memory_scripts:${evalMem.scripts}`,
    `used_memory_scripts_human:${bytesToHuman(evalMem.scripts)}`,
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${bytesToHuman(maxmemory)}`,
    `maxmemory_policy:${server.config.get('maxmemory-policy')}`,
    'allocator_frag_ratio:1.00',
    'allocator_frag_bytes:0',
    `allocator_rss_ratio:${ratio(m.rss, m.used)}`,
    `allocator_rss_bytes:${m.rss - m.used}`,
    'rss_overhead_ratio:1.00',
    'rss_overhead_bytes:0',
    `mem_fragmentation_ratio:${ratio(m.rss, m.used)}`,
    `mem_fragmentation_bytes:${m.rss - m.used}`,
    'mem_not_counted_for_evict:0',
    'mem_replication_backlog:0',
    'mem_total_replication_buffers:0',
    'mem_clients_slaves:0',
    `mem_clients_normal:${Math.max(0, m.overhead - m.startup)}`,
    'mem_cluster_links:0',
    'mem_aof_buffer:0',
    `mem_allocator:v8-${process.versions.v8}`,
    'active_defrag_running:0',
    'lazyfree_pending_objects:0',
    'lazyfreed_objects:0',
  );
}

function persistenceSection(server: Server, out: Lines): void {
  const aofInfo = aofInfoFields(server);
  out.push(
    ...rdbInfoLines(server),
    ...aofInfo.main,
    'module_fork_in_progress:0',
    'module_fork_last_cow_size:0',
    ...loadingInfoLines(server),
    ...aofInfo.tail,
  );
}

function statsSection(server: Server, out: Lines): void {
  const s = server.stats;
  const channels = new Set<string>();
  const patterns = new Set<string>();
  const shard = new Set<string>();
  for (const c of server.clients.values()) {
    for (const ch of c.channels) channels.add(ch);
    for (const p of c.patterns) patterns.add(p);
    for (const ch of c.shardChannels) shard.add(ch);
  }
  out.push(
    `total_connections_received:${s.totalConnections}`,
    `total_commands_processed:${s.totalCommands}`,
    `instantaneous_ops_per_sec:${s.opsPerSec}`,
    `total_net_input_bytes:${s.netInputBytes}`,
    `total_net_output_bytes:${s.netOutputBytes}`,
    'total_net_repl_input_bytes:0',
    'total_net_repl_output_bytes:0',
    `instantaneous_input_kbps:${s.inputKbps.toFixed(2)}`,
    `instantaneous_output_kbps:${s.outputKbps.toFixed(2)}`,
    'instantaneous_input_repl_kbps:0.00',
    'instantaneous_output_repl_kbps:0.00',
    `rejected_connections:${s.rejectedConnections}`,
    'sync_full:0',
    'sync_partial_ok:0',
    'sync_partial_err:0',
    `expired_keys:${s.expiredKeys}`,
    `expired_stale_perc:${s.expiredStalePerc.toFixed(2)}`,
    `expired_time_cap_reached_count:${s.expiredTimeCapReached}`,
    'expire_cycle_cpu_milliseconds:0',
    `evicted_keys:${s.evictedKeys}`,
    `evicted_clients:${s.evictedClients}`,
    'total_eviction_exceeded_time:0',
    'current_eviction_exceeded_time:0',
    `keyspace_hits:${s.keyspaceHits}`,
    `keyspace_misses:${s.keyspaceMisses}`,
    `pubsub_channels:${channels.size}`,
    `pubsub_patterns:${patterns.size}`,
    `pubsubshard_channels:${shard.size}`,
    'latest_fork_usec:0',
    'total_forks:0',
    'migrate_cached_sockets:0',
    'slave_expires_tracked_keys:0',
    'active_defrag_hits:0',
    'active_defrag_misses:0',
    'active_defrag_key_hits:0',
    'active_defrag_key_misses:0',
    'total_active_defrag_time:0',
    'current_active_defrag_time:0',
    `tracking_total_keys:${server.tracking?.totalKeys ?? 0}`,
    `tracking_total_items:${server.tracking?.items ?? 0}`,
    `tracking_total_prefixes:${server.tracking?.totalPrefixes ?? 0}`,
    'unexpected_error_replies:0',
    `total_error_replies:${s.totalErrorReplies}`,
    'dump_payload_sanitizations:0',
    `total_reads_processed:${s.readsProcessed}`,
    `total_writes_processed:${s.writesProcessed}`,
    'io_threaded_reads_processed:0',
    'io_threaded_writes_processed:0',
    'reply_buffer_shrinks:0',
    'reply_buffer_expands:0',
  );
}

function replicationSection(server: Server, out: Lines): void {
  let replicas = 0;
  for (const c of server.clients.values()) if (c.role === 'replica') replicas++;
  out.push(
    'role:master',
    `connected_slaves:${replicas}`,
    'master_failover_state:no-failover',
    `master_replid:${identity(server).replId}`,
    'master_replid2:0000000000000000000000000000000000000000',
    'master_repl_offset:0',
    'second_repl_offset:-1',
    'repl_backlog_active:0',
    `repl_backlog_size:${server.config.int('repl-backlog-size')}`,
    'repl_backlog_first_byte_offset:0',
    'repl_backlog_histlen:0',
  );
}

function cpuSection(out: Lines): void {
  const u = process.cpuUsage();
  const sys = (u.system / 1e6).toFixed(6);
  const user = (u.user / 1e6).toFixed(6);
  out.push(`used_cpu_sys:${sys}`, `used_cpu_user:${user}`, 'used_cpu_sys_children:0.000000', 'used_cpu_user_children:0.000000', `used_cpu_sys_main_thread:${sys}`, `used_cpu_user_main_thread:${user}`);
}

function commandStatsSection(server: Server, out: Lines): void {
  for (const cmd of server.commands.all()) {
    if (cmd.calls === 0 && cmd.failedCalls === 0 && cmd.rejectedCalls === 0) continue;
    const usec = Math.round(cmd.usec);
    const perCall = cmd.calls === 0 ? 0 : usec / cmd.calls;
    out.push(`cmdstat_${cmd.fullName}:calls=${cmd.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${cmd.rejectedCalls},failed_calls=${cmd.failedCalls}`);
  }
}

function errorStatsSection(server: Server, out: Lines): void {
  // Redis keeps them in a rax: sorted by code.
  for (const code of [...server.stats.errors.keys()].sort()) out.push(`errorstat_${code}:count=${server.stats.errors.get(code)}`);
}

/** avg_ttl: Redis's is an estimate kept by the expiry cycle's samples; this samples now. */
function averageTtl(server: Server, dbIndex: number): number {
  const table = server.dbs[dbIndex]!.table;
  const n = Math.min(table.expiresCount, 32);
  if (n === 0) return 0;
  const now = Date.now();
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const slot = table.randomVolatile();
    if (slot < 0) break;
    const ttl = table.expireAt(slot) - now;
    if (ttl > 0) {
      sum += ttl;
      count++;
    }
  }
  return count === 0 ? 0 : Math.floor(sum / count);
}

function keyspaceSection(server: Server, out: Lines): void {
  server.dbs.forEach((db, i) => {
    if (db.size === 0) return;
    out.push(`db${i}:keys=${db.size},expires=${db.table.expiresCount},avg_ttl=${averageTtl(server, i)}`);
  });
}

/** The INFO text for the given arguments (section names, "all", "everything", "default"). */
export function genInfoString(server: Server, args: string[]): string {
  const { sections, all } = infoSections(args);
  const want = (name: string) => all || sections.has(name);
  const parts: string[] = [];
  const add = (title: string, fill: (out: Lines) => void) => {
    const out: Lines = [`# ${title}`];
    fill(out);
    parts.push(out.join('\r\n') + '\r\n');
  };
  if (want('server')) add('Server', (o) => serverSection(server, o));
  if (want('clients')) add('Clients', (o) => clientsSection(server, o));
  if (want('memory')) add('Memory', (o) => memorySection(server, o));
  if (want('persistence')) add('Persistence', (o) => persistenceSection(server, o));
  if (want('stats')) add('Stats', (o) => statsSection(server, o));
  if (want('replication')) add('Replication', (o) => replicationSection(server, o));
  if (want('cpu')) add('CPU', (o) => cpuSection(o));
  if (want('module_list') || sections.has('modules')) add('Modules', () => {});
  if (want('commandstats')) add('Commandstats', (o) => commandStatsSection(server, o));
  if (want('errorstats')) add('Errorstats', (o) => errorStatsSection(server, o));
  // Per-command latency histograms are not kept: the section is there, without lines.
  if (want('latencystats')) add('Latencystats', () => {});
  if (want('cluster')) add('Cluster', (o) => o.push('cluster_enabled:0'));
  if (want('keyspace')) add('Keyspace', (o) => keyspaceSection(server, o));
  return parts.join('\r\n');
}
