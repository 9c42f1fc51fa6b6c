import '../../protocol/buffer-ext.js';
import { hllPatLen } from './murmur.js';
import { HLL_DENSE, HLL_DENSE_SIZE, HLL_HDR_SIZE, HLL_REGISTERS, denseGet, denseSetRegister, estimate, hllCount, hllFromString, hllMerge } from './hll.js';

/**
 * Fast paths for dense HLL values, read where they are stored instead of copied into a buffer
 * first: a dense value is 12 KB, and PFADD, PFCOUNT and PFMERGE meet it on every call.
 */

/** A dense HLL value's register read straight from the string (no copy). */
function denseGetString(s: string, regnum: number): number {
  const bit = regnum * 6;
  const byte = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  // Past the end charCodeAt is NaN, which | 0 makes the terminator's 0.
  return ((s.charCodeAt(byte) >> fb) | ((s.charCodeAt(byte + 1) | 0) << (8 - fb))) & 63;
}

/** Where PFADD on a dense value builds the new value: one reused buffer, copied out once. */
const denseScratch = Buffer.alloc(HLL_DENSE_SIZE + 1);

/**
 * PFADD's elements els[from..] added to a dense HLL value without copying it unless a register
 * rises (most adds to a well-filled HLL change nothing). The new value has its cache invalidated.
 */
export function denseAddToString(s: string, els: readonly string[], from: number): { value: string; updated: number } {
  let updated = 0;
  for (let j = from; j < els.length; j++) {
    const pat = hllPatLen(els[j]!);
    const index = pat >> 6;
    const count = pat & 63;
    if (updated === 0) {
      if (count <= denseGetString(s, index)) continue;
      denseScratch.latin1Write(s, 0);
    } else if (count <= denseGet(denseScratch, HLL_HDR_SIZE, index)) {
      continue;
    }
    denseSetRegister(denseScratch, HLL_HDR_SIZE, index, count);
    updated++;
  }
  if (updated === 0) return { value: s, updated };
  denseScratch[15] = denseScratch[15]! | 0x80;
  return { value: denseScratch.latin1Slice(0, HLL_DENSE_SIZE), updated };
}

/** Whether a (valid) HLL value is dense. */
export function isDenseString(s: string): boolean {
  return s.charCodeAt(4) === HLL_DENSE;
}

/** hllCount of an HLL value; dense ones are read in place. Null when corrupt. */
export function hllCountString(s: string): number | bigint | null {
  if (!isDenseString(s)) return hllCount(hllFromString(s));
  const reghisto = new Int32Array(64);
  for (let j = 0; j < HLL_REGISTERS; j++) reghisto[denseGetString(s, j)]!++;
  return estimate(reghisto);
}

/** hllMerge of an HLL value; dense ones are read in place. */
export function hllMergeString(max: Uint8Array, s: string): boolean {
  if (!isDenseString(s)) return hllMerge(max, hllFromString(s));
  for (let i = 0; i < HLL_REGISTERS; i++) {
    const val = denseGetString(s, i);
    if (val > max[i]!) max[i] = val;
  }
  return true;
}
