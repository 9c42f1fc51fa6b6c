import type { LuaJsFunction, LuaState } from './fengari.js';
import { fromLuaString, lua, lauxlib, lualibs, toLuaString } from './lua.js';

/**
 * The Lua 5.1 environment Redis 7.0 gives scripts, built on fengari's 5.3 libraries: the same
 * globals (base, table, string, math, coroutine; no io, os, package, require, loadfile, dofile,
 * print), 5.1's names that 5.3 dropped (unpack, loadstring, gcinfo, math.pow, math.mod,
 * table.getn, string.gfind, ...), without what 5.3 added (table.unpack, string.pack, math.type,
 * rawlen, ...), and Redis's own math.random. protectGlobals then locks it as Redis does.
 */

/** Globals that exist only in 5.3 (or that Redis deletes), removed after the libraries open. */
const DROP_GLOBALS = ['dofile', 'loadfile', 'print', 'rawlen', 'require', 'utf8'];
const DROP_FIELDS: readonly (readonly [string, string])[] = [
  ['table', 'unpack'],
  ['table', 'pack'],
  ['table', 'move'],
  ['string', 'pack'],
  ['string', 'unpack'],
  ['string', 'packsize'],
  ['math', 'type'],
  ['math', 'tointeger'],
  ['math', 'ult'],
  ['math', 'maxinteger'],
  ['math', 'mininteger'],
  ['coroutine', 'isyieldable'],
];

/** 5.1 library functions written in Lua over the 5.3 ones (run once at state creation). */
const LUA51_COMPAT = `
local table, string, math, type, error, pairs = table, string, math, type, error, pairs
local floor = math.floor
unpack = table.unpack
math.atan2 = math.atan
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x, 0 end
  local e = floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  if math.abs(m) >= 1 then m = m / 2; e = e + 1 elseif math.abs(m) < 0.5 then m = m * 2; e = e - 1 end
  return m, e
end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
table.getn = function(t) return #t end
table.maxn = function(t)
  local max = 0
  for k in pairs(t) do
    if type(k) == 'number' and k > max then max = k end
  end
  return max
end
table.foreach = function(t, f)
  for k, v in pairs(t) do
    local r = f(k, v)
    if r ~= nil then return r end
  end
end
table.foreachi = function(t, f)
  for i = 1, #t do
    local r = f(i, t[i])
    if r ~= nil then return r end
  end
end
string.gfind = string.gmatch
`;

/** Registry key of the coroutine scripts run in (the engine's), which scripts see as the main thread. */
export const SCRIPT_THREAD_KEY = '__nodis_script_thread';

/** Whether L is the thread the script itself runs in (5.1's main thread, from the script's view). */
function isScriptMainThread(L: LuaState): boolean {
  const top = lua.lua_gettop(L);
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, SCRIPT_THREAD_KEY);
  const isMain = lua.lua_pushthread(L);
  const same = isMain || lua.lua_rawequal(L, -1, -2);
  lua.lua_settop(L, top);
  return same;
}

/** 5.1's coroutine.running: nil in the main thread, else the thread alone. */
const coroutineRunning: LuaJsFunction = (L) => {
  if (isScriptMainThread(L)) lua.lua_pushnil(L);
  else lua.lua_pushthread(L);
  return 1;
};

/** coroutine.yield outside a coroutine fails as in Redis (its script is not one). */
const coroutineYield: LuaJsFunction = (L) => {
  if (isScriptMainThread(L)) {
    lua.lua_pushstring(L, 'attempt to yield across metamethod/C-call boundary');
    return lua.lua_error(L);
  }
  return lua.lua_yield(L, lua.lua_gettop(L));
};

/** 5.1's loadstring(s [, chunkname]): a chunk from a string, or nil and the message. */
const loadstring: LuaJsFunction = (L) => {
  const s = lauxlib.luaL_checklstring(L, 1);
  const name = lauxlib.luaL_optstring(L, 2, s);
  if (lauxlib.luaL_loadbuffer(L, s, null, name ?? s) === lua.LUA_OK) return 1;
  lua.lua_pushnil(L);
  lua.lua_insert(L, -2);
  return 2;
};

