import type { Server } from '../../server/server.js';
import type { Client } from '../../server/client.js';
import type { Command } from '../../commands/table.js';
import { Aof } from './aof.js';
import { loadAppendOnlyFiles } from './loader.js';
import { abortRewrite, rewriteCron, startAppendOnly, stopAppendOnly } from './rewrite.js';
import { persistenceState } from '../state.js';
import { Manifest, ManifestError } from './manifest.js';

export { AofLoadError } from './loader.js';

/**
 * The AOF's entry points: installAof registers the propagation listener and the
 * appendonly/appendfsync config handling; loadAppendOnly replays the multi-part AOF at
 * start-up (throwing AofLoadError, already logged, when the server must not start) and answers
 * false when there was none to load. Either way it then opens the files appends go to.
 */

const instances = new WeakMap<Server, Aof>();

/** The server's AOF state (INFO, BGREWRITEAOF). */
export function aofOf(server: Server): Aof | undefined {
  return instances.get(server);
}

/** A BGSAVE is running: Redis's other child process (a rewrite then waits, scheduled). */
export function bgsaveRunning(server: Server): boolean {
  return persistenceState(server).bgsave !== null;
}

/** aofState == ON and the last write or fsync failed: writes get MISCONF, as Redis's. */
function aofWriteGate(aof: Aof, c: Client, cmd: Command): string | null {
  if (aof.state === 'off' || aof.lastWriteStatus !== 'err') return null;
  const isWrite = cmd.isWrite() || (cmd.fullName === 'exec' && c.multi !== null && c.multi.some((q) => q.cmd.isWrite()));
  return isWrite || cmd.fullName === 'ping' ? `MISCONF Errors writing to the AOF file: ${aof.lastWriteError}` : null;
}

export function installAof(server: Server): void {
  const aof = new Aof(server);
  instances.set(server, aof);
  // Redis reads the manifest at start-up even with AOF off, so that turning it on later
  // continues the sequence numbers and retires the old files. A bad one matters only when
  // the AOF is loaded (loadAppendOnly reads it again and reports it).
  try {
    aof.loadManifestFromDisk();
  } catch {
    aof.manifest = new Manifest();
  }
  aof.backgroundJobActive = () => aof.rewrite.inProgress || bgsaveRunning(server);
  aof.startTimer(() => rewriteCron(aof, bgsaveRunning(server)));
  server.closeHooks.push(() => {
    abortRewrite(aof);
    aof.close();
  });
  // After the RDB's check (writeCommandsDeniedByDiskError looks at the RDB first).
  const previous = server.writeGate;
  server.writeGate = (c, cmd, argv) => (previous ? previous(c, cmd, argv) : null) ?? aofWriteGate(aof, c, cmd);
  // beforeSleep's flushAppendOnlyFile: what a batch wrote is in the file before its replies leave.
  server.beforeReplyHooks.push(() => {
    if (aof.fd !== null && (aof.bufferLength !== 0 || (aof.policy === 'always' && aof.fsyncOffset !== aof.currentSize))) aof.flush();
  });
  const config = server.config;
  config.appliers.set('appendonly', () => {
    const on = config.bool('appendonly');
    if (!on && aof.state !== 'off') stopAppendOnly(aof);
    else if (on && aof.state === 'off') {
      const inExec = [...server.clients.values()].some((c) => c.inExec);
      if (!startAppendOnly(aof, inExec, bgsaveRunning(server))) return 'Unable to turn on AOF. Check server logs.';
    }
    return null;
  });
  const chained = config.onChange;
  config.onChange = (name) => {
    chained(name);
    if (name === 'appendfsync') aof.policy = config.get('appendfsync');
  };
}

/**
 * loadAppendOnlyFiles + aofOpenIfNeededOnServerStart + aofDelHistoryFiles: called at start-up
 * when appendonly is yes.
 */
export async function loadAppendOnly(server: Server): Promise<boolean> {
  const aof = instances.get(server);
  if (aof === undefined || aof.state !== 'on') return false;
  try {
    aof.loadManifestFromDisk();
  } catch (e) {
    if (e instanceof ManifestError) server.log.warning(e.message);
    throw e;
  }
  const loaded = await loadAppendOnlyFiles(aof);
  await aof.openOnServerStart();
  return loaded;
}

/** INFO persistence's aof_ fields, as 7.0.15 prints them (the tail only while AOF is on). */
export function aofInfoFields(server: Server): { main: string[]; tail: string[] } {
  const aof = instances.get(server);
  if (aof === undefined) return { main: [], tail: [] };
  const r = aof.rewrite;
  const main = [
    `aof_enabled:${aof.state !== 'off' ? 1 : 0}`,
    `aof_rewrite_in_progress:${r.inProgress ? 1 : 0}`,
    `aof_rewrite_scheduled:${r.scheduled ? 1 : 0}`,
    `aof_last_rewrite_time_sec:${r.lastTimeSec}`,
    `aof_current_rewrite_time_sec:${r.inProgress ? Math.floor((Date.now() - r.startedAt) / 1000) : -1}`,
    `aof_last_bgrewrite_status:${r.lastStatus}`,
    `aof_rewrites:${r.count}`,
    `aof_rewrites_consecutive_failures:${r.consecutiveFailures}`,
    `aof_last_write_status:${aof.lastWriteStatus}`,
    'aof_last_cow_size:0',
  ];
  const tail =
    aof.state === 'off'
      ? []
      : [
          `aof_current_size:${aof.currentSize}`,
          `aof_base_size:${aof.baseSize}`,
          `aof_pending_rewrite:${r.scheduled ? 1 : 0}`,
          `aof_buffer_length:${aof.bufferLength}`,
          `aof_pending_bio_fsync:${aof.fsyncInProgress ? 1 : 0}`,
          `aof_delayed_fsync:${aof.delayedFsync}`,
        ];
  return { main, tail };
}
