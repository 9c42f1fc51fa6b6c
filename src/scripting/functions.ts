import type { Server } from '../server/server.js';
import type { LuaHook, LuaJsFunction, LuaState } from './fengari.js';
import { fromLuaString, lua, lauxlib, toLuaString } from './lua.js';
import { protectRecursively } from './sandbox.js';
import { pushErrorTable } from './convert.js';
import { LuaEngine, SCRIPT_FLAG_NAMES } from './engine.js';
import { splitArgs } from '../protocol/parser.js';

/**
 * Redis 7.0 functions (functions.c and function_lua.c): libraries of Lua functions loaded with
 * FUNCTION LOAD, kept by name, run with FCALL. One Lua state (a 'function' LuaEngine) holds every
 * library's code.
 *
 * The state's globals are arranged as function_lua.c arranges them: chunks see an empty,
 * read-only table whose metatable's __index is the real (protected) globals while functions run,
 * and while a library loads the "library API" instead: a table holding only `redis`, with
 * register_function, log, the LOG_* levels and the version fields. Anything else (math, pairs,
 * redis.call, ...) is then a "nonexistent global variable".
 */

export interface FunctionInfo {
  /** As registered (FCALL finds it case-insensitively). */
  readonly name: string;
  readonly description: string | null;
  /** SCRIPT_FLAG bits. */
  readonly flags: number;
  /** Registry reference of the Lua function. */
  readonly ref: number;
  readonly library: Library;
}

export interface Library {
  readonly name: string;
  /** The whole code, shebang included (FUNCTION LIST WITHCODE, DUMP, RDB). */
  readonly code: string;
  /** By name (case-sensitive within a library), in registration order. */
  readonly functions: Map<string, FunctionInfo>;
}

/** A set of libraries and the functions they register (functionsLibCtx). */
export class LibraryCtx {
  readonly libraries = new Map<string, Library>();
  /** Every library's functions by lower-case name. */
  readonly functions = new Map<string, FunctionInfo>();

  link(lib: Library): void {
    this.libraries.set(lib.name, lib);
    // A library may hold "f" and "F" (its own dict is case-sensitive); FCALL then finds the first.
    for (const fi of lib.functions.values()) {
      const key = fi.name.toLowerCase();
      if (!this.functions.has(key)) this.functions.set(key, fi);
    }
  }

  unlink(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const fi of lib.functions.values()) {
      const key = fi.name.toLowerCase();
      if (this.functions.get(key) === fi) this.functions.delete(key);
    }
  }

  get functionCount(): number {
    let n = 0;
    for (const lib of this.libraries.values()) n += lib.functions.size;
    return n;
  }
}

const LIBRARY_API = '__library_api';
const GLOBALS_API = '__globals_api';
/** FUNCTION LOAD gives up on code that runs longer than this (LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;

const nonexistentGlobal: LuaJsFunction = (L) => {
  const name = lua.lua_tolstring(L, 2);
  return lauxlib.luaL_error(L, toLuaString("Script attempted to access nonexistent global variable '%s'"), name ?? toLuaString('?'));
};

/** luaSetErrorMetatable: reading a missing field of the table on top raises the error above. */
function setErrorMetatable(L: LuaState): void {
  lua.lua_newtable(L);
  lua.lua_pushjsfunction(L, nonexistentGlobal);
  lua.lua_setfield(L, -2, '__index');
  lua.lua_setmetatable(L, -2);
}

/** What register_function collects while a library loads (loadCtx). */
interface LoadCtx {
  readonly library: Library;
  readonly started: number;
}

export type LoadResult = { library: Library } | { error: string };

/** The functions engine of one server: its Lua state and the current libraries. */
export class FunctionsEngine {
  readonly engine: LuaEngine;
  ctx = new LibraryCtx();
  private loading: LoadCtx | null = null;

