import './buffer-ext.js';
import { formatDouble } from './number-format.js';

const CHUNK = 64 * 1024;

/**
 * Strings shorter than this are copied into the chunk by a charCodeAt loop; longer ones by one
 * latin1Write. Each latin1Write crosses into C++ (~100+ ns), while the loop costs a few ns a byte:
 * measured in Node 20 here, the two meet at about 32 bytes.
 */
const SHORT_STRING = 32;

/** Room for a type byte, a sign, 16 digits (2^53) and CRLF, rounded up. */
const HEADER_ROOM = 24;

/** Bytes of an ASCII literal. */
function asciiBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

const OK = asciiBytes('+OK\r\n');
const NULL_BULK = asciiBytes('$-1\r\n');
const NULL_ARRAY = asciiBytes('*-1\r\n');
const NULL3 = asciiBytes('_\r\n');
const INT0 = asciiBytes(':0\r\n');
const INT1 = asciiBytes(':1\r\n');
const TRUE3 = asciiBytes('#t\r\n');
const FALSE3 = asciiBytes('#f\r\n');

/** Decimal digits of a non-negative safe integer. */
function digitCount(v: number): number {
  if (v < 10) return 1;
  if (v < 100) return 2;
  if (v < 1000) return 3;
  if (v < 10000) return 4;
  let d = 5;
  for (let t = 100000; v >= t; t *= 10) d++;
  return d;
}

/**
 * Writes the digits of a safe integer (with '-' if negative; -0 as "0") at p; returns the end.
 * The caller has made room for HEADER_ROOM bytes.
 */
function writeInteger(c: Buffer, p: number, n: number): number {
  let v = n;
  if (v < 0) {
    c[p++] = 45;
    v = -v;
  }
  const end = p + digitCount(v);
  let q = end;
  if (v > 0x7fffffff) {
    // Peel off the low 9 digits with one exact float division (v < 2^53), then go on in int32.
    let lo = v % 1e9;
    v = (v - lo) / 1e9;
    for (let i = 0; i < 9; i++) {
      const t = (lo / 10) | 0;
      c[--q] = 48 + lo - t * 10;
      lo = t;
    }
  }
  do {
    const t = (v / 10) | 0;
    c[--q] = 48 + v - t * 10;
    v = t;
  } while (v !== 0);
  return end;
}

/** Writes a binary string (one byte per char) at p; returns the end. Room is the caller's. */
function writeBinary(c: Buffer, p: number, s: string): number {
  const n = s.length;
  if (n < SHORT_STRING) {
    for (let i = 0; i < n; i++) c[p + i] = s.charCodeAt(i);
    return p + n;
  }
  return p + c.latin1Write(s, p, n);
}

/** A double that formatDouble would print as a plain integer: safe, and not -0. */
function isPlainInteger(d: number): boolean {
  return Number.isSafeInteger(d) && (d !== 0 || 1 / d > 0);
}

/**
 * Reply writer for one connection. Handlers write into it; the connection flushes once per read
 * batch. Bytes go into a chunk that is handed to the socket as a slice and never reused, so
 * there is no copy and no allocation per reply. RESP2 or RESP3 is chosen per connection.
 *
 * The common replies are written byte by byte from JS (headers, integers, short strings): a
 * Buffer method call costs more than the bytes it writes, and building a header string costs an
 * allocation. Only strings of SHORT_STRING bytes or more go through latin1Write.
 */
export class Reply {
  resp: 2 | 3 = 2;
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private pos = 0;
  private full: Buffer[] = [];
  /** Bytes written since the last take(). */
  private bytes = 0;
  /** Told of every error reply (INFO errorstats). */
  onError: ((msg: string) => void) | null = null;

  /** Whether anything is waiting to be flushed. */
  get empty(): boolean {
    return this.pos === this.start && this.full.length === 0;
  }

  get size(): number {
    return this.bytes;
  }

