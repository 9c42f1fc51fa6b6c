import type { CommandDef } from '../commands/table.js';
import {
  evalCommand,
  evalRoCommand,
  evalShaCommand,
  evalShaRoCommand,
  scriptExistsCommand,
  scriptFlushCommand,
  scriptHelpCommand,
  scriptKillCommand,
  scriptLoadCommand,
} from './eval.js';

/** Scripting (EVAL, SCRIPT); FUNCTION and FCALL are declared by the functions module. */
export const scriptingCommands: CommandDef[] = [
  { name: 'eval', handler: evalCommand },
  { name: 'eval_ro', handler: evalRoCommand },
  { name: 'evalsha', handler: evalShaCommand },
  { name: 'evalsha_ro', handler: evalShaRoCommand },
  { name: 'script|exists', handler: scriptExistsCommand },
  { name: 'script|flush', handler: scriptFlushCommand },
  { name: 'script|help', handler: scriptHelpCommand },
  { name: 'script|kill', handler: scriptKillCommand },
  { name: 'script|load', handler: scriptLoadCommand },
];
