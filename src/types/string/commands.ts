import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, arityError, invalidExpireError } from '../../errors.js';
import { parseBigInteger, parseInteger } from '../../protocol/number-format.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupRead, lookupWrite } from '../../keyspace/lookup.js';
import { STR_RAW } from '../../keyspace/db.js';
import { incrCommands } from './incr.js';
import { lcsCommands } from './lcs.js';
import { writeSlot } from './write-slot.js';

/** The string value of a key, undefined if absent, or null after replying WRONGTYPE. */
export function getString(c: Client, key: string): string | undefined | null {
  const v = c.db.get(key);
  if (v === undefined || typeof v === 'string') return v;
  c.reply.error(ERR.wrongType);
  return null;
}


/** Redis's getGenericCommand: GET's reply for a key (bulk, null, or WRONGTYPE). False on WRONGTYPE. */
function replyGet(c: Client, key: string): boolean {
  const v = lookupRead(c, key);
  if (v === undefined) {
    c.reply.null();
    return true;
  }
  if (typeof v !== 'string') {
    c.reply.error(ERR.wrongType);
    return false;
  }
  c.reply.bulk(v);
  return true;
}

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_EX = 16;
const SET_PX = 32;
const SET_EXAT = 64;
const SET_PXAT = 128;
const SET_PERSIST = 256;
const ANY_EXPIRE = SET_EX | SET_PX | SET_EXAT | SET_PXAT;

/** Parsed SET / GETEX options. */
export interface ExtendedStringArgs {
  flags: number;
  /** The raw expire argument, or null. */
  expire: string | null;
}

/**
 * Redis's parseExtendedStringArgumentsOrReply for SET (isSet) and GETEX: NX/XX/GET/KEEPTTL/
 * PERSIST and one of EX/PX/EXAT/PXAT. Conflicting or unknown options are a syntax error.
 * Repeating the same option is allowed, the last value wins, as in Redis.
 */
export function parseExtendedStringArgs(c: Client, argv: string[], start: number, isSet: boolean): ExtendedStringArgs | null {
  let flags = 0;
  let expire: string | null = null;
  for (let j = start; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const hasNext = j < argv.length - 1;
    if (opt === 'nx' && !(flags & SET_XX) && isSet) flags |= SET_NX;
    else if (opt === 'xx' && !(flags & SET_NX) && isSet) flags |= SET_XX;
    else if (opt === 'get' && isSet) flags |= SET_GET;
    else if (opt === 'keepttl' && !(flags & (SET_PERSIST | ANY_EXPIRE)) && isSet) flags |= SET_KEEPTTL;
    else if (opt === 'persist' && !isSet && !(flags & (ANY_EXPIRE | SET_KEEPTTL))) flags |= SET_PERSIST;
    else if (opt === 'ex' && !(flags & (SET_KEEPTTL | SET_PERSIST | SET_EXAT | SET_PX | SET_PXAT)) && hasNext) {
      flags |= SET_EX;
      expire = argv[++j]!;
    } else if (opt === 'px' && !(flags & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_EXAT | SET_PXAT)) && hasNext) {
      flags |= SET_PX;
      expire = argv[++j]!;
    } else if (opt === 'exat' && !(flags & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_PX | SET_PXAT)) && hasNext) {
      flags |= SET_EXAT;
      expire = argv[++j]!;
    } else if (opt === 'pxat' && !(flags & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_EXAT | SET_PX)) && hasNext) {
      flags |= SET_PXAT;
      expire = argv[++j]!;
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  return { flags, expire };
}

const LLONG_MAX = 9223372036854775807n;

/**
 * getExpireMillisecondsOrReply: the absolute expiry in ms for an EX/PX/EXAT/PXAT argument, or
 * null after replying. Relative times are made absolute with the command's time snapshot.
 * Exact over the whole int64 range: a bigint only when a double cannot hold the value.
 */
