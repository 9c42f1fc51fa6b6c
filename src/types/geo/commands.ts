import type { CommandDef } from '../../commands/table.js';

/** Geo (GEOADD, GEOSEARCH, GEORADIUS, ...). */
export const geoCommands: CommandDef[] = [];
