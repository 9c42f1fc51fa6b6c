import type { CommandDef, Command } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from '../keyspace/db.js';
import { call } from './dispatch.js';
import { aclExecCheck } from '../acl/index.js';

/**
 * Transactions as Redis 7.0's multi.c: MULTI queues, EXEC runs the queue in one go (handlers are
 * synchronous, so nothing interleaves), WATCH makes EXEC fail when a watched key changed.
 */

/** Commands that run at once inside MULTI instead of being queued (processCommand's list). */
const RUN_IN_MULTI = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

/** One key a client watches. */
interface WatchedKey {
  readonly db: Db;
  readonly key: string;
  /**
   * The key was already logically expired (but still stored) when WATCHed. Its lazy or active
   * deletion then changes nothing, and EXEC does not count it as expired (7.0's wk->expired).
   */
  expired: boolean;
}

/** Whether a key is stored but past its TTL (keyIsExpired: it lives through its last millisecond). */
function storedButExpired(db: Db, key: string, now: number): boolean {
  const s = db.table.find(key);
  if (s < 0) return false;
  const e = db.table.expireAt(s);
  return e !== 0 && e < now;
}

/** Who watches what, per server: per database and key the watchers, per client its keys. */
class WatchRegistry {
  private readonly byDb = new Map<Db, Map<string, Map<Client, WatchedKey>>>();
  private readonly byClient = new Map<Client, WatchedKey[]>();
  /** Clients whose transaction saw an error while queueing (CLIENT_DIRTY_EXEC). */
  readonly dirtyExec = new Set<Client>();

  constructor(private readonly server: Server) {}

  watch(c: Client, db: Db, key: string): void {
    let mine = this.byClient.get(c);
    if (mine === undefined) this.byClient.set(c, (mine = []));
    for (const wk of mine) if (wk.db === db && wk.key === key) return;
    const wk: WatchedKey = { db, key, expired: storedButExpired(db, key, this.server.now) };
    mine.push(wk);
    let perDb = this.byDb.get(db);
    if (perDb === undefined) this.byDb.set(db, (perDb = new Map()));
    let watchers = perDb.get(key);
    if (watchers === undefined) perDb.set(key, (watchers = new Map()));
    watchers.set(c, wk);
  }

  unwatchAll(c: Client): void {
    const mine = this.byClient.get(c);
    if (mine === undefined) return;
    this.byClient.delete(c);
    for (const wk of mine) {
      const perDb = this.byDb.get(wk.db);
      const watchers = perDb?.get(wk.key);
      if (perDb === undefined || watchers === undefined) continue;
      watchers.delete(c);
      if (watchers.size === 0) perDb.delete(wk.key);
      if (perDb.size === 0) this.byDb.delete(wk.db);
    }
  }

  /**
   * touchWatchedKey. A key that was already expired when watched stays "unchanged" while it is
   * gone or still stored past its TTL: its deletion is no change, and a FLUSHDB/FLUSHALL that
   * drops it is none either (touchAllWatchedKeysInDb). Anything else makes the watcher dirty.
   */
  keyModified(db: Db, key: string): void {
    const watchers = this.byDb.get(db)?.get(key);
    if (watchers === undefined) return;
    for (const [c, wk] of watchers) {
      if (wk.expired && (db.table.find(key) < 0 || storedButExpired(db, key, this.server.now))) continue;
      c.dirtyCas = true;
      // Dirty for good: its other watches can go (as 7.0 does, to stop further work).
      this.unwatchAll(c);
    }
  }

  /**
   * SWAPDB, before its per-key keyModified calls: touchAllWatchedKeysInDb in both directions.
   * What is left to decide here is only where a key already expired is involved; plain
   * changes are marked by keyModified, which leaves a watch marked expired alone.
   */
  dbsSwapped(a: Db, b: Db): void {
    this.swapInto(a, b);
    this.swapInto(b, a);
  }

  /** Watchers of `emptied` whose keys take `replacedWith`'s contents. */
  private swapInto(emptied: Db, replacedWith: Db): void {
    const perDb = this.byDb.get(emptied);
    if (perDb === undefined) return;
    const now = this.server.now;
    for (const [key, watchers] of perDb) {
      const inEmptied = emptied.table.find(key) >= 0;
      const inReplacement = replacedWith.table.find(key) >= 0;
      if (!inEmptied && !inReplacement) continue;
      const expiredInReplacement = storedButExpired(replacedWith, key, now);
      for (const [c, wk] of watchers) {
        if (wk.expired) {
          // Gone, or still expired after the swap: no change. A live key comes in: a change.
          if (!inReplacement || expiredInReplacement) continue;
        } else if (!inEmptied && expiredInReplacement) {
          // Nothing there before, an expired key after: counts as not there, and stays so.
          wk.expired = true;
          continue;
        }
        c.dirtyCas = true;
        this.unwatchAll(c);
      }
    }
  }

  /** How many (client, key) watches are held: tests check that nothing is left behind. */
  get size(): number {
    let n = 0;
    for (const mine of this.byClient.values()) n += mine.length;
    return n;
  }

  /** isWatchedKeyExpired: a watched key that expired since WATCH fails the EXEC. */
  anyExpired(c: Client): boolean {
    const mine = this.byClient.get(c);
    if (mine === undefined) return false;
    for (const wk of mine) if (!wk.expired && storedButExpired(wk.db, wk.key, this.server.now)) return true;
    return false;
  }
}

