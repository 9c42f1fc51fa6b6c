import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Command } from '../commands/table.js';
import { reprString } from '../server/config.js';
import { parseInteger } from '../protocol/number-format.js';
import { isClosingForOutputLimit, outputLimitReached, scheduleCloseForOutputLimit } from '../server/output-limit.js';

/**
 * MONITOR (replicationFeedMonitors): every command a client runs is shown to the monitors as
 * one status line, `+<sec>.<usec> [<db> <addr>] "arg" "arg"...`, with arguments quoted as
 * sdscatrepr does. Admin commands and those flagged skip_monitor (EVAL, ...) are not shown,
 * nor commands refused before they ran; passwords are shown as "(redacted)".
 */

const monitorsByServer = new WeakMap<Server, Set<Client>>();
/** Monitors across all servers in this process: dispatch's cheap test for "anyone watching?". */
let monitorCount = 0;

export function hasMonitors(): boolean {
  return monitorCount !== 0;
}

function monitorsOf(server: Server): Set<Client> {
  let set = monitorsByServer.get(server);
  if (set === undefined) {
    const created = new Set<Client>();
    set = created;
    monitorsByServer.set(server, created);
    const leave = (c: Client): void => {
      if (created.delete(c)) {
        monitorCount--;
        if (c.role === 'monitor') c.role = 'normal';
      }
    };
    server.resetClientHooks.push(leave);
    server.closeClientHooks.push(leave);
  }
  return set;
}

export function monitorCommand(c: Client): void {
  // MULTI/EXEC and scripts expect one reply per command (CLIENT_DENY_BLOCKING).
  if (c.inExec || c.inScript) {
    c.reply.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  // A replica or a client already monitoring gets no reply at all.
  if (c.role === 'replica' || c.role === 'monitor') return;
  c.role = 'monitor';
  monitorsOf(c.server).add(c);
  monitorCount++;
  c.reply.ok();
}

/** Arguments shown as "(redacted)", as redactClientCommandArgument marks them. */
function redacted(cmd: Command, argv: readonly string[]): Set<number> | null {
  // ACL SETUSER hides the user name and every rule (passwords among them).
  if (cmd.fullName === 'acl|setuser') {
    const out = new Set<number>();
    for (let j = 2; j < argv.length; j++) out.add(j);
    return out;
  }
  if (cmd.fullName === 'auth') {
    if (argv.length > 3) return null;
    return argv.length === 2 ? new Set([1]) : new Set([1, 2]);
  }
  if (cmd.fullName === 'hello' && argv.length > 2) {
    // HELLO redacts while parsing its options, after the protocol version was accepted.
    const ver = parseInteger(argv[1]!);
    if (ver === null || ver < 2 || ver > 3) return null;
    const out = new Set<number>();
    for (let j = 2; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      const opt = argv[j]!.toLowerCase();
      if (opt === 'auth' && more >= 2) {
        out.add(j + 1);
        out.add(j + 2);
        j += 2;
      } else if (opt === 'setname' && more >= 1) {
        j++;
      } else break;
    }
    return out;
  }
  return null;
}

/** argv as SLOWLOG keeps it: the arguments MONITOR hides are "(redacted)" there too. */
export function slowlogArgv(cmd: Command, argv: string[]): string[] {
  const hide = redacted(cmd, argv);
  return hide === null ? argv : argv.map((a, j) => (hide.has(j) ? '(redacted)' : a));
}

function timestamp(): string {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(us - sec * 1e6).padStart(6, '0')}`;
}

/**
 * Called by dispatch after a command ran (not for refused ones, nor re-runs of blocked ones).
 * `force` is for EVAL and FCALL (skip_monitor), which feed themselves before their commands run.
 */
export function feedMonitors(c: Client, cmd: Command, argv: readonly string[], force = false): void {
  if (!force && (cmd.flags.has('admin') || cmd.flags.has('skip_monitor'))) return;
  const monitors = monitorsByServer.get(c.server);
  if (monitors === undefined || monitors.size === 0) return;
  const hide = redacted(cmd, argv);
  let line = '+' + timestamp() + (c.inScript ? ` [${c.db.id} lua] ` : ` [${c.db.id} ${c.addr}] `);
  for (let j = 0; j < argv.length; j++) {
    if (j > 0) line += ' ';
    line += hide !== null && hide.has(j) ? '"(redacted)"' : reprString(argv[j]!);
  }
  line += '\r\n';
  for (const m of monitors) {
    if (isClosingForOutputLimit(m)) continue;
    m.reply.raw(line);
    if (m === c) continue;
    if (outputLimitReached(m)) scheduleCloseForOutputLimit(m);
    else scheduleFlush(m);
  }
}

const pending = new Set<Client>();
let queued = false;

/** Monitors are flushed together once the current read batch is done. */
function scheduleFlush(m: Client): void {
  pending.add(m);
  if (queued) return;
  queued = true;
  queueMicrotask(() => {
    queued = false;
    const list = [...pending];
    pending.clear();
    for (const x of list) if (!x.closed) x.server.flush(x);
  });
}
