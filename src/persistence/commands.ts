import type { CommandDef } from '../commands/table.js';

/** Persistence (SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF, DUMP, RESTORE). */
export const persistenceCommands: CommandDef[] = [];
