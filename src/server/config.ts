import fs from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../protocol/parser.js';
import { parseBigInteger } from '../protocol/number-format.js';
import { globMatch } from '../keyspace/glob.js';
import { CONFIG_PARAMS, DEPRECATED_CONFIGS, type ConfigParam, type SpecialContext } from './config-params.js';
import { ConfigError } from './config-errors.js';
import { memtoull, notifyFlagsFromString, strtoll } from './config-special.js';
import { rewriteConfigFile } from './config-rewrite.js';

export { type ConfigParam, ConfigError };

/** memtoull as a number ("100mb" -> bytes), or null. */
export function parseMemory(s: string): number | null {
  const v = memtoull(s);
  return v === null ? null : Number(v);
}

/** A parameter's current value: as CONFIG GET prints it, and as a number for the hot paths. */
interface Slot {
  text: string;
  num: number;
  /** Numeric parameters: the C long long the value is stored as (percentages are negative). */
  big: bigint;
}

/** One name/value pair of a CONFIG SET, with what happened to it. */
export interface ConfigSetResult {
  /** null on success, otherwise the whole error reply ("ERR CONFIG SET failed ..."). */
  error: string | null;
  /** Names (canonical) whose value changed. */
  changed: string[];
}

const UNSIGNED_TYPES = new Set(['uint', 'ulonglong', 'size_t']);

/** Redis's CONFIG_MIN_HZ / CONFIG_MAX_HZ. */
const MIN_HZ = 1n;
const MAX_HZ = 500n;

/**
 * ACLAppendUserForLoading's check of a `user` line as the file is read (set by the ACL module):
 * Redis's error text, or null. Gets the line without "user" and the lines read before it.
 */
export const configUserLineCheck: { check: ((args: readonly string[], earlier: readonly (readonly string[])[]) => string | null) | null } = { check: null };

/**
 * Server configuration: every parameter Redis 7.0 knows, with its type, bounds and default, read
 * from flags and redis.conf files and changed with CONFIG SET (atomically, with Redis's rollback).
 * Values are kept as CONFIG GET renders them, plus a numeric copy for the command path.
 */
export class Config {
  private readonly slots = new Map<string, Slot>();
  private readonly byName = new Map<string, ConfigParam>();
  /** Called after a parameter changed at run time (CONFIG SET), once per changed parameter. */
  onChange: (name: string) => void = () => {};
  /**
   * Apply steps run after CONFIG SET changed parameters (config.c's apply functions), by the
   * `apply` name of ConfigParam. One returning an error string makes the whole CONFIG SET fail
   * and roll back, then the steps run again for the restored values.
   */
  readonly appliers = new Map<string, () => string | null>();
  /** Path of the config file the server started with, for CONFIG REWRITE. */
  configFile: string | null = null;
  /** `rename-command` lines of the config file, in order (applied by the command table's owner). */
  readonly renamedCommands: [string, string][] = [];
  /** `user` lines of the config file (ACL rules), for the ACL module. */
  readonly userLines: string[][] = [];
  /** `loadmodule` lines: Nodis cannot load modules; kept so CONFIG REWRITE can drop them as Redis would. */
  readonly moduleLines: string[][] = [];
  /**
   * The `user` lines CONFIG REWRITE writes. Until ACLs exist, the default user is derived from
   * requirepass as Redis's ACL describes it; the ACL module replaces this.
   */
  describeUsers: (() => string[]) | null = null;
  /** notify-keyspace-events as NOTIFY_* bits, kept current for notifyKeyspaceEvent's hot path. */
  notifyFlags = 0;
  /** True once a config file's first `save` line replaced the defaults (later lines add to it). */
  private saveLoadedFromFile = false;
  private loadingFile = false;