/** 5.1's load(func [, chunkname]): only a reader function (5.3's load, an upvalue, does the work). */
const load51: LuaJsFunction = (L) => {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TFUNCTION);
  const name = lauxlib.luaL_optstring(L, 2, '=(load)');
  lua.lua_settop(L, 1);
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  lua.lua_pushstring(L, name ?? '=(load)');
  lua.lua_pushstring(L, 't');
  lua.lua_call(L, 3, lua.LUA_MULTRET);
  return lua.lua_gettop(L);
};

const tableSetn: LuaJsFunction = (L) => lauxlib.luaL_error(L, toLuaString("'setn' is obsolete"));

/** collectgarbage/gcinfo: fengari leaves memory to the JS collector, so there is nothing to count or run. */
const collectgarbage: LuaJsFunction = (L) => {
  const opt = lua.lua_isnoneornil(L, 1) ? 'collect' : fromLuaString(lauxlib.luaL_checkstring(L, 1));
  const known = ['stop', 'restart', 'collect', 'count', 'step', 'setpause', 'setstepmul'];
  if (!known.includes(opt)) lauxlib.luaL_argerror(L, 1, toLuaString(`invalid option '${opt}'`));
  lua.lua_pushnumber(L, 0);
  return 1;
};
const gcinfo: LuaJsFunction = (L) => {
  lua.lua_pushnumber(L, 0);
  return 1;
};

/**
 * Redis's math.random / math.randomseed: a rand48 generator (redisLrand48) shared by every run,
 * so a script that seeds it gets the numbers it would get from Redis.
 */
class Rand48 {
  private x = 0x1234abcd330en;

  seed(v: number): void {
    this.x = ((BigInt.asUintN(32, BigInt(v)) << 16n) | 0x330en) & 0xffffffffffffn;
  }

  next(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }
}

const REDIS_LRAND48_MAX = 2147483647;

