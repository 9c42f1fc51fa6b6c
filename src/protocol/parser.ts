import './buffer-ext.js';

/** A malformed request. The text is Redis's, without the "ERR " prefix. */
export class ProtocolError extends Error {}

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);
/** Redis's PROTO_INLINE_MAX_SIZE: longest inline command or count header searched for a CRLF. */
const INLINE_MAX = 64 * 1024;
/** Bulk strings at least this long are collected in a buffer of their own, never concatenated. */
const BIG_ARG = 32 * 1024;
const INT_MAX = 2147483647;

/**
 * Incremental RESP request parser: push() socket chunks, then call next() until it returns null.
 * Keeps its place inside a frame between chunks, so a frame split at any byte costs nothing extra.
 * Arguments come out as binary strings (one char per byte).
 */
export class RespParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Arguments of the multibulk being read, or null between requests. */
  private argv: string[] | null = null;
  private argsLeft = 0;
  /** Length of the bulk being read, -1 while its header is still to come. */
  private bulkLen = -1;
  /** A large bulk's own buffer (data plus CRLF), filled as chunks arrive. */
  private big: Buffer | null = null;
  private bigFill = 0;

  maxBulkLen = 512 * 1024 * 1024;
  /** When true the stricter limits for unauthenticated clients apply, as in Redis. */
  unauthenticated = false;

  push(chunk: Buffer): void {
    if (this.big !== null) {
      const need = this.big.length - this.bigFill;
      const n = Math.min(need, chunk.length);
      chunk.copy(this.big, this.bigFill, 0, n);
      this.bigFill += n;
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** Bytes received and not yet consumed (query buffer length). */
  get pending(): number {
    return this.buf.length - this.pos + (this.big ? this.bigFill : 0);
  }

  /** The next complete request, or null if more bytes are needed. Throws ProtocolError. */
  next(): string[] | null {
    for (;;) {
      if (this.argv === null) {
        if (this.pos >= this.buf.length) {
          this.release();
          return null;
        }
        if (this.buf[this.pos] !== 42 /* '*' */) {
          const inline = this.parseInline();
          if (inline === null) return null;
          if (inline.length === 0) continue;
          return inline;
        }
        const count = this.readHeader('too big mbulk count string');
        if (count === null) return null;
        if (count > INT_MAX) throw new ProtocolError('Protocol error: invalid multibulk length');
        if (this.unauthenticated && count > 10) throw new ProtocolError('Protocol error: unauthenticated multibulk length');
        if (count <= 0) continue;
        this.argv = [];
        this.argsLeft = count;
        this.bulkLen = -1;
      }
      if (!this.readArgs()) return null;
      const argv = this.argv;
      this.argv = null;
      return argv;
    }
  }

  private release(): void {
    this.buf = EMPTY;
    this.pos = 0;
  }

  /** Reads the remaining bulk strings of the current multibulk; false when bytes are missing. */
  private readArgs(): boolean {
    const argv = this.argv!;
    while (this.argsLeft > 0) {
      if (this.big !== null) {
        if (this.bigFill < this.big.length) return false;
        argv.push(this.big.latin1Slice(0, this.big.length - 2));
        this.big = null;
        this.argsLeft--;
        this.bulkLen = -1;
        continue;
      }
      if (this.bulkLen < 0) {
        if (this.pos >= this.buf.length) return false;
        const c = this.buf[this.pos]!;
        if (c !== 36 /* '$' */) {
          throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(c)}'`);
        }
        const len = this.readHeader('too big bulk count string');
        if (len === null) return false;
        if (len < 0 || len > this.maxBulkLen) throw new ProtocolError('Protocol error: invalid bulk length');
        if (this.unauthenticated && len > 16384) throw new ProtocolError('Protocol error: unauthenticated bulk length');
        this.bulkLen = len;
      }
      const len = this.bulkLen;
      const avail = this.buf.length - this.pos;
      if (avail >= len + 2) {
        argv.push(this.buf.latin1Slice(this.pos, this.pos + len));
        this.pos += len + 2;
        this.argsLeft--;
        this.bulkLen = -1;
        continue;
      }
      if (len >= BIG_ARG) {
        // Move what we have into a buffer of the bulk's own size; later chunks fill it directly.
        this.big = Buffer.allocUnsafe(len + 2);
        this.bigFill = this.buf.copy(this.big, 0, this.pos, this.buf.length);
        this.release();
      }
      return false;
    }
    return true;
  }

  /** Reads "<type><integer>\r\n" at pos. Null when the line is incomplete. */
  private readHeader(tooBig: string): number | null {
    const buf = this.buf;
    const start = this.pos + 1;
    const cr = buf.indexOf(CR, start);
    if (cr < 0 || cr + 1 >= buf.length) {
      if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError(`Protocol error: ${tooBig}`);
      return null;
    }
    const n = parseHeaderInt(buf, start, cr);
    this.pos = cr + 2;
    if (n === null) {
      throw new ProtocolError(tooBig === 'too big bulk count string' ? 'Protocol error: invalid bulk length' : 'Protocol error: invalid multibulk length');
    }
    return n;
  }

  private parseInline(): string[] | null {
    const buf = this.buf;
    const nl = buf.indexOf(LF, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const line = buf.latin1Slice(this.pos, end);
    this.pos = nl + 1;
    const args = splitArgs(line);
    if (args === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return args;
  }
}

/** string2ll on a header: optional '-', digits, no leading zeros, fits in a safe integer. */
function parseHeaderInt(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 45 /* '-' */) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 48 /* '0' */ && end - i > 1) return null;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) return null;
  return neg ? -n : n;
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

const SPACE = /[ \n\r\t\v\f]/;

/**
 * Redis's sdssplitargs: splits an inline command (or a config line) into arguments, with
 * "double quotes" (escapes \n \r \t \b \a \\ \" \xHH) and 'single quotes' (only \').
 * Returns null on unbalanced quotes or a closing quote not followed by a space.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && SPACE.test(line[i]!)) i++;
    if (i >= n) return out;
    let cur = '';
    let inq = false;
    let insq = false;
    for (;;) {
      const c = line[i];
      if (inq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n + 0 && isHex(line[i + 2] ?? '') && isHex(line[i + 3] ?? '')) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !SPACE.test(line[i + 1]!)) return null;
          i++;
          break;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !SPACE.test(line[i + 1]!)) return null;
          i++;
          break;
        } else {
          cur += c;
        }
      } else {
        if (c === undefined || SPACE.test(c)) break;
        if (c === '"') inq = true;
        else if (c === "'") insq = true;
        else cur += c;
      }
      i++;
    }
    out.push(cur);
  }
}
