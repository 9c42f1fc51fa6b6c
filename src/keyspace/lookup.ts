import type { Client } from '../server/client.js';
import type { Value } from './db.js';
import { ERR } from '../errors.js';
import { NOTIFY } from './notify.js';

/**
 * Redis's lookupKeyRead: the live value of a key in the client's database, counting a keyspace
 * hit or miss (and a "keymiss" notification), touching the LRU unless CLIENT NO-TOUCH is on.
 */
export function lookupRead(c: Client, key: string): Value | undefined {
  const v = c.db.get(key, !c.noTouch);
  if (v === undefined) {
    c.server.stats.keyspaceMisses++;
    c.server.notify(NOTIFY.keyMiss, 'keymiss', key, c.db.id);
  } else {
    c.server.stats.keyspaceHits++;
  }
  return v;
}

/** Redis's lookupKeyWrite: the live value, no hit/miss accounting. */
export function lookupWrite(c: Client, key: string): Value | undefined {
  return c.db.get(key, true);
}

/** Replies WRONGTYPE and returns true when a present value is not of the wanted type. */
export function wrongType(c: Client, v: Value | undefined, type: string): boolean {
  if (v === undefined) return false;
  const t = typeof v === 'string' ? 'string' : v.type;
  if (t === type) return false;
  c.reply.error(ERR.wrongType);
  return true;
}
