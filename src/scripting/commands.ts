import type { CommandDef } from '../commands/table.js';

/** Scripting (EVAL, SCRIPT, FUNCTION, FCALL). */
export const scriptingCommands: CommandDef[] = [];
