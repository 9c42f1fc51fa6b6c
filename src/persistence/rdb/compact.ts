import { ByteReader, ByteWriter } from './bytes.js';
import { parseInteger } from '../../protocol/number-format.js';

/**
 * Redis's compact blobs, as they appear inside RDB values: listpack (written and read), intset
 * (written and read), and the older ziplist and zipmap (read; written only by tests to build
 * fixtures of encodings Redis 7 no longer produces). Integers come back as canonical decimal text.
 */

const INT13_MIN = -4096;
const INT13_MAX = 4095;

/** string2ll's value of a string when it is a canonical int64, else null. */
export function canonicalInt(s: string): number | bigint | null {
  if (s.length === 0 || s.length > 20) return null;
  const n = parseInteger(s);
  if (n === null) return null;
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

/** lpEncodeBacklen's size for an entry of `l` bytes. */
function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

function writeBacklen(w: ByteWriter, l: number): void {
  const n = backlenSize(l);
  // Most significant 7-bit group first; every byte but the first has the high bit set.
  for (let i = n - 1; i >= 0; i--) {
    const group = Math.floor(l / 2 ** (7 * i)) & 127;
    w.byte(i === n - 1 ? group : group | 128);
  }
}

/** Appends one listpack entry (encoding, data, backlen); answers its size without the backlen. */
function writeLpEntry(w: ByteWriter, s: string): number {
  const start = w.pos;
  const v = canonicalInt(s);
  if (v !== null) {
    if (typeof v === 'number' && v >= 0 && v <= 127) w.byte(v);
    else if (typeof v === 'number' && v >= INT13_MIN && v <= INT13_MAX) {
      const u = v < 0 ? (1 << 13) + v : v;
      w.byte((u >> 8) | 0xc0);
      w.byte(u & 0xff);
    } else if (typeof v === 'number' && v >= -32768 && v <= 32767) {
      w.byte(0xf1);
      w.u16le(v & 0xffff);
    } else if (typeof v === 'number' && v >= -8388608 && v <= 8388607) {
      const u = v < 0 ? (1 << 24) + v : v;
      w.byte(0xf2);
      w.byte(u & 0xff);
      w.byte((u >> 8) & 0xff);
      w.byte((u >> 16) & 0xff);
    } else if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
      w.byte(0xf3);
      w.u32le(v >>> 0);
    } else {
      w.byte(0xf4);
      w.i64le(BigInt(v));
    }
  } else {
    const len = s.length;
    if (len < 64) w.byte(0x80 | len);
    else if (len < 4096) {
      w.byte(0xe0 | (len >> 8));
      w.byte(len & 0xff);
    } else {
      w.byte(0xf0);
      w.u32le(len);
    }
    w.latin1(s);
  }
  const size = w.pos - start;
  writeBacklen(w, size);
  return size;
}

/** The encoded size of one listpack entry, backlen included (what lpInsert would add). */
export function listpackEntrySize(s: string): number {
  let size: number;
  const v = canonicalInt(s);
  if (v !== null) {
    if (typeof v === 'bigint') size = 9;
    else if (v >= 0 && v <= 127) size = 1;
    else if (v >= INT13_MIN && v <= INT13_MAX) size = 2;
    else if (v >= -32768 && v <= 32767) size = 3;
    else if (v >= -8388608 && v <= 8388607) size = 4;
    else if (v >= -2147483648 && v <= 2147483647) size = 5;
    else size = 9;
  } else {
    const len = s.length;
    size = len + (len < 64 ? 1 : len < 4096 ? 2 : 5);
  }
  return size + backlenSize(size);
}

/** A listpack holding `entries` in order. */
export function encodeListpack(entries: Iterable<string>): Buffer {
  const w = new ByteWriter(64);
  w.u32le(0);
  w.u16le(0);
  let n = 0;
  for (const e of entries) {
    writeLpEntry(w, e);
    n++;
  }
  w.byte(0xff);
  const out = Buffer.from(w.result());
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(n < 65535 ? n : 65535, 4);
  return out;
}