  constructor() {
    for (const p of CONFIG_PARAMS) {
      this.byName.set(p.name, p);
      if (p.alias) this.byName.set(p.alias, p);
      const def = p.name === 'dir' ? process.cwd() : p.default;
      this.setSlot(p.name, this.slotFor(p, def, p.kind === 'numeric' ? BigInt(p.default) : 0n));
    }
    this.appliers.set('hz', () => this.clampHz());
    this.appliers.set('watchdog-period', () => this.applyWatchdogPeriod());
    this.appliers.set('tls', () => this.applyTls());
    this.appliers.set('notify-keyspace-events', () => {
      this.notifyFlags = notifyFlagsFromString(this.get('notify-keyspace-events'));
      return null;
    });
  }

  /**
   * Bumped on every change of any parameter: a hot path may keep values it derived from the
   * config (hashLimits) and recompute them only when this moved.
   */
  generation = 0;

  private setSlot(name: string, slot: Slot): void {
    this.slots.set(name, slot);
    this.generation++;
  }

  private slotFor(p: ConfigParam, text: string, big: bigint): Slot {
    let num: number;
    if (p.kind === 'numeric') num = Number(UNSIGNED_TYPES.has(p.numType!) || p.memory ? BigInt.asUintN(64, big) : big);
    else if (p.kind === 'bool') num = text === 'yes' ? 1 : 0;
    else num = Number(text);
    return { text, num, big };
  }

  params(): readonly ConfigParam[] {
    return CONFIG_PARAMS;
  }

  lookup(name: string): ConfigParam | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  private slot(name: string): Slot {
    let s = this.slots.get(name);
    if (s === undefined) {
      const p = this.lookup(name);
      s = p ? this.slots.get(p.name) : undefined;
      if (s === undefined) throw new Error(`no config ${name}`);
    }
    return s;
  }

  /** The value as CONFIG GET shows it. */
  get(name: string): string {
    return this.slot(name).text;
  }

  /** A numeric parameter as a number (memory and unsigned values as their unsigned value). */
  int(name: string): number {
    return this.slot(name).num;
  }

  /** A numeric parameter as the C long long it is stored as. */
  bigint(name: string): bigint {
    return this.slot(name).big;
  }

  bool(name: string): boolean {
    return this.slot(name).text === 'yes';
  }

  /**
   * Sets one parameter from a config file line or the command line: `args` are the words after
   * the name. No apply step runs (the server is not running yet). Throws ConfigError with
   * Redis's reason.
   */
  set(name: string, args: string[], fromFile: boolean): void {
    const p = this.lookup(name);
    if (!p) throw new ConfigError('Bad directive or wrong number of arguments');
    if (!fromFile && p.immutable) throw new ConfigError(`can't set immutable config`);
    if (!p.multiArg && args.length !== 1) throw new ConfigError('wrong number of arguments');
    const wasLoading = this.loadingFile;
    this.loadingFile = fromFile;
    try {
      this.assign(p, args);
    } finally {
      this.loadingFile = wasLoading;
    }
    if (p.name === 'notify-keyspace-events') this.notifyFlags = notifyFlagsFromString(this.get(p.name));
  }

  /** Parses `args` for `p` and stores the result; returns whether the value changed. */
  private assign(p: ConfigParam, args: string[]): boolean {
    const old = this.slots.get(p.name)!;
    let text: string;
    let big = 0n;
    if (p.kind === 'numeric') {
      big = this.parseNumeric(p, args[0]!);
      text = this.renderNumeric(p, big);
    } else if (p.kind === 'special') {
      const ctx: SpecialContext = {
        current: old.text,
        fromFile: this.loadingFile,
        firstSaveInFile: p.name === 'save' && this.loadingFile && !this.saveLoadedFromFile,
      };
      text = p.parse!(args, ctx);
      if (p.name === 'save' && this.loadingFile) this.saveLoadedFromFile = true;
    } else if (p.kind === 'enum') {
      text = this.parseEnum(p, args);
    } else {
      text = this.parseSimple(p, args[0]!);
    }
    this.setSlot(p.name, this.slotFor(p, text, big));
    // Special parameters always count as changed (their set functions return 1), as in Redis.
    return p.kind === 'special' || text !== old.text;
  }

