// Node's Buffer has fast latin1 slice/write methods that @types/node does not declare.
// Nodis keeps every key and value as a "binary string": one char per byte (latin1),
// so converting between the wire and a JS string is a single memcpy-like step.
declare module 'node:buffer' {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(str: string, offset: number, length?: number): number;
  }
}

export {};

/** Bytes of a binary string (latin1: one byte per char). */
export function toBytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Binary string of bytes. */
export function fromBytes(b: Buffer): string {
  return b.latin1Slice(0, b.length);
}

/** Binary string of a UTF-8 text (for messages that may hold non-ASCII). */
export function fromUtf8(s: string): string {
  return Buffer.from(s, 'utf8').latin1Slice(0, Buffer.byteLength(s, 'utf8'));
}