  constructor(readonly server: Server) {
    const engine = new LuaEngine(server, 'function');
    this.engine = engine;
    const L = engine.L;
    this.buildLibraryApi(L);
    engine.protect();
    // The real globals stay reachable through the registry; chunks get a fresh empty table.
    lua.lua_pushglobaltable(L);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, GLOBALS_API);
    lua.lua_newtable(L);
    lua.lua_newtable(L);
    lua.lua_pushglobaltable(L);
    lua.lua_setfield(L, -2, '__index');
    lua.lua_enablereadonlytable(L, -1, true);
    lua.lua_setmetatable(L, -2);
    lua.lua_enablereadonlytable(L, -1, true);
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
  }

  /** The `redis` table of load time: register_function, log, LOG_*, REDIS_VERSION(_NUM). */
  private buildLibraryApi(L: LuaState): void {
    lua.lua_newtable(L);
    lua.lua_newtable(L);
    lua.lua_pushjsfunction(L, this.registerFunction);
    lua.lua_setfield(L, -2, 'register_function');
    lua.lua_getglobal(L, 'redis');
    for (const field of ['log', 'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING', 'REDIS_VERSION', 'REDIS_VERSION_NUM']) {
      lua.lua_getfield(L, -1, field);
      lua.lua_setfield(L, -3, field);
    }
    lua.lua_pop(L, 1);
    setErrorMetatable(L);
    lua.lua_setfield(L, -2, 'redis');
    setErrorMetatable(L);
    protectRecursively(L);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, LIBRARY_API);
  }

  /** Points the chunks' globals at the library API (load time) or the real globals. */
  private setGlobalsIndex(registryField: string): void {
    const L = this.engine.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
    lua.lua_getmetatable(L, -1);
    lua.lua_enablereadonlytable(L, -1, false);
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, registryField);
    lua.lua_setfield(L, -2, '__index');
    lua.lua_enablereadonlytable(L, -1, true);
    lua.lua_pop(L, 2);
  }

  private readonly registerFunction: LuaJsFunction = (L) => {
    const load = this.loading;
    if (load === null) return raise(L, 'redis.register_function can only be called on FUNCTION LOAD command');
    const args = readRegisterArgs(L);
    if ('error' in args) return raise(L, args.error);
    const fail = (msg: string): never => {
      lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, args.ref);
      return raise(L, msg);
    };
    // functionsVerifyName; Redis 7.0 words the error as for library names.
    if (!validName(args.name)) return fail('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
    const functions = load.library.functions;
    if (functions.has(args.name)) return fail('Function already exists in the library');
    functions.set(args.name, { name: args.name, description: args.description, flags: args.flags, ref: args.ref, library: load.library });
    return 0;
  };

  /**
   * engine->create for Lua: compiles the code (after its shebang line) as "@user_function" and
   * runs it with the library API as globals, collecting the functions it registers.
   */
  private runLibraryCode(name: string, code: string, body: string): LoadResult {
    const L = this.engine.L;
    const library: Library = { name, code, functions: new Map() };
    const load: LoadCtx = { library, started: performance.now() };
    this.setGlobalsIndex(LIBRARY_API);
    try {
      if (lauxlib.luaL_loadbuffer(L, toLuaString(body), null, '@user_function') !== lua.LUA_OK) {
        const msg = lua.lua_tolstring(L, -1);
        lua.lua_pop(L, 1);
        return { error: `Error compiling function: ${msg === null ? '' : fromLuaString(msg)}` };
      }
      this.loading = load;
      const hook: LuaHook = (l) => {
        if (performance.now() - load.started <= LOAD_TIMEOUT_MS) return;
        lua.lua_sethook(l, hook, lua.LUA_MASKLINE, 0);
        raise(l, 'FUNCTION LOAD timeout');
      };
      lua.lua_sethook(L, hook, lua.LUA_MASKCOUNT, 100000);
      if (lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
        const msg = errorMessage(L);
        lua.lua_pop(L, 1);
        this.release(library);
        return { error: `Error registering functions: ${msg}` };
      }
      return { library };
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      this.loading = null;
      this.setGlobalsIndex(GLOBALS_API);
    }
  }

  /** Frees a library's Lua functions (engineLibraryFree). */
  release(lib: Library): void {
    for (const fi of lib.functions.values()) lauxlib.luaL_unref(this.engine.L, lua.LUA_REGISTRYINDEX, fi.ref);
  }

  /**
   * functionsCreateWithLibraryCtx: parses the shebang, loads the library into `ctx`, replacing a
   * library of the same name when `replace`. On error nothing changes.
   */
  create(code: string, replace: boolean, ctx: LibraryCtx = this.ctx): LoadResult {
    const md = extractMetadata(code);
    if ('error' in md) return md;
    if (!validName(md.name)) return { error: 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long' };
    if (md.engine.toLowerCase() !== 'lua') return { error: `Engine '${md.engine}' not found` };
    let old = ctx.libraries.get(md.name) ?? null;
    if (old !== null && !replace) return { error: `Library '${md.name}' already exists` };
    if (old !== null) ctx.unlink(old);
    const loaded = this.runLibraryCode(md.name, code, md.body);
    let error: string | null = null;
    if ('error' in loaded) error = loaded.error;
    else if (loaded.library.functions.size === 0) error = 'No functions registered';
    else {
      for (const fi of loaded.library.functions.values()) {
        if (ctx.functions.has(fi.name.toLowerCase())) {
          error = `Function ${fi.name} already exists`;
          break;
        }
      }
    }
    if (error !== null) {
      if ('library' in loaded) this.release(loaded.library);
      if (old !== null) ctx.link(old);
      return { error };
    }
    const lib = (loaded as { library: Library }).library;
    ctx.link(lib);
    if (old !== null) this.release(old);
    old = null;
    return { library: lib };
  }

  /** Removes every library of the current set (FUNCTION FLUSH, RESTORE FLUSH). */
  clear(): void {
    for (const lib of this.ctx.libraries.values()) this.release(lib);
    this.ctx = new LibraryCtx();
  }

  /** libraryJoin: moves `src`'s libraries into the current set; on a collision nothing changes. */
  join(src: LibraryCtx, replace: boolean): string | null {
    const dst = this.ctx;
    const replaced: Library[] = [];
    const undo = (): void => {
      for (const lib of replaced) dst.link(lib);
    };
    for (const lib of src.libraries.values()) {
      const old = dst.libraries.get(lib.name);
      if (old === undefined) continue;
      if (!replace) {
        undo();
        return `Library ${lib.name} already exists`;
      }
      dst.unlink(old);
      replaced.push(old);
    }
    for (const fi of src.functions.values()) {
      if (dst.functions.has(fi.name.toLowerCase())) {
        undo();
        return `Function ${fi.name} already exists`;
      }
    }
    for (const lib of src.libraries.values()) dst.link(lib);
    for (const lib of replaced) this.release(lib);
    return null;
  }
}

