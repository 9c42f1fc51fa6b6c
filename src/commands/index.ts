import type { CommandDef } from './table.js';
import { connectionCommands } from './connection.js';
import { serverCommands } from './server.js';
import { clientCommands } from './client.js';
import { configCommands } from './config.js';
import { commandCommands } from './command.js';
import { keyCommands } from '../keyspace/commands.js';
import { stringCommands } from '../types/string/commands.js';
import { listCommands } from '../types/list/commands.js';
import { zsetCommands } from '../types/zset/commands.js';
import { hashCommands } from '../types/hash/commands.js';
import { setCommands } from '../types/set/commands.js';
import { sortCommands } from '../types/sort/commands.js';
import { multiCommands } from './multi.js';
import { pubsubCommands } from '../pubsub/commands.js';
import { streamCommands } from '../types/stream/commands.js';
import { bitmapCommands } from '../types/bitmap/commands.js';
import { hllCommands } from '../types/hll/commands.js';
import { geoCommands } from '../types/geo/commands.js';
import { persistenceCommands } from '../persistence/commands.js';
import { aofCommands } from '../persistence/aof/commands.js';
import { scriptingCommands } from '../scripting/commands.js';
import { functionCommands } from '../scripting/function-commands.js';
import { aclCommands } from '../acl/commands.js';

/** Every command Nodis implements, by family. */
export const ALL_COMMANDS: readonly CommandDef[] = [
  ...connectionCommands,
  ...serverCommands,
  ...clientCommands,
  ...configCommands,
  ...commandCommands,
  ...keyCommands,
  ...stringCommands,
  ...listCommands,
  ...zsetCommands,
  ...hashCommands,
  ...setCommands,
  ...sortCommands,
  ...multiCommands,
  ...pubsubCommands,
  ...streamCommands,
  ...bitmapCommands,
  ...hllCommands,
  ...geoCommands,
  ...persistenceCommands,
  ...aofCommands,
  ...scriptingCommands,
  ...functionCommands,
  ...aclCommands,
];
