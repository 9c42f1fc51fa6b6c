import { ByteWriter } from './bytes.js';
import { lzfCompress } from './lzf.js';
import { canonicalInt, encodeIntset, encodeListpack, listpackEntrySize } from './compact.js';
import * as F from './format.js';
import type { Value } from '../../keyspace/db.js';
import { ListValue } from '../../types/list/list-value.js';
import { HashValue } from '../../types/hash/hash-value.js';
import { SetValue } from '../../types/set/set-value.js';
import { ZSetValue } from '../../types/zset/zset-value.js';
import { formatG17 } from '../../protocol/number-format.js';

/** What the writer needs from the config (rdbcompression, list-max-listpack-size). */
export interface WriteOptions {
  readonly compression: boolean;
  /** list-max-listpack-size: how quicklist nodes are cut. */
  readonly listFill: number;
}

/** rdbSaveLen. */
export function writeLength(w: ByteWriter, n: number | bigint): void {
  if (typeof n === 'number' && n < 64) w.byte((F.LEN_6BIT << 6) | n);
  else if (typeof n === 'number' && n < 16384) {
    w.byte(((n >> 8) & 0xff) | (F.LEN_14BIT << 6));
    w.byte(n & 0xff);
  } else if (typeof n === 'number' && n <= 0xffffffff) {
    w.byte(F.LEN_32BIT);
    w.u32be(n);
  } else {
    w.byte(F.LEN_64BIT);
    w.u64be(BigInt(n));
  }
}

/** rdbEncodeInteger: the 2-5 byte integer form, when the value fits 32 bits. */
function writeEncodedInteger(w: ByteWriter, v: number): boolean {
  if (v >= -128 && v <= 127) {
    w.byte((F.LEN_ENCVAL << 6) | F.ENC_INT8);
    w.byte(v & 0xff);
  } else if (v >= -32768 && v <= 32767) {
    w.byte((F.LEN_ENCVAL << 6) | F.ENC_INT16);
    w.u16le(v & 0xffff);
  } else if (v >= -2147483648 && v <= 2147483647) {
    w.byte((F.LEN_ENCVAL << 6) | F.ENC_INT32);
    w.u32le(v >>> 0);
  } else return false;
  return true;
}

/** Scratch output for lzf_compress, grown as needed. */
let lzfOut = Buffer.allocUnsafe(1024);

/**
 * rdbSaveRawString: integer form for short canonical integers, LZF for compressible strings
 * longer than 20 bytes (when rdbcompression is on), else length and bytes.
 */
export function writeString(w: ByteWriter, s: string, opts: WriteOptions): void {
  const len = s.length;
  if (len <= 11) {
    const v = canonicalInt(s);
    if (typeof v === 'number' && writeEncodedInteger(w, v)) return;
  }
  if (opts.compression && len > 20) {
    writeCompressed(w, Buffer.from(s, 'latin1'));
    return;
  }
  writeLength(w, len);
  w.latin1(s);
}

/** rdbSaveRawString for a blob (listpack, intset): the same rules over bytes. */
export function writeBlob(w: ByteWriter, b: Buffer, opts: WriteOptions): void {
  if (b.length <= 11) {
    const v = canonicalInt(b.latin1Slice(0, b.length));
    if (typeof v === 'number' && writeEncodedInteger(w, v)) return;
  }
  if (opts.compression && b.length > 20) {
    writeCompressed(w, b);
    return;
  }
  writeLength(w, b.length);
  w.bytes(b);
}

/** rdbSaveLzfStringObject, falling back to the verbatim form when LZF saves under 4 bytes. */
function writeCompressed(w: ByteWriter, b: Buffer): void {
  const outLen = b.length - 4;
  if (lzfOut.length < outLen + 16) lzfOut = Buffer.allocUnsafe(outLen + 1024);
  const n = lzfCompress(b, lzfOut, outLen);
  if (n === 0) {
    writeLength(w, b.length);
    w.bytes(b);
    return;
  }
  w.byte((F.LEN_ENCVAL << 6) | F.ENC_LZF);
  writeLength(w, n);
  writeLength(w, b.length);
  w.bytes(lzfOut.subarray(0, n));
}

/** d2string as 7.0 formats a listpack score: integers plainly, anything else with %.17g. */
export function scoreText(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (d > -4503599627370495 && d < 4503599627370496 && Number.isInteger(d)) return String(d);
  return formatG17(d);
}