  private parseSimple(p: ConfigParam, v: string): string {
    switch (p.kind) {
      case 'bool': {
        const l = v.toLowerCase();
        if (l !== 'yes' && l !== 'no') throw new ConfigError("argument must be 'yes' or 'no'");
        const why = p.validate?.(l);
        if (why) throw new ConfigError(why);
        return l;
      }
      default: {
        const why = p.validate?.(v);
        if (why) throw new ConfigError(why);
        return v;
      }
    }
  }

  /** enumConfigSet / configEnumGetValue / configEnumGetName of 7.0.15 (bit-flags enums included). */
  private parseEnum(p: ConfigParam, args: string[]): string {
    const values = p.enumValues!;
    let val = 0;
    let ok = args.length > 0 && (p.bitflags || args.length === 1);
    for (const a of ok ? args : []) {
      const found = values.find(([n]) => n === a.toLowerCase());
      if (!found) {
        ok = false;
        break;
      }
      val |= found[1];
    }
    if (!ok) {
      // config.c copies the message into a 256-byte buffer.
      const msg = 'argument(s) must be one of the following: ' + values.map(([n]) => n).join(', ');
      throw new ConfigError(msg.slice(0, 255));
    }
    const text = renderEnum(values, val, p.bitflags === true);
    const why = p.validate?.(text);
    if (why) throw new ConfigError(why);
    return text;
  }

  /** numericParseString + numericBoundaryCheck of config.c. */
  private parseNumeric(p: ConfigParam, v: string): bigint {
    let ll: bigint | null = null;
    if (p.memory) {
      const m = memtoull(v);
      if (m !== null) ll = BigInt.asIntN(64, m);
    }
    if (ll === null && p.percent && v.length > 1 && v.endsWith('%')) {
      const n = parseBigInteger(v.slice(0, -1));
      if (n !== null && n >= 0n) ll = -n;
    }
    if (ll === null && p.octal) {
      const r = strtoll(v, 8);
      if (v === '') ll = 0n;
      else if (!r.overflow && r.end === v.length) ll = r.value;
    }
    if (ll === null && !p.memory && !p.percent && !p.octal) ll = parseBigInteger(v);
    if (ll === null) {
      if (p.memory && p.percent) throw new ConfigError('argument must be a memory or percent value');
      if (p.memory) throw new ConfigError('argument must be a memory value');
      if (p.octal) throw new ConfigError("argument couldn't be parsed as an octal number");
      throw new ConfigError("argument couldn't be parsed into an integer");
    }
    const min = p.min!;
    const max = p.max!;
    if (UNSIGNED_TYPES.has(p.numType!)) {
      const ull = BigInt.asUintN(64, ll);
      if (ull > max || ull < min) {
        const f = (b: bigint) => (p.octal ? b.toString(8) : String(b));
        throw new ConfigError(`argument must be between ${f(min)} and ${f(max)} inclusive`);
      }
    } else if (p.percent && ll < 0n) {
      if (ll < min) throw new ConfigError(`percentage argument must be less or equal to ${-min}`);
    } else if (ll > max || ll < min) {
      throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
    }
    return ll;
  }

  private renderNumeric(p: ConfigParam, v: bigint): string {
    if (p.percent && v < 0n) return `${-v}%`;
    if (p.memory) return String(BigInt.asUintN(64, v));
    if (p.octal) return v.toString(8);
    return String(v);
  }

  /** updateHZ: hz is a hint, so out-of-range values are accepted and capped. */
  private clampHz(): null {
    const hz = this.bigint('hz');
    const capped = hz < MIN_HZ ? MIN_HZ : hz > MAX_HZ ? MAX_HZ : hz;
    if (capped !== hz) this.setSlot('hz', this.slotFor(this.lookup('hz')!, String(capped), capped));
    return null;
  }

  /** applyWatchdogPeriod: a non-zero period is at least two cron ticks. */
  private applyWatchdogPeriod(): null {
    const period = this.bigint('watchdog-period');
    if (period > 0n) {
      const min = BigInt(Math.floor(1000 / this.int('hz')) * 2);
      if (period < min) this.setSlot('watchdog-period', this.slotFor(this.lookup('watchdog-period')!, String(min), min));
    }
    return null;
  }

