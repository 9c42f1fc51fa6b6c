import type { Client } from '../server/client.js';
import { Reply } from '../protocol/reply.js';
import { ERR, arityError, cstr, oneLine, unknownSubcommandError } from '../errors.js';
import type { Command } from './table.js';
import { allowProtectedAction } from './config.js';
import { abortExec, flagTransaction, isQueuedInMulti, queueCommand } from './multi.js';
import { subscribedContextError } from '../pubsub/context.js';
import { performEvictions, rejectedOnOom } from '../server/evict.js';
import { feedMonitors, hasMonitors, slowlogArgv } from '../pubsub/monitor.js';

/** Replies of commands run under CLIENT REPLY OFF/SKIP go here and are dropped. */
const discard = new Reply();

/**
 * Error replies already put down to a command (Redis's static prev_err_count): EXEC's own call
 * then counts as failed only for an error of its own, not for those of the commands it ran.
 */
let accountedErrors = 0;

/** The unknown-command error with its "with args beginning with:" part, as Redis 7.0 words it. */
function unknownCommandError(argv: string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${cstr(argv[i]!, 128 - args.length)}' `;
  }
  return oneLine(`ERR unknown command '${cstr(argv[0]!)}', with args beginning with: ${args}`);
}

/** An error reply for a command refused before it ran (counted as rejected, as Redis does). */
function reject(c: Client, cmd: Command | null, msg: string): void {
  if (cmd) cmd.rejectedCalls++;
  // rejectCommand: a command refused while queueing dooms the transaction; a refused EXEC ends
  // it (even outside MULTI, where that still unwatches every key).
  flagTransaction(c);
  if (cmd?.fullName === 'exec') {
    abortExec(c, msg);
    return;
  }
  c.reply.error(msg);
}

/**
 * Runs one command: lookup -> arity -> auth -> call -> stats. Every command goes through here,
 * from the socket and (later) from MULTI/EXEC and scripts.
 */
export function execute(c: Client, argv: string[]): void {
  const server = c.server;
  // The batch's clock reading serves its commands while it is less than a millisecond old.
  if (server.perfTick - server.nowPerf >= 1) server.readClock();
  c.argv = argv;
  const cmd = server.commands.lookup(argv);
  if (cmd === undefined) {
    const parent = server.commands.get(argv[0]!.toLowerCase());
    if (parent && parent.subcommands.size > 0) reject(c, null, unknownSubcommandError(argv[1]!, parent.fullName));
    else reject(c, null, unknownCommandError(argv));
    return;
  }
  const argc = argv.length;
  if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) {
    reject(c, cmd, arityError(cmd.fullName));
    return;
  }
  // As Redis's authRequired(): a client that connected while a password was required must AUTH,
  // unless the password has since been removed.
  if (!c.authenticated && !cmd.flags.has('no_auth') && server.authRequired()) {
    reject(c, cmd, ERR.noAuth);
    return;
  }
  if (server.aclGate !== null) {
    const denied = server.aclGate(c, cmd, argv);
    if (denied !== null) {
      reject(c, cmd, denied);
      return;
    }
  }
  // CMD_PROTECTED (not shown by COMMAND INFO, hence by name): DEBUG is refused, as a rejected
  // call, unless enable-debug-command allows this client.
  if (cmd.fullName === 'debug' && !allowProtectedAction(c, 'enable-debug-command')) {
    reject(c, cmd, 'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.');
    return;
  }
  // processCommand's maxmemory step: evict first; when nothing more can go, refuse what would grow memory.
  if (server.maxmemory !== 0 && !performEvictions(server) && rejectedOnOom(c, cmd)) {
    reject(c, cmd, ERR.oom);
    return;
  }
  // Evictions propagate as their own DELs, before the command's unit.
  if (server.propagation.pending !== 0) server.propagation.flush(false);
  if (server.writeGate !== null) {
    const refused = server.writeGate(c, cmd, argv);
    if (refused !== null) {
      reject(c, cmd, refused);
      return;
    }
  }
  // A RESP2 subscriber can only (un)subscribe, PING, QUIT and RESET.
  if (c.resp === 2) {
    const refused = subscribedContextError(c, cmd);
    if (refused !== null) {
      reject(c, cmd, refused);
      return;
    }
  }
  if (server.loading && !cmd.flags.has('loading')) {
    reject(c, cmd, 'LOADING Redis is loading the dataset in memory');
    return;
  }
  if (server.busyGate !== null) {
    const busy = server.busyGate(c, cmd, argv);
    if (busy !== null) {
      reject(c, cmd, busy);
      return;
    }
  }
  // Inside MULTI a command that passed every check is queued for EXEC (no_multi ones are refused).
  if (c.multi !== null) {
    if (cmd.flags.has('no_multi')) {
      reject(c, cmd, 'ERR Command not allowed inside a transaction');
      return;
    }
    if (isQueuedInMulti(cmd)) {
      queueCommand(c, cmd, argv);
      return;
    }
  }
  call(c, cmd, argv);
  // A script running past busy-reply-threshold (src/scripting/engine.ts) is still one unit: it
  // flushes its effects and serves blocked clients itself when it ends.
  if (server.busyGate !== null) return;
  // The command's unit is complete before blocked clients are served: each served client's pop
  // is a unit of its own (7.0 never wraps a push and the pops it served in one MULTI).
  server.propagation.flush();
  // Keys this command readied serve blocked clients now, before anything else runs.
  if (server.blocking.hasReady) server.blocking.serveReady();
}

