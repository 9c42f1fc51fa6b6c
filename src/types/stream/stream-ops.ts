import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { lookupRead, lookupWrite } from '../../keyspace/lookup.js';
import { parseInteger } from '../../protocol/number-format.js';
import { StreamValue, type NodeLimits } from './stream-value.js';
import { formatId, INVALID_ID_ERROR, parseStreamId, type StreamID, type U64 } from './stream-id.js';

/** Pieces of t_stream.c that several stream commands share: lookups, ID arguments, replies. */

/** The stream at a key for reading, undefined if absent, or null after replying WRONGTYPE. */
export function streamForRead(c: Client, key: string): StreamValue | undefined | null {
  const v = lookupRead(c, key);
  if (v === undefined || v instanceof StreamValue) return v;
  c.reply.error(ERR.wrongType);
  return null;
}

/** The stream at a key for writing (no hit/miss accounting), undefined, or null after WRONGTYPE. */
export function streamForWrite(c: Client, key: string): StreamValue | undefined | null {
  const v = lookupWrite(c, key);
  if (v === undefined || v instanceof StreamValue) return v;
  c.reply.error(ERR.wrongType);
  return null;
}

export function nodeLimits(c: Client): NodeLimits {
  return { maxBytes: c.server.config.int('stream-node-max-bytes'), maxEntries: c.server.config.int('stream-node-max-entries') };
}

/**
 * mustObeyClient: commands from the master or the AOF loader (a client without a socket that is
 * not a script) are replayed as they were propagated, without the limits put on users.
 */
export function mustObey(c: Client): boolean {
  return c.role === 'master' || (c.socket === null && !c.inScript);
}

/** streamParseIDOrReply (`-`, `+`, `<ms>` completed with missingSeq, `<ms>-<seq>`). */
export function idArg(c: Client, arg: string, missingSeq: U64 = 0): StreamID | null {
  const p = parseStreamId(arg, missingSeq, false);
  if (p === null) {
    c.reply.error(INVALID_ID_ERROR);
    return null;
  }
  return p.id;
}

/** streamParseStrictIDOrReply: as idArg, but `-` and `+` are refused. */
export function strictIdArg(c: Client, arg: string, missingSeq: U64 = 0): StreamID | null {
  const p = parseStreamId(arg, missingSeq, true);
  if (p === null) {
    c.reply.error(INVALID_ID_ERROR);
    return null;
  }
  return p.id;
}

/** getLongLongFromObjectOrReply. */
export function longArg(c: Client, arg: string): number | null {
  const n = parseInteger(arg);
  if (n === null) c.reply.error(ERR.notInteger);
  return n;
}

/** getLongLongFromObjectOrReply, exact beyond 2^53 (ENTRIESADDED, ENTRIESREAD, RETRYCOUNT, TIME). */
export function exactLongArg(c: Client, arg: string): number | bigint | null {
  const n = parseInteger(arg);
  if (n === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  return Number.isSafeInteger(n) ? n : BigInt(arg);
}

export function replyId(c: Client, id: StreamID): void {
  c.reply.bulk(formatId(id));
}

/** One entry as XRANGE and XREAD send it: [id, [field, value, ...]]. */
export function replyEntry(c: Client, id: StreamID, fv: readonly string[]): void {
  const r = c.reply;
  r.array(2);
  r.bulk(formatId(id));
  r.array(fv.length);
  for (const s of fv) r.bulk(s);
}

/** Live entries of a range, at most `count` (0: all). */
export function collectRange(s: StreamValue, start: StreamID, end: StreamID, rev: boolean, count: number): [StreamID, readonly string[]][] {
  const out: [StreamID, readonly string[]][] = [];
  s.range(start, end, rev, (id, fv) => {
    out.push([id, fv]);
    return count === 0 || out.length < count;
  });
  return out;
}
