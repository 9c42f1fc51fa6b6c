import type { CommandDef } from './table.js';

export const commandCommands: CommandDef[] = [];
