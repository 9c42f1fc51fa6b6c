/**
 * Types for the part of fengari (Lua 5.3 in JavaScript) that Nodis uses. fengari ships no types.
 * The runtime objects come from src/scripting/lua.ts, which loads a patched copy of fengari
 * (see there why); import the values from there, and these types from here. Add declarations
 * here as you need more of the API (they follow fengari's src/lapi.js and src/lauxlib.js).
 *
 * Lua strings are Uint8Array (bytes); `LuaStringLike` also accepts a JS string, which fengari
 * encodes as UTF-8: pass only ASCII that way, and user data always as bytes (lua.ts helpers).
 */

/** An opaque lua_State (a Lua thread). */
export interface LuaState {
  readonly __luaStateBrand?: never;
}

export type LuaString = Uint8Array;
export type LuaStringLike = Uint8Array | string;

/** A JS function callable from Lua: reads its arguments from the stack, answers how many results it pushed. */
export type LuaJsFunction = (L: LuaState) => number;
/** A continuation (lua_callk/lua_pcallk/lua_yieldk). */
export type LuaKFunction = (L: LuaState, status: number, ctx: number) => number;
export type LuaHook = (L: LuaState, ar: LuaDebug) => void;

export interface LuaDebug {
  event: number;
  name: LuaString | null;
  namewhat: LuaString | null;
  what: LuaString | null;
  source: LuaString | null;
  currentline: number;
  linedefined: number;
  lastlinedefined: number;
  short_src: LuaString | null;
}

export interface LuaApi {
  readonly LUA_OK: number;
  readonly LUA_YIELD: number;
  readonly LUA_ERRRUN: number;
  readonly LUA_ERRSYNTAX: number;
  readonly LUA_ERRMEM: number;
  readonly LUA_ERRERR: number;
  readonly LUA_MULTRET: number;
  readonly LUA_REGISTRYINDEX: number;
  readonly LUA_RIDX_GLOBALS: number;
  readonly LUA_MASKCOUNT: number;
  readonly LUA_MASKLINE: number;
  readonly LUA_MASKCALL: number;
  readonly LUA_MASKRET: number;
  readonly LUA_TNONE: number;
  readonly LUA_TNIL: number;
  readonly LUA_TBOOLEAN: number;
  readonly LUA_TLIGHTUSERDATA: number;
  readonly LUA_TNUMBER: number;
  readonly LUA_TSTRING: number;
  readonly LUA_TTABLE: number;
  readonly LUA_TFUNCTION: number;
  readonly LUA_TUSERDATA: number;
  readonly LUA_TTHREAD: number;
  lua_Debug: new () => LuaDebug;
  lua_upvalueindex(i: number): number;

  lua_absindex(L: LuaState, idx: number): number;
  lua_gettop(L: LuaState): number;
  lua_settop(L: LuaState, idx: number): void;
  lua_pop(L: LuaState, n: number): void;
  lua_pushvalue(L: LuaState, idx: number): void;
  lua_remove(L: LuaState, idx: number): void;
  lua_insert(L: LuaState, idx: number): void;
  lua_replace(L: LuaState, idx: number): void;
  lua_rotate(L: LuaState, idx: number, n: number): void;
  lua_copy(L: LuaState, from: number, to: number): void;
  lua_checkstack(L: LuaState, n: number): boolean;
  lua_xmove(from: LuaState, to: LuaState, n: number): void;

