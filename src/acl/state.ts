import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import type { Command } from '../commands/table.js';
import { commandHasKeys, getKeys, type KeyRef } from '../commands/table.js';
import { clientInfoLine } from '../commands/client.js';
import { globMatch } from '../keyspace/glob.js';
import { inPubSubMode } from '../pubsub/pubsub.js';
import { universe } from './universe.js';
import { PERM_READ, PERM_WRITE, SEL_ALLCHANNELS, SEL_ALLCOMMANDS, SEL_ALLKEYS, type Selector } from './selector.js';
import { USER_NOPASS, USER_OFF, User } from './user.js';

/** ACL_DENIED_* in Redis's order: when no selector allows a command, the highest reason is told. */
export const DENIED_CMD = 1;
export const DENIED_KEY = 2;
export const DENIED_AUTH = 3;
export const DENIED_CHANNEL = 4;

export type LogContext = 'toplevel' | 'multi' | 'lua';

/** A refusal: its reason and the argv index of the key or channel refused. */
export interface Denial {
  reason: number;
  idx: number;
}

interface LogEntry {
  count: number;
  reason: number;
  context: LogContext;
  object: string;
  username: string;
  /** ms of the last update. */
  ctime: number;
  cinfo: string;
}

/** Entries this close in time (and alike) are counted in one (ACL_LOG_GROUPING_MAX_TIME_DELTA). */
const LOG_GROUPING_MS = 60000;

/** ACLCheckChannelAgainstList: a PSUBSCRIBE pattern must appear literally, a channel must match. */
function channelAllowed(list: readonly string[], channel: string, literal: boolean): boolean {
  for (const p of list) if (literal ? p === channel : globMatch(p, channel)) return true;
  return false;
}

/** ACLSelectorCheckKey: the key-spec flags decide which permission the key needs. */
function keyAllowed(s: Selector, key: string, flags: readonly string[]): boolean {
  let need = 0;
  for (const f of flags) {
    if (f === 'access') need |= PERM_READ;
    else if (f === 'insert' || f === 'delete' || f === 'update') need |= PERM_WRITE;
  }
  for (const p of s.patterns) {
    if ((p.flags & need) !== need) continue;
    if (globMatch(p.pattern, key)) return true;
  }
  return false;
}

/** The channel arguments of the commands that name channels: [first index, literal]. */
function channelArgs(cmd: Command, argc: number): [number, number, boolean] | null {
  switch (cmd.fullName) {
    case 'publish':
    case 'spublish':
      return [1, 2, false];
    case 'subscribe':
    case 'ssubscribe':
      return [1, argc, false];
    case 'psubscribe':
      return [1, argc, true];
    default:
      return null;
  }
}

/** The keys of a call, found once for all selectors (aclKeyResultCache). */
class KeyCache {
  keys: KeyRef[] | null = null;
  get(cmd: Command, argv: readonly string[]): KeyRef[] {
    // DRYRUN may pass a call of the wrong arity: keys past the end are not there.
    this.keys ??= getKeys(cmd, argv).filter((k) => k.pos < argv.length);
    return this.keys;
  }
}

/** ACLSelectorCheckCmd: 0 when the selector allows the call, else the reason (and idx.value set). */
function selectorCheck(s: Selector, cmd: Command, argv: readonly string[], cache: KeyCache, idx: { value: number }): number {
  if (!(s.flags & SEL_ALLCOMMANDS) && !cmd.flags.has('no_auth')) {
    const acmd = universe.byName.get(cmd.fullName);
    if (acmd === undefined) return DENIED_CMD;
    if (!s.bit(acmd.id)) {
      // A denied command may still be allowed with one of its listed first arguments.
      const firsts = s.firstArgs?.get(acmd.id);
      if (argv.length < 2 || firsts === undefined) return DENIED_CMD;
      const arg = argv[cmd.parent ? 2 : 1];
      if (arg === undefined) return DENIED_CMD;
      const la = arg.toLowerCase();
      if (!firsts.some((f) => f.toLowerCase() === la)) return DENIED_CMD;
    }
  }
  if (!(s.flags & SEL_ALLKEYS) && commandHasKeys(cmd)) {
    for (const k of cache.get(cmd, argv)) {
      if (!keyAllowed(s, argv[k.pos]!, k.flags)) {
        idx.value = k.pos;
        return DENIED_KEY;
      }
    }
  }
  if (!(s.flags & SEL_ALLCHANNELS)) {
    const ch = channelArgs(cmd, argv.length);
    if (ch !== null) {
      const [from, to, literal] = ch;
      for (let j = from; j < to && j < argv.length; j++) {
        if (!channelAllowed(s.channels, argv[j]!, literal)) {
          idx.value = j;
          return DENIED_CHANNEL;
        }
      }
    }
  }
  return 0;
}

/** The ACL state of one server: users, the log, and the checks (acl.c). */
export class AclState {
  readonly users = new Map<string, User>();
  defaultUser: User;
  private log: LogEntry[] = [];
  /** Called after users change (SETUSER, DELUSER, LOAD, requirepass): the gate is re-decided. */
  onUsersChanged: () => void = () => {};

  constructor(readonly server: Server) {
    this.defaultUser = this.createDefaultUser();
    this.users.set('default', this.defaultUser);
  }

  /** acl-pubsub-default as the selector flag new users and selectors start with. */
  pubsubDefault(): number {
    return this.server.config.get('acl-pubsub-default') === 'allchannels' ? SEL_ALLCHANNELS : 0;
  }

  newUser(name: string): User {
    return new User(name, this.pubsubDefault());
  }

  /** ACLCreateDefaultUser: everything allowed, on, no password. */
  createDefaultUser(): User {
    const u = this.newUser('default');
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(op, 0);
    return u;
  }

