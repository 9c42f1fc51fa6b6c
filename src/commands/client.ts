import type { CommandDef } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { ERR, subcommandSyntaxError } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';
import { isOpt } from './args.js';
import { validClientName } from './connection.js';
import { replyHelp } from './command.js';
import { aclUserExists } from '../acl/index.js';
import { clientCaching, clientTracking, clientTrackingInfo } from '../tracking/tracking-commands.js';

/**
 * The CLIENT family, as Redis 7.0 has it, plus 7.2's SETINFO and NO-TOUCH (deliberately adopted:
 * client libraries send CLIENT SETINFO on connect). CLIENT LIST / INFO keep 7.0's line format.
 */

/** Redis's client types (getClientTypeByName); MONITOR clients count as normal. */
type ClientType = 'normal' | 'replica' | 'pubsub' | 'master';

function clientTypeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

function hasSubscriptions(c: Client): boolean {
  return c.channels.size + c.patterns.size + c.shardChannels.size > 0;
}

/** Redis's getClientType. */
function clientType(c: Client): ClientType {
  if (c.role === 'master') return 'master';
  if (c.role === 'replica') return 'replica';
  if (hasSubscriptions(c)) return 'pubsub';
  return 'normal';
}

/** The flags= letters, in Redis's order. */
function clientFlags(c: Client): string {
  let f = '';
  if (c.role === 'replica') f += 'S';
  else if (c.role === 'monitor') f += 'O';
  if (c.role === 'master') f += 'M';
  if (hasSubscriptions(c)) f += 'P';
  if (c.multi !== null) f += 'x';
  if (c.blocked !== null || c.postponed !== null) f += 'b';
  if (c.tracking) f += 't';
  if (c.dirtyCas) f += 'd';
  if (c.closeAfterReply) f += 'c';
  if (c.noEvict) f += 'e';
  // 7.2's NO-TOUCH flag letter; it can only appear after 7.2's CLIENT NO-TOUCH ON.
  if (c.noTouch) f += 'T';
  return f === '' ? 'N' : f;
}

function argvBytes(argv: readonly string[] | null): number {
  let n = 0;
  if (argv) for (const a of argv) n += a.length;
  return n;
}

/**
 * One CLIENT LIST / CLIENT INFO line (without its newline), field for field as Redis 7.0.15
 * writes it. Memory fields describe Nodis's own buffers: there is no per-client reply buffer
 * (rbs/rbp are 0) and omem is what the socket still has to send.
 */
