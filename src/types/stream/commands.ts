import type { CommandDef } from '../../commands/table.js';

/** Streams (XADD, XRANGE, XREAD, consumer groups). */
export const streamCommands: CommandDef[] = [];
