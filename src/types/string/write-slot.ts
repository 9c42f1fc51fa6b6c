import type { Client } from '../../server/client.js';

/**
 * The slot of a live key for a command about to modify it (Redis's lookupKeyWrite: no hit/miss
 * stats, but the access still counts for LRU/LFU unless CLIENT NO-TOUCH is on), or -1.
 * Working on the slot saves the second hash lookup a get-then-set would do.
 */
export function writeSlot(c: Client, key: string): number {
  const s = c.db.findSlot(key);
  if (s >= 0 && !c.noTouch) c.db.touchSlot(s);
  return s;
}
