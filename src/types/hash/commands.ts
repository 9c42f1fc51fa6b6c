import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, arityError } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupWrite } from '../../keyspace/lookup.js';
import { HashValue, hashLimits } from './hash-value.js';
import { readHash, writeHash } from './access.js';
import { incrCommands } from './incr.js';
import { hrandfieldCommands } from './random.js';
import { hscanCommands } from './scan.js';

/** HSET key field value [field value ...] and HMSET (which replies OK). */
function hsetGeneric(c: Client, argv: string[], replyOk: boolean): void {
  if (argv.length % 2 === 1) {
    c.reply.error(arityError(replyOk ? 'hmset' : 'hset'));
    return;
  }
  const key = argv[1]!;
  const h = writeHash(c, key);
  if (h === null) return;
  const limits = hashLimits(c.server.config);
  h.convertIfLong(argv, 2, limits);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i]!, argv[i + 1]!, limits)) created++;
  const db = c.db;
  db.signalModified(key);
  c.server.notify(NOTIFY.hash, 'hset', key, db.id);
  c.server.dirty += (argv.length - 2) / 2;
  if (replyOk) c.reply.ok();
  else c.reply.int(created);
}

function hsetnx(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const field = argv[2]!;
  const h = writeHash(c, key);
  if (h === null) return;
  if (h.has(field)) {
    c.reply.int(0);
    return;
  }
  const limits = hashLimits(c.server.config);
  h.convertIfLong(argv, 2, limits);
  h.set(field, argv[3]!, limits);
  c.db.signalModified(key);
  c.server.notify(NOTIFY.hash, 'hset', key, c.db.id);
  c.server.dirty++;
  c.reply.int(1);
}

function hget(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]!);
  if (h === null) return;
  c.reply.bulkOrNull(h?.get(argv[2]!));
}

function hmget(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]!);
  if (h === null) return;
  const r = c.reply;
  r.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) r.bulkOrNull(h?.get(argv[i]!));
}

function hdel(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const v = lookupWrite(c, key);
  if (v === undefined) {
    c.reply.int(0);
    return;
  }
  if (!(v instanceof HashValue)) {
    c.reply.error(ERR.wrongType);
    return;
  }
  let deleted = 0;
  let keyRemoved = false;
  for (let i = 2; i < argv.length; i++) {
    if (v.delete(argv[i]!)) {
      deleted++;
      if (v.size === 0) {
        c.db.delete(key);
        keyRemoved = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    if (!keyRemoved) c.db.signalModified(key);
    c.server.notify(NOTIFY.hash, 'hdel', key, c.db.id);
    if (keyRemoved) c.server.notify(NOTIFY.generic, 'del', key, c.db.id);
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
}

function hlen(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]!);
  if (h === null) return;
  c.reply.int(h?.size ?? 0);
}

function hstrlen(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]!);
  if (h === null) return;
  c.reply.int(h?.get(argv[2]!)?.length ?? 0);
}

function hexists(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]!);
  if (h === null) return;
  c.reply.int(h?.has(argv[2]!) ? 1 : 0);
}

const WANT_FIELDS = 1;
const WANT_VALUES = 2;

/** genericHgetallCommand: HKEYS, HVALS (arrays) and HGETALL (a map in RESP3). */
function hgetall(c: Client, argv: string[], want: number): void {
  const h = readHash(c, argv[1]!);
  if (h === null) return;
  const r = c.reply;
  const both = want === (WANT_FIELDS | WANT_VALUES);
  const n = h?.size ?? 0;
  if (both) r.map(n);
  else r.array(n);
  if (h === undefined) return;
  for (const [f, v] of h.entries()) {
    if (want & WANT_FIELDS) r.bulk(f);
    if (want & WANT_VALUES) r.bulk(v);
  }
}

export const hashCommands: CommandDef[] = [
  { name: 'hset', handler: (c, argv) => hsetGeneric(c, argv, false) },
  { name: 'hmset', handler: (c, argv) => hsetGeneric(c, argv, true) },
  { name: 'hsetnx', handler: hsetnx },
  { name: 'hget', handler: hget },
  { name: 'hmget', handler: hmget },
  { name: 'hdel', handler: hdel },
  { name: 'hlen', handler: hlen },
  { name: 'hstrlen', handler: hstrlen },
  { name: 'hexists', handler: hexists },
  { name: 'hkeys', handler: (c, argv) => hgetall(c, argv, WANT_FIELDS) },
  { name: 'hvals', handler: (c, argv) => hgetall(c, argv, WANT_VALUES) },
  { name: 'hgetall', handler: (c, argv) => hgetall(c, argv, WANT_FIELDS | WANT_VALUES) },
  ...incrCommands,
  ...hrandfieldCommands,
  ...hscanCommands,
];