/** The entries of a listpack blob; `r` spans exactly the blob. */
export function decodeListpack(r: ByteReader): string[] {
  const start = r.pos;
  const total = r.u32le();
  const count = r.u16le();
  if (total !== r.end - start) r.fail(`listpack header says ${total} bytes, blob has ${r.end - start}`, start);
  const out: string[] = [];
  for (;;) {
    const at = r.pos;
    const b = r.u8();
    if (b === 0xff) break;
    let s: string;
    if ((b & 0x80) === 0) s = String(b & 0x7f);
    else if ((b & 0xc0) === 0x80) s = r.latin1(b & 0x3f);
    else if ((b & 0xe0) === 0xc0) {
      const u = ((b & 0x1f) << 8) | r.u8();
      s = String(u >= 1 << 12 ? u - (1 << 13) : u);
    } else if ((b & 0xf0) === 0xe0) s = r.latin1(((b & 0x0f) << 8) | r.u8());
    else if (b === 0xf0) s = r.latin1(r.u32le());
    else if (b === 0xf1) {
      const u = r.u16le();
      s = String(u >= 0x8000 ? u - 0x10000 : u);
    } else if (b === 0xf2) {
      const u = r.u8() | (r.u8() << 8) | (r.u8() << 16);
      s = String(u >= 0x800000 ? u - 0x1000000 : u);
    } else if (b === 0xf3) s = String(r.u32le() | 0);
    else if (b === 0xf4) s = String(r.i64le());
    else r.fail(`invalid listpack entry encoding 0x${b.toString(16)}`, at);
    const size = r.pos - at;
    const bl = backlenSize(size);
    r.need(bl);
    r.pos += bl;
    out.push(s);
  }
  if (r.pos !== r.end) r.fail('listpack end marker before the end of the blob');
  if (count !== 65535 && count !== out.length) r.fail(`listpack header says ${count} entries, found ${out.length}`, start);
  return out;
}

/** The entries of a ziplist blob (Redis < 7 lists, hashes and sorted sets). */
export function decodeZiplist(r: ByteReader): string[] {
  const start = r.pos;
  const total = r.u32le();
  r.u32le(); // zltail
  const count = r.u16le();
  if (total !== r.end - start) r.fail(`ziplist header says ${total} bytes, blob has ${r.end - start}`, start);
  const out: string[] = [];
  for (;;) {
    const at = r.pos;
    const p = r.u8();
    if (p === 0xff) break;
    if (p === 0xfe) r.u32le();
    const b = r.u8();
    let s: string;
    const top = b >> 6;
    if (top === 0) s = r.latin1(b & 0x3f);
    else if (top === 1) s = r.latin1(((b & 0x3f) << 8) | r.u8());
    else if (b === 0x80) s = r.latin1(r.u32be());
    else if (b === 0xc0) {
      const u = r.u16le();
      s = String(u >= 0x8000 ? u - 0x10000 : u);
    } else if (b === 0xd0) s = String(r.u32le() | 0);
    else if (b === 0xe0) s = String(r.i64le());
    else if (b === 0xf0) {
      const u = r.u8() | (r.u8() << 8) | (r.u8() << 16);
      s = String(u >= 0x800000 ? u - 0x1000000 : u);
    } else if (b === 0xfe) {
      const u = r.u8();
      s = String(u >= 0x80 ? u - 0x100 : u);
    } else if (b >= 0xf1 && b <= 0xfd) s = String((b & 0x0f) - 1);
    else r.fail(`invalid ziplist entry encoding 0x${b.toString(16)}`, at);
    out.push(s);
  }
  if (r.pos !== r.end) r.fail('ziplist end marker before the end of the blob');
  if (count !== 65535 && count !== out.length) r.fail(`ziplist header says ${count} entries, found ${out.length}`, start);
  return out;
}

