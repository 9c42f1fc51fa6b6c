import fs from 'node:fs';
import { splitArgs } from '../../protocol/parser.js';
import path from 'node:path';

/**
 * Redis 7's AOF manifest (aof.c): one line per file, `file <name> seq <n> type <b|h|i>`, the base
 * first, then history files, then the incremental files in sequence order.
 */

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export class Manifest {
  base: AofFileInfo | null = null;
  history: AofFileInfo[] = [];
  incr: AofFileInfo[] = [];
  currBaseSeq = 0;
  currIncrSeq = 0;

  clone(): Manifest {
    const m = new Manifest();
    m.base = this.base ? { ...this.base } : null;
    m.history = this.history.map((f) => ({ ...f }));
    m.incr = this.incr.map((f) => ({ ...f }));
    m.currBaseSeq = this.currBaseSeq;
    m.currIncrSeq = this.currIncrSeq;
    return m;
  }

  /** getAofManifestAsString. */
  format(): string {
    let s = '';
    const line = (f: AofFileInfo) => `file ${needsRepr(f.name) ? repr(f.name) : f.name} seq ${f.seq} type ${f.type}\n`;
    if (this.base) s += line(this.base);
    for (const f of this.history) s += line(f);
    for (const f of this.incr) s += line(f);
    return s;
  }
}

/** A manifest that cannot be used: Redis logs the reason and exits. */
export class ManifestError extends Error {}

/** sdsneedsrepr: names with spaces, quotes or unprintable bytes are written quoted. */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0x5c || ch === 0x22 || ch === 0x0a || ch === 0x0d || ch === 0x09 || ch === 0x07 || ch === 0x08 || ch < 0x20 || ch > 0x7e || ch === 0x20 || ch === 0x27) return true;
  }
  return false;
}

/** sdscatrepr. */
function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (code < 0x20 || code > 0x7e) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** aofLoadManifestFromFile's parser; throws ManifestError with Redis's message. */
export function parseManifest(text: string): Manifest {
  const m = new Manifest();
  let maxSeq = 0;
  let lines = 0;
  const raw = text.split('\n');
  // A final line without its newline is one fgets returned without '\n': "too long" for Redis.
  const complete = text.endsWith('\n') ? raw.slice(0, -1) : raw;
  for (let n = 0; n < complete.length; n++) {
    const l = complete[n]!;
    if (n === complete.length - 1 && !text.endsWith('\n') && l.length > 0 && l[0] !== '#') {
      throw new ManifestError('The AOF manifest file contains too long line');
    }
    lines++;
    if (l.startsWith('#')) continue;
    const line = l.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '') throw new ManifestError('Invalid AOF manifest file format');
    const argv = splitArgs(line);
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new ManifestError('Invalid AOF manifest file format');
    let name: string | null = null;
    let seq = 0;
    let type: string | null = null;
    for (let i = 0; i < argv.length; i += 2) {
      const k = argv[i]!.toLowerCase();
      if (k === 'file') name = argv[i + 1]!;
      else if (k === 'seq') seq = Number.parseInt(argv[i + 1]!, 10) || 0;
      else if (k === 'type') type = argv[i + 1]![0] ?? null;
    }
    if (name === null || seq === 0 || type === null) throw new ManifestError('Invalid AOF manifest file format');
    if (type === 'b') {
      if (m.base) throw new ManifestError('Found duplicate base file information');
      m.base = { name, seq, type };
      m.currBaseSeq = seq;
    } else if (type === 'h') {
      m.history.push({ name, seq, type });
    } else if (type === 'i') {
      if (seq <= maxSeq) throw new ManifestError('Found a non-monotonic sequence number');
      m.incr.push({ name, seq, type });
      m.currIncrSeq = seq;
      maxSeq = seq;
    } else {
      throw new ManifestError('Unknown AOF file type');
    }
  }
  if (lines === 0) throw new ManifestError('Found an empty AOF manifest');
  return m;
}

/** Writes a file durably: temp name, fsync, rename, fsync of the directory. */
export function writeFileDurably(dir: string, name: string, tempName: string, data: string | Buffer): void {
  const tmp = path.join(dir, tempName);
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, name));
  fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still ordered after the data.
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
