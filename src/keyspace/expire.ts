import type { Server } from '../server/server.js';

/** Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP, _ACCEPTABLE_STALE and _SLOW_TIME_PERC. */
const KEYS_PER_LOOP = 20;
const ACCEPTABLE_STALE = 10;
const SLOW_TIME_PERC = 25;

/** Servers whose active expiry is switched off (DEBUG SET-ACTIVE-EXPIRE 0, tests of lazy expiry). */
const activeExpireOff = new WeakSet<Server>();

/** DEBUG SET-ACTIVE-EXPIRE: turns the active expiry cycle on or off; lazy expiry stays. */
export function setActiveExpire(server: Server, enabled: boolean): void {
  if (enabled) activeExpireOff.delete(server);
  else activeExpireOff.add(server);
}

export function activeExpireEnabled(server: Server): boolean {
  return !activeExpireOff.has(server);
}

/**
 * The active expiry cycle, run from the cron at `hz`: for each database, sample keys with a TTL
 * and delete the expired ones, repeating while more than 10% of a sample had expired, within a
 * time budget of 25% of one cron period (Redis 7.0's activeExpireCycle with effort 1).
 */
export function activeExpireCycle(server: Server, hz: number): void {
  if (activeExpireOff.has(server)) return;
  const effort = server.config.int('active-expire-effort') - 1;
  const perLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort;
  const stale = ACCEPTABLE_STALE - effort;
  const budgetMs = (1000 * (SLOW_TIME_PERC + 2 * effort)) / Math.max(1, hz) / 100;
  const start = performance.now();
  const dbs = server.dbs;
  let timedOut = false;
  let totalSampled = 0;
  let totalExpired = 0;
  for (let d = 0; d < dbs.length && !timedOut; d++) {
    const db = dbs[(server.expireDbCursor + d) % dbs.length]!;
    let iterations = 0;
    for (;;) {
      const t = db.table;
      if (t.expiresCount === 0) break;
      const now = Date.now();
      server.now = now;
      const n = Math.min(perLoop, t.expiresCount);
      let expired = 0;
      for (let i = 0; i < n; i++) {
        const s = t.nextVolatile();
        if (s < 0) break;
        if (t.expireAt(s) < now) {
          db.expireSlot(s);
          expired++;
        }
      }
      totalSampled += n;
      totalExpired += expired;
      if ((++iterations & 15) === 0 && performance.now() - start > budgetMs) {
        timedOut = true;
        server.stats.expiredTimeCapReached++;
        break;
      }
      if (expired * 100 <= n * stale) break;
    }
  }
  server.expireDbCursor = (server.expireDbCursor + 1) % dbs.length;
  if (totalSampled > 0) {
    const current = totalExpired / totalSampled;
    server.stats.expiredStalePerc = current * 0.05 + server.stats.expiredStalePerc * 0.95;
  }
}
