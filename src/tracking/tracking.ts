import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Command } from '../commands/table.js';
import { keyPositions } from '../commands/table.js';

/**
 * Server-assisted client-side caching, as Redis 7.0's tracking.c.
 *
 * Default mode: the keys a tracking client reads (readonly commands) go into one invalidation
 * table, key -> ids of the clients that may cache it. Keys are global across databases, as in
 * Redis. The first change to such a key sends each of those clients one invalidation and forgets
 * the key. Ids are dropped lazily, as Redis does: a client that disconnects or turns tracking off
 * keeps its entries until the key changes (INFO's tracking_total_items counts them too).
 *
 * BCAST mode: clients subscribe to prefixes; every changed key that matches a prefix is collected
 * and sent, per prefix, once the current batch of commands is done (Redis's beforeSleep).
 */

/** What CLIENT TRACKING ON asks for besides ON. */
export interface TrackingOptions {
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
}

/** One tracking client's mode (the CLIENT_TRACKING_* flags). */
export interface ClientTrackingState extends TrackingOptions {
  /** CLIENT CACHING was given for the next command (YES under OPTIN, NO under OPTOUT). */
  caching: boolean;
  /** An invalidation found the redirect client gone (TRACKINGINFO's broken_redirect). */
  brokenRedirect: boolean;
  /** BCAST prefixes, kept sorted byte-wise as Redis's radix tree lists them. */
  prefixes: string[];
}

/** Keys changed since the last broadcast under one prefix, and who listens to it. */
interface BcastState {
  /** Changed key -> the client that changed it last (null: no client, e.g. active expiry). */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

const PUSH_INVALIDATE = '>2\r\n$10\r\ninvalidate\r\n';
/** A RESP2 redirect target gets the keys as a pub/sub message on this channel. */
const PUBSUB_INVALIDATE = '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n';

function keyArray(keys: readonly string[]): string {
  let s = '*' + keys.length + '\r\n';
  for (const k of keys) s += '$' + k.length + '\r\n' + k + '\r\n';
  return s;
}

/** The RESP null that stands for "every key" after a flush, in the tracking client's protocol. */
function nullFor(c: Client): string {
  return c.connReply.resp === 3 ? '_\r\n' : '$-1\r\n';
}

/** Redis's CLIENT_PUBSUB flag: some subscription is left. */
function subscribed(c: Client): boolean {
  return c.channels.size + c.patterns.size + c.shardChannels.size > 0;
}

/** Byte-wise order (binary strings hold one byte per char). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class Tracking {
  private readonly states = new Map<Client, ClientTrackingState>();
  /** key -> ids of the clients that may have it cached. */
  private readonly table = new Map<string, Set<number>>();
  /** Ids across the whole table (INFO tracking_total_items). */
  private totalItems = 0;
  private readonly prefixTable = new Map<string, BcastState>();
  /** The client whose command runs now (Redis's server.current_client), for NOLOOP. */
  private current: Client | null = null;
  /** The current client is inside its command: its own invalidations wait for the reply. */
  private executing = false;
  /** Invalidations for the running client, sent after its reply (null: a flush). */
  private pending: (string | null)[] = [];
  private readonly toFlush = new Set<Client>();
  private drainQueued = false;
  private bcastPending = false;
  /** trackingLimitUsedSlots's effort grows while the table stays over its limit. */
  private limitRounds = 0;

  constructor(readonly server: Server) {
    server.keyModifiedHooks.push((_db, key, wholeDb) => {
      // FLUSH and SWAPDB tell WATCH of every key; tracking has its own flush message instead.
      if (wholeDb !== true) this.invalidateKey(key, true);
    });
    server.resetClientHooks.push((c) => this.disable(c));
  }

  /** Number of clients with tracking on (INFO tracking_clients). */
  get clients(): number {
    return this.states.size;
  }

  get totalKeys(): number {
    return this.table.size;
  }

  get totalPrefixes(): number {
    return this.prefixTable.size;
  }

  get items(): number {
    return this.totalItems;
  }

  stateOf(c: Client): ClientTrackingState | undefined {
    return this.states.get(c);
  }