function raise(L: LuaState, text: string): never {
  pushErrorTable(L, text);
  return lua.lua_error(L);
}

/** luaExtractErrorInformation's message: "ERR <text>" for a string, the err field of a table. */
function errorMessage(L: LuaState): string {
  let msg = '(null)';
  if (lua.lua_isstring(L, -1)) msg = 'ERR ' + fromLuaString(lua.lua_tolstring(L, -1)!);
  if (lua.lua_istable(L, -1)) {
    lua.lua_getfield(L, -1, 'err');
    if (lua.lua_isstring(L, -1)) msg = fromLuaString(lua.lua_tolstring(L, -1)!);
    lua.lua_pop(L, 1);
  }
  return msg;
}

/** functionsVerifyName: letters, digits and '_', at least one. */
export function validName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

/** functionExtractLibMetaData: "#!<engine> name=<name>" on the first line. */
function extractMetadata(code: string): { engine: string; name: string; body: string } | { error: string } {
  if (!code.startsWith('#!')) return { error: 'Missing library metadata' };
  const nl = code.indexOf('\n');
  // strchr stops at a NUL byte: a line end after one is not found.
  const nul = code.indexOf('\0');
  if (nl < 0 || (nul >= 0 && nul < nl)) return { error: 'Invalid library metadata' };
  const parts = splitArgs(code.slice(0, nl));
  if (parts === null || parts.length === 0) return { error: 'Invalid library metadata' };
  const engine = parts[0]!.slice(2);
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return { error: 'Invalid metadata value, name argument was given multiple times' };
      name = part.slice(5);
      continue;
    }
    return { error: `Invalid metadata value given: ${part}` };
  }
  if (name === null) return { error: 'Library name was not given' };
  // The code runs from the shebang's line feed on, so line numbers count the shebang line.
  return { engine, name, body: code.slice(nl) };
}

