import type { CommandDef } from './table.js';
import type { Client } from '../server/client.js';
import { ERR, cstr, oneLine } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';
import { isOpt } from './args.js';
import { NODIS_VERSION } from '../server/version.js';
import { aclAuthenticate, defaultUserHasNoPass } from '../acl/index.js';

/**
 * Checks a username/password pair against the ACL users; on success the client is authenticated
 * as that user, a failure is recorded in ACL LOG.
 */
export function checkPassword(c: Client, user: string, pass: string): boolean {
  return aclAuthenticate(c, user, pass);
}

/**
 * Whether a client is in RESP2 subscribed mode. The pub/sub module sets this when it arrives;
 * PING answers differently there, as Redis does.
 */
export const connectionHooks: { subscribed: (c: Client) => boolean } = {
  subscribed: () => false,
};

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    c.reply.error(`ERR wrong number of arguments for 'ping' command`);
    return;
  }
  if (c.resp === 2 && connectionHooks.subscribed(c)) {
    // A subscribed RESP2 client can only read arrays: ["pong", arg-or-empty].
    c.reply.array(2);
    c.reply.bulk('pong');
    c.reply.bulk(argv.length === 2 ? argv[1]! : '');
    return;
  }
  if (argv.length === 2) c.reply.bulk(argv[1]!);
  else c.reply.simple('PONG');
}

function auth(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.reply.error(ERR.syntax);
    return;
  }
  const [user, pass] = argv.length === 2 ? ['default', argv[1]!] : [argv[1]!, argv[2]!];
  if (argv.length === 2 && defaultUserHasNoPass(c.server)) {
    c.reply.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    return;
  }
  if (checkPassword(c, user, pass)) {
    c.reply.ok();
  } else {
    c.reply.error(ERR.wrongPass);
  }
}

function hello(c: Client, argv: string[]): void {
  let ver = c.resp as number;
  let i = 1;
  if (argv.length >= 2) {
    const v = parseInteger(argv[1]!);
    if (v === null) {
      c.reply.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    i = 2;
    if (v < 2 || v > 3) {
      c.reply.error('NOPROTO unsupported protocol version');
      return;
    }
    ver = v;
  }
  // Options take effect one by one as Redis applies them: a SETNAME before a failing AUTH sticks.
  for (; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const opt = argv[i]!;
    if (isOpt(opt, 'auth') && more >= 2) {
      const user = argv[i + 1]!;
      if (!checkPassword(c, user, argv[i + 2]!)) {
        c.reply.error(ERR.wrongPass);
        return;
      }
      i += 2;
    } else if (isOpt(opt, 'setname') && more >= 1) {
      const name = argv[i + 1]!;
      if (!validClientName(c, name)) return;
      c.name = name;
      i += 1;
    } else {
      c.reply.error(oneLine(`ERR Syntax error in HELLO option '${cstr(opt, Infinity)}'`));
      return;
    }
  }
  if (!c.authenticated) {
    c.reply.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
    return;
  }
  c.reply.resp = ver === 3 ? 3 : 2;
  const r = c.reply;
  r.map(7);
  r.bulk('server');
  r.bulk('redis');
  r.bulk('version');
  r.bulk(NODIS_VERSION);
  r.bulk('proto');
  r.int(ver);
  r.bulk('id');
  r.int(c.id);
  r.bulk('mode');
  r.bulk('standalone');
  r.bulk('role');
  r.bulk('master');
  r.bulk('modules');
  r.array(0);
}

/** Redis refuses client names with spaces or non-printable characters. */
export function validClientName(c: Client, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) {
      c.reply.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return false;
    }
  }
  return true;
}

function select(c: Client, argv: string[]): void {
  const idx = parseInteger(argv[1]!);
  if (idx === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  // getIntFromObjectOrReply: a valid long long outside int range has its own message.
  if (idx < -2147483648 || idx > 2147483647) {
    c.reply.error('ERR value is out of range, value must between -2147483648 and 2147483647');
    return;
  }
  if (idx < 0 || idx >= c.server.dbs.length) {
    c.reply.error(ERR.dbIndex);
    return;
  }
  c.selectDb(idx);
  c.reply.ok();
}

function quit(c: Client): void {
  c.reply.ok();
  c.closeAfterReply = true;
}

/**
 * RESET: back to a fresh connection's state (clearClientConnectionState). Redis 7.0 keeps the
 * CLIENT NO-EVICT flag; NO-TOUCH (7.2) is cleared.
 */
function reset(c: Client): void {
  c.selectDb(0);
  c.reply.resp = 2;
  c.name = '';
  c.replyMode = 'on';
  c.skipNext = false;
  c.noTouch = false;
  c.user = 'default';
  c.setAuthenticated(!c.server.authRequired());
  c.server.resetClientHooks.forEach((h) => h(c));
  c.reply.simple('RESET');
}

export const connectionCommands: CommandDef[] = [
  { name: 'ping', handler: ping },
  { name: 'echo', handler: (c, argv) => c.reply.bulk(argv[1]!) },
  { name: 'auth', handler: auth },
  { name: 'hello', handler: hello },
  { name: 'select', handler: select },
  { name: 'quit', handler: quit },
  { name: 'reset', handler: reset },
];
