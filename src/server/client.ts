import type net from 'node:net';
import { RespParser } from '../protocol/parser.js';
import { Reply } from '../protocol/reply.js';
import type { Db } from '../keyspace/db.js';
import type { Server } from './server.js';
import type { Command } from '../commands/table.js';

/** CLIENT REPLY mode. */
export type ReplyMode = 'on' | 'off' | 'skip';

/** CLIENT LIST's view of what a connection is (Redis's getClientType, plus MONITOR). */
export type ClientRole = 'normal' | 'replica' | 'master' | 'monitor';

/** A command queued by MULTI. */
export interface QueuedCommand {
  readonly cmd: Command;
  readonly argv: string[];
}

/**
 * What a client blocked in a blocking command waits for (kept by the blocking module; declared
 * here so this file does not depend on it).
 */
export interface BlockedState {
  db: Db;
  keys: string[];
  /** The command to run again when one of its keys is ready. */
  cmd: Command;
  argv: string[];
  /** Absolute deadline in ms, 0 to wait forever. */
  deadline: number;
  timer: NodeJS.Timeout | null;
  /** Writes the reply for a timeout (a null array for BLPOP, ...). */
  onTimeout: (c: Client) => void;
}

/** One connected client: its socket, protocol state and session state. */
export class Client {
  readonly parser = new RespParser();
  reply = new Reply();
  /**
   * The connection's own reply writer. `reply` is swapped for a discarding one while CLIENT
   * REPLY OFF/SKIP is in force; CLIENT REPLY ON must answer through this one.
   */
  readonly connReply: Reply = this.reply;
  role: ClientRole = 'normal';
  /** Pub/sub subscriptions; CLIENT LIST shows their counts and the P flag. */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** Commands queued since MULTI, or null outside a transaction (CLIENT LIST multi=-1). */
  multi: QueuedCommand[] | null = null;
  /** A WATCHed key changed: EXEC will fail (CLIENT LIST flag d). */
  dirtyCas = false;
  /** Set while a blocking command (BLPOP, ...) waits: the blocking module's state (flag b). */
  blocked: BlockedState | null = null;
  /** Running inside EXEC or a script, where blocking commands do not block. */
  inExec = false;
  inScript = false;
  /**
   * Its EVAL/FCALL still runs, past busy-reply-threshold, yielding to the event loop
   * (src/scripting/engine.ts): its further input waits until the script's reply is written.
   */
  scriptPending = false;
  /** Client-side caching (CLIENT GETREDIR, CLIENT LIST redir= and flag t). */
  tracking = false;
  trackingRedirect = 0;
  /** A command that arrived during CLIENT PAUSE and waits for its end (CLIENT LIST flag b). */
  postponed: string[] | null = null;
  db: Db;
  name = '';
  libName = '';
  libVer = '';
  authenticated: boolean;
  user = 'default';
  /** Close once the pending replies are written (QUIT, protocol errors, CLIENT KILL). */
  closeAfterReply = false;
  closed = false;
  replyMode: ReplyMode = 'on';
  /** Set by CLIENT REPLY SKIP: the next command's reply is dropped. */
  skipNext = false;
  noEvict = false;
  noTouch = false;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  lastCommand: Command | null = null;
  /** argv of the command being run, for MONITOR, SLOWLOG and CLIENT LIST. */
  argv: string[] = [];
  /**
   * rewriteClientCommandVector: what call() propagates instead of argv for the command running now
   * (SET EX -> SET PXAT, INCRBYFLOAT -> SET KEEPTTL, ...). Reset after each call.
   */
  propagateArgv: string[] | null = null;
  /** preventCommandPropagation: the running command propagated its effects itself (or has none to). */
  preventPropagation = false;
  /** Commands run on this connection (CLIENT INFO's "tot-cmds" is 7.2; kept for INFO). */
  commands = 0;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;

  constructor(
    readonly id: number,
    readonly server: Server,
    readonly socket: net.Socket | null,
  ) {
    this.db = server.dbs[0]!;
    this.authenticated = !server.authRequired();
    this.parser.unauthenticated = !this.authenticated;
    this.parser.maxBulkLen = server.config.int('proto-max-bulk-len');
    this.addr = socket ? formatAddr(socket.remoteAddress, socket.remotePort) : '';
    this.laddr = socket ? formatAddr(socket.localAddress, socket.localPort) : '';
    this.fd = id + 7;
    this.reply.onError = (msg) => server.stats.countError(msg);
  }

  get resp(): 2 | 3 {
    return this.reply.resp;
  }

  selectDb(index: number): void {
    this.db = this.server.dbs[index]!;
  }

  /** Propagate `argv` for the running command instead of what the client sent. */
  rewriteArgv(argv: string[]): void {
    this.propagateArgv = argv;
  }

  setAuthenticated(v: boolean): void {
    this.authenticated = v;
    this.parser.unauthenticated = !v;
  }
}

function formatAddr(host: string | undefined, port: number | undefined): string {
  const h = host ?? '';
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return `${v4}:${port ?? 0}`;
}
