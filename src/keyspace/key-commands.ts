import type { CommandDef } from '../commands/table.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from './notify.js';

/** DEL and UNLINK (delGenericCommand): expired keys go first (firing "expired"), then "del". */
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

export const keyCommands: CommandDef[] = [
  { name: 'del', handler: del },
  { name: 'unlink', handler: del },
];
