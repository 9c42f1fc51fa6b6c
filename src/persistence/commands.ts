import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import { ERR } from '../errors.js';
import { NOTIFY } from '../keyspace/notify.js';
import { lookupRead, lookupWrite } from '../keyspace/lookup.js';
import { lfuMinutes, lruClock, LRU_CLOCK_MAX } from '../keyspace/db.js';
import { parseInteger } from '../protocol/number-format.js';
import { createDumpPayload, parseDumpPayload, verifyDumpPayload } from './rdb/dump.js';
import { writeOptions, lruMode } from './rdb/file.js';
import { loadLimits } from './rdb/reader.js';
import { saveSync, startBackgroundSave } from './save.js';
import { persistenceState } from './state.js';

/** SAVE: a foreground save; refused while a BGSAVE runs, "-ERR" when it fails (shared.err). */
function save(c: Client): void {
  const st = persistenceState(c.server);
  if (st.bgsave !== null) {
    c.reply.error('ERR Background save already in progress');
    return;
  }
  if (saveSync(c.server)) c.reply.ok();
  else c.reply.error('ERR');
}

/** BGSAVE [SCHEDULE], as 7.0's bgsaveCommand. */
function bgsave(c: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && argv[1]!.toLowerCase() === 'schedule') schedule = true;
    else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  const server = c.server;
  const st = persistenceState(server);
  if (st.bgsave !== null) {
    c.reply.error('ERR Background save already in progress');
  } else if (st.otherChildActive() || c.inExec) {
    if (schedule || c.inExec) {
      st.bgsaveScheduled = true;
      c.reply.simple('Background saving scheduled');
    } else {
      c.reply.error(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      );
    }
  } else {
    try {
      startBackgroundSave(server);
      c.reply.simple('Background saving started');
    } catch (e) {
      server.log.warning(`Can't save in background: ${(e as Error).message}`);
      c.reply.error('ERR');
    }
  }
}

function lastsave(c: Client): void {
  c.reply.int(c.server.lastSave);
}

/** DUMP: the value in Redis's payload format, or a null reply. */
function dump(c: Client, argv: string[]): void {
  const v = lookupRead(c, argv[1]!);
  if (v === undefined) {
    c.reply.null();
    return;
  }
  const p = createDumpPayload(v, writeOptions(c.server));
  c.reply.bulk(p.latin1Slice(0, p.length));
}

/** RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], as 7.0's restoreCommand. */
function restore(c: Client, argv: string[]): void {
  const server = c.server;
  let replace = false;
  let absttl = false;
  let lfuFreq = -1;
  let lruIdle = -1;
  for (let j = 4; j < argv.length; j++) {
    const a = argv[j]!.toLowerCase();
    const additional = argv.length - j - 1;
    if (a === 'replace') replace = true;
    else if (a === 'absttl') absttl = true;
    else if (a === 'idletime' && additional >= 1 && lfuFreq === -1) {
      const n = parseInteger(argv[j + 1]!);
      if (n === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      if (n < 0) {
        c.reply.error('ERR Invalid IDLETIME value, must be >= 0');
        return;
      }
      lruIdle = n;
      j++;
    } else if (a === 'freq' && additional >= 1 && lruIdle === -1) {
      const n = parseInteger(argv[j + 1]!);
      if (n === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      if (n < 0 || n > 255) {
        c.reply.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
        return;
      }
      lfuFreq = n;
      j++;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  const key = argv[1]!;
  const db = c.db;
  if (!replace && lookupWrite(c, key) !== undefined) {
    c.reply.error('BUSYKEY Target key name already exists.');
    return;
  }
  let ttl = parseInteger(argv[2]!);
  if (ttl === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  if (ttl < 0) {
    c.reply.error('ERR Invalid TTL value, must be >= 0');
    return;
  }
  const payload = Buffer.from(argv[3]!, 'latin1');
  if (!verifyDumpPayload(payload, false)) {
    c.reply.error('ERR DUMP payload version or checksum are wrong');
    return;
  }
  const value = parseDumpPayload(payload, loadLimits(server.config));
  if (value === null) {
    c.reply.error('ERR Bad data format');
    return;
  }
  let deleted = false;
  if (replace) deleted = db.delete(key);
  if (ttl && !absttl) ttl += server.now;
  if (ttl && ttl <= server.now && !server.loading) {
    if (deleted) {
      c.rewriteArgv(['DEL', key]);
      server.notify(NOTIFY.generic, 'del', key, db.id);
      server.dirty++;
    }
    c.reply.ok();
    return;
  }
  const slot = db.add(key, value);
  if (ttl) {
    db.setExpire(slot, ttl);
    if (!absttl) {
      const rewritten = argv.slice();
      rewritten[2] = String(ttl);
      rewritten.push('ABSTTL');
      c.rewriteArgv(rewritten);
    }
  }
  // objectSetLRUOrLFU with Redis's LRU clock resolution (the idle time is in seconds).
  if (lruMode(server) === 'lfu') {
    if (lfuFreq >= 0) db.table.setLru(slot, (lfuMinutes(server.now) << 8) | lfuFreq);
  } else if (lruIdle >= 0) {
    const clock = lruClock(server.now);
    let abs = clock - lruIdle;
    if (abs < 0) abs = (clock + Math.floor(LRU_CLOCK_MAX / 2)) % LRU_CLOCK_MAX;
    db.table.setLru(slot, abs);
  }
  server.notify(NOTIFY.generic, 'restore', key, db.id);
  c.reply.ok();
  server.dirty++;
}

/** Persistence (SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE); BGREWRITEAOF belongs to the AOF. */
export const persistenceCommands: CommandDef[] = [
  { name: 'save', handler: save },
  { name: 'bgsave', handler: bgsave },
  { name: 'lastsave', handler: lastsave },
  { name: 'dump', handler: dump },
  { name: 'restore', handler: restore },
];