/**
 * Calls a command's handler and accounts for it (stats, slowlog, errors). A `rerun` serves a
 * blocked client: Redis 7.0 counted that command (calls, total commands) when it first ran, so
 * only its time and a failure are added now.
 */
export function call(c: Client, cmd: Command, argv: string[], rerun = false): void {
  const server = c.server;
  const handler = cmd.handler!;
  const out = c.reply;
  const silent = c.replyMode !== 'on' || c.skipNext;
  if (silent) {
    c.skipNext = false;
    discard.resp = out.resp;
    discard.onError = out.onError;
    c.reply = discard;
  }
  accountedErrors = server.stats.totalErrorReplies;
  const dirty = server.dirty;
  // Timed from the end of the previous command of the batch (or its start): one clock reading
  // per command. A script's calls read the clock themselves, the script runs between them.
  const t0 = c.inScript ? performance.now() : server.perfTick;
  // The try/finally only where there is something to restore: around every call it cost
  // ~100 ns per command (PING in bench/micro.ts: 771 -> 639 ns median of 5).
  if (!silent) handler(c, argv);
  else {
    try {
      handler(c, argv);
    } finally {
      if (c.reply === discard) {
        c.reply = out;
        discard.take();
      }
    }
  }
  // A command that changed the dataset propagates (as rewritten, if it was), unless it sent its
  // effects itself: EXEC never propagates itself (its commands did), scripts set preventPropagation.
  if (server.dirty !== dirty && !c.preventPropagation && cmd.fullName !== 'exec') server.propagation.also(c.db.id, c.propagateArgv ?? argv);
  c.propagateArgv = null;
  c.preventPropagation = false;
  // Client-side caching: the keys a tracking client read may now sit in its cache (trackingRememberKeys).
  if (c.tracking && cmd.flags.has('readonly')) server.tracking?.rememberKeys(c, cmd, argv);
  const t1 = performance.now();
  server.perfTick = t1;
  const micros = (t1 - t0) * 1000;
  cmd.usec += micros;
  const errors = server.stats.totalErrorReplies;
  if (errors !== accountedErrors) cmd.failedCalls++;
  accountedErrors = errors;
  if (rerun) return;
  // MONITOR shows each command once, after it ran (with the db it left selected).
  if (hasMonitors()) feedMonitors(c, cmd, argv);
  cmd.calls++;
  server.stats.totalCommands++;
  c.lastCommand = cmd;
  c.commands++;
  const threshold = server.slowlogThreshold;
  if (threshold >= 0 && micros >= threshold && !cmd.flags.has('skip_slowlog')) {
    server.slowlog.maybeAdd(threshold, server.config.int('slowlog-max-len'), micros, slowlogArgv(cmd, argv), c.addr, c.name);
  }
}
