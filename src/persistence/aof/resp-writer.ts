import type { Server } from '../../server/server.js';
import { formatG17 } from '../../protocol/number-format.js';
import { ListValue } from '../../types/list/list-value.js';
import { SetValue } from '../../types/set/set-value.js';
import { ZSetValue } from '../../types/zset/zset-value.js';
import { HashValue } from '../../types/hash/hash-value.js';
import { StreamValue } from '../../types/stream/stream-value.js';
import { formatId } from '../../types/stream/stream-id.js';
import { functionsEngine, hasFunctionsEngine } from '../../scripting/functions.js';

/** catAppendOnlyGenericCommand: one command as RESP, a latin1 string (one char per byte). */
export function encodeCommand(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/** Collects RESP text into Buffers of about 1 MB, so a large dataset never makes one huge string. */
export class RespChunks {
  private cur = '';
  private readonly bufs: Buffer[] = [];
  size = 0;

  add(argv: readonly string[]): void {
    this.cur += encodeCommand(argv);
    if (this.cur.length >= 1 << 20) this.cut();
  }

  private cut(): void {
    if (this.cur === '') return;
    const b = Buffer.from(this.cur, 'latin1');
    this.bufs.push(b);
    this.size += b.length;
    this.cur = '';
  }

  take(): Buffer {
    this.cut();
    return Buffer.concat(this.bufs);
  }
}

/** AOF_REWRITE_ITEMS_PER_CMD: collections are rewritten in commands of at most 64 items. */
const ITEMS_PER_CMD = 64;

/** rioWriteBulkDouble's "%.17g", with C's spelling of the infinities. */
function formatScore(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  return formatG17(d);
}

/** Emits `cmd key items...` in batches of ITEMS_PER_CMD items (each item one or two words). */
function batched(out: RespChunks, cmd: string, key: string, items: Iterable<readonly string[]>): void {
  let argv: string[] = [cmd, key];
  let n = 0;
  for (const item of items) {
    for (const w of item) argv.push(w);
    if (++n === ITEMS_PER_CMD) {
      out.add(argv);
      argv = [cmd, key];
      n = 0;
    }
  }
  if (n > 0) out.add(argv);
}

function* single(it: Iterable<string>): Iterable<readonly string[]> {
  for (const s of it) yield [s];
}

function* zsetPairs(z: ZSetValue): Iterable<readonly string[]> {
  for (let n = z.first; n !== null; n = n.next) yield [formatScore(n.score), n.member];
}

function* hashPairs(h: HashValue): Iterable<readonly string[]> {
  for (const [f, v] of h.entries()) yield [f, v];
}

/**
 * rewriteStreamObject: the entries as XADDs (an empty stream through XADD MAXLEN 0), XSETID
 * with entries-added and max-deleted-id, then per group XGROUP CREATE ... ENTRIESREAD, and per
 * consumer its pending entries as XCLAIM ... JUSTID FORCE (XGROUP CREATECONSUMER when it has none).
 */
function rewriteStream(out: RespChunks, key: string, s: StreamValue): void {
  if (s.length > 0) {
    s.forEachEntry((id, fv) => out.add(['XADD', key, formatId(id), ...fv]));
  } else {
    out.add(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']);
  }
  out.add(['XSETID', key, formatId(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', formatId(s.maxDeletedId)]);
  for (const g of s.groupsInOrder()) {
    out.add(['XGROUP', 'CREATE', key, g.name, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
    for (const cons of g.consumersInOrder()) {
      if (cons.pel.size === 0) {
        out.add(['XGROUP', 'CREATECONSUMER', key, g.name, cons.name]);
        continue;
      }
      for (const [id, nack] of cons.pel.entries()) {
        out.add(['XCLAIM', key, g.name, cons.name, '0', formatId(id), 'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'JUSTID', 'FORCE']);
      }
    }
  }
}

/**
 * rewriteAppendOnlyFileRio: the whole dataset as commands (function libraries, SELECT per database, SET / RPUSH /
 * SADD / ZADD / HMSET per key, PEXPIREAT for TTLs). Synchronous, so it is a point-in-time view.
 * Keys already past their TTL are left out: they are logically gone.
 */
export function rewriteDatasetAsCommands(server: Server, out: RespChunks): void {
  const now = Date.now();
  // rewriteFunctions: the libraries come first, as FUNCTION LOAD of their code.
  if (hasFunctionsEngine(server)) for (const lib of functionsEngine(server).ctx.libraries.values()) out.add(['FUNCTION', 'LOAD', lib.code]);
  for (const db of server.dbs) {
    const t = db.table;
    if (t.size === 0) continue;
    out.add(['SELECT', String(db.id)]);
    for (const slot of t.slots()) {
      const key = t.keyAt(slot);
      const v = t.valueAt(slot);
      const exp = t.expireExact(slot);
      if (exp !== 0 && exp < now) continue;
      if (typeof v === 'string') out.add(['SET', key, v]);
      else if (v instanceof ListValue) batched(out, 'RPUSH', key, single(v));
      else if (v instanceof SetValue) batched(out, 'SADD', key, single(v.members()));
      else if (v instanceof ZSetValue) batched(out, 'ZADD', key, zsetPairs(v));
      else if (v instanceof HashValue) batched(out, 'HMSET', key, hashPairs(v));
      else if (v instanceof StreamValue) rewriteStream(out, key, v);
      else throw new Error(`Unknown object type ${v.type} for key ${key}`);
      if (exp !== 0) out.add(['PEXPIREAT', key, String(exp)]);
    }
  }
}
