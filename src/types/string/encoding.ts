import { STR_NOINT, STR_RAW } from '../../keyspace/db.js';
import { isIntegerEncodable } from '../../protocol/number-format.js';

/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: strings up to this many bytes are embedded. */
export const EMBSTR_SIZE_LIMIT = 44;

/**
 * OBJECT ENCODING for a string value. Redis's tryObjectEncoding turns values stored by SET, MSET,
 * GETSET, ... into "int" when they parse as a long (≤ 20 chars), else "embstr" up to 44 bytes,
 * else "raw". APPEND/SETRANGE modify an sds in place, which is always "raw" (STR_RAW);
 * INCRBYFLOAT stores its text through createStringObject, never "int" (STR_NOINT).
 */
export function stringEncoding(value: string, flags: number): string {
  if (flags & STR_RAW) return 'raw';
  if (!(flags & STR_NOINT) && isIntegerEncodable(value)) return 'int';
  return value.length <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw';
}
