import { splitArgs } from '../protocol/parser.js';
import { CATEGORIES, FUTURE_BIT, categoryFlag, lookupAclCommand, universe, type AclCommand } from './universe.js';

/**
 * ACL selectors as Redis 7.0's acl.c keeps them: a bitmap of allowed command ids, the first
 * arguments allowed for otherwise denied commands (+select|0), key patterns with read/write
 * permissions, and channel patterns. A user has a root selector plus any number of "(...)" ones.
 */

export const SEL_ROOT = 1;
export const SEL_ALLKEYS = 2;
export const SEL_ALLCOMMANDS = 4;
export const SEL_ALLCHANNELS = 8;

/** Key permissions of a pattern (ACL_READ_PERMISSION / ACL_WRITE_PERMISSION). */
export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_ALL = 3;

/**
 * Why a rule was refused: the errno ACLSetSelector/ACLSetUser set, named as the message
 * ACLSetUserStringError gives for it.
 */
export type RuleError = 'ENOENT' | 'EINVAL' | 'EEXIST' | 'EISDIR' | 'ENODEV' | 'EBADMSG' | 'EALREADY' | 'ECHILD';

export function ruleErrorText(e: RuleError): string {
  switch (e) {
    case 'ENOENT':
      return 'Unknown command or category name in ACL';
    case 'EINVAL':
      return 'Syntax error';
    case 'EEXIST':
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case 'EISDIR':
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    case 'ENODEV':
      return 'The password you are trying to remove from the user does not exist';
    case 'EBADMSG':
      return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
    case 'EALREADY':
      return 'Duplicate user found. A user can only be defined once in config files';
    case 'ECHILD':
      return 'Allowing first-arg of a subcommand is not supported';
  }
}

export interface KeyPattern {
  flags: number;
  readonly pattern: string;
}

/** ACLStringHasSpaces: C's isspace or a NUL anywhere. */
export function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0 || ch === 32 || (ch >= 9 && ch <= 13)) return true;
  }
  return false;
}

export class Selector {
  flags: number;
  /** One byte per command id, plus the reserved future-commands byte. */
  allowed: Uint8Array;
  /** Command id -> first arguments allowed while the command's bit is off; null when none. */
  firstArgs: Map<number, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(flags: number) {
    this.flags = flags;
    this.allowed = new Uint8Array(FUTURE_BIT + 1);
  }

