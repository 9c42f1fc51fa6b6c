import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import type { Db } from './db.js';
import { typeName } from './db.js';
import { NOTIFY } from './notify.js';
import { ERR } from '../errors.js';
import { globMatch } from './glob.js';
import { lookupKeySlot, lookupRead, lookupWrite, LOOKUP_NONE, LOOKUP_NOTOUCH, LOOKUP_TOUCH_ANYWAY, LOOKUP_WRITE } from './lookup.js';
import { cIntArg } from './args.js';
import { parseScanOptions, scanCursorArg, scanCursorIndex, scanWalk } from './scan-args.js';

/** DEL and UNLINK (delGenericCommand): an expired key goes first (firing "expired"), then "del". */
function del(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j]!;
    if (db.delete(key)) {
      c.server.notify(NOTIFY.generic, 'del', key, db.id);
      c.server.dirty++;
      n++;
    }
  }
  c.reply.int(n);
}

/** EXISTS counts every argument, so a key named twice counts twice. */
function exists(c: Client, argv: string[]): void {
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (lookupRead(c, argv[j]!, LOOKUP_NOTOUCH) !== undefined) n++;
  c.reply.int(n);
}

function type(c: Client, argv: string[]): void {
  const v = lookupRead(c, argv[1]!, LOOKUP_NOTOUCH);
  c.reply.simple(v === undefined ? 'none' : typeName(v));
}

/** TOUCH: a plain read lookup per key (updating the LRU), counting the live ones. */
function touch(c: Client, argv: string[]): void {
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (lookupRead(c, argv[j]!, LOOKUP_TOUCH_ANYWAY) !== undefined) n++;
  c.reply.int(n);
}

/** dbRandomKey: a random live key; expired ones drawn on the way are deleted. */
function randomkey(c: Client): void {
  const db = c.db;
  for (;;) {
    const s = db.table.randomSlot();
    if (s < 0) {
      c.reply.null();
      return;
    }
    const e = db.table.expireAt(s);
    if (e !== 0 && e < c.server.now) {
      db.expireSlot(s);
      continue;
    }
    c.reply.bulk(db.table.keyAt(s));
    return;
  }
}

/** KEYS: every key matching, leaving out (but not deleting) the logically expired ones. */
function keys(c: Client, argv: string[]): void {
  const pattern = argv[1]!;
  const all = pattern === '*';
  const t = c.db.table;
  const now = c.server.now;
  const out: string[] = [];
  for (const s of t.slots()) {
    const key = t.keyAt(s);
    if (!all && !globMatch(pattern, key)) continue;
    const e = t.expireAt(s);
    if (e !== 0 && e < now) continue;
    out.push(key);
  }
  c.reply.array(out.length);
  for (const k of out) c.reply.bulk(k);
}

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] (scanGenericCommand for the keyspace).
 * Keys are collected first and filtered after, as Redis does, so expiring keys on the way
 * cannot disturb the table walk. The cursor is the table's reverse-binary cursor.
 */
function scan(c: Client, argv: string[]): void {
  const cursorArg = scanCursorArg(c, argv[1]!);
  if (cursorArg === null) return;
  const opts = parseScanOptions(c, argv, 2, true);
  if (opts === null) return;
  const { pattern, type: typeFilter } = opts;
  const db = c.db;
  const t = db.table;
  const found: string[] = [];
  const cursor = scanWalk(
    scanCursorIndex(cursorArg),
    opts.count,
    (cur) => t.scan(cur, (s) => found.push(t.keyAt(s))),
    () => found.length,
  );

  const out: string[] = [];
  const wanted = typeFilter?.toLowerCase();
  for (const key of found) {
    if (pattern !== null && !globMatch(pattern, key)) continue;
    if (wanted !== undefined) {
      // Redis looks each key up (counting hits/misses, expiring it) to learn its type.
      const v = lookupRead(c, key, LOOKUP_NOTOUCH);
      if ((v === undefined ? 'none' : typeName(v)) !== wanted) continue;
    }
    if (db.findSlot(key) < 0 && wanted === undefined) continue;
    out.push(key);
  }
  c.reply.array(2);
  c.reply.bulk(String(cursor));
  c.reply.array(out.length);
  for (const k of out) c.reply.bulk(k);
}

