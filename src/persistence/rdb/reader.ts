import { ByteReader } from './bytes.js';
import { lzfDecompress } from './lzf.js';
import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap } from './compact.js';
import * as F from './format.js';
import type { Value } from '../../keyspace/db.js';
import { ListValue } from '../../types/list/list-value.js';
import { HashValue, type HashLimits } from '../../types/hash/hash-value.js';
import { SetValue } from '../../types/set/set-value.js';
import { ZSetValue, type ZSetLimits } from '../../types/zset/zset-value.js';

/** The encoding limits in force while loading (Redis converts loaded values by them). */
export interface LoadLimits {
  readonly hash: HashLimits;
  readonly zset: ZSetLimits;
  readonly intsetEntries: number;
}

export function loadLimits(config: { int(name: string): number }): LoadLimits {
  return {
    hash: { maxEntries: config.int('hash-max-listpack-entries'), maxValue: config.int('hash-max-listpack-value') },
    zset: { maxEntries: config.int('zset-max-listpack-entries'), maxValue: config.int('zset-max-listpack-value') },
    intsetEntries: config.int('set-max-intset-entries'),
  };
}

const NO_LIMITS: ZSetLimits = { maxEntries: Infinity, maxValue: Infinity };

/** rdbLoadLenByRef: a length, or for an encoded string the encoding's number with `encoded` set. */
export function readLengthOrEncoding(r: ByteReader): { len: number; encoded: boolean } {
  const b = r.u8();
  const kind = b >> 6;
  if (kind === F.LEN_ENCVAL) return { len: b & 0x3f, encoded: true };
  if (kind === F.LEN_6BIT) return { len: b & 0x3f, encoded: false };
  if (kind === F.LEN_14BIT) return { len: ((b & 0x3f) << 8) | r.u8(), encoded: false };
  if (b === F.LEN_32BIT) return { len: r.u32be(), encoded: false };
  if (b === F.LEN_64BIT) {
    const v = r.u64be();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) r.fail(`length ${v} too large`, r.pos - 9);
    return { len: Number(v), encoded: false };
  }
  return r.fail(`unknown length encoding 0x${b.toString(16)}`, r.pos - 1);
}

export function readLength(r: ByteReader): number {
  const at = r.pos;
  const { len, encoded } = readLengthOrEncoding(r);
  if (encoded) r.fail('an encoded string where a length was expected', at);
  return len;
}

/** rdbGenericLoadStringObject as bytes: plain, integer-encoded or LZF-compressed. */
export function readStringBytes(r: ByteReader): Buffer {
  const at = r.pos;
  const { len, encoded } = readLengthOrEncoding(r);
  if (!encoded) return r.slice(len);
  switch (len) {
    case F.ENC_INT8: {
      const u = r.u8();
      return Buffer.from(String(u >= 0x80 ? u - 0x100 : u), 'latin1');
    }
    case F.ENC_INT16: {
      const u = r.u16le();
      return Buffer.from(String(u >= 0x8000 ? u - 0x10000 : u), 'latin1');
    }
    case F.ENC_INT32:
      return Buffer.from(String(r.u32le() | 0), 'latin1');
    case F.ENC_LZF: {
      const clen = readLength(r);
      const ulen = readLength(r);
      const out = lzfDecompress(r.slice(clen), ulen);
      if (out === null) r.fail('invalid LZF compressed string', at);
      return out;
    }
    default:
      return r.fail(`unknown string encoding ${len}`, at);
  }
}

export function readString(r: ByteReader): string {
  // The common case, a plain string, without the intermediate Buffer.
  const first = r.pos < r.end ? r.buf[r.pos]! : 0;
  if (first >> 6 === F.LEN_6BIT) {
    r.pos++;
    return r.latin1(first & 0x3f);
  }
  const b = readStringBytes(r);
  return b.latin1Slice(0, b.length);
}

/** A blob (ziplist, listpack, intset) as a reader of its own, reporting offsets inside the file. */
function readBlob(r: ByteReader): ByteReader {
  const at = r.pos;
  const encoded = r.pos < r.end && r.buf[r.pos]! >> 6 === F.LEN_ENCVAL;
  const b = readStringBytes(r);
  // A plain blob is read in place and keeps the file's offsets; a decompressed one reports where it began.
  if (!encoded) return new ByteReader(r.buf, r.pos - b.length, r.pos, r.base);
  return new ByteReader(b, 0, b.length, r.base + at);
}

/** rdbLoadDoubleValue: the old text form (RDB_TYPE_ZSET). */
function readAsciiDouble(r: ByteReader): number {
  const n = r.u8();
  if (n === 253) return NaN;
  if (n === 254) return Infinity;
  if (n === 255) return -Infinity;
  const at = r.pos;
  const s = r.latin1(n);
  const d = Number(s);
  if (Number.isNaN(d)) r.fail(`invalid double "${s}"`, at);
  return d;
}

/** zzlStrtod: a listpack/ziplist score. */
function parseScore(r: ByteReader, s: string): number {
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  const d = Number(s);
  if (Number.isNaN(d)) r.fail(`invalid sorted set score "${s}"`);
  return d;
}

/** Types whose decoder lives elsewhere (streams, registered by their module). */
export type CustomValueLoader = (r: ByteReader, type: number) => Value | null;
export const customLoaders = new Map<number, CustomValueLoader>();

function hashFromPairs(r: ByteReader, flat: readonly string[], limits: LoadLimits, plain: boolean): HashValue {
  const h = new HashValue();
  if (plain && flat.length / 2 > limits.hash.maxEntries) h.toHashtable();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (!h.set(flat[i]!, flat[i + 1]!, limits.hash)) r.fail(`duplicate hash field "${flat[i]!.slice(0, 64)}"`);
  }
  if (flat.length % 2) r.fail('hash blob with an odd number of entries');
  return h;
}

