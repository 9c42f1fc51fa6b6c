import type { CommandDef } from '../../commands/table.js';

/** Bitmaps (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD). */
export const bitmapCommands: CommandDef[] = [];