/** RENAME and RENAMENX (renameGenericCommand): the value, its TTL and its LRU move over. */
function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const src = argv[1]!;
  const dst = argv[2]!;
  const db = c.db;
  if (lookupWrite(c, src) === undefined) {
    c.reply.error(ERR.noKey);
    return;
  }
  if (src === dst) {
    if (nx) c.reply.int(0);
    else c.reply.ok();
    return;
  }
  const s = db.findSlot(src);
  const t = db.table;
  const value = t.valueAt(s);
  const expire = t.expireExact(s);
  const lru = t.lruAt(s);
  const flags = t.flagsAt(s);
  if (lookupWrite(c, dst) !== undefined) {
    if (nx) {
      c.reply.int(0);
      return;
    }
    db.delete(dst);
  }
  const d = db.add(dst, value, flags, lru);
  if (expire !== 0) db.setExpire(d, expire);
  db.delete(src);
  c.server.notify(NOTIFY.generic, 'rename_from', src, db.id);
  c.server.notify(NOTIFY.generic, 'rename_to', dst, db.id);
  c.server.dirty++;
  if (nx) c.reply.int(1);
  else c.reply.ok();
}

/** The target database of MOVE / COPY DB, or null after replying. */
function targetDb(c: Client, arg: string): Db | null {
  const id = cIntArg(c, arg);
  if (id === null) return null;
  const db = c.server.dbs[id];
  if (id < 0 || db === undefined) {
    c.reply.error(ERR.dbIndex);
    return null;
  }
  return db;
}

/** MOVE key db: the object, its TTL and LRU go to the other database, unless the key is there. */
function move(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const src = c.db;
  const dst = targetDb(c, argv[2]!);
  if (dst === null) return;
  if (dst === src) {
    c.reply.error(ERR.sameObject);
    return;
  }
  const s = lookupKeySlot(c, key, LOOKUP_WRITE);
  if (s < 0) {
    c.reply.int(0);
    return;
  }
  const t = src.table;
  const value = t.valueAt(s);
  const expire = t.expireExact(s);
  const lru = t.lruAt(s);
  const flags = t.flagsAt(s);
  if (dst.findSlot(key) >= 0) {
    c.reply.int(0);
    return;
  }
  const d = dst.add(key, value, flags, lru);
  if (expire !== 0) dst.setExpire(d, expire);
  src.delete(key);
  c.server.notify(NOTIFY.generic, 'move_from', key, src.id);
  c.server.notify(NOTIFY.generic, 'move_to', key, dst.id);
  c.server.dirty++;
  c.reply.int(1);
}

/** COPY source destination [DB db] [REPLACE]: a deep copy (a fresh object) with the TTL. */
function copy(c: Client, argv: string[]): void {
  const src = c.db;
  let dst = src;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'db' && argv.length - j - 1 >= 1) {
      const d = targetDb(c, argv[j + 1]!);
      if (d === null) return;
      dst = d;
      j++;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  const key = argv[1]!;
  const newKey = argv[2]!;
  if (src === dst && key === newKey) {
    c.reply.error(ERR.sameObject);
    return;
  }
  // 7.0 reads the source as a read lookup: it counts a hit or miss and touches the LRU.
  const s = lookupKeySlot(c, key, LOOKUP_NONE);
  if (s < 0) {
    c.reply.int(0);
    return;
  }
  const t = src.table;
  const value = t.valueAt(s);
  const expire = t.expireExact(s);
  const flags = t.flagsAt(s);
  let replacing = false;
  if (dst.findSlot(newKey) >= 0) {
    if (!replace) {
      c.reply.int(0);
      return;
    }
    replacing = true;
  }
  const dup = typeof value === 'string' ? value : value.clone();
  if (replacing) dst.delete(newKey);
  const d = dst.add(newKey, dup, flags);
  if (expire !== 0) dst.setExpire(d, expire);
  c.server.notify(NOTIFY.generic, 'copy_to', newKey, dst.id);
  c.server.dirty++;
  c.reply.int(1);
}

export const keyCommands: CommandDef[] = [
  { name: 'del', handler: del },
  { name: 'unlink', handler: del },
  { name: 'exists', handler: exists },
  { name: 'type', handler: type },
  { name: 'touch', handler: touch },
  { name: 'randomkey', handler: randomkey },
  { name: 'keys', handler: keys },
  { name: 'scan', handler: scan },
  { name: 'rename', handler: (c, argv) => renameGeneric(c, argv, false) },
  { name: 'renamenx', handler: (c, argv) => renameGeneric(c, argv, true) },
  { name: 'move', handler: move },
  { name: 'copy', handler: copy },
];
