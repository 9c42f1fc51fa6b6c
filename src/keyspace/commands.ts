import type { CommandDef } from '../commands/table.js';

export const keyCommands: CommandDef[] = [];
