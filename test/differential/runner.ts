import fs from 'node:fs';
import path from 'node:path';
import { RawClient, encodeCommand } from '../helpers/raw-client.js';
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
 *   @rawrep N "HEAD" COUNT "UNIT" ["TAIL"]
 *                    the same for HEAD + UNIT repeated COUNT times + TAIL (for 64 KiB lines)
 *   @hello           send HELLO with the run's protocol version (2 or 3), e.g. after AUTH
 *   @reconnect       close every connection and start again
 *   @send CMD...     send a command without waiting for its reply (a blocking command)
 *   @read            read the next reply of the current connection (the @send one) and compare it
 *   @blocked N       wait until each server reports N blocked clients (INFO blocked_clients), so a
 *                    command sent by @send is known to be waiting before another connection goes on
 *   @until "TEXT"    read replies of the current connection up to the first one whose bytes contain
 *                    TEXT (pushed pub/sub messages, ending with a marker PUBLISHed last), compare all
 * An argument written {id:N} stands for the CLIENT ID of connection N on each server (asked for
 * once, on first use), e.g. `CLIENT TRACKING on REDIRECT {id:2}`.
 * A header line `#! name=value ...` (anywhere, usually first) gives server options: both servers
 * of such a script start with them (see scriptOptions), e.g. `#! requirepass=secret`.
 */
export interface ScriptLine {
  lineNo: number;
  text: string;
  directive: 'cmd' | 'sort' | 'type' | 'skip' | 'sleep' | 'conn' | 'raw' | 'rawrep' | 'hello' | 'reconnect' | 'send' | 'read' | 'blocked' | 'until';
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
      if (!['sort', 'type', 'skip', 'sleep', 'conn', 'raw', 'rawrep', 'hello', 'reconnect', 'send', 'read', 'blocked', 'until'].includes(directive)) throw new Error(`line ${i + 1}: unknown directive @${m[1]}`);
      if (directive === 'sleep' || directive === 'conn' || directive === 'blocked') {
        n = Number(rest);
        rest = '';
      } else if (directive === 'raw' || directive === 'rawrep') {
        const mm = /^(\d+)\s+(.*)$/.exec(rest);
        if (!mm) throw new Error(`line ${i + 1}: @raw N "bytes"`);
        n = Number(mm[1]);
        rest = mm[2]!;
      }
    }
    const argv = rest === '' ? [] : splitArgs(Buffer.from(rest, 'utf8').latin1Slice(0, Buffer.byteLength(rest, 'utf8')));
    if (argv === null) throw new Error(`line ${i + 1}: unbalanced quotes`);
    if (directive === 'rawrep' && (argv.length < 3 || argv.length > 4 || !/^\d+$/.test(argv[1]!))) {
      throw new Error(`line ${i + 1}: @rawrep N "head" COUNT "unit" ["tail"]`);
    }
    out.push({ lineNo: i + 1, text: line, directive, argv, n });
  });
  return out;
}

/** Server options from `#! name=value ...` header lines. */
export function scriptOptions(text: string): Record<string, string> {
  const opts: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('#!')) continue;
    const words = splitArgs(line.slice(2));
    if (words === null) throw new Error(`bad options line: ${line}`);
    for (const w of words) {
      const eq = w.indexOf('=');
      if (eq <= 0) throw new Error(`bad option ${JSON.stringify(w)} (want name=value)`);
      opts[w.slice(0, eq)] = w.slice(eq + 1);
    }
  }
  return opts;
}

/** The bytes a @raw or @rawrep line sends. */
function rawBytes(line: ScriptLine): string {
  if (line.directive === 'raw') return line.argv.join(' ');
  const [head, count, unit, tail] = line.argv as [string, string, string, string | undefined];
  return head + unit.repeat(Number(count)) + (tail ?? '');
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
  private readonly ids = new Map<number, string>();
  /** Replaces each {id:N} argument with connection N's client id. */
  async withIds(argv: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const a of argv) {
      const m = /^\{id:(\d+)\}$/.exec(a);
      if (!m) {
        out.push(a);
        continue;
      }
      const n = Number(m[1]);
      let id = this.ids.get(n);
      if (id === undefined) {
        const r = await (await this.conn(n)).call('CLIENT', 'ID');
        id = r?.value.t === 'int' ? String(r.value.v) : '0';
        this.ids.set(n, id);
      }
      out.push(id);
    }
    return out;
  }
  closeAll(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
    this.ids.clear();
  }
}