  lua_type(L: LuaState, idx: number): number;
  lua_typename(L: LuaState, t: number): LuaString;
  lua_isnil(L: LuaState, idx: number): boolean;
  lua_isnoneornil(L: LuaState, idx: number): boolean;
  lua_isboolean(L: LuaState, idx: number): boolean;
  lua_isnumber(L: LuaState, idx: number): boolean;
  lua_isstring(L: LuaState, idx: number): boolean;
  lua_istable(L: LuaState, idx: number): boolean;
  lua_isfunction(L: LuaState, idx: number): boolean;
  lua_toboolean(L: LuaState, idx: number): boolean;
  lua_tonumber(L: LuaState, idx: number): number;
  lua_tonumberx(L: LuaState, idx: number, isnum: null): number | false;
  lua_tointeger(L: LuaState, idx: number): number;
  lua_tointegerx(L: LuaState, idx: number, isnum: null): number | false;
  /** Converts numbers in place, as in C; null for other types. */
  lua_tolstring(L: LuaState, idx: number): LuaString | null;
  lua_tostring(L: LuaState, idx: number): LuaString | null;
  lua_tojsstring(L: LuaState, idx: number): string | null;
  lua_topointer(L: LuaState, idx: number): object | null;
  /** A light userdata's JS value (fengari passes native errors to lua_atnativeerror as one). */
  lua_touserdata(L: LuaState, idx: number): unknown;
  lua_tothread(L: LuaState, idx: number): LuaState | null;
  lua_rawlen(L: LuaState, idx: number): number;
  lua_rawequal(L: LuaState, a: number, b: number): boolean;
  lua_stringtonumber(L: LuaState, s: LuaString): number;

  lua_pushnil(L: LuaState): void;
  lua_pushnumber(L: LuaState, n: number): void;
  lua_pushinteger(L: LuaState, n: number): void;
  lua_pushboolean(L: LuaState, b: boolean | number): void;
  lua_pushstring(L: LuaState, s: LuaStringLike): LuaString;
  lua_pushlstring(L: LuaState, s: LuaStringLike, len: number): LuaString;
  lua_pushliteral(L: LuaState, s: string): LuaString;
  lua_pushfstring(L: LuaState, fmt: LuaStringLike, ...args: (LuaStringLike | number)[]): LuaString;
  lua_pushjsfunction(L: LuaState, f: LuaJsFunction): void;
  lua_pushcfunction(L: LuaState, f: LuaJsFunction): void;
  lua_pushjsclosure(L: LuaState, f: LuaJsFunction, n: number): void;
  lua_pushcclosure(L: LuaState, f: LuaJsFunction, n: number): void;
  lua_pushlightuserdata(L: LuaState, p: object | null): void;
  lua_pushglobaltable(L: LuaState): void;
  lua_pushthread(L: LuaState): boolean;

  lua_newtable(L: LuaState): void;
  lua_createtable(L: LuaState, narr: number, nrec: number): void;
  lua_newuserdata(L: LuaState, size: number): object;
  lua_getfield(L: LuaState, idx: number, k: LuaStringLike): number;
  lua_setfield(L: LuaState, idx: number, k: LuaStringLike): void;
  lua_getglobal(L: LuaState, name: LuaStringLike): number;
  lua_setglobal(L: LuaState, name: LuaStringLike): void;
  lua_gettable(L: LuaState, idx: number): number;
  lua_settable(L: LuaState, idx: number): void;
  lua_geti(L: LuaState, idx: number, n: number): number;
  lua_seti(L: LuaState, idx: number, n: number): void;
  lua_rawget(L: LuaState, idx: number): number;
  lua_rawset(L: LuaState, idx: number): void;
  lua_rawgeti(L: LuaState, idx: number, n: number): number;
  lua_rawseti(L: LuaState, idx: number, n: number): void;
  lua_next(L: LuaState, idx: number): boolean;
  lua_getmetatable(L: LuaState, idx: number): boolean;
  lua_setmetatable(L: LuaState, idx: number): void;
  lua_len(L: LuaState, idx: number): void;
  lua_concat(L: LuaState, n: number): void;

  lua_call(L: LuaState, nargs: number, nresults: number): void;
  lua_callk(L: LuaState, nargs: number, nresults: number, ctx: number, k: LuaKFunction | null): void;
  lua_pcall(L: LuaState, nargs: number, nresults: number, errfunc: number): number;
  lua_pcallk(L: LuaState, nargs: number, nresults: number, errfunc: number, ctx: number, k: LuaKFunction | null): number;
  lua_error(L: LuaState): never;
  lua_load(L: LuaState, reader: (L: LuaState, data: unknown) => LuaString | null, data: unknown, chunkname: LuaStringLike, mode: LuaStringLike | null): number;

