import type { Server, CommandGate } from '../server/server.js';
import { StartupError } from '../server/startup-error.js';
import type { Client } from '../server/client.js';
import type { Command } from '../commands/table.js';
import { configUserLineCheck } from '../server/config.js';
import { AclState, DENIED_CMD, DENIED_KEY, DENIED_CHANNEL, DENIED_AUTH, type Denial } from './state.js';
import { USER_NOPASS, USER_SKIP_SANITIZE } from './user.js';
import { checkConfigUserLine, loadAclFile, loadConfigUsers } from './file.js';

const states = new WeakMap<Server, AclState>();

/** The server's ACL state (made by installAcl). */
export function aclOf(server: Server): AclState {
  return states.get(server)!;
}

// `user` lines are checked as the config file is read, before any server exists.
configUserLineCheck.check = checkConfigUserLine;

/** processCommand's NOPERM texts. */
function noPermText(d: Denial, cmd: Command): string {
  if (d.reason === DENIED_CMD) return `NOPERM this user has no permissions to run the '${cmd.fullName}' command`;
  if (d.reason === DENIED_KEY) return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  if (d.reason === DENIED_CHANNEL) return 'NOPERM this user has no permissions to access one of the channels used as arguments';
  return 'NOPERM no permission';
}

/** ACLUpdateDefaultUserPassword: requirepass is the default user's only password ("" = nopass). */
function updateDefaultPassword(state: AclState, pass: string): void {
  const u = state.defaultUser;
  u.apply('resetpass', 0);
  u.apply(pass === '' ? 'nopass' : '>' + pass, 0);
}

/**
 * Attaches this module's per-server state and hooks; called once from the Server constructor.
 * Users come from requirepass, then the config file's `user` lines or the aclfile, as Redis
 * loads them at startup; a failure there stops the server as Redis does (here: logged, thrown).
 */
export function installAcl(server: Server): void {
  const state = new AclState(server);
  states.set(server, state);
  const config = server.config;
  if (config.get('requirepass') !== '') updateDefaultPassword(state, config.get('requirepass'));
  const gate: CommandGate = (c, cmd, argv) => {
    const u = state.userOf(c);
    if (u.allowsAll) return null;
    const d = state.check(u, cmd, argv);
    if (d === null) return null;
    // Redis has made it the client's last command when the log takes the client's info.
    c.lastCommand = cmd;
    state.logDenial(c, d, c.inScript ? 'lua' : c.multi !== null ? 'multi' : 'toplevel', cmd, argv);
    return noPermText(d, cmd);
  };
  state.onUsersChanged = () => state.refreshGate(gate);
  server.authRequiredHook = () => state.authRequired();
  config.appliers.set('requirepass', () => {
    updateDefaultPassword(state, config.get('requirepass'));
    state.onUsersChanged();
    return null;
  });
  config.describeUsers = () => state.sortedUsers().map((u) => `user ${u.name} ${u.describe()}`);
  const aclfile = config.get('aclfile');
  const fatal = (msg: string): never => {
    server.log.warning(msg);
    throw new StartupError(msg);
  };
  if (aclfile !== '' && config.userLines.length !== 0) {
    fatal('Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.');
  }
  const err = loadConfigUsers(state, config.userLines);
  if (err !== null) {
    server.log.warning(err);
    fatal('Critical error while loading ACLs. Exiting.');
  }
  if (aclfile !== '') {
    const errors = loadAclFile(state, aclfile, null);
    if (errors !== null) fatal(`Aborting Redis startup because of ACL errors: ${errors}`);
  }
  state.onUsersChanged();
}

/**
 * The ACL check of a command called from a script (redis.call / redis.pcall), for the scripting
 * module: null when allowed, else scriptVerifyACL's text (without an error code: the script's
 * error path adds "ERR"). `c` runs the command (its user is the caller's); the refusal is logged
 * with context "lua" and the caller's client info, as Redis logs server.script_caller.
 */
export function aclCheckCommand(c: Client, cmd: Command, argv: string[], caller: Client = c): string | null {
  if (c.server.aclGate === null) return null;
  const state = aclOf(c.server);
  const u = state.userOf(c);
  if (u.allowsAll) return null;
  const d = state.check(u, cmd, argv);
  if (d === null) return null;
  const object = d.reason === DENIED_CMD ? cmd.fullName : (argv[d.idx] ?? '');
  state.addLog(caller, d.reason, 'lua', object, u.name);
  if (d.reason === DENIED_CMD) return "The user executing the script can't run this command or subcommand";
  if (d.reason === DENIED_KEY) return "The user executing the script can't access at least one of the keys mentioned in the command arguments";
  if (d.reason === DENIED_CHANNEL) return "The user executing the script can't publish to the channel mentioned in the command";
  return 'The user executing the script is lacking the permissions for the command';
}

/** redis.acl_check_cmd: whether the client's user may run the call; nothing is logged. */
export function aclAllows(c: Client, cmd: Command, argv: string[]): boolean {
  if (c.server.aclGate === null) return true;
  const state = aclOf(c.server);
  const u = state.userOf(c);
  return u.allowsAll || state.check(u, cmd, argv) === null;
}

/**
 * EXEC checks each queued command again (the rules may have changed since it was queued): null
 * when allowed, else the error that takes its reply's place; logged with context "multi".
 */
export function aclExecCheck(c: Client, cmd: Command, argv: string[]): string | null {
  if (c.server.aclGate === null) return null;
  const state = aclOf(c.server);
  const u = state.userOf(c);
  if (u.allowsAll) return null;
  const d = state.check(u, cmd, argv);
  if (d === null) return null;
  state.logDenial(c, d, 'multi', cmd, argv);
  const reason =
    d.reason === DENIED_CMD
      ? 'no permission to execute the command or subcommand'
      : d.reason === DENIED_KEY
        ? 'no permission to touch the specified keys'
        : d.reason === DENIED_CHANNEL
          ? 'no permission to access one of the channels used as arguments'
          : 'no permission';
  return `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${reason}`;
}

/**
 * ACLAuthenticateUser (AUTH, HELLO AUTH): on success the client is authenticated as the user;
 * a failure is logged (reason "auth", the command name as sent for object).
 */
export function aclAuthenticate(c: Client, username: string, password: string): boolean {
  const state = aclOf(c.server);
  const u = state.users.get(username);
  if (u !== undefined && u.checkPassword(password)) {
    c.user = username;
    c.setAuthenticated(true);
    return true;
  }
  state.addLog(c, DENIED_AUTH, c.multi !== null ? 'multi' : 'toplevel', c.argv[0] ?? '', username);
  return false;
}

/** AUTH <password> is refused while the default user needs no password. */
export function defaultUserHasNoPass(server: Server): boolean {
  return (aclOf(server).defaultUser.flags & USER_NOPASS) !== 0;
}

/** CLIENT KILL USER checks the user exists. */
export function aclUserExists(server: Server, name: string): boolean {
  return aclOf(server).users.has(name);
}

/**
 * RESTORE under sanitize-dump-payload "clients": a user flagged skip-sanitize-payload is trusted
 * (isDeepSanitizationNeeded), for the persistence module.
 */
export function aclSkipsSanitizePayload(c: Client): boolean {
  return (aclOf(c.server).userOf(c).flags & USER_SKIP_SANITIZE) !== 0;
}
