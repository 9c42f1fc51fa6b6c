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
  /** Whether `buf` is the parser's own copy, not a chunk push() was given. */
  private owned = false;
  /** Arguments of the multibulk being read, or null between requests. */
  private argv: string[] | null = null;
  private argsLeft = 0;
  /** Length of the bulk being read, -1 while its header is still to come. */
  private bulkLen = -1;
  /** A large bulk's own buffer (data plus CRLF), filled as chunks arrive. */
  private big: Buffer | null = null;
  private bigFill = 0;
  /** Full size of the big bulk (data plus CRLF); `big` grows towards it as bytes arrive. */
  private bigSize = 0;

  maxBulkLen = 512 * 1024 * 1024;
  /** When true the stricter limits for unauthenticated clients apply, as in Redis. */
  unauthenticated = false;

  push(chunk: Buffer): void {
    if (this.big !== null) {
      const need = this.bigSize - this.bigFill;
      const n = Math.min(need, chunk.length);
      if (this.bigFill + n > this.big.length) {
        // Grow by doubling: a client announcing 512 MB and sending 10 bytes costs little, and
        // an honest big value is still copied O(1) times per byte on average.
        const grown = Buffer.allocUnsafe(Math.min(this.bigSize, Math.max(this.bigFill + n, this.big.length * 2)));
        this.big.copy(grown, 0, 0, this.bigFill);
        this.big = grown;
      }
      chunk.copy(this.big, this.bigFill, 0, n);
      this.bigFill += n;
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.owned = false;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.owned = true;
    }
    this.pos = 0;
  }

  /**
   * Copies the unread bytes into a buffer of their own: the chunk given to push() may be a view of
   * a read buffer that the next read overwrites.
   */
  detach(): void {
    if (this.pos >= this.buf.length) this.release();
    else if (!this.owned) {
      this.buf = Buffer.from(this.buf.subarray(this.pos));
      this.pos = 0;
      this.owned = true;
    }
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
        const cr = this.findCR('too big mbulk count string');
        if (cr < 0) return null;
        const count = parseHeaderInt(this.buf, this.pos + 1, cr);
        if (count === null || count > INT_MAX) throw new ProtocolError('Protocol error: invalid multibulk length');
        if (this.unauthenticated && count > 10) throw new ProtocolError('Protocol error: unauthenticated multibulk length');
        // Redis skips the byte after CR without checking that it is LF.
        this.pos = cr + 2;
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

  /**
   * Position of the CR ending the header line at pos, once the byte after it has arrived too;
   * -1 while incomplete. Like Redis's strchr() on the query buffer, the search stops at a NUL
   * byte, so a header with a NUL in it never completes (until it is too long).
   */
  private findCR(tooBig: string): number {
    // A loop in JS: header lines are a few bytes, and buf.indexOf is a call into C++ that costs
    // more than scanning them.
    const buf = this.buf;
    const end = buf.length;
    for (let i = this.pos; i < end; i++) {
      const ch = buf[i]!;
      if (ch === CR) return i + 1 < end ? i : -1;
      if (ch === 0) break;
    }
    if (end - this.pos > INLINE_MAX) throw new ProtocolError(`Protocol error: ${tooBig}`);
    return -1;
  }

  /** Reads the remaining bulk strings of the current multibulk; false when bytes are missing. */
  private readArgs(): boolean {
    const argv = this.argv!;
    while (this.argsLeft > 0) {
      if (this.big !== null) {
        if (this.bigFill < this.bigSize) return false;
        argv.push(this.big.latin1Slice(0, this.bigSize - 2));
        this.big = null;
        this.argsLeft--;
        this.bulkLen = -1;
        continue;
      }
      if (this.bulkLen < 0) {
        if (this.pos >= this.buf.length) return false;
        // Redis looks at the type byte only once the whole header line is there.
        const cr = this.findCR('too big bulk count string');
        if (cr < 0) return false;
        const c = this.buf[this.pos]!;
        if (c !== 36 /* '$' */) {
          // Redis's error replies turn CR and LF into spaces.
          const got = c === CR || c === LF ? ' ' : String.fromCharCode(c);
          throw new ProtocolError(`Protocol error: expected '$', got '${got}'`);
        }
        const len = parseHeaderInt(this.buf, this.pos + 1, cr);
        if (len === null || len < 0 || len > this.maxBulkLen) throw new ProtocolError('Protocol error: invalid bulk length');
        if (this.unauthenticated && len > 16384) throw new ProtocolError('Protocol error: unauthenticated bulk length');
        this.pos = cr + 2;
        this.bulkLen = len;
      }
      const len = this.bulkLen;
      const avail = this.buf.length - this.pos;
      if (avail >= len + 2) {
        // The two bytes after the data are skipped unchecked, as Redis does.
        argv.push(binaryString(this.buf, this.pos, len));
        this.pos += len + 2;
        this.argsLeft--;
        this.bulkLen = -1;
        continue;
      }
      if (len >= BIG_ARG) {
        // Move what we have into a buffer of the bulk's own size; later chunks fill it directly.
        this.bigSize = len + 2;
        this.big = Buffer.allocUnsafe(Math.min(this.bigSize, Math.max(4 * BIG_ARG, 2 * avail)));
        this.bigFill = this.buf.copy(this.big, 0, this.pos, this.buf.length);
        this.release();
      }
      return false;
    }
    return true;
  }

  private parseInline(): string[] | null {
    const buf = this.buf;
    const len = buf.length;
    // One pass for the newline, in JS: strchr() semantics again, a NUL before it hides it.
    let nl = -1;
    for (let i = this.pos; i < len; i++) {
      const ch = buf[i]!;
      if (ch === LF) {
        nl = i;
        break;
      }
      if (ch === 0) break;
    }
    if (nl < 0) {
      if (len - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big inline request');
      return null;
    }
    const start = this.pos;
    let end = nl;
    if (end > start && buf[end - 1] === CR) end--;
    this.pos = nl + 1;
    // The common line (PING, GET key) is words between single spaces: split it here. Anything
    // with quotes or other blanks goes to sdssplitargs' rules.
    const out: string[] = [];
    let i = start;
    while (i < end) {
      const ch = buf[i]!;
      if (ch === 32) {
        i++;
        continue;
      }
      let j = i;
      for (; j < end; j++) {
        const b = buf[j]!;
        if (b === 32) break;
        if (b < 32 || b === 34 || b === 39) return this.splitInline(buf, start, end);
      }
      out.push(binaryString(buf, i, j - i));
      i = j;
    }
    return out;
  }

  private splitInline(buf: Buffer, start: number, end: number): string[] {
    const args = splitArgs(buf.latin1Slice(start, end));
    if (args === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return args;
  }

}

/**
 * A binary string of the bytes b[p, p+n). Short arguments (command names, small keys and values)
 * are built by String.fromCharCode in JS: a Buffer's latin1Slice is a call into C++ that costs
 * ~100-160 ns whatever the length; String.fromCharCode costs ~20 ns for 3 bytes and grows with
 * the length, overtaking the slice between 24 and 28 bytes (measured in Node 20 here). The result
 * is a flat one-byte string either way.
 */
function binaryString(b: Buffer, p: number, n: number): string {
  switch (n) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(b[p]!);
    case 2:
      return String.fromCharCode(b[p]!, b[p + 1]!);
    case 3:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!);
    case 4:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!);
    case 5:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!);
    case 6:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!);
    case 7:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!);
    case 8:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!);
    case 9:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!);
    case 10:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!);
    case 11:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!);
    case 12:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!);
    case 13:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!);
    case 14:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!);
    case 15:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!);
    case 16:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!);
    case 17:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!, b[p + 16]!);
    case 18:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!, b[p + 16]!, b[p + 17]!);
    case 19:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!, b[p + 16]!, b[p + 17]!, b[p + 18]!);
    case 20:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!, b[p + 16]!, b[p + 17]!, b[p + 18]!, b[p + 19]!);
    case 21:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!, b[p + 16]!, b[p + 17]!, b[p + 18]!, b[p + 19]!, b[p + 20]!);
    case 22:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!, b[p + 16]!, b[p + 17]!, b[p + 18]!, b[p + 19]!, b[p + 20]!, b[p + 21]!);
    case 23:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!, b[p + 16]!, b[p + 17]!, b[p + 18]!, b[p + 19]!, b[p + 20]!, b[p + 21]!, b[p + 22]!);
    case 24:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!, b[p + 12]!, b[p + 13]!, b[p + 14]!, b[p + 15]!, b[p + 16]!, b[p + 17]!, b[p + 18]!, b[p + 19]!, b[p + 20]!, b[p + 21]!, b[p + 22]!, b[p + 23]!);
    default:
      return b.latin1Slice(p, p + n);
  }
}

