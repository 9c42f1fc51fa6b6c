import { createRequire } from 'node:module';

/**
 * The part of fengari's C-style API the bundled Redis libraries use, typed. fengari is CommonJS
 * without types; this facade keeps the libraries independent of how the engine declares the
 * rest of it. A LuaState is opaque here: the libraries only pass it back to fengari.
 */
export interface LuaState {
  readonly __luaStateBrand?: never;
}

/** A Lua function implemented in TypeScript: reads its arguments from the stack, returns how many results it pushed. */
export type LuaCFunction = (L: LuaState) => number;

interface LuaCore {
  LUA_TNONE: number;
  LUA_TNIL: number;
  LUA_TBOOLEAN: number;
  LUA_TLIGHTUSERDATA: number;
  LUA_TNUMBER: number;
  LUA_TSTRING: number;
  LUA_TTABLE: number;
  LUA_TFUNCTION: number;
  LUA_TUSERDATA: number;
  LUA_TTHREAD: number;
  LUA_ERRRUN: number;
  LUA_MULTRET: number;
  LUA_OK: number;
  lua_upvalueindex(i: number): number;
  lua_gettop(L: LuaState): number;
  lua_settop(L: LuaState, idx: number): void;
  lua_pop(L: LuaState, n: number): void;
  lua_insert(L: LuaState, idx: number): void;
  lua_pushvalue(L: LuaState, idx: number): void;
  lua_type(L: LuaState, idx: number): number;
  lua_typename(L: LuaState, t: number): Uint8Array;
  lua_pushnil(L: LuaState): void;
  lua_pushboolean(L: LuaState, b: boolean | number): void;
  lua_pushnumber(L: LuaState, n: number): void;
  lua_pushinteger(L: LuaState, n: number): void;
  lua_pushlstring(L: LuaState, s: Uint8Array, len: number): Uint8Array;
  lua_pushstring(L: LuaState, s: Uint8Array | string): Uint8Array;
  lua_pushlightuserdata(L: LuaState, p: unknown): void;
  lua_pushcclosure(L: LuaState, fn: LuaCFunction, n: number): void;
  lua_pushcfunction(L: LuaState, fn: LuaCFunction): void;
  lua_createtable(L: LuaState, narr: number, nrec: number): void;
  lua_newtable(L: LuaState): void;
  lua_newuserdata(L: LuaState, size: number): unknown;
  lua_rawseti(L: LuaState, idx: number, n: number): void;
  lua_rawset(L: LuaState, idx: number): void;
  lua_rawgeti(L: LuaState, idx: number, n: number): number;
  lua_geti(L: LuaState, idx: number, n: number): number;
  lua_settable(L: LuaState, idx: number): void;
  lua_setfield(L: LuaState, idx: number, k: Uint8Array | string): void;
  lua_getfield(L: LuaState, idx: number, k: Uint8Array | string): number;
  lua_setglobal(L: LuaState, name: Uint8Array | string): void;
  lua_next(L: LuaState, idx: number): number;
  lua_rawlen(L: LuaState, idx: number): number;
  lua_tonumberx(L: LuaState, idx: number): number | false;
  lua_toboolean(L: LuaState, idx: number): boolean;
  lua_tolstring(L: LuaState, idx: number): Uint8Array | null;
  lua_touserdata(L: LuaState, idx: number): unknown;
  lua_isnumber(L: LuaState, idx: number): boolean;
  lua_isstring(L: LuaState, idx: number): boolean;
  lua_isboolean(L: LuaState, idx: number): boolean;
  lua_isnone(L: LuaState, idx: number): boolean;
  lua_isnil(L: LuaState, idx: number): boolean;
  lua_checkstack(L: LuaState, n: number): boolean;
  lua_concat(L: LuaState, n: number): void;
  lua_error(L: LuaState): never;
  lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
}

interface LuaAux {
  luaL_argerror(L: LuaState, arg: number, extramsg: Uint8Array): never;
  luaL_where(L: LuaState, level: number): void;
  luaL_checkstack(L: LuaState, space: number, msg: Uint8Array | null): void;
}

const require = createRequire(import.meta.url);
const fengari = require('fengari') as { lua: LuaCore; lauxlib: LuaAux };

export const lua: LuaCore = fengari.lua;
export const lauxlib: LuaAux = fengari.lauxlib;
