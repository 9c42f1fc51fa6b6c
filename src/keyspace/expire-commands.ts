import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import { ERR, invalidExpireError, oneLine, cstr } from '../errors.js';
import { parseInteger, LLONG_MAX, LLONG_MIN } from '../protocol/number-format.js';
import { NOTIFY } from './notify.js';
import { lookupKeySlot, lookupRead, LOOKUP_NOTOUCH, LOOKUP_WRITE } from './lookup.js';

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** parseExtendedExpireArgumentsOrReply: NX | XX | GT | LT, with Redis's compatibility errors. */
function parseExpireFlags(c: Client, argv: string[]): number | null {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'nx') flags |= EXPIRE_NX;
    else if (opt === 'xx') flags |= EXPIRE_XX;
    else if (opt === 'gt') flags |= EXPIRE_GT;
    else if (opt === 'lt') flags |= EXPIRE_LT;
    else {
      c.reply.error(oneLine(`ERR Unsupported option ${cstr(argv[j]!, Infinity)}`));
      return null;
    }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    c.reply.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return null;
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    c.reply.error('ERR GT and LT options at the same time are not compatible');
    return null;
  }
  return flags;
}

/**
 * expireGenericCommand for EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT. `relative` adds the command's
 * time snapshot. The arithmetic is done in int64 (bigint) so overflow is caught as Redis does;
 * a time not after now deletes the key (reply 1, event "del").
 */
function expireGeneric(c: Client, argv: string[], relative: boolean, seconds: boolean, cmdName: string): void {
  const flags = parseExpireFlags(c, argv);
  if (flags === null) return;
  if (parseInteger(argv[2]!) === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  let when = BigInt(argv[2]!);
  if (seconds) {
    // C's LLONG_MAX / 1000 truncates toward zero, as bigint division does.
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) {
      c.reply.error(invalidExpireError(cmdName));
      return;
    }
    when *= 1000n;
  }
  const base = relative ? BigInt(c.server.now) : 0n;
  if (when > LLONG_MAX - base) {
    c.reply.error(invalidExpireError(cmdName));
    return;
  }
  when += base;

  const key = argv[1]!;
  const db = c.db;
  const slot = lookupKeySlot(c, key, LOOKUP_WRITE);
  if (slot < 0) {
    c.reply.int(0);
    return;
  }
  if (flags) {
    const cur = db.expireExact(slot);
    const has = cur !== 0;
    const current = BigInt(cur);
    if (flags & EXPIRE_NX && has) return c.reply.int(0);
    if (flags & EXPIRE_XX && !has) return c.reply.int(0);
    // No TTL counts as an infinite one: GT never succeeds on it, LT always does.
    if (flags & EXPIRE_GT && (!has || when <= current)) return c.reply.int(0);
    if (flags & EXPIRE_LT && has && when >= current) return c.reply.int(0);
  }
  // checkAlreadyExpired: while loading, a past time is set like any other (the key expires later).
  if (when <= BigInt(c.server.now) && !c.server.loading) {
    db.deleteSlot(slot);
    c.server.dirty++;
    c.server.notify(NOTIFY.generic, 'del', key, db.id);
    c.reply.int(1);
    c.rewriteArgv([c.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    return;
  }
  // Propagated as PEXPIREAT with the absolute time, options kept (PEXPIREAT itself as sent).
  if (relative || seconds) c.rewriteArgv(['PEXPIREAT', key, String(when), ...argv.slice(3)]);
  db.setExpire(slot, Number.isSafeInteger(Number(when)) ? Number(when) : when);
  c.server.keyModified(db, key);
  c.server.notify(NOTIFY.generic, 'expire', key, db.id);
  c.server.dirty++;
  c.reply.int(1);
}

/**
 * Redis's ttlGenericCommand for TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 when the key is
 * missing, -1 without a TTL; relative seconds round to nearest ((ms + 500) / 1000).
 */
function ttlGeneric(c: Client, key: string, ms: boolean, absolute: boolean): void {
  if (lookupRead(c, key, LOOKUP_NOTOUCH) === undefined) {
    c.reply.int(-2);
    return;
  }
  const db = c.db;
  const expire = db.expireExact(db.findSlot(key));
  if (expire === 0) {
    c.reply.int(-1);
    return;
  }
  let ttl = BigInt(expire);
  if (!absolute) ttl -= BigInt(c.server.now);
  if (ttl < 0n) ttl = 0n;
  c.reply.int(ms ? ttl : (ttl + 500n) / 1000n);
}

/** PERSIST: 1 when a TTL was removed. */
function persist(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const db = c.db;
  const slot = lookupKeySlot(c, key, LOOKUP_WRITE);
  if (slot < 0) {
    c.reply.int(0);
    return;
  }
  if (db.expireOf(slot) === 0) {
    c.reply.int(0);
    return;
  }
  db.setExpire(slot, 0);
  c.server.keyModified(db, key);
  c.server.notify(NOTIFY.generic, 'persist', key, db.id);
  c.reply.int(1);
  c.server.dirty++;
}

export const expireCommands: CommandDef[] = [
  { name: 'expire', handler: (c, argv) => expireGeneric(c, argv, true, true, 'expire') },
  { name: 'pexpire', handler: (c, argv) => expireGeneric(c, argv, true, false, 'pexpire') },
  { name: 'expireat', handler: (c, argv) => expireGeneric(c, argv, false, true, 'expireat') },
  { name: 'pexpireat', handler: (c, argv) => expireGeneric(c, argv, false, false, 'pexpireat') },
  { name: 'ttl', handler: (c, argv) => ttlGeneric(c, argv[1]!, false, false) },
  { name: 'pttl', handler: (c, argv) => ttlGeneric(c, argv[1]!, true, false) },
  { name: 'expiretime', handler: (c, argv) => ttlGeneric(c, argv[1]!, false, true) },
  { name: 'pexpiretime', handler: (c, argv) => ttlGeneric(c, argv[1]!, true, true) },
  { name: 'persist', handler: persist },
];