/** string2ll on a header: optional '-', digits, no leading zeros ("-0" too), at most 20 chars. */
function parseHeaderInt(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 45 /* '-' */) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 48 /* '0' */) return !neg && end - i === 1 ? 0 : null;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) {
    // Rounded beyond 2^53, which is fine for comparing with limits; only int64 overflow must fail.
    const b = BigInt(buf.latin1Slice(start, end));
    if (b > 9223372036854775807n || b < -9223372036854775808n) return null;
  }
  return neg ? -n : n;
}

/** C's isspace() in the C locale: what sdssplitargs skips between arguments. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Redis's sdssplitargs: splits an inline command (or a config line) into arguments, with
 * "double quotes" (escapes \n \r \t \b \a \xHH, any other escaped char stands for itself) and
 * 'single quotes' (only \' is an escape). Returns null on unbalanced quotes or a closing quote
 * followed by something other than a space. Faithful to the C details: the line ends at a NUL
 * byte; all isspace() chars separate arguments, but only space, \t, \r and \n end an unquoted
 * one (a \v or \f inside it is kept).
 */
export function splitArgs(input: string): string[] | null {
  const z = input.indexOf('\0');
  const line = z >= 0 ? input.slice(0, z) : input;
  const n = line.length;
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let cur = '';
    let inq = false;
    let insq = false;
    for (;;) {
      const c = i < n ? line.charCodeAt(i) : 0;
      if (inq) {
        if (c === 92 /* \ */ && i + 1 < n) {
          const e = line.charCodeAt(i + 1);
          const h1 = i + 2 < n ? hexValue(line.charCodeAt(i + 2)) : -1;
          const h2 = i + 3 < n ? hexValue(line.charCodeAt(i + 3)) : -1;
          if (e === 120 /* x */ && h1 >= 0 && h2 >= 0) {
            cur += String.fromCharCode(h1 * 16 + h2);
            i += 3;
          } else {
            i++;
            cur += e === 110 ? '\n' : e === 114 ? '\r' : e === 116 ? '\t' : e === 98 ? '\b' : e === 97 ? '\x07' : line[i]!;
          }
        } else if (c === 34 /* " */) {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        } else if (i >= n) {
          return null;
        } else {
          cur += line[i]!;
        }
      } else if (insq) {
        if (c === 92 && i + 1 < n && line.charCodeAt(i + 1) === 39 /* ' */) {
          i++;
          cur += "'";
        } else if (c === 39) {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        } else if (i >= n) {
          return null;
        } else {
          cur += line[i]!;
        }
      } else {
        if (i >= n || c === 32 || c === 10 || c === 13 || c === 9) break;
        if (c === 34) inq = true;
        else if (c === 39) insq = true;
        else cur += line[i]!;
      }
      i++;
    }
    out.push(cur);
  }
}
