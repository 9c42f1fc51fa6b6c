import net from 'node:net';
import { Config } from './config.js';
import { Logger, type LogLevel } from './log.js';
import { Client } from './client.js';
import { Db, type KeyspaceEvents } from '../keyspace/db.js';
import { CommandTable } from '../commands/table.js';
import { ALL_COMMANDS } from '../commands/index.js';
import { execute } from '../commands/dispatch.js';
import { ProtocolError } from '../protocol/parser.js';
import { activeExpireCycle } from '../keyspace/expire.js';
import { Stats } from './stats.js';
import { SlowLog } from './slowlog.js';
import { NOTIFY } from '../keyspace/notify.js';
import { BlockingManager } from './blocking.js';
import { call } from '../commands/dispatch.js';
import type { Tracking } from '../tracking/tracking.js';
import { enforceOutputLimit } from './output-limit.js';
import { Propagation } from './propagate.js';
import { installModules } from './modules.js';
import type { Command } from '../commands/table.js';

/**
 * A check that may refuse a command before it runs (ACL, MISCONF, BUSY script): answers the
 * error text, or null to let it through. Filled by the module that owns it.
 */
export type CommandGate = (c: Client, cmd: Command, argv: string[]) => string | null;

export { NODIS_VERSION } from './version.js';

/** Pause reading from a client while this much of its output is still unsent. */
const OUTPUT_HIGH_WATER = 16 * 1024 * 1024;

/**
 * Commands that are not flagged "write" but may still replicate (CMD_MAY_REPLICATE in Redis 7.0's
 * command table, which COMMAND INFO does not show): a CLIENT PAUSE WRITE holds them too.
 */
const MAY_REPLICATE = new Set(['eval', 'evalsha', 'fcall', 'publish', 'spublish', 'pfcount', 'script|load', 'script|flush', 'function|restore']);

let sharedCommandTable: CommandTable | null = null;

/**
 * One buffer that every connection's reads land in. net.Socket has a mode (its `onread` option,
 * public for sockets it connects, not for those a server accepts) in which the handle reads into
 * a given buffer and calls back with the byte count, skipping the Readable stream: no Buffer
 * object per read, no 'data' event, no stream bookkeeping. That cut the server's CPU per request
 * by about 20% at -P 1 (bench/README.md). The callback runs each read to completion before the
 * next read starts, so one buffer serves all connections; the parser copies out what it keeps.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/** Node's internal symbols behind the onread mode, looked up on the first socket; null if absent. */
let onreadSymbols: { buffer: symbol; callback: symbol; gen: symbol } | null | undefined;

/**
 * Puts an accepted socket in the onread mode reading into READ_BUFFER; false when this Node does
 * not have it (then the caller listens for 'data' as usual). The callback's false return stops
 * reading, as a paused stream does; pause() and resume() keep working in this mode.
 */
function readIntoSharedBuffer(sock: net.Socket, onRead: (nread: number, buf: Buffer) => void): boolean {
  if (onreadSymbols === undefined) {
    const syms = new Map<string | undefined, symbol>();
    for (const s of Object.getOwnPropertySymbols(sock)) syms.set(s.description, s);
    const buffer = syms.get('kBuffer');
    const callback = syms.get('kBufferCb');
    const gen = syms.get('kBufferGen');
    onreadSymbols = buffer && callback && gen ? { buffer, callback, gen } : null;
  }
  const handle = (sock as unknown as { _handle: { useUserBuffer?: (b: Buffer) => void } | null })._handle;
  if (onreadSymbols === null || handle === null || typeof handle.useUserBuffer !== 'function') return false;
  const s = sock as unknown as Record<symbol, unknown>;
  // Fresh sockets have all three set to null; anything else means the internals changed.
  if (s[onreadSymbols.buffer] !== null || s[onreadSymbols.callback] !== null || s[onreadSymbols.gen] !== null) return false;
  s[onreadSymbols.buffer] = READ_BUFFER;
  s[onreadSymbols.callback] = (nread: number, buf: Buffer): boolean => {
    onRead(nread, buf);
    return true;
  };
  handle.useUserBuffer(READ_BUFFER);
  return true;
}

