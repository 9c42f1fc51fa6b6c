import net from 'node:net';
import { ReplyReader, type ReplyValue } from '../../src/protocol/reply-reader.js';
import '../../src/protocol/buffer-ext.js';

/** Encodes argv (binary strings) as a RESP multibulk request. */
export function encodeCommand(argv: readonly string[]): Buffer {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return Buffer.from(s, 'latin1');
}

/**
 * A bare RESP client that hands back each reply's exact bytes, for byte-for-byte comparison.
 */
export class RawClient {
  private reader = new ReplyReader();
  private waiters: ((r: { value: ReplyValue; raw: Buffer } | null) => void)[] = [];
  private ready: { value: ReplyValue; raw: Buffer }[] = [];
  closed = false;

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.reader.push(d);
      for (;;) {
        const r = this.reader.next();
        if (!r) break;
        const copy = { value: r.value, raw: Buffer.from(r.raw) };
        const w = this.waiters.shift();
        if (w) w(copy);
        else this.ready.push(copy);
      }
    });
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
    sock.on('error', () => {});
  }

  static async connect(port: number): Promise<RawClient> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', reject);
    });
    sock.setNoDelay(true);
    return new RawClient(sock);
  }

  /** The next reply, or null if the server closed the connection (waits up to `ms`). */
  read(ms = 5000): Promise<{ value: ReplyValue; raw: Buffer } | null> {
    const r = this.ready.shift();
    if (r) return Promise.resolve(r);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a reply')), ms);
      this.waiters.push((x) => {
        clearTimeout(t);
        resolve(x);
      });
    });
  }

  /** Whether the server closes the connection within `ms` (resolves as soon as it does). */
  waitClosed(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sock.off('close', onClose);
        resolve(this.closed);
      }, ms);
      const onClose = () => {
        clearTimeout(t);
        resolve(true);
      };
      this.sock.once('close', onClose);
    });
  }

  sendRaw(data: string | Buffer): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  async call(...argv: string[]): Promise<{ value: ReplyValue; raw: Buffer } | null> {
    this.sendRaw(encodeCommand(argv));
    return this.read();
  }

  close(): void {
    this.sock.destroy();
  }
}
