import { lua, type LuaState } from './lua-api.js';
import { bytes } from './common.js';
import { pushCjsonModule } from './cjson.js';
import { pushCmsgpackModule } from './cmsgpack.js';
import { pushBitModule } from './bit.js';
import { pushStructModule } from './struct.js';

export type { LuaState } from './lua-api.js';

/**
 * Opens the libraries Redis 7.0 gives every script (cjson, cmsgpack, bit, struct) as globals of
 * the state, as luaLoadLibraries does. The engine calls this once per Lua state it creates,
 * before it makes the globals read-only.
 */
export function openRedisLibraries(L: LuaState): void {
  const modules: Array<[string, (L: LuaState) => void]> = [
    ['cjson', pushCjsonModule],
    ['struct', pushStructModule],
    ['cmsgpack', pushCmsgpackModule],
    ['bit', pushBitModule],
  ];
  for (const [name, push] of modules) {
    push(L);
    lua.lua_setglobal(L, bytes(name));
  }
}