/**
 * Runs a script against Redis and Nodis in lockstep and returns every line whose replies differ.
 * Replies are compared as exact bytes unless a directive says otherwise.
 */
export async function runScript(lines: ScriptLine[], redisPort: number, nodisPort: number, resp: 2 | 3, options: Record<string, string> = {}): Promise<Mismatch[]> {
  const sides = [new Side(redisPort, resp), new Side(nodisPort, resp)] as const;
  const mismatches: Mismatch[] = [];
  let conn = 1;
  // Each script starts from empty databases.
  for (const s of sides) {
    const c = await s.conn(99);
    const pass = options['requirepass'];
    if (pass !== undefined && pass !== '') await c.call('AUTH', pass);
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
      if (line.directive === 'send') {
        for (const s of sides) (await s.conn(conn)).sendRaw(encodeCommand(await s.withIds(line.argv)));
        continue;
      }
      if (line.directive === 'blocked') {
        for (const s of sides) {
          try {
            await waitBlocked(await s.conn(98), line.n);
          } catch (e) {
            throw new Error(`line ${line.lineNo} (${line.text}) on ${s === sides[0] ? 'redis' : 'nodis'}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        continue;
      }
      const replies: string[][] = [];
      try {
        for (const s of sides) {
          const c = await s.conn(conn);
          const got: string[] = [];
          if (line.directive === 'read') {
            const r = await c.read();
            got.push(r === null ? 'closed' : 'bytes:' + r.raw.latin1Slice(0, r.raw.length));
          } else if (line.directive === 'until') {
            for (;;) {
              const r = await c.read();
              const bytes = r === null ? 'closed' : r.raw.latin1Slice(0, r.raw.length);
              got.push(r === null ? 'closed' : 'bytes:' + bytes);
              if (r === null || bytes.includes(line.argv[0] ?? '')) break;
            }
          } else if (line.directive === 'raw' || line.directive === 'rawrep') {
            c.sendRaw(Buffer.from(rawBytes(line), 'latin1'));
            for (let i = 0; i < line.n; i++) {
              const r = await c.read();
              got.push(r ? 'bytes:' + r.raw.latin1Slice(0, r.raw.length) : 'closed');
            }
            if (line.n > 0) {
              // Redis (the first side) closes within a moment or not at all; Nodis then gets a long
              // grace to close too when Redis did, and a short one to close wrongly when it did not.
              const redisClosed = replies.length > 0 && replies[0]![replies[0]!.length - 1] === 'closed';
              const closed = await c.waitClosed(replies.length === 0 ? 300 : redisClosed ? 3000 : 50);
              got.push(closed ? 'closed' : 'open');
            }
          } else {
            const argv = line.directive === 'hello' ? ['HELLO', String(resp)] : await s.withIds(line.argv);
            const r = await c.call(...argv);
            if (r === null) got.push('closed');
            else if (line.directive === 'skip') got.push('');
            else if (line.directive === 'type') got.push(shape(r.value));
            else if (line.directive === 'sort') got.push(encodeReply(sortDeep(r.value)));
            else if (argv[0]?.toLowerCase() === 'hello') got.push(encodeReply(maskHelloId(argv, r.value)));
            else got.push('bytes:' + r.raw.latin1Slice(0, r.raw.length));
          }
          replies.push(got);
        }
      } catch (e) {
        // Say which line (and which server) hung or failed, not just that something did.
        throw new Error(`line ${line.lineNo} (${line.text}) on ${replies.length === 0 ? 'redis' : 'nodis'}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const [a, b] = replies as [string[], string[]];
      if (a.join('\n') !== b.join('\n')) mismatches.push({ lineNo: line.lineNo, text: line.text, redis: a.join(' | '), nodis: b.join(' | ') });
    }
  } finally {
    for (const s of sides) s.closeAll();
  }
  return mismatches;
}

/** Polls INFO clients until blocked_clients is n (the harness's own connection, never blocked). */
async function waitBlocked(c: RawClient, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await c.call('INFO', 'clients');
    const text = r?.value.t === 'bulk' || r?.value.t === 'verbatim' ? String(r.value.v) : '';
    const m = /blocked_clients:(\d+)/.exec(text);
    if (m && Number(m[1]) === n) return;
    if (Date.now() > deadline) throw new Error(`blocked_clients never reached ${n} (last: ${m?.[1] ?? '?'})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function scriptFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(dir, f));
}
