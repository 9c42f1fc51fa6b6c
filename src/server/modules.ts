import type { Server } from './server.js';
import { installAcl } from '../acl/index.js';
import { installPersistence } from '../persistence/index.js';
import { installAof } from '../persistence/aof/index.js';
import { installScripting } from '../scripting/index.js';

/** Modules with per-server state (ACL users, RDB/AOF, the Lua engine) attach themselves here. */
export function installModules(server: Server): void {
  installAcl(server);
  installPersistence(server);
  installAof(server);
  installScripting(server);
}
