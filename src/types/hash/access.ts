import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { lookupRead, lookupWrite } from '../../keyspace/lookup.js';
import { HashValue } from './hash-value.js';

/**
 * The hash at a key for reading: the value, undefined when absent, or null after replying
 * WRONGTYPE. Counts a keyspace hit or miss.
 */
export function readHash(c: Client, key: string): HashValue | undefined | null {
  const v = lookupRead(c, key);
  if (v === undefined) return undefined;
  if (v instanceof HashValue) return v;
  c.reply.error(ERR.wrongType);
  return null;
}

/**
 * hashTypeLookupWriteOrCreate: the hash at a key, created (and added, firing "new") when
 * absent, or null after replying WRONGTYPE.
 */
export function writeHash(c: Client, key: string): HashValue | null {
  const v = lookupWrite(c, key);
  if (v === undefined) {
    const h = new HashValue();
    c.db.add(key, h);
    return h;
  }
  if (v instanceof HashValue) return v;
  c.reply.error(ERR.wrongType);
  return null;
}