  /** applyTlsCfg: with TLS in use, configuring it fails; Nodis has no TLS, so it always does. */
  private applyTls(): string | null {
    if (this.int('tls-port') !== 0 || this.bool('tls-replication') || this.bool('tls-cluster')) {
      return 'Unable to update TLS configuration. Check server logs.';
    }
    return null;
  }

  /**
   * CONFIG SET name value [name value ...] (configSetCommand): every name is checked first, then
   * all values are set, then the apply steps run; any failure restores every old value.
   * `allowProtected` says whether enable-protected-configs lets this client change protected
   * parameters. `redact` is told the argv indexes of sensitive values.
   */
  setFromCommand(pairs: [string, string][], allowProtected: boolean, redact: (pairIndex: number) => void = () => {}): ConfigSetResult {
    let invalidArgName: string | null = null;
    let errArgName = '';
    let errstr: string | null = null;
    let invalid = false;
    const params: ConfigParam[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const [name] = pairs[i]!;
      const p = this.lookup(name);
      if (!p) {
        if (!invalid) {
          invalidArgName = name;
          invalid = true;
        }
        continue;
      }
      // Sensitive values are redacted even when the command fails, as Redis does.
      if (p.sensitive) redact(i);
      if (invalid) continue;
      if (p.immutable || (p.protected && !allowProtected)) {
        errstr = p.immutable ? "can't set immutable config" : "can't set protected config";
        errArgName = name;
        invalid = true;
        continue;
      }
      // An alias is registered as a config entry of its own, so only the same name is a duplicate.
      if (pairs.some(([n], j) => j < i && params[j] === p && n.toLowerCase() === name.toLowerCase())) {
        errstr = 'duplicate parameter';
        errArgName = name;
        invalid = true;
      }
      params[i] = p;
    }
    const fail = (): ConfigSetResult => {
      let error: string;
      if (invalidArgName !== null) error = `ERR Unknown option or number of arguments for CONFIG SET - '${invalidArgName}'`;
      else if (errstr !== null) error = `ERR CONFIG SET failed (possibly related to argument '${errArgName}') - ${errstr}`;
      else error = `ERR CONFIG SET failed (possibly related to argument '${errArgName}')`;
      return { error: error.replace(/[\r\n]/g, ' '), changed: [] };
    };
    if (invalid) return fail();

    const old = params.map((p) => this.slots.get(p.name)!);
    const restore = (upTo: number) => {
      for (let i = 0; i < upTo; i++) this.setSlot(params[i]!.name, old[i]!);
    };
    // The name a failure is reported under: the one the config is registered as (alias or not).
    const registeredName = (i: number) => {
      const given = pairs[i]![0].toLowerCase();
      const p = params[i]!;
      return p.alias === given ? p.alias : p.name;
    };
    const applies: [string, number][] = [];
    const changed: string[] = [];
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      const value = pairs[i]![1];
      // MULTI_ARG values are split on single spaces (sdssplitlen): "" gives no arguments.
      const args = p.multiArg ? (value === '' ? [] : value.split(' ')) : [value];
      let didChange: boolean;
      try {
        didChange = this.assign(p, args);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        restore(i + 1);
        errstr = e.message;
        errArgName = registeredName(i);
        return fail();
      }
      if (didChange) {
        changed.push(p.name);
        if (p.apply && !applies.some(([a]) => a === p.apply)) applies.push([p.apply, i]);
      }
    }
    for (const [name, i] of applies) {
      const err = this.appliers.get(name)?.() ?? null;
      if (err !== null) {
        restore(params.length);
        for (const [again] of applies) this.appliers.get(again)?.();
        errstr = err;
        errArgName = registeredName(i);
        return fail();
      }
    }
    for (const name of changed) this.onChange(name);
    return { error: null, changed };
  }

  /**
   * CONFIG GET: name/value pairs for each pattern. An exact name (no glob characters) is
   * returned under the name given, hidden parameters included; a pattern matches every visible
   * name and alias. Names already in the reply are not repeated (compared without case).
   */
  match(patterns: string[]): [string, string][] {
    const out = new Map<string, [string, string]>();
    for (const pat of patterns) {
      if (!/[[*?]/.test(pat)) {
        if (out.has(pat.toLowerCase())) continue;
        const p = this.lookup(pat);
        if (p) out.set(pat.toLowerCase(), [pat, this.slots.get(p.name)!.text]);
        continue;
      }
      for (const p of CONFIG_PARAMS) {
        if (p.hidden) continue;
        for (const n of p.alias ? [p.name, p.alias] : [p.name]) {
          if (!out.has(n) && globMatch(pat, n, true)) out.set(n, [n, this.slots.get(p.name)!.text]);
        }
      }
    }
    return [...out.values()];
  }

  /**
   * loadServerConfig: the config file (if any), then stdin (if asked), then the command-line
   * options, read as ONE text, as Redis does (so line numbers in errors count from the file's
   * first line). Throws ConfigFileError; an unreadable file throws ConfigOpenError.
   */
  loadServerConfig(file: string | null, fromStdin: boolean, options: string): void {
    let text = file !== null ? readConfigFile(file) : '';
    if (fromStdin) text += fs.readFileSync(0, 'latin1');
    if (options !== '') text += '\n' + options;
    if (file !== null) this.configFile = path.resolve(file);
    this.loadText(text);
  }

  /** loadServerConfigFromString: one directive a line, sdssplitargs quoting, `include` files. */
  loadText(text: string): void {
    const lines = text.split('\n');
    const wasLoading = this.loadingFile;
    this.loadingFile = true;
    try {
      for (let i = 0; i < lines.length; i++) {
        const line = trimConfigLine(lines[i]!);
        if (line === '' || line.startsWith('#')) continue;
        const fail = (why: string): never => {
          throw new ConfigFileError(i + 1, line, why);
        };
        const args = splitArgs(line);
        if (args === null) fail('Unbalanced quotes in configuration line');
        if (args!.length === 0) continue;
        const name = args![0]!.toLowerCase();
        const rest = args!.slice(1);
        const p = this.lookup(name);
        if (p) {
          if (!p.multiArg && rest.length !== 1) fail('wrong number of arguments');
          try {
            this.assign(p, rest);
          } catch (e) {
            if (e instanceof ConfigError) fail(e.message);
            throw e;
          }
          continue;
        }
        if (DEPRECATED_CONFIGS.some(([n, min, max]) => n === name && min <= args!.length && args!.length <= max)) continue;
        if (name === 'include' && args!.length === 2) {
          this.include(rest[0]!);
        } else if (name === 'rename-command' && args!.length === 3) {
          this.renamedCommands.push([rest[0]!, rest[1]!]);
        } else if (name === 'user' && args!.length >= 2) {
          const bad = configUserLineCheck.check?.(rest, this.userLines) ?? null;
          if (bad !== null) fail(bad);
          this.userLines.push(rest);
        } else if (name === 'loadmodule' && args!.length >= 2) {
          this.moduleLines.push(rest);
        } else if (name.includes('.')) {
          if (args!.length !== 2) fail('Module config specified without value');
        } else if (name === 'sentinel') {
          if (args!.length !== 1) fail('sentinel directive while not in sentinel mode');
        } else {
          fail('Bad directive or wrong number of arguments');
        }
      }
    } finally {
      this.loadingFile = wasLoading;
    }
    this.clampHz();
    this.notifyFlags = notifyFlagsFromString(this.get('notify-keyspace-events'));
  }

  /** `include path`: relative to the current `dir` (Redis has chdir'd there); globs may match nothing. */
  private include(pattern: string): void {
    const base = this.get('dir');
    const full = path.resolve(base, pattern);
    let files: string[];
    if (/[*?[]/.test(pattern)) {
      const dir = path.dirname(full);
      const glob = path.basename(full);
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        names = [];
      }
      files = names
        .filter((n) => globMatch(glob, n) && !(n.startsWith('.') && !glob.startsWith('.')))
        .sort()
        .map((n) => path.join(dir, n));
    } else {
      files = [full];
    }
    for (const f of files) this.loadText(readConfigFile(f, pattern));
  }

  /** CONFIG REWRITE: rewrites the file the server started with, keeping what it can. */
  rewrite(): void {
    if (this.configFile === null) throw new Error('no config file');
    rewriteConfigFile(this, this.configFile);
  }
}

