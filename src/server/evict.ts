import type { Server } from './server.js';
import type { Client } from './client.js';
import type { Command } from '../commands/table.js';
import type { Db } from '../keyspace/db.js';
import { idleTimeMs, lfuDecrAndReturn } from '../keyspace/db.js';
import { NOTIFY } from '../keyspace/notify.js';
import { keyMemoryUsage } from '../commands/server.js';
import { memoryFigures } from './info.js';

/**
 * maxmemory eviction, after Redis's evict.c. Node has no zmalloc, and INFO's used_memory (the V8
 * heap plus Buffers) cannot drive eviction: between two GCs it is mostly garbage (a pipelined SET
 * of 20 KB leaves several times that in parser and client buffers, much of it promoted to the old
 * space), so even the heap just after a GC can stay above the limit with the keyspace empty. The
 * figure compared with maxmemory is therefore used_memory_startup plus an estimate of the
 * dataset: per database, its key count times the mean MEMORY USAGE of sampled keys. Each eviction
 * then frees its key's MEMORY USAGE estimate, which is performEvictions' mem_freed.
 */
interface EvictionState {
  /** used_memory_startup: what the server holds with no data. */
  baseline: number;
  /** The random policies take databases in turn, as evict.c's static next_db. */
  nextDb: number;
}

const states = new WeakMap<Server, EvictionState>();

/** MEMORY USAGE's default number of sampled elements, used to size an evicted key. */
const SIZE_SAMPLES = 5;

function stateOf(server: Server): EvictionState {
  let st = states.get(server);
  if (st === undefined) states.set(server, (st = { baseline: memoryFigures(server).startup, nextDb: 0 }));
  return st;
}

/** Where a victim sits. */
interface Victim {
  db: Db;
  slot: number;
}

/** A random key (allkeys-random / volatile-random), from the databases in turn. */
function randomVictim(server: Server, volatileOnly: boolean, st: EvictionState): Victim | null {
  const dbs = server.dbs;
  for (let i = 0; i < dbs.length; i++) {
    const db = dbs[st.nextDb++ % dbs.length]!;
    const slot = volatileOnly ? db.table.randomVolatile() : db.table.randomSlot();
    if (slot >= 0) return { db, slot };
  }
  return null;
}

/**
 * The best of maxmemory-samples random keys per database (evictionPoolPopulate without the pool
 * kept between picks): the longest idle (LRU), the least frequently used (LFU) or the nearest
 * expiry (TTL). A higher score is a better victim.
 */
function sampledVictim(server: Server, policy: string, volatileOnly: boolean): Victim | null {
  const samples = server.config.int('maxmemory-samples');
  const now = server.now;
  const lfu = policy.endsWith('lfu');
  const ttl = policy === 'volatile-ttl';
  const decay = server.config.int('lfu-decay-time');
  let best: Victim | null = null;
  let bestScore = -Infinity;
  for (const db of server.dbs) {
    const t = db.table;
    if ((volatileOnly ? t.expiresCount : t.size) === 0) continue;
    for (let i = 0; i < samples; i++) {
      const slot = volatileOnly ? t.randomVolatile() : t.randomSlot();
      if (slot < 0) break;
      const score = ttl ? -t.expireAt(slot) : lfu ? 255 - lfuDecrAndReturn(t.lruAt(slot), now, decay) : idleTimeMs(t.lruAt(slot), now);
      if (score > bestScore) {
        bestScore = score;
        best = { db, slot };
      }
    }
  }
  return best;
}

/** Keys sampled per database to size the dataset: enough that equal-sized keys give a steady figure. */
const DATASET_SAMPLES = 16;

/** The dataset's estimated bytes: per database, its size times the mean MEMORY USAGE of sampled keys. */
function datasetEstimate(server: Server): number {
  let total = 0;
  for (const db of server.dbs) {
    const t = db.table;
    const n = t.size;
    if (n === 0) continue;
    const k = Math.min(n, DATASET_SAMPLES);
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const slot = t.randomSlot();
      sum += keyMemoryUsage(t.keyAt(slot), t.valueAt(slot), SIZE_SAMPLES);
    }
    total += (sum / k) * n;
  }
  return total;
}

/**
 * Redis's performEvictions: while the estimated memory exceeds maxmemory, evicts keys
 * by maxmemory-policy. Returns false (EVICT_FAIL) when the memory is still over the limit and
 * nothing more can be evicted, which makes denyoom commands fail.
 */
export function performEvictions(server: Server): boolean {
  const max = server.maxmemory;
  if (max === 0) return true;
  const st = stateOf(server);
  const over = st.baseline + datasetEstimate(server) - max;
  if (over <= 0) return true;
  const policy = server.config.get('maxmemory-policy');
  if (policy === 'noeviction') return false;
  const volatileOnly = policy.startsWith('volatile-');
  const random = policy.endsWith('random');
  let freed = 0;
  while (freed < over) {
    const v = random ? randomVictim(server, volatileOnly, st) : sampledVictim(server, policy, volatileOnly);
    if (v === null) break;
    const { db, slot } = v;
    const key = db.table.keyAt(slot);
    freed += keyMemoryUsage(key, db.table.valueAt(slot), SIZE_SAMPLES);
    // As deleteEvictedKeyAndPropagate: delete (WATCH and tracking hear it), count, notify.
    db.deleteSlot(slot);
    if (server.propagation.active) server.propagation.also(db.id, [server.config.get('lazyfree-lazy-eviction') === 'yes' ? 'UNLINK' : 'DEL', key]);
    server.stats.evictedKeys++;
    server.notify(NOTIFY.evicted, 'evicted', key, db.id);
  }
  return freed >= over;
}

/**
 * processCommand's reject_cmd_on_oom: denyoom commands (and EXEC of a queue holding one) are
 * refused when out of memory, and inside MULTI every command but EXEC, DISCARD, QUIT and RESET.
 */
export function rejectedOnOom(c: Client, cmd: Command): boolean {
  if (cmd.flags.has('denyoom')) return true;
  const name = cmd.fullName;
  if (c.multi !== null) {
    if (name === 'exec') return c.multi.some((q) => q.cmd.flags.has('denyoom'));
    return name !== 'discard' && name !== 'quit' && name !== 'reset';
  }
  return false;
}