  /** enableTracking: (re)enables with new options; prefixes are added to those already held. */
  enable(c: Client, redirect: number, opts: TrackingOptions, prefixes: readonly string[]): void {
    let st = this.states.get(c);
    if (st === undefined) {
      st = { bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedirect: false, prefixes: [] };
      this.states.set(c, st);
    }
    c.tracking = true;
    c.trackingRedirect = redirect;
    st.brokenRedirect = false;
    st.optin = opts.optin;
    st.optout = opts.optout;
    st.noloop = opts.noloop;
    st.bcast = opts.bcast;
    if (opts.bcast) {
      if (prefixes.length === 0) this.addPrefix(c, st, '');
      for (const p of prefixes) this.addPrefix(c, st, p);
    }
  }

  private addPrefix(c: Client, st: ClientTrackingState, prefix: string): void {
    let bs = this.prefixTable.get(prefix);
    if (bs === undefined) {
      bs = { keys: new Map(), clients: new Set() };
      this.prefixTable.set(prefix, bs);
    }
    if (bs.clients.has(c)) return;
    bs.clients.add(c);
    st.prefixes.push(prefix);
    st.prefixes.sort(byteOrder);
  }

  /** disableTracking (CLIENT TRACKING OFF, RESET, disconnect). */
  disable(c: Client): void {
    const st = this.states.get(c);
    if (st === undefined) return;
    for (const p of st.prefixes) {
      const bs = this.prefixTable.get(p);
      if (bs === undefined) continue;
      bs.clients.delete(c);
      if (bs.clients.size === 0) this.prefixTable.delete(p);
    }
    this.states.delete(c);
    c.tracking = false;
  }

  /** Whether the running command's keys are remembered under OPTIN/OPTOUT and CLIENT CACHING. */
  private cachingAllows(st: ClientTrackingState): boolean {
    return !((st.optin && !st.caching) || (st.optout && st.caching));
  }

  /** trackingRememberKeys: after a readonly command of a tracking client not in BCAST mode. */
  rememberKeys(c: Client, cmd: Command, argv: readonly string[]): void {
    const st = this.states.get(c);
    if (st === undefined || st.bcast || !this.cachingAllows(st)) return;
    if (cmd.flags.has('pubsub')) return;
    for (const pos of keyPositions(cmd, argv)) {
      const key = argv[pos];
      if (key === undefined) continue;
      let ids = this.table.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.table.set(key, ids);
      }
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
  }

  /**
   * A command is about to run (processCommand): it becomes the current client, and the table is
   * brought back under tracking-table-max-keys first. Returns the previous current client.
   */
  enter(c: Client): Client | null {
    const prev = this.current;
    this.current = c;
    this.executing = false;
    if (this.states.size > 0) this.limitUsedSlots();
    this.executing = true;
    return prev;
  }

  /**
   * The command is done (resetClient/afterCommand): the client's own invalidations follow its
   * reply, and CLIENT CACHING's one-command effect ends unless a MULTI is open or the command
   * was CLIENT itself.
   */
  leave(c: Client, argv: readonly string[], prev: Client | null): void {
    this.executing = false;
    if (this.pending.length > 0) {
      const list = this.pending;
      this.pending = [];
      for (const k of list) this.sendMessage(c, k === null ? nullFor(c) : keyArray([k]));
    }
    this.current = prev;
    this.executing = prev !== null;
    const st = this.states.get(c);
    if (st !== undefined && st.caching && c.multi === null) {
      const cmd = this.server.commands.lookup(argv as string[]);
      if (cmd === undefined || cmd.parent === null || cmd.parent.fullName !== 'client') st.caching = false;
    }
  }

  /** trackingInvalidateKey: the key changed; `bcast` also queues it for BCAST clients. */
  invalidateKey(key: string, bcast: boolean): void {
    if (bcast && this.prefixTable.size > 0) this.rememberForBroadcast(key);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    this.table.delete(key);
    this.totalItems -= ids.size;
    for (const id of ids) {
      const target = this.server.clients.get(id);
      if (target === undefined || target.closed) continue;
      const st = this.states.get(target);
      // A client that switched to BCAST since reading the key gets no stale default-mode message.
      if (st === undefined || st.bcast) continue;
      if (st.noloop && target === this.current) continue;
      if (target === this.current && this.executing) this.pending.push(key);
      else this.sendMessage(target, keyArray([key]));
    }
  }

