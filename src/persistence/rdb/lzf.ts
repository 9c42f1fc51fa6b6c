/**
 * LZF, as Redis ships it (lzf_c.c / lzf_d.c with HLOG 16, VERY_FAST, unaligned 16-bit compare).
 * The compressor is a faithful port, not just a compatible one: DUMP payloads and RDB strings
 * longer than 20 bytes must come out byte-identical to Redis's.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * Redis's hash table is uninitialised stack memory (INIT_HTAB 0); a stale pointer never passes
 * the distance and `ref > in_data` tests in practice, which is what "no entry" models here.
 * Entries are stored as base + position with a base that grows with each call, so the table
 * never needs clearing between calls (256 KiB per string would dwarf the work itself).
 */
const htab = new Int32Array(HSIZE);
let generation = 1;

function idx(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * lzf_compress: compresses `input` into `out` (at most `outLen` bytes used); answers the
 * compressed length, or 0 when it does not fit.
 */
export function lzfCompress(input: Uint8Array, out: Uint8Array, outLen: number): number {
  const inEnd = input.length;
  const outEnd = outLen;
  if (inEnd === 0 || outEnd === 0) return 0;
  if (generation + inEnd + 2 > 0x3fffffff) {
    htab.fill(0);
    generation = 1;
  }
  const base = generation;
  generation += inEnd + 1;
  let ip = 0;
  let op = 0;
  let lit = 0;
  op++; // start run
  let hval = (input[0]! << 8) | (input[1] ?? 0);
  while (ip < inEnd - 2) {
    hval = (hval << 8) | input[ip + 2]!;
    const slot = idx(hval);
    const stored = htab[slot]!;
    htab[slot] = base + ip;
    const ref = stored - base;
    const off = ip - ref - 1;
    if (
      stored >= base &&
      off < MAX_OFF &&
      ip + 4 < inEnd &&
      ref > 0 &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1] &&
      input[ref + 2] === input[ip + 2]
    ) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      out[op - lit - 1] = (lit - 1) & 0xff; // stop run
      if (!lit) op--; // undo run if length is zero
      if (op + 3 + 1 >= outEnd) return 0;
      let broke = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            broke = true;
            break;
          }
        }
      }
      if (!broke) {
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      len -= 2; // len is now #octets - 1
      ip++;
      if (len < 7) {
        out[op++] = ((off >> 8) + (len << 5)) & 0xff;
      } else {
        out[op++] = ((off >> 8) + (7 << 5)) & 0xff;
        out[op++] = (len - 7) & 0xff;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      ip -= 2;
      hval = (input[ip]! << 8) | input[ip + 1]!;
      hval = (hval << 8) | input[ip + 2]!;
      htab[idx(hval)] = base + ip;
      ip++;
      hval = (hval << 8) | input[ip + 2]!;
      htab[idx(hval)] = base + ip;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return 0;
  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = (lit - 1) & 0xff;
  if (!lit) op--;
  return op;
}

/** lzf_decompress into exactly `outLen` bytes; null when the data is corrupt. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  const inEnd = input.length;
  while (ip < inEnd) {
    let ctrl = input[ip++]!;
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > inEnd) return null;
      for (let i = 0; i < ctrl; i++) out[op++] = input[ip++]!;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return null;
      if (len === 7) {
        len += input[ip++]!;
        if (ip >= inEnd) return null;
      }
      ref -= input[ip++]!;
      len += 2;
      if (op + len > outLen || ref < 0) return null;
      for (let i = 0; i < len; i++) out[op++] = out[ref++]!;
    }
  }
  return op === outLen ? out : null;
}