/**
 * configEnumGetName: an exact value match wins (the first name with it: "yes" before "relative");
 * bit flags are listed in table order; anything left unmatched is "unknown".
 */
function renderEnum(values: readonly (readonly [string, number])[], val: number, bitflags: boolean): string {
  const names: string[] = [];
  let unmatched = val;
  for (const [name, v] of values) {
    if (v === val) return name;
    if (bitflags && v !== 0 && (unmatched & v) === v) {
      names.push(name);
      unmatched &= ~v;
    }
  }
  return names.length === 0 || unmatched !== 0 ? 'unknown' : names.join(' ');
}

/** sdstrim(line, " \t\r\n") */
function trimConfigLine(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

/** The config file text as bytes (one char per byte), or ConfigOpenError. */
function readConfigFile(file: string, shown = file): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (e) {
    throw new ConfigOpenError(shown, e);
  }
}

/** An error in one line of the configuration (Redis prints it in its FATAL CONFIG FILE ERROR box). */
export class ConfigFileError extends Error {
  constructor(
    readonly lineNo: number,
    readonly line: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** A config file (or include) that cannot be opened: Redis logs it and exits with code 1. */
export class ConfigOpenError extends Error {
  constructor(
    readonly file: string,
    readonly error: unknown,
  ) {
    super(`Fatal error, can't open config file '${file}': ${describeErrno(error)}`);
  }
}

function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return (e as Error).message;
}

/** sdscatrepr: how Redis quotes a command-line value into the options text. */
export function reprString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c >= 32 && c <= 126) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/**
 * Turns redis-server's command line into config text, as Redis 7.0's main() does: an optional
 * config file first (any first argument not starting with '-'), "-" (first or last) for stdin,
 * then `--name value...`. A `--word` is an option name only once the previous option got a
 * value, so `--requirepass --foo` sets the password "--foo"; a bare `--save` means `save ""`.
 * Arguments are bytes (UTF-8 of process.argv, one char per byte).
 */
