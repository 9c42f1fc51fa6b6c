import type { CommandDef } from './table.js';

export const configCommands: CommandDef[] = [];