  /** Users in the order Redis's radix tree lists them: bytes compared, shorter prefix first. */
  sortedUsers(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  userOf(c: Client): User {
    return this.users.get(c.user) ?? this.defaultUser;
  }

  /** authRequired(): the default user has a password, or is off. */
  authRequired(): boolean {
    const f = this.defaultUser.flags;
    return !(f & USER_NOPASS) || (f & USER_OFF) !== 0;
  }

  /**
   * The dispatch gate is only installed while some user is restricted, so a server whose users
   * may run everything pays nothing per command.
   */
  refreshGate(gate: NonNullable<Server['aclGate']>): void {
    let restricted = false;
    for (const u of this.users.values()) if (!u.allowsAll) restricted = true;
    this.server.aclGate = restricted ? gate : null;
  }

  /** ACLCheckAllUserCommandPerm: null when some selector allows the call. */
  check(u: User, cmd: Command, argv: readonly string[]): Denial | null {
    let relevant = DENIED_CMD;
    let lastIdx = 0;
    const cache = new KeyCache();
    // As Redis, the index of a previous selector's refusal carries over to the next one.
    const idx = { value: 0 };
    for (const s of u.selectors) {
      const r = selectorCheck(s, cmd, argv, cache, idx);
      if (r === 0) return null;
      if (r > relevant || (r === relevant && idx.value > lastIdx)) {
        relevant = r;
        lastIdx = idx.value;
      }
    }
    return { reason: relevant, idx: lastIdx };
  }

  /** addACLLogEntry: alike entries within a minute bump a count instead of adding a line. */
  addLog(c: Client, reason: number, context: LogContext, object: string, username?: string): void {
    const now = Date.now();
    const e: LogEntry = { count: 1, reason, context, object, username: username ?? this.userOf(c).name, ctime: now, cinfo: clientInfoLine(c, c) };
    const scan = Math.min(10, this.log.length);
    for (let i = 0; i < scan; i++) {
      const cur = this.log[i]!;
      if (cur.reason !== e.reason || cur.context !== e.context || Math.abs(cur.ctime - e.ctime) > LOG_GROUPING_MS) continue;
      if (cur.object !== e.object || cur.username !== e.username) continue;
      cur.cinfo = e.cinfo;
      cur.ctime = e.ctime;
      cur.count++;
      this.log.splice(i, 1);
      this.log.unshift(cur);
      return;
    }
    this.log.unshift(e);
    const max = this.server.config.int('acllog-max-len');
    if (this.log.length > max) this.log.length = max;
  }

  /** The log entry for a refused call, its object named as Redis names it. */
  logDenial(c: Client, d: Denial, context: LogContext, cmd: Command, argv: readonly string[]): void {
    const object = d.reason === DENIED_CMD ? cmd.fullName : (argv[d.idx] ?? '');
    this.addLog(c, d.reason, context, object);
  }

  resetLog(): void {
    this.log = [];
  }

  /** ACL LOG [count]: newest first, each a 7-field map. */
  writeLog(c: Client, count: number): void {
    const r = c.reply;
    const n = Math.min(count, this.log.length);
    const now = Date.now();
    r.array(n);
    for (let i = 0; i < n; i++) {
      const e = this.log[i]!;
      r.map(7);
      r.bulk('count');
      r.int(e.count);
      r.bulk('reason');
      r.bulk(e.reason === DENIED_CMD ? 'command' : e.reason === DENIED_KEY ? 'key' : e.reason === DENIED_CHANNEL ? 'channel' : 'auth');
      r.bulk('context');
      r.bulk(e.context);
      r.bulk('object');
      r.bulk(e.object);
      r.bulk('username');
      r.bulk(e.username);
      r.bulk('age-seconds');
      r.double((now - e.ctime) / 1000);
      r.bulk('client-info');
      r.bulk(e.cinfo);
    }
  }

  /**
   * ACLFreeUserAndKillClients: the clients of a deleted (or replaced) user go back to the default
   * user, unauthenticated, and are closed (the one running the command after its reply).
   */
  killClientsOf(name: string, current: Client | null): void {
    for (const cl of [...this.server.clients.values()]) {
      if (cl.user !== name) continue;
      cl.user = 'default';
      cl.setAuthenticated(false);
      if (cl === current) cl.closeAfterReply = true;
      else this.server.closeClient(cl);
    }
  }

  /**
   * ACLKillPubsubClientsIfNeeded: when a user's channel permissions shrink, its subscribers whose
   * channels or patterns are no longer all allowed are disconnected.
   */
  killPubsubClientsIfNeeded(updated: User, original: User, current: Client | null): void {
    if (updated.selectors.some((s) => s.flags & SEL_ALLCHANNELS)) return;
    const upcoming: string[] = [];
    for (const s of updated.selectors) upcoming.push(...s.channels);
    // 7.0.15 counts losing allchannels as a shrink too (its channel list was empty).
    let superset = !original.selectors.some((s) => s.flags & SEL_ALLCHANNELS);
    for (const s of original.selectors) for (const ch of s.channels) if (!upcoming.includes(ch)) superset = false;
    if (superset) return;
    for (const cl of [...this.server.clients.values()]) {
      if (cl.user !== original.name || !inPubSubMode(cl)) continue;
      let kill = false;
      for (const p of cl.patterns) if (!channelAllowed(upcoming, p, true)) kill = true;
      for (const ch of cl.channels) if (!channelAllowed(upcoming, ch, false)) kill = true;
      for (const ch of cl.shardChannels) if (!channelAllowed(upcoming, ch, false)) kill = true;
      if (!kill) continue;
      if (cl === current) cl.closeAfterReply = true;
      else this.server.closeClient(cl);
    }
  }
}