const registries = new WeakMap<Server, WatchRegistry>();

/** The server's watch registry, made (and hooked into key changes, RESET and disconnects) on first use. */
function registryOf(server: Server): WatchRegistry {
  let reg = registries.get(server);
  if (reg !== undefined) return reg;
  const r = (reg = new WatchRegistry(server));
  registries.set(server, r);
  server.keyModifiedHooks.push((db, key) => r.keyModified(db, key));
  server.swapDbHooks.push((a, b) => r.dbsSwapped(a, b));
  server.resetClientHooks.push((c) => {
    if (c.multi !== null) discardTransaction(c);
    r.unwatchAll(c);
    c.dirtyCas = false;
  });
  server.closeClientHooks.push((c) => {
    r.unwatchAll(c);
    r.dirtyExec.delete(c);
  });
  return r;
}

/** The number of watches held on a server (for tests). */
export function watchCount(server: Server): number {
  return registries.get(server)?.size ?? 0;
}

/** Leaves MULTI: the queue, both dirty flags and every watch go. */
function discardTransaction(c: Client): void {
  const reg = registryOf(c.server);
  c.multi = null;
  c.dirtyCas = false;
  reg.dirtyExec.delete(c);
  reg.unwatchAll(c);
}

/** Whether a command is queued when the client is in MULTI (everything but the transaction controls). */
export function isQueuedInMulti(cmd: Command): boolean {
  return !RUN_IN_MULTI.has(cmd.fullName);
}

/**
 * queueMultiCommand: answers +QUEUED. A transaction already doomed (an error while queueing, a
 * watched key touched) keeps nothing, as Redis saves the memory; CLIENT LIST's multi= then stops
 * growing too.
 */
export function queueCommand(c: Client, cmd: Command, argv: string[]): void {
  const q = c.multi!;
  if (!c.dirtyCas && !registryOf(c.server).dirtyExec.has(c)) q.push({ cmd, argv });
  // processCommand set c->lastcmd at lookup: CLIENT LIST shows the queued command.
  c.lastCommand = cmd;
  c.reply.raw('+QUEUED\r\n');
}

/** flagTransaction: a command refused while queueing makes EXEC fail with EXECABORT. */
export function flagTransaction(c: Client): void {
  if (c.multi !== null) registryOf(c.server).dirtyExec.add(c);
}

/**
 * execCommandAbort: an EXEC refused by processCommand's checks (arity, ...) discards the
 * transaction and names the reason, which loses the "ERR " a plain error reply would have.
 */
export function abortExec(c: Client, msg: string): void {
  discardTransaction(c);
  c.reply.error(`EXECABORT Transaction discarded because of: ${msg.startsWith('ERR ') ? msg.slice(4) : msg}`);
}

function multi(c: Client): void {
  if (c.multi !== null) {
    c.reply.error('ERR MULTI calls can not be nested');
    return;
  }
  registryOf(c.server);
  c.multi = [];
  c.reply.ok();
}

function discard(c: Client): void {
  if (c.multi === null) {
    c.reply.error('ERR DISCARD without MULTI');
    return;
  }
  discardTransaction(c);
  c.reply.ok();
}

function exec(c: Client): void {
  const queue = c.multi;
  if (queue === null) {
    c.reply.error('ERR EXEC without MULTI');
    return;
  }
  const reg = registryOf(c.server);
  if (reg.anyExpired(c)) c.dirtyCas = true;
  if (reg.dirtyExec.has(c)) {
    c.reply.error(EXECABORT);
    discardTransaction(c);
    return;
  }
  if (c.dirtyCas) {
    c.reply.nullArray();
    discardTransaction(c);
    return;
  }
  reg.unwatchAll(c);
  // Blocking commands answer as a timeout at once (CLIENT_DENY_BLOCKING); CLIENT LIST still
  // shows the client in MULTI (flag x) while the queue runs.
  const wasInExec = c.inExec;
  const argv = c.argv;
  c.inExec = true;
  try {
    c.reply.array(queue.length);
    for (const q of queue) {
      c.argv = q.argv;
      // The ACL rules may have changed since the command was queued: Redis checks again.
      const denied = c.server.aclGate !== null ? aclExecCheck(c, q.cmd, q.argv) : null;
      if (denied !== null) c.reply.error(denied);
      else call(c, q.cmd, q.argv);
    }
  } finally {
    c.inExec = wasInExec;
    c.argv = argv;
    discardTransaction(c);
  }
}

function watch(c: Client, argv: string[]): void {
  if (c.multi !== null) {
    c.reply.error('ERR WATCH inside MULTI is not allowed');
    return;
  }
  // Already doomed: watching more changes nothing.
  if (!c.dirtyCas) {
    const reg = registryOf(c.server);
    for (let i = 1; i < argv.length; i++) reg.watch(c, c.db, argv[i]!);
  }
  c.reply.ok();
}

function unwatch(c: Client): void {
  registries.get(c.server)?.unwatchAll(c);
  c.dirtyCas = false;
  c.reply.ok();
}

export const multiCommands: CommandDef[] = [
  { name: 'multi', handler: multi },
  { name: 'exec', handler: exec },
  { name: 'discard', handler: discard },
  { name: 'watch', handler: watch },
  { name: 'unwatch', handler: unwatch },
];