  lua_newthread(L: LuaState): LuaState;
  lua_resume(L: LuaState, from: LuaState | null, nargs: number): number;
  lua_yield(L: LuaState, nresults: number): number;
  lua_isyieldable(L: LuaState): boolean;
  lua_status(L: LuaState): number;

  lua_sethook(L: LuaState, f: LuaHook | null, mask: number, count: number): void;
  lua_getstack(L: LuaState, level: number, ar: LuaDebug): boolean;
  lua_getinfo(L: LuaState, what: LuaStringLike, ar: LuaDebug): boolean;
  lua_atnativeerror(L: LuaState, f: LuaJsFunction): LuaJsFunction | undefined;

  /** Added by Nodis's patch (lua.ts): Redis's readonly tables (lua_enablereadonlytable in Redis's Lua). */
  lua_enablereadonlytable(L: LuaState, idx: number, enabled: boolean): void;
  lua_isreadonlytable(L: LuaState, idx: number): boolean;
}

export interface LauxlibApi {
  readonly LUA_NOREF: number;
  readonly LUA_REFNIL: number;
  luaL_newstate(): LuaState;
  luaL_loadbuffer(L: LuaState, buff: LuaString, size: number | null, name: LuaStringLike): number;
  luaL_loadbufferx(L: LuaState, buff: LuaString, size: number | null, name: LuaStringLike, mode: LuaStringLike | null): number;
  luaL_loadstring(L: LuaState, s: LuaStringLike): number;
  luaL_ref(L: LuaState, t: number): number;
  luaL_unref(L: LuaState, t: number, ref: number): void;
  luaL_error(L: LuaState, fmt: LuaStringLike, ...args: (LuaStringLike | number)[]): never;
  luaL_argerror(L: LuaState, arg: number, extramsg: LuaStringLike): never;
  luaL_argcheck(L: LuaState, cond: boolean, arg: number, extramsg: LuaStringLike): void;
  luaL_checkany(L: LuaState, arg: number): void;
  luaL_checktype(L: LuaState, arg: number, t: number): void;
  luaL_checkstring(L: LuaState, arg: number): LuaString;
  luaL_checklstring(L: LuaState, arg: number): LuaString;
  luaL_optstring(L: LuaState, arg: number, def: LuaStringLike | null): LuaString | null;
  luaL_checknumber(L: LuaState, arg: number): number;
  luaL_optnumber(L: LuaState, arg: number, def: number): number;
  luaL_checkinteger(L: LuaState, arg: number): number;
  luaL_optinteger(L: LuaState, arg: number, def: number): number;
  luaL_checkstack(L: LuaState, space: number, msg: LuaStringLike | null): void;
  luaL_tolstring(L: LuaState, idx: number): LuaString;
  luaL_len(L: LuaState, idx: number): number;
  luaL_where(L: LuaState, level: number): void;
  luaL_newmetatable(L: LuaState, tname: LuaStringLike): boolean;
  luaL_setmetatable(L: LuaState, tname: LuaStringLike): void;
  luaL_getmetatable(L: LuaState, tname: LuaStringLike): number;
  luaL_checkudata(L: LuaState, arg: number, tname: LuaStringLike): object;
  luaL_getmetafield(L: LuaState, obj: number, e: LuaStringLike): number;
  luaL_setfuncs(L: LuaState, l: Record<string, LuaJsFunction | null>, nup: number): void;
  luaL_newlib(L: LuaState, l: Record<string, LuaJsFunction | null>): void;
  luaL_requiref(L: LuaState, modname: LuaStringLike, openf: LuaJsFunction, glb: boolean | number): void;
  luaL_traceback(L: LuaState, L1: LuaState, msg: LuaStringLike | null, level: number): void;
}

/** The standard libraries' openers (each pushes its library table). */
export interface LuaLibOpeners {
  luaopen_base: LuaJsFunction;
  luaopen_table: LuaJsFunction;
  luaopen_string: LuaJsFunction;
  luaopen_math: LuaJsFunction;
  luaopen_debug: LuaJsFunction;
  luaopen_coroutine: LuaJsFunction;
}