/** The server: configuration, databases, clients, the listener and the periodic cron. */
export class Server implements KeyspaceEvents {
  /**
   * Time snapshot of the command being executed (ms since the epoch, as Date.now()). Read once
   * per batch of input, before its commands run: every command in it was sent before that
   * moment, so no client can have seen a later time. A batch that runs for a millisecond or more
   * reads it again (execute()).
   */
  now = Date.now();
  /** performance.now() when `now` was read. */
  nowPerf = performance.now();
  /**
   * performance.now() at the end of the last command (or the start of the batch): the start of
   * the next command's timing, so that a command costs one clock reading, not two.
   */
  perfTick = this.nowPerf;
  readonly config: Config;
  readonly log: Logger;
  dbs: Db[];
  readonly commands: CommandTable;
  readonly clients = new Map<number, Client>();
  readonly stats = new Stats();
  readonly slowlog = new SlowLog();
  readonly startTime = Date.now();
  /** Changes since the last save (INFO rdb_changes_since_last_save). */
  dirty = 0;
  lastSave = Math.floor(Date.now() / 1000);
  private nextClientId = 1;
  private listeners: net.Server[] = [];
  private cronTimer: NodeJS.Timeout | null = null;
  /** Round-robin position of the active expiry cycle across databases. */
  expireDbCursor = 0;
  /** Called for SHUTDOWN; the embedding decides what "exit" means. */
  onShutdown: () => void = () => {};
  /** Saves the dataset synchronously (SHUTDOWN SAVE); filled by the persistence module, throws on failure. */
  saveHook: (() => void) | null = null;
  /** Periodic work of other modules (save points, scheduled BGSAVE), run by serverCron. */
  readonly cronHooks: (() => void)[] = [];
  /** FLUSHALL's side effects in other modules (a running BGSAVE dropped, save points honoured). */
  readonly flushAllHooks: (() => void)[] = [];
  /** Keys changed: used by WATCH and client tracking, which register here as they come. */
  readonly keyModifiedHooks: ((db: Db, key: string, wholeDb?: boolean) => void)[] = [];
  /** Client-side caching (CLIENT TRACKING): made when a client first turns it on. */
  tracking: Tracking | null = null;
  /**
   * SWAPDB about to exchange two databases' contents (before the per-key keyModified calls):
   * WATCH needs both sides at once to treat keys already expired as 7.0 does.
   */
  readonly swapDbHooks: ((a: Db, b: Db) => void)[] = [];
  /** Per-client state other modules keep (MULTI, subscriptions) is cleared by these on RESET. */
  readonly resetClientHooks: ((c: Client) => void)[] = [];
  /** Per-client state other modules keep (subscriptions, MONITOR) is dropped by these on disconnect. */
  readonly closeClientHooks: ((c: Client) => void)[] = [];
  shuttingDown = false;
  /** slowlog-log-slower-than, cached: dispatch reads it on every command. */
  slowlogThreshold: number;
  /** maxmemory in bytes (0: no limit), kept here since every command checks it. */
  maxmemory: number;
  /** client-query-buffer-limit, checked after every read. */
  queryBufferLimit: number;
  /** Write effects for the AOF and replicas (see propagate.ts). */
  readonly propagation = new Propagation();
  /**
   * Checks of processCommand, in Redis's order, each null until its module sets it:
   * ACL permissions (after auth), writes refused after a failed save (MISCONF, after maxmemory),
   * a script running too long (BUSY, before MULTI queueing).
   */
  aclGate: CommandGate | null = null;
  writeGate: CommandGate | null = null;
  busyGate: CommandGate | null = null;
  /**
   * Run before a client's replies are written (beforeSleep): the AOF writes, and under
   * appendfsync always fsyncs, what the batch changed before anyone hears of it.
   */
  readonly beforeReplyHooks: (() => void)[] = [];
  /** Run when the server closes (SHUTDOWN, close()): the AOF writes, fsyncs and closes its file. */
  readonly closeHooks: (() => void)[] = [];
  /** Loading a dataset at start-up: commands without the "loading" flag get LOADING. */
  loading = false;
  /** Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK, ...). */
  readonly blocking = new BlockingManager();
  /**
   * CLIENT PAUSE: which commands wait ('write' ones or 'all') and until when (ms since the
   * epoch); null when clients are not paused.
   */
  pause: { type: 'write' | 'all'; end: number } | null = null;
  private pauseTimer: NodeJS.Timeout | null = null;
  /** Clients holding a command back until the pause ends, in the order they stopped. */
  private readonly postponedClients = new Set<Client>();