/** The RDB type byte a value is written with (rdbSaveObjectType). */
export function valueType(v: Value): number {
  if (typeof v === 'string') return F.T_STRING;
  if (v instanceof ListValue) return F.T_LIST_QUICKLIST_2;
  if (v instanceof HashValue) return v.isListpack ? F.T_HASH_LISTPACK : F.T_HASH;
  if (v instanceof SetValue) return v.isIntset ? F.T_SET_INTSET : F.T_SET;
  if (v instanceof ZSetValue) return v.listpack ? F.T_ZSET_LISTPACK : F.T_ZSET_2;
  const custom = customTypes.get(v.type);
  if (custom) return custom.type(v);
  throw new Error(`cannot save a value of type ${v.type}`);
}

/** Types whose codec lives elsewhere (streams): registered by their module. */
export interface CustomValueCodec {
  type(v: Value): number;
  write(w: ByteWriter, v: Value, opts: WriteOptions): void;
}
export const customTypes = new Map<string, CustomValueCodec>();

const QUICKLIST_LEVELS = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
/** SIZE_ESTIMATE_OVERHEAD: the bytes an entry may add beyond its own length. */
const SIZE_ESTIMATE_OVERHEAD = 8;

/**
 * 7.0's _quicklistNodeAllowInsert / quicklistNodeExceedsLimit: whether one more element of `sz`
 * bytes joins a node of `nodeBytes` bytes and `nodeCount` entries.
 */
function nodeAllowsInsert(nodeBytes: number, nodeCount: number, sz: number, fill: number): boolean {
  const newSz = nodeBytes + sz + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const level = Math.min(-fill - 1, QUICKLIST_LEVELS.length - 1);
    return newSz <= QUICKLIST_LEVELS[level]!;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return nodeCount + 1 <= (fill === 0 ? 1 : fill);
}

/** rdbSaveObject: the value's bytes after its type byte. */
export function writeValue(w: ByteWriter, v: Value, opts: WriteOptions): void {
  if (typeof v === 'string') {
    writeString(w, v, opts);
  } else if (v instanceof ListValue) {
    writeQuicklist(w, v, opts);
  } else if (v instanceof HashValue) {
    if (v.isListpack) {
      const flat: string[] = [];
      for (const [f, x] of v.entries()) flat.push(f, x);
      writeBlob(w, encodeListpack(flat), opts);
    } else {
      writeLength(w, v.size);
      for (const [f, x] of v.entries()) {
        writeString(w, f, opts);
        writeString(w, x, opts);
      }
    }
  } else if (v instanceof SetValue) {
    if (v.isIntset) writeBlob(w, encodeIntset([...v.members()]), opts);
    else {
      writeLength(w, v.size);
      for (const m of v.members()) writeString(w, m, opts);
    }
  } else if (v instanceof ZSetValue) {
    if (v.listpack) {
      const flat: string[] = [];
      for (const [m, s] of v.entries()) flat.push(m, scoreText(s));
      writeBlob(w, encodeListpack(flat), opts);
    } else {
      // From the greatest to the smallest, as Redis does: loading then appends at the head.
      writeLength(w, v.size);
      for (let n = v.last; n; n = n.backward) {
        writeString(w, n.member, opts);
        w.f64le(n.score);
      }
    }
  } else {
    const custom = customTypes.get(v.type);
    if (!custom) throw new Error(`cannot save a value of type ${v.type}`);
    custom.write(w, v, opts);
  }
}

/** A list as quicklist nodes of listpacks, cut where Redis's pushes at the tail would cut them. */
function writeQuicklist(w: ByteWriter, l: ListValue, opts: WriteOptions): void {
  const nodes: string[][] = [];
  let cur: string[] = [];
  let bytes = 7; // listpack header and end byte
  for (const e of l) {
    if (cur.length > 0 && !nodeAllowsInsert(bytes, cur.length, e.length, opts.listFill)) {
      nodes.push(cur);
      cur = [];
      bytes = 7;
    }
    cur.push(e);
    bytes += listpackEntrySize(e);
  }
  if (cur.length) nodes.push(cur);
  writeLength(w, nodes.length);
  for (const n of nodes) {
    writeLength(w, F.QL_PACKED);
    writeBlob(w, encodeListpack(n), opts);
  }
}
