import fs from 'node:fs';
import path from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { splitArgs } from '../../src/protocol/parser.js';
import { showReply, type ReplyValue } from '../../src/protocol/reply-reader.js';
import '../../src/protocol/buffer-ext.js';

/**
 * The differential script language. One command a line, quoted as redis-cli / inline commands
 * are ("a b", 'c', "\x00"). Blank lines and lines starting with # are ignored. A line may start
 * with a directive:
 *   @sort CMD...     compare the replies with array elements (and nested arrays) sorted
 *   @type CMD...     compare only the shape (types and lengths) of the replies
 *   @skip CMD...     send to both, compare nothing (TIME, INFO, ...)
 *   @sleep MS        wait (for expiry tests)
 *   @conn N          later commands go over connection N (opened on first use; 1 is the default)
 *   @raw N "BYTES"   send raw bytes, compare the next N replies and whether the connection closed
 *   @reconnect       close every connection and start again
 */
export interface ScriptLine {
  lineNo: number;
  text: string;
  directive: 'cmd' | 'sort' | 'type' | 'skip' | 'sleep' | 'conn' | 'raw' | 'reconnect';
  argv: string[];
  n: number;
}

export function parseScript(text: string): ScriptLine[] {
  const out: ScriptLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let directive: ScriptLine['directive'] = 'cmd';
    let rest = line;
    let n = 0;
    const m = /^@(\w+)\s*(.*)$/.exec(line);
    if (m) {
      directive = m[1] as ScriptLine['directive'];
      rest = m[2]!;
      if (!['sort', 'type', 'skip', 'sleep', 'conn', 'raw', 'reconnect'].includes(directive)) throw new Error(`line ${i + 1}: unknown directive @${m[1]}`);
      if (directive === 'sleep' || directive === 'conn') {
        n = Number(rest);
        rest = '';
      } else if (directive === 'raw') {
        const mm = /^(\d+)\s+(.*)$/.exec(rest);
        if (!mm) throw new Error(`line ${i + 1}: @raw N "bytes"`);
        n = Number(mm[1]);
        rest = mm[2]!;
      }
    }
    const argv = rest === '' ? [] : splitArgs(Buffer.from(rest, 'utf8').latin1Slice(0, Buffer.byteLength(rest, 'utf8')));
    if (argv === null) throw new Error(`line ${i + 1}: unbalanced quotes`);
    out.push({ lineNo: i + 1, text: line, directive, argv, n });
  });
  return out;
}

function sortDeep(r: ReplyValue): ReplyValue {
  if ((r.t === 'array' || r.t === 'set' || r.t === 'push') && r.v) {
    const items = r.v.map(sortDeep);
    items.sort((a, b) => (showReply(a) < showReply(b) ? -1 : showReply(a) > showReply(b) ? 1 : 0));
    return { ...r, v: items } as ReplyValue;
  }
  if (r.t === 'map') {
    const pairs = r.v.map(([k, v]) => [sortDeep(k), sortDeep(v)] as [ReplyValue, ReplyValue]);
    pairs.sort((a, b) => (showReply(a[0]) < showReply(b[0]) ? -1 : 1));
    return { t: 'map', v: pairs };
  }
  return r;
}

function shape(r: ReplyValue): string {
  switch (r.t) {
    case 'array':
    case 'set':
    case 'push':
      return r.t + (r.v === null ? '(null)' : '[' + r.v.map(shape).join(',') + ']');
    case 'map':
    case 'attr':
      return r.t + '{' + r.v.map(([k, v]) => shape(k) + ':' + shape(v)).join(',') + '}';
    case 'error':
      return 'error:' + r.v.split(' ')[0];
    default:
      return r.t;
  }
}

/** HELLO's reply carries the connection id, which differs between servers: mask it. */
function maskHelloId(argv: string[], r: ReplyValue): ReplyValue {
  if (argv[0]?.toLowerCase() !== 'hello') return r;
  if (r.t === 'map') return { t: 'map', v: r.v.map(([k, v]) => [k, k.t === 'bulk' && k.v === 'id' ? { t: 'int', v: '0' } : v] as [ReplyValue, ReplyValue]) };
  if (r.t === 'array' && r.v) {
    const items = r.v.slice();
    for (let i = 0; i + 1 < items.length; i += 2) {
      const k = items[i]!;
      if (k.t === 'bulk' && k.v === 'id') items[i + 1] = { t: 'int', v: '0' };
    }
    return { t: 'array', v: items };
  }
  return r;
}

function encodeReply(r: ReplyValue): string {
  // A canonical rendering that keeps every byte of the value and its type.
  return JSON.stringify(r);
}

export interface Mismatch {
  lineNo: number;
  text: string;
  redis: string;
  nodis: string;
}

class Side {
  conns = new Map<number, RawClient>();
  constructor(
    readonly port: number,
    readonly resp: 2 | 3,
  ) {}
  async conn(n: number): Promise<RawClient> {
    let c = this.conns.get(n);
    if (!c) {
      c = await RawClient.connect(this.port);
      if (this.resp === 3) await c.call('HELLO', '3');
      this.conns.set(n, c);
    }
    return c;
  }
  closeAll(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}

/**
 * Runs a script against Redis and Nodis in lockstep and returns every line whose replies differ.
 * Replies are compared as exact bytes unless a directive says otherwise.
 */
export async function runScript(lines: ScriptLine[], redisPort: number, nodisPort: number, resp: 2 | 3): Promise<Mismatch[]> {
  const sides = [new Side(redisPort, resp), new Side(nodisPort, resp)] as const;
  const mismatches: Mismatch[] = [];
  let conn = 1;
  // Each script starts from empty databases.
  for (const s of sides) {
    const c = await s.conn(99);
    await c.call('FLUSHALL');
    c.close();
    s.conns.delete(99);
  }
  try {
    for (const line of lines) {
      if (line.directive === 'sleep') {
        await new Promise((r) => setTimeout(r, line.n));
        continue;
      }
      if (line.directive === 'conn') {
        conn = line.n;
        continue;
      }
      if (line.directive === 'reconnect') {
        for (const s of sides) s.closeAll();
        continue;
      }
      const replies: string[][] = [];
      for (const s of sides) {
        const c = await s.conn(conn);
        const got: string[] = [];
        if (line.directive === 'raw') {
          c.sendRaw(line.argv.join(' '));
          for (let i = 0; i < line.n; i++) {
            const r = await c.read();
            got.push(r ? 'bytes:' + r.raw.latin1Slice(0, r.raw.length) : 'closed');
          }
          if (line.n > 0) {
            // Give a closing server a moment to close, then record whether it did.
            await new Promise((r) => setTimeout(r, 30));
            got.push(c.closed ? 'closed' : 'open');
          }
        } else {
          const r = await c.call(...line.argv);
          if (r === null) got.push('closed');
          else if (line.directive === 'skip') got.push('');
          else if (line.directive === 'type') got.push(shape(r.value));
          else if (line.directive === 'sort') got.push(encodeReply(sortDeep(r.value)));
          else if (line.argv[0]?.toLowerCase() === 'hello') got.push(encodeReply(maskHelloId(line.argv, r.value)));
          else got.push('bytes:' + r.raw.latin1Slice(0, r.raw.length));
        }
        replies.push(got);
      }
      const [a, b] = replies as [string[], string[]];
      if (a.join('\n') !== b.join('\n')) mismatches.push({ lineNo: line.lineNo, text: line.text, redis: a.join(' | '), nodis: b.join(' | ') });
    }
  } finally {
    for (const s of sides) s.closeAll();
  }
  return mismatches;
}

export function scriptFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(dir, f));
}