  clone(): Selector {
    const s = new Selector(this.flags);
    s.allowed = this.allowed.slice();
    if (this.firstArgs) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, v.slice()]));
    s.patterns = this.patterns.map((p) => ({ flags: p.flags, pattern: p.pattern }));
    s.channels = this.channels.slice();
    return s;
  }

  /** Everything allowed: a check can stop here at once. */
  get allowsAll(): boolean {
    return (this.flags & (SEL_ALLKEYS | SEL_ALLCOMMANDS | SEL_ALLCHANNELS)) === (SEL_ALLKEYS | SEL_ALLCOMMANDS | SEL_ALLCHANNELS);
  }

  bit(id: number): boolean {
    return this.allowed[id] === 1;
  }

  /** ACLSetSelectorCommandBit: clearing any bit drops the allcommands shortcut. */
  private setBit(id: number, value: boolean): void {
    this.allowed[id] = value ? 1 : 0;
    if (!value) this.flags &= ~SEL_ALLCOMMANDS;
  }

  /** ACLChangeSelectorPerm: a container's permission goes to all of its subcommands. */
  changePerm(cmd: AclCommand, allow: boolean): void {
    this.setBit(cmd.id, allow);
    this.firstArgs?.delete(cmd.id);
    for (const sub of cmd.subcommands) this.setBit(sub.id, allow);
  }

  private setCategory(flag: number, allow: boolean): void {
    const walk = (cmds: readonly AclCommand[]): void => {
      for (const cmd of cmds) {
        if (cmd.categories & flag) this.changePerm(cmd, allow);
        if (cmd.subcommands.length) walk(cmd.subcommands);
      }
    };
    walk(universe.commands);
  }

  /** ACLCountCategoryBitsForSelector: commands of the category allowed (on) and denied (off). */
  countCategory(flag: number): [number, number] {
    let on = 0;
    let off = 0;
    const walk = (cmds: readonly AclCommand[]): void => {
      for (const cmd of cmds) {
        if (cmd.categories & flag) {
          if (this.bit(cmd.id)) on++;
          else off++;
        }
        if (cmd.subcommands.length) walk(cmd.subcommands);
      }
    };
    walk(universe.commands);
    return [on, off];
  }

  private addFirstArg(id: number, arg: string): void {
    this.firstArgs ??= new Map();
    let list = this.firstArgs.get(id);
    if (list === undefined) this.firstArgs.set(id, (list = []));
    const lower = arg.toLowerCase();
    if (list.some((a) => a.toLowerCase() === lower)) return;
    list.push(arg);
  }

  /** ACLSetSelector: applies one rule; a RuleError when it is refused. */
  apply(op: string): RuleError | null {
    const lop = op.toLowerCase();
    if (lop === 'allkeys' || op === '~*') {
      this.flags |= SEL_ALLKEYS;
      this.patterns = [];
    } else if (lop === 'resetkeys') {
      this.flags &= ~SEL_ALLKEYS;
      this.patterns = [];
    } else if (lop === 'allchannels' || op === '&*') {
      this.flags |= SEL_ALLCHANNELS;
      this.channels = [];
    } else if (lop === 'resetchannels') {
      this.flags &= ~SEL_ALLCHANNELS;
      this.channels = [];
    } else if (lop === 'allcommands' || lop === '+@all') {
      this.allowed.fill(1);
      this.flags |= SEL_ALLCOMMANDS;
      this.firstArgs = null;
    } else if (lop === 'nocommands' || lop === '-@all') {
      this.allowed.fill(0);
      this.flags &= ~SEL_ALLCOMMANDS;
      this.firstArgs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      return this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if (this.flags & SEL_ALLCHANNELS) return 'EISDIR';
      const pat = op.slice(1);
      if (hasSpaces(pat)) return 'EINVAL';
      if (!this.channels.includes(pat)) this.channels.push(pat);
      this.flags &= ~SEL_ALLCHANNELS;
    } else if (op[0] === '+' && op[1] !== '@') {
      return this.allowCommand(op.slice(1));
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = lookupAclCommand(op.slice(1));
      if (cmd === undefined) return 'ENOENT';
      this.changePerm(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const flag = categoryFlag(op.slice(2));
      if (!flag) return 'ENOENT';
      this.setCategory(flag, op[0] === '+');
    } else {
      return 'EINVAL';
    }
    return null;
  }

  /** ~pattern, %R~pattern, %W~pattern, %RW~pattern: a pattern given again gains the new permissions. */
  private addKeyPattern(op: string): RuleError | null {
    if (this.flags & SEL_ALLKEYS) return 'EEXIST';
    let flags = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const ch = op[offset]!.toUpperCase();
        if (ch === 'R' && !(flags & PERM_READ)) flags |= PERM_READ;
        else if (ch === 'W' && !(flags & PERM_WRITE)) flags |= PERM_WRITE;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else return 'EINVAL';
      }
      // 7.0.15: a permission without a letter ("%~a") is a syntax error.
      if (!flags) return 'EINVAL';
    } else {
      flags = PERM_ALL;
    }
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) return 'EINVAL';
    const existing = this.patterns.find((p) => p.pattern === pattern);
    if (existing) existing.flags |= flags;
    else this.patterns.push({ flags, pattern });
    this.flags &= ~SEL_ALLKEYS;
    return null;
  }

  /** +cmd, +cmd|sub, or +cmd|first-arg for a command without subcommands (the deprecated form). */
  private allowCommand(name: string): RuleError | null {
    const bar = name.lastIndexOf('|');
    if (bar < 0) {
      const cmd = lookupAclCommand(name);
      if (cmd === undefined) return 'ENOENT';
      this.changePerm(cmd, true);
      return null;
    }
    const base = name.slice(0, bar);
    const sub = name.slice(bar + 1);
    const cmd = lookupAclCommand(base);
    if (cmd === undefined) return 'ENOENT';
    if (cmd.parent !== null) return 'ECHILD';
    if (sub === '') return 'EINVAL';
    if (cmd.subcommands.length) {
      const subcmd = lookupAclCommand(name);
      if (subcmd === undefined) return 'ENOENT';
      this.changePerm(subcmd, true);
    } else {
      this.addFirstArg(cmd.id, sub);
    }
    return null;
  }

  /**
   * ACLDescribeSelectorCommandRules: "+@all" or "-@all", then the categories that best fit the
   * bitmap (applied to a scratch selector as they are chosen), then single commands for what
   * is left. Commands are visited in the command table's order (Redis walks its hash table,
   * whose order changes with each process's hash seed).
   */
  describeCommands(): string {
    let rules = '';
    const fake = new Selector(0);
    const additive = !this.bit(FUTURE_BIT);
    if (!additive) {
      rules += '+@all ';
      fake.apply('+@all');
    } else {
      rules += '-@all ';
      fake.apply('-@all');
    }
    const temp = new Selector(0);
    temp.allowed = this.allowed.slice();
    const applied = new Array<boolean>(CATEGORIES.length).fill(false);
    for (;;) {
      let best = -1;
      let mindiff = 0x7fffffff;
      let maxsame = 0;
      for (let j = 0; j < CATEGORIES.length; j++) {
        if (applied[j]) continue;
        const [on, off] = temp.countCategory(1 << j);
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = j;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best === -1) break;
      const name = CATEGORIES[best]!;
      fake.apply((additive ? '+@' : '-@') + name);
      temp.apply((additive ? '-@' : '+@') + name);
      rules += (additive ? '+@' : '-@') + name + ' ';
      applied[best] = true;
    }
    rules = this.describeSingleCommands(fake, rules, universe.commands);
    return rules.slice(0, -1);
  }

  private describeSingleCommands(fake: Selector, rules: string, cmds: readonly AclCommand[]): string {
    for (const cmd of cmds) {
      const userbit = this.bit(cmd.id);
      if (userbit !== fake.bit(cmd.id)) {
        rules += (userbit ? '+' : '-') + cmd.fullName + ' ';
        fake.changePerm(cmd, userbit);
      }
      if (cmd.subcommands.length) rules = this.describeSingleCommands(fake, rules, cmd.subcommands);
      const firsts = this.firstArgs?.get(cmd.id);
      if (!userbit && firsts) for (const a of firsts) rules += `+${cmd.fullName}|${a} `;
    }
    return rules;
  }

  /** The key patterns as GETUSER shows them: "~*", or each with its permission prefix. */
  describeKeys(): string {
    if (this.flags & SEL_ALLKEYS) return '~*';
    return this.patterns.map(patternString).join(' ');
  }

  describeChannels(): string {
    if (this.flags & SEL_ALLCHANNELS) return '&*';
    return this.channels.map((ch) => '&' + ch).join(' ');
  }

  /** ACLDescribeSelector: keys, channels and commands in the form ACL SETUSER takes. */
  describe(): string {
    let res = '';
    if (this.flags & SEL_ALLKEYS) res += '~* ';
    else for (const p of this.patterns) res += patternString(p) + ' ';
    if (this.flags & SEL_ALLCHANNELS) res += '&* ';
    else {
      res += 'resetchannels ';
      for (const ch of this.channels) res += '&' + ch + ' ';
    }
    return res + this.describeCommands();
  }
}

function patternString(p: KeyPattern): string {
  if (p.flags === PERM_ALL) return '~' + p.pattern;
  if (p.flags === PERM_READ) return '%R~' + p.pattern;
  return '%W~' + p.pattern;
}

/** aclCreateSelectorFromOpSet: "(rule rule ...)" split as sdssplitargs does. */
export function selectorFromOpSet(opset: string, pubsubDefault: number): Selector | RuleError {
  const s = new Selector(pubsubDefault);
  const args = splitArgs(opset.slice(1, -1));
  if (args === null) return new Selector(pubsubDefault);
  for (const a of args) {
    const err = s.apply(a);
    if (err !== null) return err;
  }
  return s;
}