  private rememberForBroadcast(key: string): void {
    for (const [prefix, bs] of this.prefixTable) {
      if (!key.startsWith(prefix)) continue;
      // Re-inserting moves nothing in a Map but records the latest writer, as raxInsert does.
      bs.keys.set(key, this.current);
      this.bcastPending = true;
    }
    if (this.bcastPending) this.scheduleDrain();
  }

  /** trackingInvalidateKeysOnFlush: every tracking client hears "all keys" (a RESP null). */
  invalidateOnFlush(): void {
    for (const [c] of this.states) {
      if (c === this.current && this.executing) this.pending.push(null);
      else this.sendMessage(c, nullFor(c));
    }
    this.table.clear();
    this.totalItems = 0;
  }

  /**
   * sendTrackingMessage: `payload` is the RESP value after "invalidate" (a key array or a null).
   * It goes to the redirect client when there is one: a push in RESP3, a pub/sub message in
   * RESP2 if that client is subscribed (to anything, as Redis checks CLIENT_PUBSUB).
   */
  private sendMessage(c: Client, payload: string): void {
    let target = c;
    let redirected = false;
    if (c.trackingRedirect !== 0) {
      const r = this.server.clients.get(c.trackingRedirect);
      if (r === undefined || r.closed) {
        const st = this.states.get(c);
        if (st !== undefined) st.brokenRedirect = true;
        if (c.connReply.resp === 3) {
          c.connReply.raw(`>2\r\n$21\r\ntracking-redir-broken\r\n:${c.trackingRedirect}\r\n`);
          this.written(c);
        }
        return;
      }
      target = r;
      redirected = true;
    }
    const out = target.connReply;
    if (out.resp === 3) out.raw(PUSH_INVALIDATE);
    else if (redirected && subscribed(target)) out.raw(PUBSUB_INVALIDATE);
    else return;
    out.raw(payload);
    this.written(target);
  }

  /** The bytes leave once the current batch of commands is done. */
  private written(c: Client): void {
    this.toFlush.add(c);
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.drainQueued = false;
    if (this.bcastPending) this.broadcast();
    const list = [...this.toFlush];
    this.toFlush.clear();
    for (const c of list) if (!c.closed) this.server.flush(c);
  }

  /** trackingBroadcastInvalidationMessages: one message per prefix with its changed keys. */
  private broadcast(): void {
    this.bcastPending = false;
    const prefixes = [...this.prefixTable.keys()].sort(byteOrder);
    for (const p of prefixes) {
      const bs = this.prefixTable.get(p)!;
      if (bs.keys.size === 0) continue;
      const keys = [...bs.keys.keys()].sort(byteOrder);
      const all = keyArray(keys);
      for (const c of bs.clients) {
        if (c.closed) continue;
        if (this.states.get(c)?.noloop === true) {
          const own = keys.filter((k) => bs.keys.get(k) !== c);
          if (own.length > 0) this.sendMessage(c, keyArray(own));
        } else {
          this.sendMessage(c, all);
        }
      }
      bs.keys = new Map();
    }
  }

  /**
   * trackingLimitUsedSlots: past tracking-table-max-keys, keys are forgotten (their clients told
   * as if the keys changed). Redis picks them by a random walk; the oldest entries go first here.
   */
  private limitUsedSlots(): void {
    const max = this.server.config.int('tracking-table-max-keys');
    if (max === 0 || this.table.size <= max) {
      this.limitRounds = 0;
      return;
    }
    let effort = 100 * (this.limitRounds + 1);
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateKey(key, false);
      if (this.table.size <= max) {
        this.limitRounds = 0;
        return;
      }
    }
    this.limitRounds++;
  }
}

/** The server's tracking state, made (and its hooks registered) when a client first enables tracking. */
export function trackingOf(server: Server): Tracking {
  server.tracking ??= new Tracking(server);
  return server.tracking;
}
