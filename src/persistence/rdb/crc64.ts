/**
 * Redis's crc64 (Jones polynomial 0xad93d23594c935a9, reflected, init 0, no final xor), as it
 * checksums RDB files and DUMP payloads. Computed on two 32-bit halves with byte tables: BigInt
 * per byte would be far too slow for whole files.
 */

// Int32 tables and `| 0` keep the loop in 32-bit integer registers (uint32 values above 2^31
// would turn into doubles and slow the per-byte loop several times over).
const TABLE_LO = new Int32Array(256);
const TABLE_HI = new Int32Array(256);
// The polynomial bit-reversed, for the reflected (LSB-first) algorithm.
const POLY_LO = 0xac4bc9b5;
const POLY_HI = 0x95ac9329;

for (let n = 0; n < 256; n++) {
  let lo = n;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const bit = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (bit) {
      lo = (lo ^ POLY_LO) >>> 0;
      hi = (hi ^ POLY_HI) >>> 0;
    }
  }
  TABLE_LO[n] = lo;
  TABLE_HI[n] = hi;
}

/** A running checksum: update() over consecutive pieces, then the 8 little-endian bytes. */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): void {
    let lo = this.lo | 0;
    let hi = this.hi | 0;
    for (let i = start; i < end; i++) {
      const t = (lo ^ buf[i]!) & 0xff;
      lo = TABLE_LO[t]! ^ ((lo >>> 8) | (hi << 24));
      hi = TABLE_HI[t]! ^ (hi >>> 8);
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** The checksum as Redis stores it (memrev64ifbe: little-endian). */
  bytes(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32LE(this.lo, 0);
    b.writeUInt32LE(this.hi, 4);
    return b;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

export function crc64(buf: Uint8Array, start = 0, end = buf.length): Buffer {
  const c = new Crc64();
  c.update(buf, start, end);
  return c.bytes();
}