type RegisterArgs = { name: string; description: string | null; flags: number; ref: number } | { error: string };

/** luaRegisterFunctionReadArgs: (name, callback) or {function_name=, callback=, flags=, description=}. */
function readRegisterArgs(L: LuaState): RegisterArgs {
  const argc = lua.lua_gettop(L);
  if (argc < 1 || argc > 2) return { error: 'wrong number of arguments to redis.register_function' };
  if (argc === 2) {
    if (!lua.lua_isstring(L, 1)) return { error: 'first argument to redis.register_function must be a string' };
    const name = fromLuaString(lua.lua_tolstring(L, 1)!);
    if (!lua.lua_isfunction(L, 2)) return { error: 'second argument to redis.register_function must be a function' };
    return { name, description: null, flags: 0, ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX) };
  }
  if (!lua.lua_istable(L, 1)) return { error: 'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).' };
  let name: string | null = null;
  let description: string | null = null;
  let flags = 0;
  let ref: number | null = null;
  const fail = (error: string): RegisterArgs => {
    if (ref !== null) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
    return { error };
  };
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (!lua.lua_isstring(L, -2)) return fail('named argument key given to redis.register_function is not a string');
    // lua_tostring would turn a number key into a string in place and derail lua_next.
    lua.lua_pushvalue(L, -2);
    const key = fromLuaString(lua.lua_tolstring(L, -1)!).toLowerCase();
    lua.lua_pop(L, 1);
    if (key === 'function_name') {
      if (!lua.lua_isstring(L, -1)) return fail('function_name argument given to redis.register_function must be a string');
      name = fromLuaString(lua.lua_tolstring(L, -1)!);
    } else if (key === 'description') {
      if (!lua.lua_isstring(L, -1)) return fail('description argument given to redis.register_function must be a string');
      description = fromLuaString(lua.lua_tolstring(L, -1)!);
    } else if (key === 'callback') {
      if (!lua.lua_isfunction(L, -1)) return fail('callback argument given to redis.register_function must be a function');
      if (ref !== null) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
      ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
      continue;
    } else if (key === 'flags') {
      if (!lua.lua_istable(L, -1)) return fail('flags argument to redis.register_function must be a table representing function flags');
      const f = readFlags(L);
      if (f === null) return fail('unknown flag given');
      flags = f;
    } else {
      return fail('unknown argument given to redis.register_function');
    }
    lua.lua_pop(L, 1);
  }
  if (name === null) return fail('redis.register_function must get a function name argument');
  if (ref === null) return fail('redis.register_function must get a callback argument');
  return { name, description, flags, ref };
}

/** luaRegisterFunctionReadFlags: the flag names at 1..n of the table on top (case-insensitive). */
function readFlags(L: LuaState): number | null {
  let flags = 0;
  for (let j = 1; ; j++) {
    lua.lua_pushnumber(L, j);
    lua.lua_gettable(L, -2);
    if (lua.lua_type(L, -1) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      return flags;
    }
    if (!lua.lua_isstring(L, -1)) {
      lua.lua_pop(L, 1);
      return null;
    }
    const name = fromLuaString(lua.lua_tolstring(L, -1)!).toLowerCase();
    lua.lua_pop(L, 1);
    const f = SCRIPT_FLAG_NAMES.find(([n]) => n === name);
    if (f === undefined) return null;
    flags |= f[1];
  }
}

const engines = new WeakMap<Server, FunctionsEngine>();

/** The server's functions engine, made on first use. */
export function functionsEngine(server: Server): FunctionsEngine {
  let fe = engines.get(server);
  if (fe === undefined) {
    fe = new FunctionsEngine(server);
    engines.set(server, fe);
  }
  return fe;
}

/** Whether the server has loaded its functions engine (FUNCTION STATS, INFO, RDB need not make one). */
export function hasFunctionsEngine(server: Server): boolean {
  return engines.has(server);
}

/** INFO memory's number_of_functions (FCALL-able names) and number_of_libraries. */
export function functionsCounts(server: Server): { functions: number; libraries: number } {
  const fe = engines.get(server);
  return fe === undefined ? { functions: 0, libraries: 0 } : { functions: fe.ctx.functions.size, libraries: fe.ctx.libraries.size };
}