export function argvToConfigText(argvIn: string[]): { file: string | null; stdin: boolean; text: string } {
  const argv = argvIn.map((a) => Buffer.from(a, 'utf8').toString('latin1'));
  let file: string | null = null;
  let j = 0;
  if (argv[0] !== undefined && !argv[0].startsWith('-')) {
    file = argvIn[0]!;
    j = 1;
  }
  let stdin = false;
  let options = '';
  let handledLastConfigArg = true;
  for (; j < argv.length; j++) {
    const a = argv[j]!;
    const isLast = j === argv.length - 1;
    if (a === '-' && (j === 0 || isLast)) {
      stdin = true;
    } else if (handledLastConfigArg && a.startsWith('--')) {
      if (options !== '') options += '\n';
      options += a.slice(2) + ' ';
      const words = splitArgs(a);
      if (words !== null && words.length === 1) {
        handledLastConfigArg = false;
        const next = argv[j + 1];
        if (!isLast && next !== undefined && next.startsWith('--') && a.toLowerCase() === '--save') {
          options += '""';
          handledLastConfigArg = true;
        } else if (isLast && a.toLowerCase() === '--save') {
          options += '""';
        }
      } else {
        handledLastConfigArg = true;
      }
    } else {
      options += reprString(a) + ' ';
      handledLastConfigArg = true;
    }
  }
  return { file, stdin, text: options };
}