export function expireMillisOrReply(c: Client, arg: string, flags: number, cmdName: string): number | bigint | null {
  const n = parseInteger(arg);
  if (n === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  const seconds = (flags & (SET_EX | SET_EXAT)) !== 0;
  const relative = (flags & (SET_EX | SET_PX)) !== 0;
  // The common case stays in doubles: small enough that every step is exact.
  if (n > 0 && n < 1e12) {
    const ms = (seconds ? n * 1000 : n) + (relative ? c.server.now : 0);
    return ms;
  }
  const b = BigInt(arg);
  // Non-positive, or seconds whose conversion to ms would overflow.
  if (b <= 0n || (seconds && b > LLONG_MAX / 1000n)) {
    c.reply.error(invalidExpireError(cmdName));
    return null;
  }
  let ms = seconds ? b * 1000n : b;
  if (relative) ms += BigInt(c.server.now);
  // Redis's signed addition wraps to a negative number past LLONG_MAX: "invalid expire time".
  if (ms > LLONG_MAX) {
    c.reply.error(invalidExpireError(cmdName));
    return null;
  }
  return ms <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ms) : ms;
}

/**
 * Redis's setGenericCommand, shared by SET, SETNX, SETEX and PSETEX. `intReply` means reply
 * 1/0 (SETNX) instead of OK/null.
 */
export function setGeneric(c: Client, flags: number, key: string, value: string, expire: string | null, cmdName: string, intReply = false): void {
  let when: number | bigint = 0;
  if (expire !== null) {
    const ms = expireMillisOrReply(c, expire, flags, cmdName);
    if (ms === null) return;
    when = ms;
  }
  if (flags & SET_GET) {
    if (!replyGet(c, key)) return;
  }
  const db = c.db;
  // Without NX/XX the lookup only matters for its side effects: db.set expires a stale key too,
  // and under LRU it gives the overwritten key the clock the touch would have. An LFU counter
  // survives the overwrite, so there the access must still be counted first.
  if (flags & (SET_NX | SET_XX) || db.lfuPolicy()) {
    const found = writeSlot(c, key) >= 0;
    if ((flags & SET_NX && found) || (flags & SET_XX && !found)) {
      if (!(flags & SET_GET)) {
        if (intReply) c.reply.int(0);
        else c.reply.null();
      }
      return;
    }
  }
  const slot = db.set(key, value, (flags & SET_KEEPTTL) !== 0);
  c.server.dirty++;
  c.server.notify(NOTIFY.string, 'set', key, db.id);
  if (expire !== null) {
    db.setExpire(slot, when);
    c.server.notify(NOTIFY.generic, 'expire', key, db.id);
    // Propagated with the absolute time (7.0 rewrites every expiring form, PXAT included, this way).
    if (c.server.propagation.active) c.rewriteArgv(['SET', key, value, 'PXAT', String(when)]);
  }
  if (!(flags & SET_GET)) {
    if (intReply) c.reply.int(1);
    else c.reply.ok();
  }
}

function set(c: Client, argv: string[]): void {
  // SET key value, the common form: no options to parse, nothing to rewrite.
  if (argv.length === 3) {
    setGeneric(c, 0, argv[1]!, argv[2]!, null, 'set');
    return;
  }
  const opts = parseExtendedStringArgs(c, argv, 3, true);
  if (opts === null) return;
  setGeneric(c, opts.flags, argv[1]!, argv[2]!, opts.expire, 'set');
  // Without an expiry, SET propagates as sent minus its GET options (the reply is not replayed).
  if (opts.flags & SET_GET && opts.expire === null) c.rewriteArgv(argv.filter((a, j) => j < 3 || a.toLowerCase() !== 'get'));
}

