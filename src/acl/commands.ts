import type { CommandDef } from '../commands/table.js';

/** ACL. */
export const aclCommands: CommandDef[] = [];