export function clientInfoLine(c: Client, self: Client): string {
  const now = Date.now();
  const isSelf = c === self;
  const argvMem = isSelf ? argvBytes(c.argv) : argvBytes(c.postponed);
  let multiMem = 0;
  if (c.multi) for (const q of c.multi) multiMem += argvBytes(q.argv);
  const qbuf = c.parser.pending;
  const omem = c.socket ? c.socket.writableLength : 0;
  const reading = c.socket ? !c.socket.isPaused() : false;
  const events = (reading ? 'r' : '') + (omem > 0 ? 'w' : '');
  // The caller is running CLIENT LIST/INFO now: Redis has already made it the client's lastcmd.
  const cmd = isSelf ? (c.server.commands.lookup(c.argv)?.fullName ?? 'NULL') : (c.lastCommand?.fullName ?? 'NULL');
  const sec = (ms: number): number => Math.floor(ms / 1000);
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name}` +
    ` age=${sec(now) - sec(c.createdAt)} idle=${sec(now) - sec(c.lastInteraction)} flags=${clientFlags(c)}` +
    ` db=${c.db.id} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size}` +
    ` multi=${c.multi ? c.multi.length : -1} qbuf=${qbuf} qbuf-free=0 argv-mem=${argvMem} multi-mem=${multiMem}` +
    ` rbs=0 rbp=0 obl=0 oll=0 omem=${omem} tot-mem=${qbuf + argvMem + multiMem + omem}` +
    ` events=${events} cmd=${cmd} user=${c.user} redir=${c.tracking ? c.trackingRedirect : -1} resp=${c.resp}`
  );
}

function clientId(c: Client): void {
  c.reply.int(c.id);
}

function clientInfo(c: Client): void {
  c.reply.verbatim(clientInfoLine(c, c) + '\n');
}

/** CLIENT LIST [TYPE type] | [ID id ...]. */
function clientList(c: Client, argv: string[]): void {
  const server = c.server;
  let out = '';
  if (argv.length === 4 && isOpt(argv[2]!, 'type')) {
    const type = clientTypeByName(argv[3]!);
    if (type === null) {
      c.reply.error(`ERR Unknown client type '${argv[3]!}'`);
      return;
    }
    for (const cl of server.clients.values()) if (clientType(cl) === type) out += clientInfoLine(cl, c) + '\n';
  } else if (argv.length >= 4 && isOpt(argv[2]!, 'id')) {
    // Every id is parsed before any line is written; ids are listed in the order given.
    const ids: number[] = [];
    for (let i = 3; i < argv.length; i++) {
      const id = parseInteger(argv[i]!);
      if (id === null) {
        c.reply.error('ERR Invalid client ID');
        return;
      }
      ids.push(id);
    }
    for (const id of ids) {
      const cl = server.clients.get(id);
      if (cl) out += clientInfoLine(cl, c) + '\n';
    }
  } else if (argv.length !== 2) {
    c.reply.error(ERR.syntax);
    return;
  } else {
    for (const cl of server.clients.values()) out += clientInfoLine(cl, c) + '\n';
  }
  c.reply.verbatim(out);
}

function clientSetName(c: Client, argv: string[]): void {
  const name = argv[2]!;
  if (name !== '' && !validClientName(c, name)) return;
  c.name = name;
  c.reply.ok();
}

function clientGetName(c: Client): void {
  c.reply.bulkOrNull(c.name === '' ? null : c.name);
}

function userExists(server: Server, name: string): boolean {
  return aclUserExists(server, name);
}

/** CLIENT KILL addr:port (old form) | CLIENT KILL <filter> <value> ... (new form). */
function clientKill(c: Client, argv: string[]): void {
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let type: ClientType | null = null;
  let id = 0;
  let skipme = true;
  if (argv.length === 3) {
    addr = argv[2]!;
    skipme = false; // With the old form a client may kill itself.
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i]!;
      const val = argv[i + 1];
      if (val === undefined) {
        c.reply.error(ERR.syntax);
        return;
      }
      if (isOpt(opt, 'id')) {
        const n = parseInteger(val);
        if (n === null || n < 1) {
          c.reply.error('ERR client-id should be greater than 0');
          return;
        }
        id = n;
      } else if (isOpt(opt, 'type')) {
        type = clientTypeByName(val);
        if (type === null) {
          c.reply.error(`ERR Unknown client type '${val}'`);
          return;
        }
      } else if (isOpt(opt, 'addr')) {
        addr = val;
      } else if (isOpt(opt, 'laddr')) {
        laddr = val;
      } else if (isOpt(opt, 'user')) {
        if (!userExists(c.server, val)) {
          c.reply.error(`ERR No such user '${val}'`);
          return;
        }
        user = val;
      } else if (isOpt(opt, 'skipme')) {
        if (isOpt(val, 'yes')) skipme = true;
        else if (isOpt(val, 'no')) skipme = false;
        else {
          c.reply.error(ERR.syntax);
          return;
        }
      } else {
        c.reply.error(ERR.syntax);
        return;
      }
    }
  }
  let killed = 0;
  let killSelf = false;
  for (const cl of [...c.server.clients.values()]) {
    if (addr !== null && cl.addr !== addr) continue;
    if (laddr !== null && cl.laddr !== laddr) continue;
    if (type !== null && clientType(cl) !== type) continue;
    if (id !== 0 && cl.id !== id) continue;
    if (user !== null && cl.user !== user) continue;
    if (cl === c && skipme) continue;
    if (cl === c) killSelf = true;
    else c.server.closeClient(cl);
    killed++;
  }
  if (argv.length === 3) {
    if (killed === 0) c.reply.error('ERR No such client');
    else c.reply.ok();
  } else {
    c.reply.int(killed);
  }
  // A client that kills itself still gets this reply; the connection closes after it.
  if (killSelf) c.closeAfterReply = true;
}

/** CLIENT REPLY ON|OFF|SKIP: OFF and SKIP send nothing; ON answers even though OFF was in force. */
function clientReply(c: Client, argv: string[]): void {
  const mode = argv[2]!;
  if (isOpt(mode, 'on')) {
    c.replyMode = 'on';
    c.skipNext = false;
    // The dispatcher may have given this very command a discarding writer: answer on the real one.
    c.reply = c.connReply;
    c.reply.ok();
  } else if (isOpt(mode, 'off')) {
    c.replyMode = 'off';
  } else if (isOpt(mode, 'skip')) {
    if (c.replyMode !== 'off') c.skipNext = true;
  } else {
    c.reply.error(ERR.syntax);
  }
}

/** CLIENT NO-EVICT / NO-TOUCH ON|OFF. */
function onOffFlag(set: (c: Client, on: boolean) => void): (c: Client, argv: string[]) => void {
  return (c, argv) => {
    const v = argv[2]!;
    if (isOpt(v, 'on')) set(c, true);
    else if (isOpt(v, 'off')) set(c, false);
    else {
      c.reply.error(ERR.syntax);
      return;
    }
    c.reply.ok();
  };
}

const INT64_MAX = (1n << 63n) - 1n;
const TWO64 = 1n << 64n;

/** CLIENT PAUSE timeout [WRITE|ALL]. */
function clientPause(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    c.reply.error(subcommandSyntaxError(argv[1]!, argv[0]!));
    return;
  }
  let type: 'write' | 'all' = 'all';
  if (argv.length === 4) {
    if (isOpt(argv[3]!, 'write')) type = 'write';
    else if (isOpt(argv[3]!, 'all')) type = 'all';
    else {
      c.reply.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  const ms = parseInteger(argv[2]!);
  if (ms === null) {
    c.reply.error('ERR timeout is not an integer or out of range');
    return;
  }
  if (ms < 0) {
    c.reply.error(ERR.timeoutNegative);
    return;
  }
  // Redis 7.0 adds the timeout to the clock in a signed 64-bit integer, and a timeout of 0
  // stays 0 (a pause that is already over). A sum past INT64_MAX wraps, as it does there.
  let end = 0n;
  if (ms > 0) {
    end = BigInt(argv[2]!) + BigInt(Date.now());
    if (end > INT64_MAX) end -= TWO64;
  }
  c.server.pauseClients(type, Number(end));
  c.reply.ok();
}

function clientUnpause(c: Client): void {
  c.server.unpauseClients();
  c.reply.ok();
}

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if a client blocked in a blocking command was freed. */
function clientUnblock(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    c.reply.error(subcommandSyntaxError(argv[1]!, argv[0]!));
    return;
  }
  let error = false;
  if (argv.length === 4) {
    if (isOpt(argv[3]!, 'timeout')) error = false;
    else if (isOpt(argv[3]!, 'error')) error = true;
    else {
      c.reply.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const id = parseInteger(argv[2]!);
  if (id === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  const target = c.server.clients.get(id);
  const freed = target !== undefined && target.blocked !== null && c.server.blocking.unblockBy(target, error ? 'error' : 'timeout');
  c.reply.int(freed ? 1 : 0);
}

function clientGetRedir(c: Client): void {
  c.reply.int(c.tracking ? c.trackingRedirect : -1);
}

/** 7.2's CLIENT SETINFO LIB-NAME|LIB-VER value, with 7.2's validation. */
function clientSetInfo(c: Client, argv: string[]): void {
  const attr = argv[2]!;
  const val = argv[3]!;
  const isName = isOpt(attr, 'lib-name');
  if (!isName && !isOpt(attr, 'lib-ver')) {
    c.reply.error(`ERR Unrecognized option '${attr}'`);
    return;
  }
  for (let i = 0; i < val.length; i++) {
    const ch = val.charCodeAt(i);
    if (ch < 33 || ch > 126) {
      c.reply.error(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
      return;
    }
  }
  if (isName) c.libName = val;
  else c.libVer = val;
  c.reply.ok();
}

const CLIENT_HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
];

export const clientCommands: CommandDef[] = [
  { name: 'client|id', handler: clientId },
  { name: 'client|info', handler: clientInfo },
  { name: 'client|list', handler: clientList },
  { name: 'client|setname', handler: clientSetName },
  { name: 'client|getname', handler: clientGetName },
  { name: 'client|kill', handler: clientKill },
  { name: 'client|reply', handler: clientReply },
  { name: 'client|no-evict', handler: onOffFlag((c, on) => (c.noEvict = on)) },
  { name: 'client|no-touch', handler: onOffFlag((c, on) => (c.noTouch = on)) },
  { name: 'client|pause', handler: clientPause },
  { name: 'client|unpause', handler: clientUnpause },
  { name: 'client|unblock', handler: clientUnblock },
  { name: 'client|getredir', handler: clientGetRedir },
  { name: 'client|tracking', handler: clientTracking },
  { name: 'client|caching', handler: clientCaching },
  { name: 'client|trackinginfo', handler: clientTrackingInfo },
  { name: 'client|setinfo', handler: clientSetInfo },
  { name: 'client|help', handler: (c, argv) => replyHelp(c, argv, CLIENT_HELP) },
];
