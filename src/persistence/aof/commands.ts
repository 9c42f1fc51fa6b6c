import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { aofOf, bgsaveRunning } from './index.js';
import { startRewrite } from './rewrite.js';

/** bgrewriteaofCommand. */
function bgrewriteaof(c: Client): void {
  const aof = aofOf(c.server);
  if (aof === undefined) {
    c.reply.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
    return;
  }
  if (aof.rewrite.inProgress) {
    c.reply.error('ERR Background append only file rewriting already in progress');
  } else if (c.inExec || bgsaveRunning(c.server)) {
    // In EXEC, or while a BGSAVE runs, the rewrite waits (the AOF's cron starts it).
    aof.rewrite.scheduled = true;
    aof.rewrite.consecutiveFailures = 0;
    c.reply.simple('Background append only file rewriting scheduled');
  } else if (startRewrite(aof)) {
    c.reply.simple('Background append only file rewriting started');
  } else {
    c.reply.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  }
}

export const aofCommands: CommandDef[] = [{ name: 'bgrewriteaof', handler: bgrewriteaof }];