/** A ziplist holding `entries` (for fixtures of pre-7.0 files: strings only, plus small ints). */
export function encodeZiplist(entries: readonly string[]): Buffer {
  const w = new ByteWriter(64);
  w.u32le(0);
  w.u32le(0);
  w.u16le(entries.length < 65535 ? entries.length : 65535);
  let prevlen = 0;
  let tail = 10;
  for (const e of entries) {
    const at = w.pos;
    tail = at;
    if (prevlen < 254) w.byte(prevlen);
    else {
      w.byte(0xfe);
      w.u32le(prevlen);
    }
    const v = canonicalInt(e);
    if (v !== null && typeof v === 'number' && v >= 0 && v <= 12) w.byte(0xf1 + v);
    else if (v !== null && typeof v === 'number' && v >= -128 && v <= 127) {
      w.byte(0xfe);
      w.byte(v & 0xff);
    } else if (v !== null && typeof v === 'number' && v >= -32768 && v <= 32767) {
      w.byte(0xc0);
      w.u16le(v & 0xffff);
    } else if (v !== null && typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
      w.byte(0xd0);
      w.u32le(v >>> 0);
    } else if (v !== null) {
      w.byte(0xe0);
      w.i64le(BigInt(v));
    } else if (e.length < 64) {
      w.byte(e.length);
      w.latin1(e);
    } else if (e.length < 16384) {
      w.byte(0x40 | (e.length >> 8));
      w.byte(e.length & 0xff);
      w.latin1(e);
    } else {
      w.byte(0x80);
      w.u32be(e.length);
      w.latin1(e);
    }
    prevlen = w.pos - at;
  }
  w.byte(0xff);
  const out = Buffer.from(w.result());
  out.writeUInt32LE(out.length, 0);
  out.writeUInt32LE(tail, 4);
  return out;
}

/** A zipmap blob's field/value pairs, flattened (Redis < 2.6 hashes). */
export function decodeZipmap(r: ByteReader): string[] {
  r.u8(); // zmlen: a count up to 253, or 254 when it must be counted
  const out: string[] = [];
  const readLen = (): number | null => {
    const b = r.u8();
    if (b === 0xff) return null;
    return b < 254 ? b : r.u32le();
  };
  for (;;) {
    const klen = readLen();
    if (klen === null) break;
    const key = r.latin1(klen);
    const vlen = readLen();
    if (vlen === null) r.fail('zipmap ends between a field and its value');
    const free = r.u8();
    const value = r.latin1(vlen);
    r.need(free);
    r.pos += free;
    out.push(key, value);
  }
  if (r.pos !== r.end) r.fail('zipmap end marker before the end of the blob');
  return out;
}

/** A zipmap of field/value pairs (fixtures only). */
export function encodeZipmap(pairs: readonly string[]): Buffer {
  const w = new ByteWriter(64);
  w.byte(pairs.length / 2 < 254 ? pairs.length / 2 : 254);
  const len = (n: number): void => {
    if (n < 254) w.byte(n);
    else {
      w.byte(254);
      w.u32le(n);
    }
  };
  for (let i = 0; i < pairs.length; i += 2) {
    len(pairs[i]!.length);
    w.latin1(pairs[i]!);
    len(pairs[i + 1]!.length);
    w.byte(0);
    w.latin1(pairs[i + 1]!);
  }
  w.byte(0xff);
  return Buffer.from(w.result());
}

/** An intset of canonical int64 strings, sorted ascending, in the smallest width that holds them all. */
export function encodeIntset(members: readonly string[]): Buffer {
  let width = 2;
  for (const m of members) {
    const v = canonicalInt(m)!;
    if (typeof v === 'bigint' || v < -2147483648 || v > 2147483647) {
      width = 8;
      break;
    }
    if (v < -32768 || v > 32767) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + width * members.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(members.length, 4);
  let p = 8;
  for (const m of members) {
    if (width === 2) out.writeInt16LE(Number(m), p);
    else if (width === 4) out.writeInt32LE(Number(m), p);
    else out.writeBigInt64LE(BigInt(m), p);
    p += width;
  }
  return out;
}

export function decodeIntset(r: ByteReader): string[] {
  const start = r.pos;
  const width = r.u32le();
  const n = r.u32le();
  if (width !== 2 && width !== 4 && width !== 8) r.fail(`invalid intset encoding ${width}`, start);
  if (8 + width * n !== r.end - start) r.fail(`intset of ${n} entries does not fill its ${r.end - start} bytes`, start);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    if (width === 2) {
      const u = r.u16le();
      out[i] = String(u >= 0x8000 ? u - 0x10000 : u);
    } else if (width === 4) out[i] = String(r.u32le() | 0);
    else out[i] = String(r.i64le());
  }
  return out;
}
