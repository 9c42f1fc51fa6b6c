import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { aofOf } from './index.js';
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
  } else if (c.inExec) {
    // In EXEC the rewrite waits until the transaction is over (server.in_exec).
    aof.rewrite.scheduled = true;
    aof.rewrite.consecutiveFailures = 0;
    setImmediate(() => {
      if (aof.rewrite.scheduled && !aof.rewrite.inProgress) {
        aof.rewrite.scheduled = false;
        startRewrite(aof);
      }
    });
    c.reply.simple('Background append only file rewriting scheduled');
  } else if (startRewrite(aof)) {
    c.reply.simple('Background append only file rewriting started');
  } else {
    c.reply.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  }
}

export const aofCommands: CommandDef[] = [{ name: 'bgrewriteaof', handler: bgrewriteaof }];
