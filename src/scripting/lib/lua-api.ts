/**
 * The Lua API the bundled libraries use: the engine's patched fengari (src/scripting/lua.ts),
 * so library functions run on the same VM copy as the states they are opened in.
 */
export { lua, lauxlib } from '../lua.js';
export type { LuaState, LuaJsFunction as LuaCFunction } from '../fengari.js';
