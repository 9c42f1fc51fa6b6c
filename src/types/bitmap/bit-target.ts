import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { STR_RAW } from '../../keyspace/db.js';
import { parseBigInteger } from '../../protocol/number-format.js';
import { writeSlot } from '../string/write-slot.js';
import { growZero } from './bits.js';

/** The bitmap commands' error texts (bitops.c). */
export const BIT_ERR = {
  offset: 'ERR bit offset is not an integer or out of range',
  bit: 'ERR bit is not an integer or out of range',
  bitArg: 'ERR The bit argument must be 1 or 0.',
  notSingle: 'ERR BITOP NOT must be called with a single source key.',
  bitfieldType: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  overflowType: 'ERR Invalid OVERFLOW type specified',
  readonly: 'ERR BITFIELD_RO only supports the GET subcommand',
} as const;

/**
 * V8's longest string (2^29 - 24 chars). Redis allows bitmaps up to proto-max-bulk-len (512MB);
 * a bit past this length cannot be stored here and gets the string size error instead.
 */
const MAX_STRING_LENGTH = (1 << 29) - 24;

/**
 * getBitOffsetFromArgument: a bit offset, optionally (BITFIELD) as "#N" meaning N * bits, which
 * must be non-negative and address a byte below proto-max-bulk-len, unless the command comes
 * from the master or the AOF loader (mustObeyClient: replayed as written, whatever the local
 * config says). Null after replying.
 */
export function parseBitOffset(c: Client, arg: string, hash: boolean, bits: number): number | null {
  const useHash = hash && bits > 0 && arg.charCodeAt(0) === 35; // '#'
  let off = parseBigInteger(useHash ? arg.slice(1) : arg);
  if (off === null) {
    c.reply.error(BIT_ERR.offset);
    return null;
  }
  // Redis multiplies in a signed 64-bit long long, wrapping on overflow.
  if (useHash) off = BigInt.asIntN(64, off * BigInt(bits));
  const obey = c.role === 'master' || (c.socket === null && !c.inScript);
  if (off < 0n || (!obey && off >> 3n >= BigInt(c.server.config.int('proto-max-bulk-len')))) {
    c.reply.error(BIT_ERR.offset);
    return null;
  }
  return Number(off);
}

/** A string key opened for writing bits: its slot and its value, grown to cover the bit. */
export interface BitTarget {
  slot: number;
  value: string;
  /** The key was created or its value padded longer (Redis's "dirty" of lookupStringForBitCommand). */
  grown: boolean;
}

/**
 * lookupStringForBitCommand: the string at `key`, created or NUL padded so that bit `maxbit`
 * exists; null after replying WRONGTYPE. Like Redis's dbUnshareStringValue the value is now held
 * "raw". Creating or padding is not signalled here: the command signals when it reports a change.
 */
export function openBitTarget(c: Client, key: string, maxbit: number): BitTarget | null {
  const db = c.db;
  const byteLen = Math.floor(maxbit / 8) + 1;
  let slot = writeSlot(c, key);
  if (slot >= 0) {
    const v = db.table.valueAt(slot);
    if (typeof v !== 'string') {
      c.reply.error(ERR.wrongType);
      return null;
    }
    if (byteLen > MAX_STRING_LENGTH) {
      c.reply.error(ERR.stringTooLong);
      return null;
    }
    db.table.setFlags(slot, STR_RAW);
    if (v.length >= byteLen) return { slot, value: v, grown: false };
    const value = growZero(v, byteLen);
    db.table.setValueAt(slot, value);
    return { slot, value, grown: true };
  }
  if (byteLen > MAX_STRING_LENGTH) {
    c.reply.error(ERR.stringTooLong);
    return null;
  }
  const value = '\0'.repeat(byteLen);
  slot = db.add(key, value, STR_RAW);
  return { slot, value, grown: true };
}