  constructor(config: Config, log?: Logger) {
    this.config = config;
    this.log = log ?? new Logger(config.get('logfile'));
    this.log.level = config.get('loglevel') as LogLevel;
    const n = config.int('databases');
    this.dbs = [];
    for (let i = 0; i < n; i++) this.dbs.push(new Db(i, this));
    sharedCommandTable ??= new CommandTable(ALL_COMMANDS);
    this.commands = sharedCommandTable;
    this.slowlogThreshold = config.int('slowlog-log-slower-than');
    this.maxmemory = config.int('maxmemory');
    this.queryBufferLimit = config.int('client-query-buffer-limit');
    const chained = config.onChange;
    config.onChange = (name) => {
      chained(name);
      if (name === 'slowlog-log-slower-than') this.slowlogThreshold = config.int(name);
      if (name === 'maxmemory') this.maxmemory = config.int(name);
      if (name === 'client-query-buffer-limit') this.queryBufferLimit = config.int(name);
    };
    this.blocking.rerun = (c, cmd, argv) => {
      this.readClock();
      call(c, cmd, argv, true);
      this.propagation.flush();
    };
    this.blocking.resume = (c) => {
      this.flush(c);
      // The client may have pipelined more commands behind the blocking one.
      if (!c.closed && !c.blocked) {
        this.processInput(c);
        this.flush(c);
      }
    };
    // Any change to a key may serve clients blocked on it; signal() is a no-op for unwatched keys.
    this.keyModifiedHooks.push((db, key) => this.blocking.signal(db, key));
    installModules(this);
  }

  /** Reads the clock: `now`, and the start of the next command's timing. */
  readClock(): void {
    this.now = Date.now();
    this.perfTick = this.nowPerf = performance.now();
  }

  /** As Redis's authRequired(): the ACL module answers from the default user's nopass/off flags. */
  authRequiredHook: (() => boolean) | null = null;

  authRequired(): boolean {
    return this.authRequiredHook !== null ? this.authRequiredHook() : this.config.get('requirepass') !== '';
  }

  /** `wholeDb`: FLUSH/SWAPDB telling WATCH of each key (client tracking sends one flush message instead). */
  keyModified(db: Db, key: string, wholeDb = false): void {
    for (const h of this.keyModifiedHooks) h(db, key, wholeDb);
  }

  keyExpired(db: Db, key: string): void {
    this.stats.expiredKeys++;
    // propagateDeletion: replicas and the AOF delete it too (UNLINK under lazyfree-lazy-expire).
    if (this.propagation.active) this.propagation.also(db.id, [this.config.get('lazyfree-lazy-expire') === 'yes' ? 'UNLINK' : 'DEL', key]);
    this.notify(NOTIFY.expired, 'expired', key, db.id);
    this.keyModified(db, key);
  }

  /** Handlers that publish keyspace notifications (pub/sub registers one). */
  readonly notifyHooks: ((type: number, event: string, key: string, dbid: number) => void)[] = [];

  /** notifyKeyspaceEvent: every command calls this for each event it causes. */
  notify(type: number, event: string, key: string, dbid: number): void {
    for (const h of this.notifyHooks) h(type, event, key, dbid);
  }

  /** Ports actually bound (useful with --port 0). */
  get port(): number {
    const a = this.listeners[0]?.address();
    return a && typeof a === 'object' ? a.port : this.config.int('port');
  }

