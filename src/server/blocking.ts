import type { Client, BlockedState } from './client.js';
import type { Db } from '../keyspace/db.js';
import type { Command } from '../commands/table.js';

export type { BlockedState };

/** The longest delay setTimeout takes (2^31 - 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK, ...). A handler that has nothing to
 * serve calls block(); the client then runs no further commands until it is unblocked. When a
 * write signals a key as ready, the blocked clients on it are served first-come first-served by
 * running their command again (as Redis 7.2 does): a handler that still finds nothing calls
 * block() again and keeps its place in the queue.
 */
export class BlockingManager {
  /** Per database, per key: the clients waiting, oldest first. */
  private readonly waiting = new Map<Db, Map<string, Client[]>>();
  private readonly ready: [Db, string][] = [];
  private readonly readySet = new Map<Db, Set<string>>();
  /** Re-runs a command for a blocked client (wired to dispatch's call()). */
  rerun: (c: Client, cmd: Command, argv: string[]) => void = () => {};
  /**
   * The ready key a re-run is serving. Redis 7.0 serves a client from the key that became
   * ready (serveClientsBlockedOnListKey), not from the first of its keys that has data.
   */
  servingKey: string | null = null;
  /** Called when a client is unblocked, to flush its reply and go on with its pipelined input. */
  resume: (c: Client) => void = () => {};
  count = 0;

  /** Whether a command may block: not inside MULTI/EXEC or a script, where Redis times out at once. */
  canBlock(c: Client): boolean {
    return !c.inExec && !c.inScript;
  }

  /**
   * Blocks the client on keys. `timeoutMs` 0 waits forever. While re-running a served command,
   * a client that is still blocked keeps its place: nothing changes.
   */
  block(c: Client, cmd: Command, argv: string[], keys: string[], timeoutMs: number, onTimeout: (c: Client) => void): void {
    if (c.blocked) {
      this.stillBlocked = true;
      return;
    }
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    const state: BlockedState = { db: c.db, keys: [...new Set(keys)], cmd, argv, deadline, timer: null, onTimeout };
    let perDb = this.waiting.get(c.db);
    if (!perDb) this.waiting.set(c.db, (perDb = new Map()));
    for (const k of state.keys) {
      let q = perDb.get(k);
      if (!q) perDb.set(k, (q = []));
      q.push(c);
    }
    c.blocked = state;
    if (deadline > 0) this.armTimer(c, state);
    this.count++;
  }

  /** A key may now serve blocked clients (something was pushed, added, created). */
  signal(db: Db, key: string): void {
    const perDb = this.waiting.get(db);
    if (!perDb || !perDb.has(key)) return;
    let s = this.readySet.get(db);
    if (!s) this.readySet.set(db, (s = new Set()));
    if (s.has(key)) return;
    s.add(key);
    this.ready.push([db, key]);
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** Serves clients blocked on ready keys, after the command (or EXEC) that readied them. */
  serveReady(): void {
    while (this.ready.length > 0) {
      const [db, key] = this.ready.shift()!;
      this.readySet.get(db)?.delete(key);
      const q = this.waiting.get(db)?.get(key);
      if (!q) continue;
      for (const c of [...q]) {
        const st = c.blocked;
        if (!st || c.closed) continue;
        this.stillBlocked = false;
        this.servingKey = key;
        try {
          this.rerun(c, st.cmd, st.argv);
        } finally {
          this.servingKey = null;
        }
        // A handler that still has nothing to serve called block() again and keeps its place.
        if (this.stillBlocked) continue;
        this.unblock(c);
        this.resume(c);
        if (!this.waiting.get(db)?.get(key)) break;
      }
    }
  }

  /** Set when a re-run handler blocks again instead of replying. */
  private stillBlocked = false;

  /** Whether the client is being re-run for a ready key (a handler's second chance). */
  isRerun(c: Client): boolean {
    return c.blocked !== null;
  }

  /** setTimeout holds at most ~24.8 days: a longer wait re-arms when that fires. */
  private armTimer(c: Client, st: BlockedState): void {
    const wait = Math.max(0, Math.min(st.deadline - Date.now(), MAX_TIMER_MS));
    st.timer = setTimeout(() => this.timeout(c), wait);
  }

  private timeout(c: Client): void {
    const st = c.blocked;
    if (!st) return;
    st.timer = null;
    if (Date.now() < st.deadline) {
      this.armTimer(c, st);
      return;
    }
    this.unblock(c);
    st.onTimeout(c);
    this.resume(c);
  }

  /** CLIENT UNBLOCK: TIMEOUT answers as a timeout would, ERROR with Redis's UNBLOCKED error. */
  unblockBy(c: Client, how: 'timeout' | 'error'): boolean {
    const st = c.blocked;
    if (!st) return false;
    this.unblock(c);
    if (how === 'timeout') st.onTimeout(c);
    else c.reply.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    this.resume(c);
    return true;
  }

  /** Takes a client out of every queue (served, timed out, or disconnected). */
  unblock(c: Client): void {
    const st = c.blocked;
    if (!st) return;
    if (st.timer) clearTimeout(st.timer);
    const perDb = this.waiting.get(st.db);
    if (perDb) {
      for (const k of st.keys) {
        const q = perDb.get(k);
        if (!q) continue;
        const i = q.indexOf(c);
        if (i >= 0) q.splice(i, 1);
        if (q.length === 0) perDb.delete(k);
      }
      if (perDb.size === 0) this.waiting.delete(st.db);
    }
    c.blocked = null;
    this.count--;
  }

  /** Databases swapped (SWAPDB) or flushed: waiters follow the Db objects, nothing to do but re-check. */
  signalAll(db: Db): void {
    const perDb = this.waiting.get(db);
    if (!perDb) return;
    for (const k of perDb.keys()) this.signal(db, k);
  }
}