  /** Everything written since the last call, as buffers to hand to the socket. */
  take(): Buffer[] {
    const out = this.full;
    if (this.pos > this.start) out.push(this.chunk.subarray(this.start, this.pos));
    this.full = [];
    this.start = this.pos;
    this.bytes = 0;
    return out;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.chunk.length) return;
    if (this.pos > this.start) this.full.push(this.chunk.subarray(this.start, this.pos));
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.start = 0;
    this.pos = 0;
  }

  /** Moves the write position to p (bytes were written up to there). */
  private advance(p: number): void {
    this.bytes += p - this.pos;
    this.pos = p;
  }

  /** Appends a precomputed byte sequence. */
  private literal(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const c = this.chunk;
    const p = this.pos;
    for (let i = 0; i < n; i++) c[p + i] = b[i]!;
    this.advance(p + n);
  }

  /** `<type><n>\r\n` for a safe integer n: aggregate headers and integer replies. */
  private header(type: number, n: number): void {
    if (!Number.isSafeInteger(n)) {
      // Never expected; written as the string writer did, rather than trusting the digit loop.
      this.raw(String.fromCharCode(type) + n + '\r\n');
      return;
    }
    this.ensure(HEADER_ROOM);
    const c = this.chunk;
    let p = this.pos;
    c[p++] = type;
    p = writeInteger(c, p, n);
    c[p++] = 13;
    c[p++] = 10;
    this.advance(p);
  }

  /** `<type><s>\r\n` for a binary string s: simple strings and errors. */
  private line(type: number, s: string): void {
    this.ensure(s.length + 3);
    const c = this.chunk;
    let p = this.pos;
    c[p++] = type;
    p = writeBinary(c, p, s);
    c[p++] = 13;
    c[p++] = 10;
    this.advance(p);
  }

  /** Appends raw protocol text (ASCII or binary string). */
  raw(s: string): void {
    this.ensure(s.length);
    this.advance(writeBinary(this.chunk, this.pos, s));
  }

  rawBuffer(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.chunk, this.pos);
    this.pos += b.length;
    this.bytes += b.length;
  }

  ok(): void {
    this.literal(OK);
  }

  simple(s: string): void {
    this.line(43, s);
  }

  /** An error reply; `msg` includes its code, e.g. "ERR syntax error". */
  error(msg: string): void {
    this.onError?.(msg);
    this.line(45, msg);
  }

  int(n: number | bigint): void {
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      if (n === 0) this.literal(INT0);
      else if (n === 1) this.literal(INT1);
      else this.header(58, n);
    } else {
      this.raw(':' + n + '\r\n');
    }
  }

  bulk(s: string): void {
    const n = s.length;
    this.ensure(n + HEADER_ROOM);
    const c = this.chunk;
    let p = this.pos;
    c[p++] = 36;
    p = writeInteger(c, p, n);
    c[p++] = 13;
    c[p++] = 10;
    p = writeBinary(c, p, s);
    c[p++] = 13;
    c[p++] = 10;
    this.advance(p);
  }

  /**
   * Bulk strings items[from..to) one after another (the caller writes the aggregate header):
   * room is made once for all of them and the loop keeps its write position in a local.
   */
  bulks(items: readonly string[], from = 0, to = items.length): void {
    let room = 0;
    for (let i = from; i < to; i++) room += items[i]!.length + HEADER_ROOM;
    this.ensure(room);
    const c = this.chunk;
    let p = this.pos;
    for (let i = from; i < to; i++) {
      const s = items[i]!;
      const n = s.length;
      c[p++] = 36;
      if (n < 10) c[p++] = 48 + n;
      else p = writeInteger(c, p, n);
      c[p++] = 13;
      c[p++] = 10;
      p = writeBinary(c, p, s);
      c[p++] = 13;
      c[p++] = 10;
    }
    this.advance(p);
  }

  bulkOrNull(s: string | null | undefined): void {
    if (s === null || s === undefined) this.null();
    else this.bulk(s);
  }

  /** Null bulk in RESP2, `_` in RESP3. */
  null(): void {
    this.literal(this.resp === 3 ? NULL3 : NULL_BULK);
  }

  /** Null array in RESP2 (`*-1`), `_` in RESP3. */
  nullArray(): void {
    this.literal(this.resp === 3 ? NULL3 : NULL_ARRAY);
  }

  array(n: number): void {
    this.header(42, n);
  }

  /** A map of n pairs: `%n` in RESP3, a flat array of 2n in RESP2. */
  map(n: number): void {
    if (this.resp === 3) this.header(37, n);
    else this.header(42, 2 * n);
  }

  /** A set: `~n` in RESP3, an array in RESP2. */
  set(n: number): void {
    this.header(this.resp === 3 ? 126 : 42, n);
  }

  /** An out-of-band push frame: `>n` in RESP3, an array in RESP2 (pub/sub messages). */
  push(n: number): void {
    this.header(this.resp === 3 ? 62 : 42, n);
  }

  /** A double: `,` in RESP3, a bulk string in RESP2, formatted as Redis does. */
  double(d: number): void {
    if (isPlainInteger(d)) {
      // formatDouble prints these as their plain digits; skip its %.17g work.
      if (this.resp === 3) {
        this.header(44, d);
        return;
      }
      this.ensure(2 * HEADER_ROOM);
      const c = this.chunk;
      let p = this.pos;
      c[p++] = 36;
      p = writeInteger(c, p, d < 0 ? 1 + digitCount(-d) : digitCount(d));
      c[p++] = 13;
      c[p++] = 10;
      p = writeInteger(c, p, d);
      c[p++] = 13;
      c[p++] = 10;
      this.advance(p);
      return;
    }
    const s = formatDouble(d);
    if (this.resp === 3) this.line(44, s);
    else this.bulk(s);
  }

  bool(b: boolean): void {
    if (this.resp === 3) this.literal(b ? TRUE3 : FALSE3);
    else this.literal(b ? INT1 : INT0);
  }

  /** Verbatim string (`=` with a 3-letter format in RESP3), a bulk string in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 3) {
      this.raw('=' + (s.length + 4) + '\r\n' + format + ':');
      this.raw(s);
      this.raw('\r\n');
    } else {
      this.bulk(s);
    }
  }

  bulkArray(items: readonly (string | null)[]): void {
    this.array(items.length);
    for (const s of items) this.bulkOrNull(s);
  }
}