function mathRandom(rng: Rand48): LuaJsFunction {
  return (L) => {
    const r = (rng.next() % REDIS_LRAND48_MAX) / REDIS_LRAND48_MAX;
    switch (lua.lua_gettop(L)) {
      case 0:
        lua.lua_pushnumber(L, r);
        break;
      case 1: {
        const u = Math.trunc(lauxlib.luaL_checknumber(L, 1));
        lauxlib.luaL_argcheck(L, 1 <= u, 1, toLuaString('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * u) + 1);
        break;
      }
      case 2: {
        const l = Math.trunc(lauxlib.luaL_checknumber(L, 1));
        const u = Math.trunc(lauxlib.luaL_checknumber(L, 2));
        lauxlib.luaL_argcheck(L, l <= u, 2, toLuaString('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * (u - l + 1)) + l);
        break;
      }
      default:
        return lauxlib.luaL_error(L, toLuaString('wrong number of arguments'));
    }
    return 1;
  };
}

function mathRandomSeed(rng: Rand48): LuaJsFunction {
  return (L) => {
    rng.seed(Math.trunc(lauxlib.luaL_checknumber(L, 1)));
    return 0;
  };
}

/** Opens the libraries and shapes the globals like Redis's Lua 5.1 (before the redis table and cjson & co). */
export function openLua51Environment(L: LuaState): void {
  const libs: [string, LuaJsFunction][] = [
    ['_G', lualibs.luaopen_base],
    ['coroutine', lualibs.luaopen_coroutine],
    ['table', lualibs.luaopen_table],
    ['string', lualibs.luaopen_string],
    ['math', lualibs.luaopen_math],
    ['debug', lualibs.luaopen_debug],
  ];
  for (const [name, open] of libs) {
    lauxlib.luaL_requiref(L, name, open, 1);
    lua.lua_pop(L, 1);
  }
  // luaL_requiref records each library in package.loaded (_LOADED): not reachable from scripts.
  lua.lua_pushstring(L, 'Lua 5.1');
  lua.lua_setglobal(L, '_VERSION');
  lua.lua_pushjsfunction(L, collectgarbage);
  lua.lua_setglobal(L, 'collectgarbage');
  lua.lua_pushjsfunction(L, gcinfo);
  lua.lua_setglobal(L, 'gcinfo');
  lua.lua_pushjsfunction(L, loadstring);
  lua.lua_setglobal(L, 'loadstring');
  lua.lua_getglobal(L, 'load');
  lua.lua_pushjsclosure(L, load51, 1);
  lua.lua_setglobal(L, 'load');
  lua.lua_getglobal(L, 'table');
  lua.lua_pushjsfunction(L, tableSetn);
  lua.lua_setfield(L, -2, 'setn');
  lua.lua_pop(L, 1);
  lua.lua_getglobal(L, 'coroutine');
  lua.lua_pushjsfunction(L, coroutineRunning);
  lua.lua_setfield(L, -2, 'running');
  lua.lua_pushjsfunction(L, coroutineYield);
  lua.lua_setfield(L, -2, 'yield');
  lua.lua_pop(L, 1);
  const rng = new Rand48();
  lua.lua_getglobal(L, 'math');
  lua.lua_pushjsfunction(L, mathRandom(rng));
  lua.lua_setfield(L, -2, 'random');
  lua.lua_pushjsfunction(L, mathRandomSeed(rng));
  lua.lua_setfield(L, -2, 'randomseed');
  lua.lua_pop(L, 1);
  if (lauxlib.luaL_loadbuffer(L, toLuaString(LUA51_COMPAT), null, '=lua51compat') !== lua.LUA_OK) throw new Error('lua51compat');
  lua.lua_call(L, 0, 0);
  // After the compat chunk, which takes unpack from table.unpack.
  for (const g of DROP_GLOBALS) {
    lua.lua_pushnil(L);
    lua.lua_setglobal(L, g);
  }
  for (const [lib, field] of DROP_FIELDS) {
    lua.lua_getglobal(L, lib);
    lua.lua_pushnil(L);
    lua.lua_setfield(L, -2, field);
    lua.lua_pop(L, 1);
  }
}

/**
 * Locks the globals as Redis 7.0 does once the environment is built: reading a missing global
 * raises "Script attempted to access nonexistent global variable", and the global table, every
 * table reachable from it and their metatables are read-only ("Attempt to modify a readonly
 * table"), as is the string metatable.
 */
export function protectGlobals(L: LuaState): void {
  lua.lua_pushglobaltable(L);
  lua.lua_newtable(L);
  lua.lua_pushjsfunction(L, nonexistentGlobal);
  lua.lua_setfield(L, -2, '__index');
  lua.lua_setmetatable(L, -2);
  protectRecursively(L);
  lua.lua_pop(L, 1);
  lua.lua_pushstring(L, '');
  if (lua.lua_getmetatable(L, -1)) {
    protectRecursively(L);
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
}

const nonexistentGlobal: LuaJsFunction = (L) => {
  const name = lua.lua_tolstring(L, 2);
  return lauxlib.luaL_error(L, toLuaString("Script attempted to access nonexistent global variable '%s'"), name ?? toLuaString('?'));
};

/** luaSetTableProtectionRecursively: the table at the top of the stack. */
export function protectRecursively(L: LuaState): void {
  if (lua.lua_isreadonlytable(L, -1)) return;
  lua.lua_enablereadonlytable(L, -1, true);
  lua.lua_checkstack(L, 2);
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (lua.lua_istable(L, -1)) protectRecursively(L);
    lua.lua_pop(L, 1);
  }
  if (lua.lua_getmetatable(L, -1)) {
    protectRecursively(L);
    lua.lua_pop(L, 1);
  }
}
