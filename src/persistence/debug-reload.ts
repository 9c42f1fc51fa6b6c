import fs from 'node:fs';
import type { Client } from '../server/client.js';
import { flushDb } from '../keyspace/db-commands.js';
import { RdbLoader } from './rdb/file.js';
import { rdbPath, saveSync } from './save.js';

/**
 * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE], as debug.c: save the RDB (unless NOSAVE), empty the
 * dataset (unless NOFLUSH), load the file back synchronously. MERGE lets loaded keys replace
 * present ones. Redis 7.0 crashes on a duplicate key under NOFLUSH without MERGE; here the load
 * stops with the error reply instead (keys loaded before it stay).
 */
export function debugReload(c: Client, argv: string[]): void {
  const server = c.server;
  let flush = true;
  let save = true;
  let allowDup = false;
  for (let j = 2; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'merge') allowDup = true;
    else if (opt === 'noflush') flush = false;
    else if (opt === 'nosave') save = false;
    else {
      c.reply.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
      return;
    }
  }
  if (save && !saveSync(server)) {
    c.reply.error('ERR');
    return;
  }
  if (flush) for (const db of server.dbs) flushDb(server, db);
  const file = rdbPath(server);
  try {
    const data = fs.readFileSync(file);
    const loader = new RdbLoader(server, data, file, { allowDup });
    // Without a deadline one step loads the whole file.
    if (!loader.step()) throw new Error('RDB load stopped early');
  } catch (e) {
    server.log.warning(`DEBUG RELOAD: ${(e as Error).message}`);
    c.reply.error('ERR Error trying to load the RDB dump');
    return;
  }
  server.log.warning('DB reloaded by DEBUG RELOAD');
  c.reply.ok();
}