  async listen(): Promise<void> {
    const port = this.config.int('port');
    const binds = this.config.get('bind').split(' ').filter((b) => b !== '');
    const addrs = binds.length ? binds : ['127.0.0.1'];
    let boundPort = port;
    for (const raw of addrs) {
      const optional = raw.startsWith('-');
      let host = optional ? raw.slice(1) : raw;
      if (host === '*') host = '0.0.0.0';
      const srv = net.createServer({ noDelay: true }, (sock) => this.accept(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen({ port: boundPort, host, backlog: this.config.int('tcp-backlog') }, () => {
            srv.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        if (optional) continue;
        for (const l of this.listeners) l.close();
        throw e;
      }
      const a = srv.address();
      if (a && typeof a === 'object') boundPort = a.port;
      this.listeners.push(srv);
    }
    this.startCron();
  }

  private startCron(): void {
    const hz = Math.max(1, Math.min(500, this.config.int('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref();
  }

  /** Restarts the cron after `hz` changes. */
  restartCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    if (this.listeners.length) this.startCron();
  }

  /** serverCron: expire keys actively, sample ops/sec, drop idle clients. */
  cron(): void {
    this.readClock();
    // While clients are paused, or a timed-out script yields to the event loop (busyGate set),
    // the dataset stays still: Redis expires nothing then.
    if (!this.isPaused() && this.busyGate === null) {
      activeExpireCycle(this, this.config.int('hz'));
      this.propagation.flush(false);
    }
    this.stats.sample(this.now);
    for (const h of this.cronHooks) h();
    const timeout = this.config.int('timeout');
    if (timeout > 0) {
      for (const c of this.clients.values()) {
        // As Redis's clientsCronHandleTimeout: blocked (or paused) clients wait on their own terms.
        if (c.blocked === null && c.postponed === null && this.now - c.lastInteraction > timeout * 1000) this.closeClient(c);
      }
    }
  }

  accept(sock: net.Socket): void {
    if (this.clients.size >= this.config.int('maxclients')) {
      this.stats.rejectedConnections++;
      sock.end('-ERR max number of clients reached\r\n');
      return;
    }
    sock.setNoDelay(true);
    const ka = this.config.int('tcp-keepalive');
    if (ka > 0) sock.setKeepAlive(true, ka * 1000);
    const c = new Client(this.nextClientId++, this, sock);
    this.clients.set(c.id, c);
    this.stats.totalConnections++;
    if (!readIntoSharedBuffer(sock, (nread, buf) => this.onData(c, buf.subarray(0, nread)))) {
      sock.on('data', (chunk: Buffer) => this.onData(c, chunk));
    }
    sock.on('drain', () => {
      if (!c.closed) sock.resume();
    });
    sock.on('error', () => this.closeClient(c));
    sock.on('close', () => this.closeClient(c));
  }

  /** Runs the commands of one read, in order, and writes their replies in one go. */
  onData(c: Client, chunk: Buffer): void {
    if (c.closed || c.closeAfterReply) return;
    this.stats.netInputBytes += chunk.length;
    this.stats.readsProcessed++;
    this.readClock();
    c.lastInteraction = this.now;
    c.parser.push(chunk);
    this.processInput(c, false);
    // What the commands left unread (a partial frame, the input of a blocked client) is copied
    // out of the read buffer, which the next read overwrites.
    c.parser.detach();
    if (c.parser.pending > this.queryBufferLimit) {
      this.log.warning(`Closing client that reached max query buffer length: id=${c.id} addr=${c.addr}`);
      this.closeClient(c);
      return;
    }
    this.flush(c);
  }

  /**
   * Runs the client's parsed commands in order until its input is used up, or until a command
   * must wait for a CLIENT PAUSE to end: that command is kept in `c.postponed` and the rest stays
   * in the parser, so nothing is reordered. `readClock` false: the caller has just read it.
   */
  processInput(c: Client, readClock = true): void {
    if (readClock) this.readClock();
    try {
      while (!c.closeAfterReply && !c.closed && c.blocked === null && !c.scriptPending) {
        let argv = c.postponed;
        c.postponed = null;
        if (argv === null) argv = c.parser.next();
        if (argv === null) break;
        if (this.mustPostpone(c, argv)) {
          c.postponed = argv;
          this.postponedClients.add(c);
          break;
        }
        const tracking = this.tracking;
        const prevCurrent = tracking ? tracking.enter(c) : null;
        execute(c, argv);
        tracking?.leave(c, argv, prevCurrent);
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.log.verbose(`Protocol error (${e.message}) from client: id=${c.id} addr=${c.addr}`);
      c.reply.error('ERR ' + e.message);
      c.closeAfterReply = true;
    }
  }

  /** Whether clients are paused now (a pause whose time is up ends here). */
  isPaused(): boolean {
    if (this.pause !== null && Date.now() >= this.pause.end) this.unpauseClients();
    return this.pause !== null;
  }

  /**
   * Whether a command must wait for the pause to end. As in Redis's processCommand, commands that
   * fail their checks (unknown, arity, auth) answer at once, QUIT is never held, replicas are
   * never paused, and a WRITE pause holds commands that write or may replicate.
   */
  private mustPostpone(c: Client, argv: string[]): boolean {
    if (this.pause === null || !this.isPaused() || c.role === 'replica' || c.role === 'monitor') return false;
    const cmd = this.commands.lookup(argv);
    if (cmd === undefined || cmd.fullName === 'quit') return false;
    const argc = argv.length;
    if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) return false;
    if (!c.authenticated && !cmd.flags.has('no_auth')) return false;
    if (this.pause!.type === 'all') return true;
    if (cmd.isWrite() || MAY_REPLICATE.has(cmd.fullName)) return true;
    return cmd.fullName === 'exec' && c.multi !== null && c.multi.some((q) => q.cmd.isWrite() || MAY_REPLICATE.has(q.cmd.fullName));
  }

  /** CLIENT PAUSE: a later end or a stronger type extends a pause in force, never shortens it. */
  pauseClients(type: 'write' | 'all', end: number): void {
    if (this.pause === null) this.pause = { type, end };
    else {
      if (type === 'all') this.pause.type = 'all';
      if (end > this.pause.end) this.pause.end = end;
    }
    this.schedulePauseEnd();
  }

  /** Ends the pause and runs the commands that waited, client by client in arrival order. */
  unpauseClients(): void {
    this.pause = null;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    const waiting = [...this.postponedClients];
    this.postponedClients.clear();
    for (const c of waiting) {
      if (c.closed) continue;
      this.processInput(c);
      this.flush(c);
    }
  }

  private schedulePauseEnd(): void {
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    const pause = this.pause;
    if (pause === null) return;
    // setTimeout holds at most ~24.8 days; a longer pause re-arms when that fires.
    const wait = Math.max(0, Math.min(pause.end - Date.now(), 0x7fffffff));
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      if (!this.isPaused()) return;
      this.schedulePauseEnd();
    }, wait);
    this.pauseTimer.unref();
  }

  /** Writes a client's pending replies to its socket. */
  flush(c: Client): void {
    const sock = c.socket;
    if (!sock || c.closed) return;
    for (const h of this.beforeReplyHooks) h();
    if (!c.reply.empty) {
      this.stats.netOutputBytes += c.reply.size;
      this.stats.writesProcessed++;
      const bufs = c.reply.take();
      if (bufs.length === 1) sock.write(bufs[0]!);
      else {
        sock.cork();
        for (const b of bufs) sock.write(b);
        sock.uncork();
      }
      if (sock.writableLength > OUTPUT_HIGH_WATER) sock.pause();
      // client-output-buffer-limit: a client too far behind is closed, its output dropped.
      if (enforceOutputLimit(c)) return;
    }
    if (c.closeAfterReply) {
      c.closed = true;
      this.clients.delete(c.id);
      // Subscriptions and MONITOR end now, not when the socket's close event comes.
      for (const h of this.closeClientHooks) h(c);
      sock.end();
    }
  }

  closeClient(c: Client): void {
    this.postponedClients.delete(c);
    this.blocking.unblock(c);
    this.tracking?.disable(c);
    for (const h of this.closeClientHooks) h(c);
    if (c.closed) {
      this.clients.delete(c.id);
      return;
    }
    c.closed = true;
    this.clients.delete(c.id);
    c.socket?.destroy();
  }

  /** Orderly shutdown: stop accepting, close clients (later: save first, as Redis does). */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.close();
  }

  async close(): Promise<void> {
    if (this.cronTimer) clearInterval(this.cronTimer);
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    for (const c of [...this.clients.values()]) this.closeClient(c);
    for (const h of this.closeHooks) h();
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners = [];
  }
}
