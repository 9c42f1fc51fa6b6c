import crypto from 'node:crypto';
import { SEL_ALLCHANNELS, SEL_ROOT, Selector, selectorFromOpSet, type RuleError } from './selector.js';

/** User flags (ACLUserFlags), in the order ACL LIST and GETUSER print them. */
export const USER_ON = 1;
export const USER_OFF = 2;
export const USER_NOPASS = 4;
export const USER_SKIP_SANITIZE = 8;
export const USER_SANITIZE = 16;

const FLAG_NAMES: [number, string][] = [
  [USER_ON, 'on'],
  [USER_OFF, 'off'],
  [USER_NOPASS, 'nopass'],
  [USER_SKIP_SANITIZE, 'skip-sanitize-payload'],
  [USER_SANITIZE, 'sanitize-payload'],
];

/** ACLHashPassword: sha256 of the password's bytes, lower-case hex. */
export function hashPassword(pass: string): string {
  return crypto.createHash('sha256').update(Buffer.from(pass, 'latin1')).digest('hex');
}

/** ACLCheckPasswordHash: 64 characters of lower-case hex. */
function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

export class User {
  flags = USER_OFF;
  /** sha256 hex of each password, in the order they were added. */
  passwords: string[] = [];
  /** The root selector first, then the "(...)" ones. */
  selectors: Selector[];

  constructor(
    readonly name: string,
    pubsubDefault: number,
  ) {
    this.selectors = [new Selector(SEL_ROOT | pubsubDefault)];
  }

  get root(): Selector {
    return this.selectors[0]!;
  }

  /** Allowed every command, key and channel by its root selector: checks can be skipped. */
  get allowsAll(): boolean {
    return this.root.allowsAll;
  }

  /** ACLCopyUser: the rules of `src` (not its name). */
  copyFrom(src: User): void {
    this.flags = src.flags;
    this.passwords = src.passwords.slice();
    this.selectors = src.selectors.map((s) => s.clone());
  }

  /** ACLSetUser: applies one rule to the user or its root selector. */
  apply(op: string, pubsubDefault: number): RuleError | null {
    if (op.length === 0) return null;
    const lop = op.toLowerCase();
    if (lop === 'on') {
      this.flags = (this.flags | USER_ON) & ~USER_OFF;
    } else if (lop === 'off') {
      this.flags = (this.flags | USER_OFF) & ~USER_ON;
    } else if (lop === 'skip-sanitize-payload') {
      this.flags = (this.flags | USER_SKIP_SANITIZE) & ~USER_SANITIZE;
    } else if (lop === 'sanitize-payload') {
      this.flags = (this.flags | USER_SANITIZE) & ~USER_SKIP_SANITIZE;
    } else if (lop === 'nopass') {
      this.flags |= USER_NOPASS;
      this.passwords = [];
    } else if (lop === 'resetpass') {
      this.flags &= ~USER_NOPASS;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let hash: string;
      if (op[0] === '>') hash = hashPassword(op.slice(1));
      else {
        hash = op.slice(1);
        if (!validHash(hash)) return 'EBADMSG';
      }
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.flags &= ~USER_NOPASS;
    } else if (op[0] === '<' || op[0] === '!') {
      let hash: string;
      if (op[0] === '<') hash = hashPassword(op.slice(1));
      else {
        hash = op.slice(1);
        if (!validHash(hash)) return 'EBADMSG';
      }
      const i = this.passwords.indexOf(hash);
      if (i < 0) return 'ENODEV';
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = selectorFromOpSet(op, pubsubDefault);
      if (typeof s === 'string') return s;
      this.selectors.push(s);
    } else if (lop === 'clearselectors') {
      this.selectors.length = 1;
    } else if (lop === 'reset') {
      this.apply('resetpass', pubsubDefault);
      this.apply('resetkeys', pubsubDefault);
      this.apply('resetchannels', pubsubDefault);
      if (pubsubDefault & SEL_ALLCHANNELS) this.apply('allchannels', pubsubDefault);
      this.apply('off', pubsubDefault);
      this.apply('sanitize-payload', pubsubDefault);
      this.apply('clearselectors', pubsubDefault);
      this.apply('-@all', pubsubDefault);
    } else {
      return this.root.apply(op);
    }
    return null;
  }

  /** ACLCheckUserCredentials for this user: enabled, and nopass or a matching password. */
  checkPassword(pass: string): boolean {
    if (this.flags & USER_OFF) return false;
    if (this.flags & USER_NOPASS) return true;
    const h = hashPassword(pass);
    let ok = false;
    // Every hash is compared, as Redis's time_independent_strcmp does not stop early either.
    for (const p of this.passwords) if (crypto.timingSafeEqual(Buffer.from(p), Buffer.from(h))) ok = true;
    return ok;
  }

  flagNames(): string[] {
    const out: string[] = [];
    for (const [f, name] of FLAG_NAMES) if (this.flags & f) out.push(name);
    return out;
  }

  /** ACLDescribeUser: flags, password hashes, then the selectors, as ACL LIST and files show them. */
  describe(): string {
    let res = '';
    for (const f of this.flagNames()) res += f + ' ';
    for (const p of this.passwords) res += '#' + p + ' ';
    this.selectors.forEach((s, i) => {
      res += i === 0 ? s.describe() : ` (${s.describe()})`;
    });
    return res;
  }
}

/**
 * ACLMergeSelectorArguments: a selector may come spread over several arguments, "(+get" "~a)";
 * they are joined with spaces. An unclosed one answers the index of its first argument.
 */
export function mergeSelectorArgs(args: readonly string[]): string[] | number {
  const out: string[] = [];
  let open = -1;
  let selector = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j]!;
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      selector = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      selector += ' ' + op;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(selector);
      }
      continue;
    }
    out.push(op);
  }
  return open !== -1 ? open : out;
}