/** GETEX key [EX|PX|EXAT|PXAT time | PERSIST]: GET that also changes the TTL. */
function getex(c: Client, argv: string[]): void {
  const opts = parseExtendedStringArgs(c, argv, 2, false);
  if (opts === null) return;
  const key = argv[1]!;
  // The key is looked up before the time is validated: a missing key answers null even for "EX abc".
  const v = lookupRead(c, key);
  if (v === undefined) {
    c.reply.null();
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(ERR.wrongType);
    return;
  }
  let when: number | bigint = 0;
  if (opts.expire !== null) {
    const ms = expireMillisOrReply(c, opts.expire, opts.flags, 'getex');
    if (ms === null) return;
    when = ms;
  }
  c.reply.bulk(v);
  const db = c.db;
  const slot = db.findSlot(key);
  // GETEX never propagates as itself: as DEL/UNLINK, PEXPIREAT or PERSIST.
  if (opts.flags & (SET_EXAT | SET_PXAT) && when <= c.server.now && !c.server.loading) {
    // An absolute time already in the past deletes the key (checkAlreadyExpired).
    db.deleteSlot(slot);
    c.server.notify(NOTIFY.generic, 'del', key, db.id);
    c.server.dirty++;
    c.rewriteArgv([c.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
  } else if (opts.expire !== null) {
    db.setExpire(slot, when);
    c.server.notify(NOTIFY.generic, 'expire', key, db.id);
    c.server.dirty++;
    c.rewriteArgv(['PEXPIREAT', key, String(when)]);
  } else if (opts.flags & SET_PERSIST) {
    if (db.expireOf(slot) !== 0) {
      db.setExpire(slot, 0);
      c.server.notify(NOTIFY.generic, 'persist', key, db.id);
      c.server.dirty++;
      c.rewriteArgv(['PERSIST', key]);
    }
  }
}

function getdel(c: Client, argv: string[]): void {
  const key = argv[1]!;
  if (!replyGet(c, key)) return;
  if (c.db.delete(key)) {
    c.server.notify(NOTIFY.generic, 'del', key, c.db.id);
    c.server.dirty++;
    c.rewriteArgv([c.server.config.bool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', key]);
  }
}

function getset(c: Client, argv: string[]): void {
  const key = argv[1]!;
  if (!replyGet(c, key)) return;
  c.db.set(key, argv[2]!);
  c.server.notify(NOTIFY.string, 'set', key, c.db.id);
  c.server.dirty++;
  c.rewriteArgv(['SET', key, argv[2]!]);
}

function mget(c: Client, argv: string[]): void {
  c.reply.array(argv.length - 1);
  for (let j = 1; j < argv.length; j++) {
    const v = lookupRead(c, argv[j]!);
    // A key of another type reads as missing: MGET never fails.
    if (typeof v === 'string') c.reply.bulk(v);
    else c.reply.null();
  }
}

function msetGeneric(c: Client, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) {
    c.reply.error(arityError(nx ? 'msetnx' : 'mset'));
    return;
  }
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (lookupWrite(c, argv[j]!) !== undefined) {
        c.reply.int(0);
        return;
      }
    }
  }
  const db = c.db;
  for (let j = 1; j < argv.length; j += 2) {
    db.set(argv[j]!, argv[j + 1]!);
    c.server.notify(NOTIFY.string, 'set', argv[j]!, db.id);
  }
  c.server.dirty += (argv.length - 1) / 2;
  if (nx) c.reply.int(1);
  else c.reply.ok();
}

/**
 * V8's longest string (2^29 - 24 chars): values can't grow past it, even where
 * proto-max-bulk-len would let Redis go on to 512MB.
 */
const MAX_STRING_LENGTH = (1 << 29) - 24;

/** checkStringLength: refuses a string of size + append bytes beyond proto-max-bulk-len. */
function checkStringLength(c: Client, size: number, append: number): boolean {
  const total = size + append;
  if (total > c.server.config.int('proto-max-bulk-len') || total > MAX_STRING_LENGTH) {
    c.reply.error(ERR.stringTooLong);
    return false;
  }
  return true;
}

function append(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const add = argv[2]!;
  const db = c.db;
  const slot = writeSlot(c, key);
  let total: number;
  if (slot < 0) {
    // A new key takes the argument as SET would (int/embstr encodings possible).
    db.add(key, add);
    total = add.length;
  } else {
    const v = db.table.valueAt(slot);
    if (typeof v !== 'string') {
      c.reply.error(ERR.wrongType);
      return;
    }
    if (!checkStringLength(c, v.length, add.length)) return;
    // Appending works on a private sds, which Redis always holds "raw".
    const nv = v + add;
    db.replaceValue(slot, nv, STR_RAW);
    total = nv.length;
  }
  c.server.notify(NOTIFY.string, 'append', key, db.id);
  c.server.dirty++;
  c.reply.int(total);
}

function strlen(c: Client, argv: string[]): void {
  const v = lookupRead(c, argv[1]!);
  if (v === undefined) c.reply.int(0);
  else if (typeof v !== 'string') c.reply.error(ERR.wrongType);
  else c.reply.int(v.length);
}

/** GETRANGE / SUBSTR: inclusive byte range, negative indexes from the end, clamped. */
function getrange(c: Client, argv: string[]): void {
  const startArg = parseBigInteger(argv[2]!);
  if (startArg === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  const endArg = parseBigInteger(argv[3]!);
  if (endArg === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  const v = lookupRead(c, argv[1]!);
  if (v === undefined) {
    c.reply.bulk('');
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(ERR.wrongType);
    return;
  }
  const len = BigInt(v.length);
  let start = startArg;
  let end = endArg;
  if (start < 0n && end < 0n && start > end) {
    c.reply.bulk('');
    return;
  }
  if (start < 0n) start += len;
  if (end < 0n) end += len;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= len) end = len - 1n;
  if (start > end || len === 0n) c.reply.bulk('');
  else c.reply.bulk(v.slice(Number(start), Number(end) + 1));
}

function setrange(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const value = argv[3]!;
  const offset = parseInteger(argv[2]!);
  if (offset === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  if (offset < 0) {
    c.reply.error(ERR.offsetOutOfRange);
    return;
  }
  const db = c.db;
  const slot = writeSlot(c, key);
  let old = '';
  if (slot < 0) {
    // Setting nothing on a missing key creates nothing.
    if (value.length === 0) {
      c.reply.int(0);
      return;
    }
    if (!checkStringLength(c, offset, value.length)) return;
  } else {
    const v = db.table.valueAt(slot);
    if (typeof v !== 'string') {
      c.reply.error(ERR.wrongType);
      return;
    }
    // Setting nothing reports the length and leaves the value (and its encoding) alone.
    if (value.length === 0) {
      c.reply.int(v.length);
      return;
    }
    if (!checkStringLength(c, offset, value.length)) return;
    old = v;
  }
  // sdsgrowzero pads with NUL bytes up to the offset.
  const head = old.length >= offset ? old.slice(0, offset) : old + '\0'.repeat(offset - old.length);
  const nv = head + value + old.slice(offset + value.length);
  if (slot < 0) db.add(key, nv, STR_RAW);
  else db.replaceValue(slot, nv, STR_RAW);
  c.server.notify(NOTIFY.string, 'setrange', key, db.id);
  c.server.dirty++;
  c.reply.int(nv.length);
}

export const SET_FLAGS = { NX: SET_NX, XX: SET_XX, GET: SET_GET, KEEPTTL: SET_KEEPTTL, EX: SET_EX, PX: SET_PX, EXAT: SET_EXAT, PXAT: SET_PXAT, PERSIST: SET_PERSIST } as const;

export const stringCommands: CommandDef[] = [
  { name: 'get', handler: (c, argv) => void replyGet(c, argv[1]!) },
  { name: 'set', handler: set },
  { name: 'setnx', handler: (c, argv) => setGeneric(c, SET_NX, argv[1]!, argv[2]!, null, 'setnx', true) },
  { name: 'setex', handler: (c, argv) => setGeneric(c, SET_EX, argv[1]!, argv[3]!, argv[2]!, 'setex') },
  { name: 'psetex', handler: (c, argv) => setGeneric(c, SET_PX, argv[1]!, argv[3]!, argv[2]!, 'psetex') },
  { name: 'getex', handler: getex },
  { name: 'getdel', handler: getdel },
  { name: 'getset', handler: getset },
  { name: 'mget', handler: mget },
  { name: 'mset', handler: (c, argv) => msetGeneric(c, argv, false) },
  { name: 'msetnx', handler: (c, argv) => msetGeneric(c, argv, true) },
  { name: 'append', handler: append },
  { name: 'strlen', handler: strlen },
  { name: 'getrange', handler: getrange },
  { name: 'substr', handler: getrange },
  { name: 'setrange', handler: setrange },
  ...incrCommands,
  ...lcsCommands,
];
