import './buffer-ext.js';
import { formatDouble } from './number-format.js';

const CHUNK = 64 * 1024;

/**
 * Reply writer for one connection. Handlers write into it; the connection flushes once per read
 * batch. Bytes go into a chunk that is handed to the socket as a slice and never reused, so
 * there is no copy and no allocation per reply. RESP2 or RESP3 is chosen per connection.
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

  /** Appends raw protocol text (ASCII or binary string). */
  raw(s: string): void {
    const n = s.length;
    this.ensure(n);
    this.chunk.latin1Write(s, this.pos, n);
    this.pos += n;
    this.bytes += n;
  }

  rawBuffer(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.chunk, this.pos);
    this.pos += b.length;
    this.bytes += b.length;
  }

  ok(): void {
    this.raw('+OK\r\n');
  }

  simple(s: string): void {
    this.raw('+' + s + '\r\n');
  }

  /** An error reply; `msg` includes its code, e.g. "ERR syntax error". */
  error(msg: string): void {
    this.onError?.(msg);
    this.raw('-' + msg + '\r\n');
  }

  int(n: number | bigint): void {
    this.raw(':' + n + '\r\n');
  }

  bulk(s: string): void {
    const n = s.length;
    const head = '$' + n + '\r\n';
    this.ensure(head.length + n + 2);
    const c = this.chunk;
    let p = this.pos;
    p += c.latin1Write(head, p);
    p += c.latin1Write(s, p, n);
    c[p++] = 13;
    c[p++] = 10;
    this.bytes += p - this.pos;
    this.pos = p;
  }

  bulkOrNull(s: string | null | undefined): void {
    if (s === null || s === undefined) this.null();
    else this.bulk(s);
  }

  /** Null bulk in RESP2, `_` in RESP3. */
  null(): void {
    this.raw(this.resp === 3 ? '_\r\n' : '$-1\r\n');
  }

  /** Null array in RESP2 (`*-1`), `_` in RESP3. */
  nullArray(): void {
    this.raw(this.resp === 3 ? '_\r\n' : '*-1\r\n');
  }

  array(n: number): void {
    this.raw('*' + n + '\r\n');
  }

  /** A map of n pairs: `%n` in RESP3, a flat array of 2n in RESP2. */
  map(n: number): void {
    this.raw(this.resp === 3 ? '%' + n + '\r\n' : '*' + 2 * n + '\r\n');
  }

  /** A set: `~n` in RESP3, an array in RESP2. */
  set(n: number): void {
    this.raw(this.resp === 3 ? '~' + n + '\r\n' : '*' + n + '\r\n');
  }

  /** An out-of-band push frame: `>n` in RESP3, an array in RESP2 (pub/sub messages). */
  push(n: number): void {
    this.raw(this.resp === 3 ? '>' + n + '\r\n' : '*' + n + '\r\n');
  }

  /** A double: `,` in RESP3, a bulk string in RESP2, formatted as Redis does. */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.resp === 3) this.raw(',' + s + '\r\n');
    else this.bulk(s);
  }

  bool(b: boolean): void {
    if (this.resp === 3) this.raw(b ? '#t\r\n' : '#f\r\n');
    else this.raw(b ? ':1\r\n' : ':0\r\n');
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
