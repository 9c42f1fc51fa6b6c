import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupRead, lookupWrite } from '../../keyspace/lookup.js';
import { ZSetValue } from './zset-value.js';

/** The sorted set at a key for reading: undefined if absent, null after replying WRONGTYPE. */
export function readZset(c: Client, key: string): ZSetValue | undefined | null {
  const v = lookupRead(c, key);
  if (v === undefined) return undefined;
  if (v instanceof ZSetValue) return v;
  c.reply.error(ERR.wrongType);
  return null;
}

/** The sorted set at a key for writing (lookupKeyWrite: no hit/miss accounting). */
export function writeZset(c: Client, key: string): ZSetValue | undefined | null {
  const v = lookupWrite(c, key);
  if (v === undefined) return undefined;
  if (v instanceof ZSetValue) return v;
  c.reply.error(ERR.wrongType);
  return null;
}

/** Deletes a key whose sorted set was emptied, firing "del" (the command fired its own event first). */
export function deleteIfEmpty(c: Client, key: string, z: ZSetValue): boolean {
  if (z.size !== 0) return false;
  c.db.delete(key);
  c.server.notify(NOTIFY.generic, 'del', key, c.db.id);
  return true;
}
