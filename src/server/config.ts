import fs from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../protocol/parser.js';
import { globMatch } from '../keyspace/glob.js';
import { CONFIG_PARAMS, type ConfigParam } from './config-params.js';

export { type ConfigParam };

import { ConfigError } from './config-errors.js';

export { ConfigError };

const MEMORY_UNITS: Record<string, number> = {
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 * 1000,
  mb: 1024 * 1024,
  g: 1000 * 1000 * 1000,
  gb: 1024 * 1024 * 1024,
};

/** memtoull: "100mb", "1g", "42" -> bytes, or null. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)([a-zA-Z]*)$/.exec(s);
  if (!m) return null;
  const unit = m[2]!.toLowerCase();
  const mul = unit === '' ? 1 : MEMORY_UNITS[unit];
  if (mul === undefined) return null;
  return Number(m[1]) * mul;
}

/**
 * Server configuration: every parameter Redis 7.0 knows, with its type, bounds and default, read
 * from flags and redis.conf files and changed with CONFIG SET. Values are kept as parsed values;
 * CONFIG GET renders them as Redis does.
 */
export class Config {
  private readonly values = new Map<string, string>();
  private readonly byName = new Map<string, ConfigParam>();
  /** Called after a parameter changes at run time (to resize, rebind, ...). */
  onChange: (name: string) => void = () => {};
  /** Path of the config file the server started with, for CONFIG REWRITE. */
  configFile: string | null = null;

  constructor() {
    for (const p of CONFIG_PARAMS) {
      this.byName.set(p.name, p);
      if (p.alias) this.byName.set(p.alias, p);
      this.values.set(p.name, p.default);
    }
  }

  params(): readonly ConfigParam[] {
    return CONFIG_PARAMS;
  }

  lookup(name: string): ConfigParam | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** The value as CONFIG GET shows it. */
  get(name: string): string {
    const p = this.lookup(name);
    if (!p) throw new Error(`no config ${name}`);
    return this.values.get(p.name)!;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /**
   * Sets one parameter from its argument(s). `args` is a single value for CONFIG SET and the
   * words of a config line otherwise. Throws ConfigError with Redis's reason.
   */
  set(name: string, args: string[], fromFile: boolean): void {
    const p = this.lookup(name);
    if (!p) throw new ConfigError('Bad directive or wrong number of arguments');
    if (!fromFile && p.immutable) throw new ConfigError(`can't set immutable config`);
    const value = this.normalize(p, args, fromFile);
    this.values.set(p.name, value);
  }

  /** Validates and renders a value the way CONFIG GET will show it. */
  private normalize(p: ConfigParam, args: string[], fromFile: boolean): string {
    if (p.kind === 'special' && p.parse) return p.parse(args, fromFile, this.values.get(p.name)!);
    if (args.length !== 1) throw new ConfigError('wrong number of arguments');
    const v = args[0]!;
    switch (p.kind) {
      case 'bool': {
        const l = v.toLowerCase();
        if (l !== 'yes' && l !== 'no') throw new ConfigError('argument must be \'yes\' or \'no\'');
        return l;
      }
      case 'int':
      case 'memory': {
        let n: number | null;
        if (p.kind === 'memory') {
          n = parseMemory(v);
          if (n === null) throw new ConfigError('argument must be a memory value');
        } else {
          n = /^-?\d+$/.test(v) ? Number(v) : null;
          if (n === null) throw new ConfigError("argument couldn't be parsed into an integer");
        }
        const min = p.min ?? -Number.MAX_VALUE;
        const max = p.max ?? Number.MAX_VALUE;
        if (n < min || n > max) {
          if (p.kind === 'memory' && n < 0) throw new ConfigError('argument must be a memory value');
          throw new ConfigError(`argument must be between ${p.minText ?? min} and ${p.maxText ?? max} inclusive`);
        }
        return String(n);
      }
      case 'enum': {
        const l = v.toLowerCase();
        const opts = p.enumValues ?? [];
        if (p.multi) {
          const words = l.split(' ').filter((w) => w !== '');
          if (words.length === 0 || words.some((w) => !opts.includes(w))) throw new ConfigError(`argument(s) must be one of the following: ${opts.join(', ')}`);
          return words.join(' ');
        }
        if (!opts.includes(l)) throw new ConfigError(`argument(s) must be one of the following: ${opts.join(', ')}`);
        return l;
      }
      case 'string':
        if (p.validate) p.validate(v);
        return v;
      case 'special':
        return v;
    }
  }

  /** CONFIG GET: name/value pairs for each pattern (deduplicated), in table order. */
  match(patterns: string[]): [string, string][] {
    const out = new Map<string, string>();
    for (const pat of patterns) {
      if (!/[*?[]/.test(pat)) {
        const p = this.lookup(pat);
        if (p && !out.has(pat)) {
          let dup = false;
          for (const k of out.keys()) if (k.toLowerCase() === pat.toLowerCase()) dup = true;
          if (!dup) out.set(pat, this.values.get(p.name)!);
        }
        continue;
      }
      for (const p of CONFIG_PARAMS) {
        for (const n of p.alias ? [p.name, p.alias] : [p.name]) {
          if (!out.has(n) && globMatch(pat, n, true)) out.set(n, this.values.get(p.name)!);
        }
      }
    }
    return [...out];
  }

  /** Reads redis.conf text: one directive a line, sdssplitargs quoting, `include` files. */
  loadText(text: string, baseDir: string, depth = 0): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      const args = splitArgs(line);
      const fail = (why: string): never => {
        throw new ConfigFileError(i + 1, line, why);
      };
      if (args === null) fail('Unbalanced quotes in configuration line');
      const [rawName, ...rest] = args!;
      const name = rawName!.toLowerCase();
      if (name === 'include') {
        if (rest.length !== 1) fail('Bad directive or wrong number of arguments');
        if (depth > 10) fail('Too many nested includes');
        const file = path.resolve(baseDir, rest[0]!);
        let t: string;
        try {
          t = fs.readFileSync(file, 'utf8');
        } catch (e) {
          fail(`Fatal error, can't open config file '${file}': ${(e as Error).message}`);
        }
        this.loadText(t!, path.dirname(file), depth + 1);
        continue;
      }
      try {
        this.set(name, rest, true);
      } catch (e) {
        if (e instanceof ConfigError) fail(e.message);
        throw e;
      }
    }
  }
}

export class ConfigFileError extends Error {
  constructor(
    readonly lineNo: number,
    readonly line: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Turns redis-server's command line into config text, as Redis does: an optional config file
 * first (or "-" for stdin), then `--name value...` pairs; the words after one `--name` up to the
 * next `--` option are its arguments.
 */
export function argvToConfigText(argv: string[]): { file: string | null; text: string } {
  let file: string | null = null;
  let i = 0;
  if (argv[0] !== undefined && !argv[0].startsWith('--')) {
    file = argv[0];
    i = 1;
  }
  const lines: string[] = [];
  let cur: string[] | null = null;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--') && a.length > 2) {
      if (cur) lines.push(cur.join(' '));
      cur = [a.slice(2)];
    } else {
      if (!cur) cur = [];
      cur.push(quoteArg(a));
    }
  }
  if (cur) lines.push(cur.join(' '));
  return { file, text: lines.join('\n') };
}

function quoteArg(a: string): string {
  if (a !== '' && !/[\s"'\\]/.test(a)) return a;
  return '"' + a.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r') + '"';
}
