import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from './db.js';
import { ERR } from '../errors.js';
import { cIntArg } from './args.js';

/**
 * Redis's getFlushCommandFlags: FLUSHDB/FLUSHALL take one optional SYNC or ASYNC. Returns false
 * after replying a syntax error. Both modes free synchronously here: a JS heap has no lazyfree
 * thread, and the reply is the same.
 */
function parseFlushMode(c: Client, argv: string[]): boolean {
  if (argv.length === 1) return true;
  if (argv.length === 2) {
    const m = argv[1]!.toLowerCase();
    if (m === 'sync' || m === 'async') return true;
  }
  c.reply.error(ERR.syntax);
  return false;
}

/**
 * Empties one database (signalFlushedDb): WATCHers of any key that existed are told, and the
 * number of keys removed is returned for server.dirty.
 */
export function flushDb(server: Server, db: Db): number {
  if (server.keyModifiedHooks.length > 0 && db.size > 0) {
    const t = db.table;
    for (const s of t.slots()) server.keyModified(db, t.keyAt(s), true);
  }
  return db.flush();
}

function flushdb(c: Client, argv: string[]): void {
  if (!parseFlushMode(c, argv)) return;
  // signalFlushedDb: tracking clients hear "every key" once, not of each key.
  c.server.tracking?.invalidateOnFlush();
  c.server.dirty += flushDb(c.server, c.db);
  c.reply.ok();
  // forceCommandPropagation: FLUSHDB propagates even when the database was already empty.
  const prop = c.server.propagation;
  if (prop.active) {
    prop.also(c.db.id, argv);
    c.preventPropagation = true;
  }
}

function flushall(c: Client, argv: string[]): void {
  if (!parseFlushMode(c, argv)) return;
  const server = c.server;
  server.tracking?.invalidateOnFlush();
  let removed = 0;
  for (const db of server.dbs) removed += flushDb(server, db);
  server.dirty += removed;
  // flushAllDataAndResetRDB: a BGSAVE in progress is dropped and, with save points, the empty
  // dataset saved (persistence hooks), then one more change so the dataset always counts as changed.
  for (const h of server.flushAllHooks) h();
  server.dirty++;
  c.reply.ok();
}

function dbsize(c: Client): void {
  c.reply.int(c.db.size);
}

/** Tells WATCHers of every key present in either database (touchAllWatchedKeysInDb). */
function touchAll(server: Server, a: Db, b: Db): void {
  if (server.keyModifiedHooks.length === 0) return;
  for (const db of [a, b]) {
    for (const s of db.table.slots()) {
      const key = db.table.keyAt(s);
      server.keyModified(a, key, true);
      server.keyModified(b, key, true);
    }
  }
}

/**
 * SWAPDB: the two databases exchange their contents; clients stay on their index and so see the
 * other data set (dbSwapDatabases swaps the dicts, not the redisDb structs).
 */
function swapdb(c: Client, argv: string[]): void {
  const id1 = cIntArg(c, argv[1]!, 'ERR invalid first DB index');
  if (id1 === null) return;
  const id2 = cIntArg(c, argv[2]!, 'ERR invalid second DB index');
  if (id2 === null) return;
  const server = c.server;
  const a = server.dbs[id1];
  const b = server.dbs[id2];
  if (id1 < 0 || id2 < 0 || a === undefined || b === undefined) {
    c.reply.error(ERR.dbIndex);
    return;
  }
  if (a !== b) {
    for (const h of server.swapDbHooks) h(a, b);
    touchAll(server, a, b);
    const t = a.table;
    a.table = b.table;
    b.table = t;
  }
  server.dirty++;
  c.reply.ok();
}

export const dbCommands: CommandDef[] = [
  { name: 'flushdb', handler: flushdb },
  { name: 'flushall', handler: flushall },
  { name: 'dbsize', handler: dbsize },
  { name: 'swapdb', handler: swapdb },
];
