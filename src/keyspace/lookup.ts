import type { Client } from '../server/client.js';
import type { Value } from './db.js';
import { ERR } from '../errors.js';
import { NOTIFY } from './notify.js';

/** Redis's LOOKUP_* flags for lookupKey. */
export const LOOKUP_NONE = 0;
/** Don't update the key's LRU/LFU (TTL, TYPE, EXISTS, OBJECT). */
export const LOOKUP_NOTOUCH = 1;
/** Don't fire "keymiss" (OBJECT). */
export const LOOKUP_NONOTIFY = 2;
/** Don't count keyspace hits/misses. */
export const LOOKUP_NOSTATS = 4;
/** A write lookup: neither stats nor "keymiss". */
export const LOOKUP_WRITE = 8;
/** TOUCH updates the LRU even for a CLIENT NO-TOUCH client (that is its whole point). */
export const LOOKUP_TOUCH_ANYWAY = 16;

/**
 * Redis 7.0's lookupKey, answering the key's slot (or -1): the live key in the client's database
 * (expiring it lazily first), updating its LRU unless told not to or CLIENT NO-TOUCH is on,
 * counting a keyspace hit or miss and firing "keymiss" unless the flags say otherwise. Commands
 * that go on to read the slot's TTL or metadata use this, so the key is hashed once.
 */
export function lookupKeySlot(c: Client, key: string, flags: number): number {
  const db = c.db;
  const s = db.findSlot(key);
  if (s >= 0) {
    if (!(flags & LOOKUP_NOTOUCH) && (!c.noTouch || flags & LOOKUP_TOUCH_ANYWAY)) db.touchSlot(s);
    if (!(flags & (LOOKUP_NOSTATS | LOOKUP_WRITE))) c.server.stats.keyspaceHits++;
    return s;
  }
  if (!(flags & (LOOKUP_NONOTIFY | LOOKUP_WRITE))) c.server.notify(NOTIFY.keyMiss, 'keymiss', key, db.id);
  if (!(flags & (LOOKUP_NOSTATS | LOOKUP_WRITE))) c.server.stats.keyspaceMisses++;
  return -1;
}

/** lookupKey answering the value, or undefined. */
export function lookupKey(c: Client, key: string, flags: number): Value | undefined {
  const s = lookupKeySlot(c, key, flags);
  return s >= 0 ? c.db.table.valueAt(s) : undefined;
}

/** Redis's lookupKeyRead: counts a hit or miss, fires "keymiss", touches the LRU. */
export function lookupRead(c: Client, key: string, flags = LOOKUP_NONE): Value | undefined {
  return lookupKey(c, key, flags);
}

/** Redis's lookupKeyWrite: the live value, no hit/miss accounting. */
export function lookupWrite(c: Client, key: string, flags = LOOKUP_NONE): Value | undefined {
  return lookupKey(c, key, flags | LOOKUP_WRITE);
}

/** Replies WRONGTYPE and returns true when a present value is not of the wanted type. */
export function wrongType(c: Client, v: Value | undefined, type: string): boolean {
  if (v === undefined) return false;
  const t = typeof v === 'string' ? 'string' : v.type;
  if (t === type) return false;
  c.reply.error(ERR.wrongType);
  return true;
}
