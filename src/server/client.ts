import type net from 'node:net';
import { RespParser } from '../protocol/parser.js';
import { Reply } from '../protocol/reply.js';
import type { Db } from '../keyspace/db.js';
import type { Server } from './server.js';
import type { Command } from '../commands/table.js';

/** CLIENT REPLY mode. */
export type ReplyMode = 'on' | 'off' | 'skip';

/** One connected client: its socket, protocol state and session state. */
export class Client {
  readonly parser = new RespParser();
  reply = new Reply();
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
