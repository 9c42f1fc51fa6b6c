import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, invalidExpireError } from '../../errors.js';
import { parseInteger } from '../../protocol/number-format.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupRead } from '../../keyspace/lookup.js';

/** The string value of a key, undefined if absent, or null after replying WRONGTYPE. */
export function getString(c: Client, key: string): string | undefined | null {
  const v = c.db.get(key);
  if (v === undefined || typeof v === 'string') return v;
  c.reply.error(ERR.wrongType);
  return null;
}


/** GET's reply for a key: bulk, null, or WRONGTYPE. Returns false on WRONGTYPE. */
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

const LLONG_MAX = 9223372036854775807;

/**
 * getExpireMillisecondsOrReply: the absolute expiry in ms for an EX/PX/EXAT/PXAT argument, or
 * null after replying. Relative times are made absolute with the command's time snapshot.
 */
export function expireMillisOrReply(c: Client, arg: string, flags: number, cmdName: string): number | null {
  const n = parseInteger(arg);
  if (n === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  const seconds = (flags & (SET_EX | SET_EXAT)) !== 0;
  if (n <= 0 || (seconds && n > LLONG_MAX / 1000)) {
    c.reply.error(invalidExpireError(cmdName));
    return null;
  }
  let ms = seconds ? n * 1000 : n;
  if (flags & (SET_EX | SET_PX)) ms += c.server.now;
  if (ms > LLONG_MAX) {
    c.reply.error(invalidExpireError(cmdName));
    return null;
  }
  return ms;
}

/**
 * Redis's setGenericCommand, shared by SET, SETNX, SETEX and PSETEX. `okReply` false means reply
 * with an integer (SETNX style). Returns nothing; replies itself.
 */
export function setGeneric(c: Client, flags: number, key: string, value: string, expire: string | null, cmdName: string, intReply = false): void {
  let when = 0;
  if (expire !== null) {
    const ms = expireMillisOrReply(c, expire, flags, cmdName);
    if (ms === null) return;
    when = ms;
  }
  if (flags & SET_GET) {
    if (!replyGet(c, key)) return;
  }
  const db = c.db;
  const found = db.has(key);
  if ((flags & SET_NX && found) || (flags & SET_XX && !found)) {
    if (!(flags & SET_GET)) {
      if (intReply) c.reply.int(0);
      else c.reply.null();
    }
    return;
  }
  const slot = db.set(key, value, (flags & SET_KEEPTTL) !== 0);
  c.server.dirty++;
  c.server.notify(NOTIFY.string, 'set', key, db.id);
  if (expire !== null) {
    db.setExpire(slot, when);
    c.server.notify(NOTIFY.generic, 'expire', key, db.id);
  }
  if (!(flags & SET_GET)) {
    if (intReply) c.reply.int(1);
    else c.reply.ok();
  }
}

function set(c: Client, argv: string[]): void {
  const opts = parseExtendedStringArgs(c, argv, 3, true);
  if (opts === null) return;
  setGeneric(c, opts.flags, argv[1]!, argv[2]!, opts.expire, 'set');
}

export const SET_FLAGS = { NX: SET_NX, XX: SET_XX, GET: SET_GET, KEEPTTL: SET_KEEPTTL, EX: SET_EX, PX: SET_PX, EXAT: SET_EXAT, PXAT: SET_PXAT, PERSIST: SET_PERSIST } as const;

export const stringCommands: CommandDef[] = [
  { name: 'get', handler: (c, argv) => void replyGet(c, argv[1]!) },
  { name: 'set', handler: set },
  { name: 'setnx', handler: (c, argv) => setGeneric(c, SET_NX, argv[1]!, argv[2]!, null, 'setnx', true) },
  { name: 'setex', handler: (c, argv) => setGeneric(c, SET_EX, argv[1]!, argv[3]!, argv[2]!, 'setex') },
  { name: 'psetex', handler: (c, argv) => setGeneric(c, SET_PX, argv[1]!, argv[3]!, argv[2]!, 'psetex') },
];
