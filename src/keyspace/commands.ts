import type { CommandDef } from '../commands/table.js';
import { dbCommands } from './db-commands.js';
import { keyCommands as genericKeyCommands } from './key-commands.js';
import { expireCommands } from './expire-commands.js';
import { objectCommands } from './object-command.js';

/** The generic keyspace commands (Redis's db.c, expire.c and OBJECT from object.c). */
export const keyCommands: CommandDef[] = [...dbCommands, ...genericKeyCommands, ...expireCommands, ...objectCommands];