function zsetFromPairs(r: ByteReader, flat: readonly string[], limits: LoadLimits): ZSetValue {
  if (flat.length % 2) r.fail('sorted set blob with an odd number of entries');
  const z = new ZSetValue(true);
  for (let i = 0; i < flat.length; i += 2) {
    if (z.has(flat[i]!)) r.fail(`duplicate sorted set member "${flat[i]!.slice(0, 64)}"`);
    z.insertNew(parseScore(r, flat[i + 1]!), flat[i]!, NO_LIMITS);
  }
  // As rdbLoadObject: a listpack set stays one unless it has more entries than the limit.
  z.listpack = z.size <= limits.zset.maxEntries;
  return z;
}

function setFromMembers(r: ByteReader, members: readonly string[], limits: LoadLimits, presize: boolean): SetValue {
  const s = new SetValue();
  if (presize && members.length > limits.intsetEntries) s.convertToHashtable();
  for (const m of members) if (!s.add(m, limits.intsetEntries)) r.fail(`duplicate set member "${m.slice(0, 64)}"`);
  return s;
}

/**
 * rdbLoadObject: one value of the given type. Answers null for an empty collection (Redis skips
 * such keys when loading a file and refuses them in RESTORE).
 */
export function readValue(r: ByteReader, type: number, limits: LoadLimits): Value | null {
  const at = r.pos;
  switch (type) {
    case F.T_STRING:
      return readString(r);
    case F.T_LIST: {
      const n = readLength(r);
      const l = new ListValue(n);
      for (let i = 0; i < n; i++) l.pushTail(readString(r));
      return n ? l : null;
    }
    case F.T_SET: {
      const n = readLength(r);
      const members = new Array<string>(n);
      for (let i = 0; i < n; i++) members[i] = readString(r);
      return n ? setFromMembers(r, members, limits, true) : null;
    }
    case F.T_ZSET:
    case F.T_ZSET_2: {
      const n = readLength(r);
      const z = new ZSetValue(false);
      let maxLen = 0;
      for (let i = 0; i < n; i++) {
        const m = readString(r);
        const s = type === F.T_ZSET_2 ? r.f64le() : readAsciiDouble(r);
        if (Number.isNaN(s)) r.fail('NaN score in sorted set');
        if (z.has(m)) r.fail(`duplicate sorted set member "${m.slice(0, 64)}"`);
        if (m.length > maxLen) maxLen = m.length;
        z.insertNew(s, m, NO_LIMITS);
      }
      if (!n) return null;
      // As rdbLoadObject: a small set becomes a listpack.
      if (n <= limits.zset.maxEntries && maxLen <= limits.zset.maxValue) {
        z.listpack = true;
        for (let x = z.first; x; x = x.next) if (Object.is(x.score, -0)) x.score = 0;
        for (const [m, s] of z.entries()) z.dict.set(m, s);
      }
      return z;
    }
    case F.T_HASH: {
      const n = readLength(r);
      const flat = new Array<string>(n * 2);
      for (let i = 0; i < n * 2; i++) flat[i] = readString(r);
      return n ? hashFromPairs(r, flat, limits, true) : null;
    }
    case F.T_HASH_ZIPMAP: {
      const flat = decodeZipmap(readBlob(r));
      return flat.length ? hashFromPairs(r, flat, limits, false) : null;
    }
    case F.T_HASH_ZIPLIST:
    case F.T_HASH_LISTPACK: {
      const b = readBlob(r);
      const flat = type === F.T_HASH_ZIPLIST ? decodeZiplist(b) : decodeListpack(b);
      return flat.length ? hashFromPairs(r, flat, limits, false) : null;
    }
    case F.T_ZSET_ZIPLIST:
    case F.T_ZSET_LISTPACK: {
      const b = readBlob(r);
      const flat = type === F.T_ZSET_ZIPLIST ? decodeZiplist(b) : decodeListpack(b);
      return flat.length ? zsetFromPairs(r, flat, limits) : null;
    }
    case F.T_SET_INTSET:
    case F.T_SET_LISTPACK: {
      const b = readBlob(r);
      const members = type === F.T_SET_INTSET ? decodeIntset(b) : decodeListpack(b);
      return members.length ? setFromMembers(r, members, limits, false) : null;
    }
    case F.T_LIST_ZIPLIST: {
      const items = decodeZiplist(readBlob(r));
      return items.length ? ListValue.from(items) : null;
    }
    case F.T_LIST_QUICKLIST:
    case F.T_LIST_QUICKLIST_2: {
      const nodes = readLength(r);
      const l = new ListValue();
      for (let i = 0; i < nodes; i++) {
        let container = F.QL_PACKED;
        if (type === F.T_LIST_QUICKLIST_2) {
          const cat = r.pos;
          container = readLength(r);
          if (container !== F.QL_PACKED && container !== F.QL_PLAIN) r.fail(`unknown quicklist node container ${container}`, cat);
        }
        if (container === F.QL_PLAIN) {
          l.pushTail(readString(r));
          continue;
        }
        const b = readBlob(r);
        // An empty node is skipped, as Redis does.
        for (const e of type === F.T_LIST_QUICKLIST ? decodeZiplist(b) : decodeListpack(b)) l.pushTail(e);
      }
      return l.length ? l : null;
    }
    case F.T_MODULE_PRE_GA:
    case F.T_MODULE_2: {
      return r.fail(`a module value (RDB type ${type}): Nodis has no modules to load it`, at - 1);
    }
    default: {
      const custom = customLoaders.get(type);
      if (custom) return custom(r, type);
      return r.fail(`unknown value type ${type}`, at - 1);
    }
  }
}
