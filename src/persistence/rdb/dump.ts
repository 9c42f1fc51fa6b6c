import { ByteReader, ByteWriter, RdbFormatError } from './bytes.js';
import { crc64 } from './crc64.js';
import * as F from './format.js';
import { readValue, type LoadLimits } from './reader.js';
import { valueType, writeValue, type WriteOptions } from './writer.js';
import type { Value } from '../../keyspace/db.js';

/**
 * DUMP/RESTORE payloads (createDumpPayload / verifyDumpPayload): the RDB type byte and value,
 * the RDB version in 2 little-endian bytes, and the CRC64 of all that in 8 little-endian bytes.
 */

export function createDumpPayload(v: Value, opts: WriteOptions): Buffer {
  const w = new ByteWriter(64);
  w.byte(valueType(v));
  writeValue(w, v, opts);
  w.u16le(F.RDB_VERSION);
  w.bytes(crc64(w.buf, 0, w.pos));
  return Buffer.from(w.result());
}

/**
 * verifyDumpPayload: the footer's version must be one Nodis reads (up to 7.2's 11, where 7.0
 * takes up to 10) and the checksum must match (unless `skipChecksum`).
 */
export function verifyDumpPayload(p: Buffer, skipChecksum: boolean): boolean {
  if (p.length < 10) return false;
  const ver = p.readUInt16LE(p.length - 10);
  if (ver > F.RDB_MAX_READ_VERSION) return false;
  if (skipChecksum) return true;
  return crc64(p, 0, p.length - 8).equals(p.subarray(p.length - 8));
}

/** The value in a verified payload, or null when it does not parse ("Bad data format"). */
export function parseDumpPayload(p: Buffer, limits: LoadLimits): Value | null {
  const r = new ByteReader(p, 0, p.length - 10);
  try {
    const type = r.u8();
    if (!F.isValueType(type)) return null;
    const v = readValue(r, type, limits);
    return v;
  } catch (e) {
    // Whatever a malformed payload makes the decoder trip on, RESTORE answers "Bad data format".
    if (e instanceof RdbFormatError || e instanceof RangeError) return null;
    throw e;
  }
}
