import type { CommandDef } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { LogLevel } from '../server/log.js';
import { ERR } from '../errors.js';
import { replyHelp } from './command.js';
import { strerror } from '../server/config-special.js';

const CONFIG_HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

/** islocalClient: a unix socket or a loopback address. */
export function isLocalClient(c: Client): boolean {
  if (c.socket === null) return true;
  const a = c.socket.remoteAddress ?? '';
  if (a === '') return true; // unix socket
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return v4.startsWith('127.') || v4 === '::1';
}

/** allowProtectedAction: "yes", or "local" for a local client. */
export function allowProtectedAction(c: Client, param: 'enable-protected-configs' | 'enable-debug-command' | 'enable-module-command'): boolean {
  const v = c.server.config.get(param);
  return v === 'yes' || (v === 'local' && isLocalClient(c));
}

/** Servers whose run-time apply steps are installed on their Config. */
const appliersInstalled = new WeakSet<Server>();

/**
 * The apply steps that reach into the running server (config.c's updateHZ, updateRequirePass,
 * ...), installed on the server's Config the first time CONFIG SET runs there.
 */
function installServerAppliers(server: Server): void {
  if (appliersInstalled.has(server)) return;
  appliersInstalled.add(server);
  const config = server.config;
  const clampHz = config.appliers.get('hz');
  config.appliers.set('hz', () => {
    const err = clampHz?.() ?? null;
    if (err === null) server.restartCron();
    return err;
  });
  config.appliers.set('loglevel', () => {
    server.log.level = config.get('loglevel') as LogLevel;
    return null;
  });
  // proto-max-bulk-len is global in Redis: connected clients see the new limit at once.
  config.appliers.set('proto-max-bulk-len', () => {
    const max = config.int('proto-max-bulk-len');
    for (const c of server.clients.values()) c.parser.maxBulkLen = max;
    return null;
  });
}

function configGet(c: Client, argv: string[]): void {
  const pairs = c.server.config.match(argv.slice(2));
  c.reply.map(pairs.length);
  for (const [k, v] of pairs) {
    c.reply.bulk(k);
    c.reply.bulk(v);
  }
}

function configSet(c: Client, argv: string[]): void {
  if (argv.length % 2 === 1) {
    c.reply.error(ERR.syntax);
    return;
  }
  const server = c.server;
  installServerAppliers(server);
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i]!, argv[i + 1]!]);
  // Sensitive values (requirepass, masterauth) never reach SLOWLOG or MONITOR: redactClientCommandArgument.
  const res = server.config.setFromCommand(pairs, allowProtectedAction(c, 'enable-protected-configs'), (i) => {
    argv[2 + i * 2 + 1] = '(redacted)';
  });
  if (res.error !== null) c.reply.error(res.error);
  else c.reply.ok();
}

function configResetStat(c: Client): void {
  const server = c.server;
  server.stats.reset();
  for (const cmd of server.commands.all()) {
    cmd.calls = 0;
    cmd.usec = 0;
    cmd.rejectedCalls = 0;
    cmd.failedCalls = 0;
  }
  c.reply.ok();
}

function configRewrite(c: Client): void {
  const server = c.server;
  if (server.config.configFile === null) {
    c.reply.error('ERR The server is running without a config file');
    return;
  }
  try {
    server.config.rewrite();
  } catch (e) {
    const why = strerror(e);
    server.log.warning(`CONFIG REWRITE failed: ${why}`);
    c.reply.error(`ERR Rewriting config file: ${why}`);
    return;
  }
  server.log.warning('CONFIG REWRITE executed with success.');
  c.reply.ok();
}

export const configCommands: CommandDef[] = [
  { name: 'config|get', handler: configGet },
  { name: 'config|set', handler: configSet },
  { name: 'config|resetstat', handler: configResetStat },
  { name: 'config|rewrite', handler: configRewrite },
  { name: 'config|help', handler: (c, argv) => replyHelp(c, argv, CONFIG_HELP) },
];
