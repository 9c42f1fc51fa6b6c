import type { CommandDef } from '../../commands/table.js';

/** HyperLogLog (PFADD, PFCOUNT, PFMERGE). */
export const hllCommands: CommandDef[] = [];
