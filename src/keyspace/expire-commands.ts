import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import { lookupRead, LOOKUP_NOTOUCH } from './lookup.js';

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
  const expire = db.expireOf(db.findSlot(key));
  if (expire === 0) {
    c.reply.int(-1);
    return;
  }
  let ttl = absolute ? expire : expire - c.server.now;
  if (ttl < 0) ttl = 0;
  c.reply.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

export const expireCommands: CommandDef[] = [
  { name: 'ttl', handler: (c, argv) => ttlGeneric(c, argv[1]!, false, false) },
  { name: 'pttl', handler: (c, argv) => ttlGeneric(c, argv[1]!, true, false) },
  { name: 'expiretime', handler: (c, argv) => ttlGeneric(c, argv[1]!, false, true) },
  { name: 'pexpiretime', handler: (c, argv) => ttlGeneric(c, argv[1]!, true, true) },
];
