import type { CommandDef } from '../commands/table.js';
import { dbCommands } from './db-commands.js';
import { keyCommands as genericKeyCommands } from './key-commands.js';
import { expireCommands } from './expire-commands.js';

/** The generic keyspace commands (Redis's db.c and expire.c families). */
export const keyCommands: CommandDef[] = [...dbCommands, ...genericKeyCommands, ...expireCommands];
