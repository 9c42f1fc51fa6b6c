import { lua, pushString, toStringAt } from './lua.js';
import type { LuaState } from './fengari.js';
import type { ReplyValue } from '../protocol/reply-reader.js';
import type { Reply } from '../protocol/reply.js';

/**
 * Conversions between replies and Lua values, as Redis 7.0's script_lua.c does them
 * (redisProtocolToLuaType and luaReplyToRedisReply).
 */

/**
 * Pushes a Lua error table {err="CODE msg"} as luaPushErrorBuff builds it: "-CODE msg" keeps its
 * code, a text without a leading '-' gets "ERR"; trailing CR/LF are trimmed.
 */
export function pushErrorTable(L: LuaState, text: string): void {
  let code = 'ERR';
  let msg = text;
  if (text.startsWith('-')) {
    const sp = text.indexOf(' ');
    if (sp < 0) msg = text.slice(1);
    else {
      code = text.slice(1, sp);
      msg = text.slice(sp + 1);
    }
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
  lua.lua_newtable(L);
  lua.lua_pushstring(L, 'err');
  pushString(L, code + ' ' + msg);
  lua.lua_settable(L, -3);
}

/** Pushes a command's reply as the Lua value redis.call returns (redisProtocolToLuaType). */
export function pushReply(L: LuaState, r: ReplyValue): void {
  lua.lua_checkstack(L, 5);
  switch (r.t) {
    case 'int':
      lua.lua_pushnumber(L, Number(r.v));
      return;
    case 'bulk':
      if (r.v === null) lua.lua_pushboolean(L, false);
      else pushString(L, r.v);
      return;
    case 'simple':
      lua.lua_newtable(L);
      lua.lua_pushstring(L, 'ok');
      pushString(L, r.v);
      lua.lua_settable(L, -3);
      return;
    case 'error':
      pushErrorTable(L, '-' + r.v);
      // The command's error was counted when it was written; the script's own error reply must not count it again.
      lua.lua_pushstring(L, 'ignore_error_stats_update');
      lua.lua_pushboolean(L, true);
      lua.lua_settable(L, -3);
      return;
    case 'array':
    case 'push':
      if (r.v === null) {
        lua.lua_pushboolean(L, false);
        return;
      }
      lua.lua_createtable(L, r.v.length, 0);
      for (let i = 0; i < r.v.length; i++) {
        lua.lua_pushnumber(L, i + 1);
        pushReply(L, r.v[i]!);
        lua.lua_settable(L, -3);
      }
      return;
    case 'map':
      lua.lua_newtable(L);
      lua.lua_pushstring(L, 'map');
      lua.lua_newtable(L);
      for (const [k, v] of r.v) {
        pushReply(L, k);
        pushReply(L, v);
        lua.lua_settable(L, -3);
      }
      lua.lua_settable(L, -3);
      return;
    case 'set':
      lua.lua_newtable(L);
      lua.lua_pushstring(L, 'set');
      lua.lua_newtable(L);
      for (const k of r.v) {
        pushReply(L, k);
        lua.lua_pushboolean(L, true);
        lua.lua_settable(L, -3);
      }
      lua.lua_settable(L, -3);
      return;
    case 'null':
      lua.lua_pushnil(L);
      return;
    case 'bool':
      lua.lua_pushboolean(L, r.v);
      return;
    case 'double':
      lua.lua_newtable(L);
      lua.lua_pushstring(L, 'double');
      lua.lua_pushnumber(L, parseRespDouble(r.v));
      lua.lua_settable(L, -3);
      return;
    case 'bignum':
      lua.lua_newtable(L);
      lua.lua_pushstring(L, 'big_number');
      pushString(L, r.v);
      lua.lua_settable(L, -3);
      return;
    case 'verbatim':
      lua.lua_newtable(L);
      lua.lua_pushstring(L, 'verbatim_string');
      lua.lua_newtable(L);
      lua.lua_pushstring(L, 'string');
      pushString(L, r.v.slice(4));
      lua.lua_settable(L, -3);
      lua.lua_pushstring(L, 'format');
      pushString(L, r.v.slice(0, 3));
      lua.lua_settable(L, -3);
      lua.lua_settable(L, -3);
      return;
    case 'attr':
      // Attributes are not shown to scripts; the reply they decorate follows them.
      lua.lua_pushnil(L);
      return;
  }
}

function parseRespDouble(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan' || s === '-nan') return NaN;
  return Number(s);
}

const INT64_MIN = '-9223372036854775808';

/**
 * A Lua number as an integer reply: C's (long long) cast truncates, and x86 gives INT64_MIN for
 * NaN, infinities and values out of range, which is what Redis answers.
 */
export function luaNumberToInteger(n: number): string {
  if (!(n > -9223372036854775808 - 1025 && n < 9223372036854775808)) return INT64_MIN;
  const t = Math.trunc(n);
  if (t === 0) return '0';
  return Number.isSafeInteger(t) ? String(t) : BigInt(t).toString();
}

/** The reply each kind of table makes, looked up in Redis's order. */
function rawField(L: LuaState, idx: number, name: string): number {
  lua.lua_pushstring(L, name);
  return lua.lua_rawget(L, idx < 0 ? idx - 1 : idx);
}

/**
 * Writes the Lua value at the top of the stack as a reply and pops it (luaReplyToRedisReply).
 * `scriptResp` is the protocol the script set with redis.setresp: under RESP2 booleans become
 * 1 / null, under RESP3 real booleans (RESP2 callers then see 1 / 0).
 */
export function writeLuaValue(L: LuaState, out: Reply, scriptResp: 2 | 3): void {
  lua.lua_checkstack(L, 4);
  const t = lua.lua_type(L, -1);
  switch (t) {
    case lua.LUA_TSTRING:
      out.bulk(toStringAt(L, -1)!);
      break;
    case lua.LUA_TBOOLEAN: {
      const b = lua.lua_toboolean(L, -1);
      if (scriptResp === 2) {
        if (b) out.int(1);
        else out.null();
      } else out.bool(b);
      break;
    }
    case lua.LUA_TNUMBER:
      out.raw(':' + luaNumberToInteger(lua.lua_tonumber(L, -1)) + '\r\n');
      break;
    case lua.LUA_TTABLE:
      writeTable(L, out, scriptResp);
      break;
    default:
      out.null();
  }
  lua.lua_pop(L, 1);
}

function writeTable(L: LuaState, out: Reply, scriptResp: 2 | 3): void {
  if (rawField(L, -1, 'err') === lua.LUA_TSTRING) {
    lua.lua_pop(L, 1);
    writeErrorTable(L, out, '');
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'ok') === lua.LUA_TSTRING) {
    out.raw('+' + toStringAt(L, -1)!.replace(/[\r\n]/g, ' ') + '\r\n');
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'double') === lua.LUA_TNUMBER) {
    out.double(lua.lua_tonumber(L, -1));
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'big_number') === lua.LUA_TSTRING) {
    const s = toStringAt(L, -1)!.replace(/[\r\n]/g, ' ');
    if (out.resp === 3) out.raw('(' + s + '\r\n');
    else out.bulk(s);
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'verbatim_string') === lua.LUA_TTABLE) {
    if (rawField(L, -1, 'format') === lua.LUA_TSTRING) {
      const format = toStringAt(L, -1)!;
      if (rawField(L, -2, 'string') === lua.LUA_TSTRING) {
        out.verbatim(toStringAt(L, -1)!, format.slice(0, 3));
        lua.lua_pop(L, 3);
        return;
      }
      lua.lua_pop(L, 1);
    }
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'map') === lua.LUA_TTABLE) {
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      lua.lua_pop(L, 1);
      n++;
    }
    out.map(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      // Stack: map, key, value, key copy: the copy is written (and popped), then the value.
      lua.lua_pushvalue(L, -2);
      writeLuaValue(L, out, scriptResp);
      writeLuaValue(L, out, scriptResp);
    }
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'set') === lua.LUA_TTABLE) {
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      lua.lua_pop(L, 1);
      n++;
    }
    out.set(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      lua.lua_pop(L, 1);
      lua.lua_pushvalue(L, -1);
      writeLuaValue(L, out, scriptResp);
    }
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  // An array: elements 1, 2, ... up to the first nil.
  let n = 0;
  for (;;) {
    lua.lua_pushnumber(L, n + 1);
    const et = lua.lua_rawget(L, -2);
    lua.lua_pop(L, 1);
    if (et === lua.LUA_TNIL) break;
    n++;
  }
  out.array(n);
  for (let i = 1; i <= n; i++) {
    lua.lua_pushnumber(L, i);
    lua.lua_rawget(L, -2);
    writeLuaValue(L, out, scriptResp);
  }
}

/**
 * Writes an error table ({err=..., source=..., line=...}) at the top of the stack as an error
 * reply; with `name` (the script's sha or function name) and a position, Redis's
 * " script: <name>, on <source>:<line>." follows. The table stays on the stack.
 */
export function writeErrorTable(L: LuaState, out: Reply, name: string): void {
  const msg = fieldString(L, 'err') ?? '';
  const source = fieldString(L, 'source');
  const line = fieldString(L, 'line');
  let text = msg;
  if (name !== '' && source !== null && line !== null) text += ` script: ${name}, on ${source}:${line}.`;
  lua.lua_getfield(L, -1, 'ignore_error_stats_update');
  const noStats = lua.lua_toboolean(L, -1);
  lua.lua_pop(L, 1);
  text = text.replace(/[\r\n]/g, ' ');
  if (noStats) out.raw('-' + text + '\r\n');
  else out.error(text);
}

function fieldString(L: LuaState, name: string): string | null {
  lua.lua_getfield(L, -1, name);
  const s = lua.lua_isstring(L, -1) ? toStringAt(L, -1) : null;
  lua.lua_pop(L, 1);
  return s;
}
