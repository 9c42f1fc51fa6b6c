import fs from 'node:fs';
import type { Client } from '../server/client.js';
import type { AclState } from './state.js';
import { USER_OFF, User, mergeSelectorArgs } from './user.js';
import { hasSpaces, ruleErrorText, type RuleError } from './selector.js';

/**
 * The ACL file (ACL LOAD / SAVE, `aclfile`) and the `user` lines of redis.conf, as acl.c reads
 * and writes them.
 */

/** strerror texts for the errors a file open meets. */
function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    default:
      return (e as Error).message;
  }
}

/**
 * ACLLoadFromFile: every line is checked; one error anywhere and nothing changes. On success the
 * users are replaced: the default user keeps its identity (its clients stay), every other user
 * is new, so clients authenticated as the old ones are closed. Answers the error text or null.
 */
export function loadAclFile(state: AclState, filename: string, current: Client | null): string | null {
  let text: string;
  try {
    text = fs.readFileSync(filename).toString('latin1');
  } catch (e) {
    return `Error loading ACLs, opening file '${filename}': ${strerror(e)}`;
  }
  const pubsub = state.pubsubDefault();
  const users = new Map<string, User>();
  let errors = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const linenum = i + 1;
    const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '') continue;
    // sdssplitlen on single spaces: runs of spaces give empty rules, which change nothing.
    const argv = line.split(' ');
    if (argv[0] !== 'user' || argv.length < 2) {
      errors += `${filename}:${linenum} should start with user keyword followed by the username. `;
      continue;
    }
    const name = argv[1]!;
    if (hasSpaces(name)) {
      errors += `'${filename}:${linenum}: username '${name}' contains invalid characters. `;
      continue;
    }
    if (users.has(name)) {
      errors += `WARNING: Duplicate user '${name}' found on line ${linenum}. `;
      continue;
    }
    const u = new User(name, pubsub);
    users.set(name, u);
    const merged = mergeSelectorArgs(argv.slice(2));
    if (typeof merged === 'number') {
      errors += `${filename}:${linenum}: Unmatched parenthesis in selector definition.`;
      continue;
    }
    for (const rule of merged) {
      const err = u.apply(rule.replace(/^[\t\r\n]+|[\t\r\n]+$/g, ''), pubsub);
      if (err !== null) {
        // 7.0.15 reports a line's first bad rule only.
        errors += `${filename}:${linenum}: ${ruleErrorText(err)}. `;
        break;
      }
    }
  }
  if (errors !== '') return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
  const def = state.defaultUser;
  def.copyFrom(users.get('default') ?? state.createDefaultUser());
  for (const old of [...state.users.keys()]) {
    if (old === 'default') continue;
    state.users.delete(old);
    state.killClientsOf(old, current);
  }
  for (const [name, u] of users) if (name !== 'default') state.users.set(name, u);
  return null;
}

/** ACLSaveToFile: every user as a `user` line, written to a temporary file renamed over the old one. */
export function saveAclFile(state: AclState, filename: string): boolean {
  let acl = '';
  for (const u of state.sortedUsers()) acl += `user ${u.name} ${u.describe()}\n`;
  const tmp = `${filename}.tmp-${process.pid}-${Date.now()}`;
  try {
    fs.writeFileSync(tmp, Buffer.from(acl, 'latin1'), { mode: 0o644 });
    fs.renameSync(tmp, filename);
    return true;
  } catch (e) {
    state.server.log.warning(`Writing ACL file for ACL SAVE: ${strerror(e)}`);
    try {
      fs.unlinkSync(tmp);
    } catch {
      // Nothing was written.
    }
    return false;
  }
}

/**
 * ACLAppendUserForLoading's check of a `user` line of the config file (args without "user"):
 * Redis's error text, or null. Unknown commands pass here (Redis lets modules add them later)
 * and fail at load.
 */
export function checkConfigUserLine(args: readonly string[], earlier: readonly (readonly string[])[]): string | null {
  const name = args[0]!;
  const fail = (what: string, e: RuleError): string => `Error in user declaration '${what}': ${ruleErrorText(e)}`;
  if (earlier.some((l) => l[0] === name)) return fail(name, 'EALREADY');
  const merged = mergeSelectorArgs(args.slice(1));
  // Redis names the argument at the failing index of the whole line (an off-by-two it has).
  const full = ['user', ...args];
  if (typeof merged === 'number') return fail(full[merged] ?? '', 'EINVAL');
  const fake = new User('__fakeuser:0__', 0);
  for (let j = 0; j < merged.length; j++) {
    const err = fake.apply(merged[j]!, 0);
    if (err !== null && err !== 'ENOENT') return fail(full[j] ?? '', err);
  }
  return null;
}

/**
 * ACLLoadConfiguredUsers: the `user` lines, in order; "default" is reset first. Answers Redis's
 * log line for the first rule that fails (startup is then aborted), or null.
 */
export function loadConfigUsers(state: AclState, lines: readonly (readonly string[])[]): string | null {
  const pubsub = state.pubsubDefault();
  for (const args of lines) {
    const name = args[0]!;
    if (hasSpaces(name)) return 'Spaces not allowed in ACL usernames';
    let u = state.users.get(name);
    if (u === undefined) {
      u = new User(name, pubsub);
      state.users.set(name, u);
    } else {
      u.apply('reset', pubsub);
    }
    const merged = mergeSelectorArgs(args.slice(1));
    if (typeof merged === 'number') return `Error loading ACL rule '${args[merged + 1] ?? ''}' for the user named '${name}': Syntax error`;
    for (const rule of merged) {
      const err = u.apply(rule, pubsub);
      if (err !== null) return `Error loading ACL rule '${rule}' for the user named '${name}': ${ruleErrorText(err)}`;
    }
    if (u.flags & USER_OFF) {
      state.server.log.notice(`The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
    }
  }
  return null;
}

