import './buffer-ext.js';

/**
 * A parsed RESP2/RESP3 reply, kept close to the wire so it can be written back byte for byte.
 * Strings are binary strings.
 */
export type ReplyValue =
  | { t: 'simple'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: string }
  | { t: 'bulk'; v: string | null }
  | { t: 'array'; v: ReplyValue[] | null }
  | { t: 'map'; v: [ReplyValue, ReplyValue][] }
  | { t: 'set'; v: ReplyValue[] }
  | { t: 'push'; v: ReplyValue[] }
  | { t: 'attr'; v: [ReplyValue, ReplyValue][] }
  | { t: 'double'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'bignum'; v: string }
  | { t: 'verbatim'; v: string };

class Incomplete extends Error {}

/**
 * Incremental reader of server replies (the client side of RESP): for tests, tools and, later,
 * replication. Also reports the exact bytes of each reply.
 */
export class ReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Chunks not yet joined to buf, and their total size. */
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** Bytes buf must hold before parsing is worth retrying (a big bulk still arriving). */
  private need = 0;

  push(chunk: Buffer): void {
    // Joining is deferred until enough has arrived, so a large reply in many chunks costs
    // one copy rather than one per chunk.
    this.queued.push(chunk);
    this.queuedBytes += chunk.length;
  }

  private join(): void {
    if (this.queued.length === 0) return;
    const rest = this.buf.subarray(this.pos);
    this.buf = rest.length === 0 && this.queued.length === 1 ? this.queued[0]! : Buffer.concat([rest, ...this.queued]);
    this.pos = 0;
    this.queued = [];
    this.queuedBytes = 0;
  }

  /** The next whole reply with its raw bytes, or null when more bytes are needed. */
  next(): { value: ReplyValue; raw: Buffer } | null {
    if (this.buf.length + this.queuedBytes < this.need) return null;
    this.join();
    this.need = 0;
    const start = this.pos;
    try {
      const value = this.read();
      return { value, raw: this.buf.subarray(start, this.pos) };
    } catch (e) {
      if (e instanceof Incomplete) {
        this.pos = start;
        return null;
      }
      throw e;
    }
  }

  private line(): string {
    const cr = this.buf.indexOf('\r\n', this.pos, 'latin1');
    if (cr < 0) throw new Incomplete();
    const s = this.buf.latin1Slice(this.pos, cr);
    this.pos = cr + 2;
    return s;
  }

  private blob(n: number): string {
    if (this.buf.length - this.pos < n + 2) {
      this.need = this.pos + n + 2;
      throw new Incomplete();
    }
    const s = this.buf.latin1Slice(this.pos, this.pos + n);
    this.pos += n + 2;
    return s;
  }

  private read(): ReplyValue {
    if (this.pos >= this.buf.length) throw new Incomplete();
    const type = String.fromCharCode(this.buf[this.pos++]!);
    const head = this.line();
    switch (type) {
      case '+':
        return { t: 'simple', v: head };
      case '-':
        return { t: 'error', v: head };
      case ':':
        return { t: 'int', v: head };
      case ',':
        return { t: 'double', v: head };
      case '(':
        return { t: 'bignum', v: head };
      case '#':
        return { t: 'bool', v: head === 't' };
      case '_':
        return { t: 'null' };
      case '$':
      case '!':
      case '=': {
        const n = parseInt(head, 10);
        if (n < 0) return { t: 'bulk', v: null };
        const s = this.blob(n);
        if (type === '!') return { t: 'error', v: s };
        if (type === '=') return { t: 'verbatim', v: s };
        return { t: 'bulk', v: s };
      }
      case '*':
      case '~':
      case '>': {
        const n = parseInt(head, 10);
        if (n < 0) return { t: 'array', v: null };
        const items: ReplyValue[] = [];
        for (let i = 0; i < n; i++) items.push(this.read());
        return type === '*' ? { t: 'array', v: items } : type === '~' ? { t: 'set', v: items } : { t: 'push', v: items };
      }
      case '%':
      case '|': {
        const n = parseInt(head, 10);
        const pairs: [ReplyValue, ReplyValue][] = [];
        for (let i = 0; i < n; i++) {
          const k = this.read();
          pairs.push([k, this.read()]);
        }
        return type === '%' ? { t: 'map', v: pairs } : { t: 'attr', v: pairs };
      }
      default:
        throw new Error(`bad reply type byte ${JSON.stringify(type)}`);
    }
  }
}

/** A readable one-line rendering of a reply, for test failure messages. */
export function showReply(r: ReplyValue): string {
  switch (r.t) {
    case 'simple':
      return '+' + r.v;
    case 'error':
      return '-' + r.v;
    case 'int':
      return ':' + r.v;
    case 'double':
      return ',' + r.v;
    case 'bignum':
      return '(' + r.v;
    case 'bool':
      return r.v ? '#t' : '#f';
    case 'null':
      return '_';
    case 'bulk':
    case 'verbatim':
      return r.v === null ? '(nil)' : JSON.stringify(r.v);
    case 'array':
      return r.v === null ? '*-1' : '[' + r.v.map(showReply).join(', ') + ']';
    case 'set':
      return '~{' + r.v.map(showReply).join(', ') + '}';
    case 'push':
      return '>[' + r.v.map(showReply).join(', ') + ']';
    case 'map':
    case 'attr':
      return '{' + r.v.map(([k, v]) => showReply(k) + ': ' + showReply(v)).join(', ') + '}';
  }
}
