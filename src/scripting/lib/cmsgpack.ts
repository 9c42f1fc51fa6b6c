import { lua, type LuaState } from './lua-api.js';
import {
  ByteBuilder, argError, checkLString, checkStack, checkStackOrError, checkInteger, doubleToInt64, luaError, optInteger, pushNumber,
  setFunctions, setStringField,
} from './common.js';

/**
 * lua-cmsgpack 0.4.0 as Redis 7.0 bundles it, built against Lua 5.1: every number is a double,
 * packed as an integer when it is one (int64 range), else as a float32 when that is exact, else
 * as a double. Tables with keys 1..n only are arrays, others maps; nesting stops at 16 levels
 * (deeper tables pack as nil). Unpacked integers come back as doubles.
 */

const MAX_NESTING = 16;
const INT_MAX = 2147483647;

const scratch = new DataView(new ArrayBuffer(8));

function encodeInt(buf: ByteBuilder, n: bigint): void {
  const big = (tag: number, size: number): void => {
    buf.byte(tag);
    for (let i = size - 1; i >= 0; i--) buf.byte(Number((n >> BigInt(8 * i)) & 0xffn));
  };
  if (n >= 0n) {
    if (n <= 127n) buf.byte(Number(n));
    else if (n <= 0xffn) big(0xcc, 1);
    else if (n <= 0xffffn) big(0xcd, 2);
    else if (n <= 0xffffffffn) big(0xce, 4);
    else big(0xcf, 8);
  } else {
    if (n >= -32n) buf.byte(Number(n) & 0xff);
    else if (n >= -128n) big(0xd0, 1);
    else if (n >= -32768n) big(0xd1, 2);
    else if (n >= -2147483648n) big(0xd2, 4);
    else big(0xd3, 8);
  }
}

function encodeDouble(buf: ByteBuilder, d: number): void {
  if (Math.fround(d) === d) {
    scratch.setFloat32(0, d);
    buf.byte(0xca);
    for (let i = 0; i < 4; i++) buf.byte(scratch.getUint8(i));
  } else {
    scratch.setFloat64(0, d);
    buf.byte(0xcb);
    for (let i = 0; i < 8; i++) buf.byte(scratch.getUint8(i));
  }
}

function encodeLength(buf: ByteBuilder, n: number, fix: number, tag16: number): void {
  if (n <= 15) buf.byte(fix | n);
  else if (n <= 0xffff) {
    buf.byte(tag16);
    buf.byte((n >> 8) & 0xff);
    buf.byte(n & 0xff);
  } else {
    buf.byte(tag16 + 1);
    buf.byte((n >>> 24) & 0xff);
    buf.byte((n >> 16) & 0xff);
    buf.byte((n >> 8) & 0xff);
    buf.byte(n & 0xff);
  }
}

function encodeBytes(buf: ByteBuilder, s: Uint8Array): void {
  const len = s.length;
  if (len < 32) buf.byte(0xa0 | len);
  else if (len <= 0xff) {
    buf.byte(0xd9);
    buf.byte(len);
  } else if (len <= 0xffff) {
    buf.byte(0xda);
    buf.byte(len >> 8);
    buf.byte(len & 0xff);
  } else {
    buf.byte(0xdb);
    buf.byte((len >>> 24) & 0xff);
    buf.byte((len >> 16) & 0xff);
    buf.byte((len >> 8) & 0xff);
    buf.byte(len & 0xff);
  }
  buf.append(s);
}

function encodeNumber(buf: ByteBuilder, n: number): void {
  // IS_INT64_EQUIVALENT: finite and unchanged by the (int64_t) cast.
  if (Number.isFinite(n) && doubleToInt64(n) === n) encodeInt(buf, BigInt(n));
  else encodeDouble(buf, n);
}

/** Keys are exactly 1..n (n = the count), each an int-sized positive integer. */
function tableIsArray(L: LuaState): boolean {
  const top = lua.lua_gettop(L);
  checkStackOrError(L, 2, 'in function table_is_an_array');
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    const n = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? (lua.lua_tonumberx(L, -1, null) as number) : 0;
    if (lua.lua_type(L, -1) !== lua.LUA_TNUMBER || n <= 0 || !(Number.isInteger(n) && n <= INT_MAX)) {
      lua.lua_settop(L, top);
      return false;
    }
    if (n > max) max = n;
    count++;
  }
  lua.lua_settop(L, top);
  return max === count;
}

function encodeTable(L: LuaState, buf: ByteBuilder, level: number): void {
  if (tableIsArray(L)) {
    const len = lua.lua_rawlen(L, -1);
    encodeLength(buf, len, 0x90, 0xdc);
    checkStackOrError(L, 1, 'in function mp_encode_lua_table_as_array');
    for (let j = 1; j <= len; j++) {
      lua.lua_geti(L, -1, j);
      encodeValue(L, buf, level + 1);
    }
    return;
  }
  let len = 0;
  checkStackOrError(L, 3, 'in function mp_encode_lua_table_as_map');
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    len++;
  }
  encodeLength(buf, len, 0x80, 0xde);
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pushvalue(L, -2);
    encodeValue(L, buf, level + 1);
    encodeValue(L, buf, level + 1);
  }
}

/** Encodes the value on top of the stack and pops it. */
function encodeValue(L: LuaState, buf: ByteBuilder, level: number): void {
  let t = lua.lua_type(L, -1);
  if (t === lua.LUA_TTABLE && level === MAX_NESTING) t = lua.LUA_TNIL;
  switch (t) {
    case lua.LUA_TSTRING:
      encodeBytes(buf, lua.lua_tolstring(L, -1)!);
      break;
    case lua.LUA_TBOOLEAN:
      buf.byte(lua.lua_toboolean(L, -1) ? 0xc3 : 0xc2);
      break;
    case lua.LUA_TNUMBER:
      encodeNumber(buf, lua.lua_tonumberx(L, -1, null) as number);
      break;
    case lua.LUA_TTABLE:
      encodeTable(L, buf, level);
      break;
    default:
      buf.byte(0xc0);
  }
  lua.lua_pop(L, 1);
}

function mpPack(L: LuaState): number {
  const nargs = lua.lua_gettop(L);
  if (nargs === 0) argError(L, 0, 'MessagePack pack needs input.');
  if (!checkStack(L, nargs)) argError(L, 0, 'Too many arguments for MessagePack pack.');
  const buf = new ByteBuilder();
  for (let i = 1; i <= nargs; i++) {
    checkStackOrError(L, 1, 'in function mp_check');
    lua.lua_pushvalue(L, i);
    encodeValue(L, buf, 0);
  }
  buf.push(L);
  return 1;
}

const enum CurError { None, Eof, BadFmt }

class Cursor {
  err = CurError.None;
  constructor(readonly data: Uint8Array, public p: number) {}
  get left(): number {
    return this.data.length - this.p;
  }
  need(n: number): boolean {
    if (this.left < n) {
      this.err = CurError.Eof;
      return false;
    }
    return true;
  }
  u8(i: number): number {
    return this.data[this.p + i]!;
  }
  be(from: number, size: number): bigint {
    let v = 0n;
    for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(this.u8(from + i));
    return v;
  }
}

function decodeArray(L: LuaState, c: Cursor, len: number): void {
  lua.lua_newtable(L);
  checkStackOrError(L, 1, 'in function mp_decode_to_lua_array');
  for (let index = 1; index <= len; index++) {
    pushNumber(L, index);
    decodeValue(L, c);
    if (c.err) return;
    lua.lua_settable(L, -3);
  }
}

function decodeMap(L: LuaState, c: Cursor, len: number): void {
  lua.lua_newtable(L);
  for (let i = 0; i < len; i++) {
    decodeValue(L, c);
    if (c.err) return;
    decodeValue(L, c);
    if (c.err) return;
    lua.lua_settable(L, -3);
  }
}

function decodeString(L: LuaState, c: Cursor, header: number, len: number): void {
  if (!c.need(header + len)) return;
  lua.lua_pushlstring(L, c.data.subarray(c.p + header, c.p + header + len), len);
  c.p += header + len;
}

/** Decodes one value at the cursor and pushes it (nothing pushed when c.err is set). */
function decodeValue(L: LuaState, c: Cursor): void {
  if (!c.need(1)) return;
  checkStackOrError(L, 1, 'too many return values at once; use unpack_one or unpack_limit instead.');
  const tag = c.u8(0);
  const fixed = (size: number, read: () => number): void => {
    if (!c.need(1 + size)) return;
    pushNumber(L, read());
    c.p += 1 + size;
  };
  switch (tag) {
    case 0xcc: return fixed(1, () => c.u8(1));
    case 0xd0: return fixed(1, () => (c.u8(1) << 24) >> 24);
    case 0xcd: return fixed(2, () => Number(c.be(1, 2)));
    case 0xd1: return fixed(2, () => (Number(c.be(1, 2)) << 16) >> 16);
    case 0xce: return fixed(4, () => Number(c.be(1, 4)));
    case 0xd2: return fixed(4, () => Number(c.be(1, 4)) | 0);
    // Pushed through lua_Integer (int64), so a uint64 above INT64_MAX comes back negative.
    case 0xcf: return fixed(8, () => Number(BigInt.asIntN(64, c.be(1, 8))));
    case 0xd3: return fixed(8, () => Number(BigInt.asIntN(64, c.be(1, 8))));
    case 0xc0:
      lua.lua_pushnil(L);
      c.p += 1;
      return;
    case 0xc3:
    case 0xc2:
      lua.lua_pushboolean(L, tag === 0xc3);
      c.p += 1;
      return;
    case 0xca:
      return fixed(4, () => {
        for (let i = 0; i < 4; i++) scratch.setUint8(i, c.u8(1 + i));
        return scratch.getFloat32(0);
      });
    case 0xcb:
      return fixed(8, () => {
        for (let i = 0; i < 8; i++) scratch.setUint8(i, c.u8(1 + i));
        return scratch.getFloat64(0);
      });
    case 0xd9:
      if (!c.need(2)) return;
      return decodeString(L, c, 2, c.u8(1));
    case 0xda:
      if (!c.need(3)) return;
      return decodeString(L, c, 3, Number(c.be(1, 2)));
    case 0xdb:
      if (!c.need(5)) return;
      return decodeString(L, c, 5, Number(c.be(1, 4)));
    case 0xdc:
    case 0xde: {
      if (!c.need(3)) return;
      const len = Number(c.be(1, 2));
      c.p += 3;
      return tag === 0xdc ? decodeArray(L, c, len) : decodeMap(L, c, len);
    }
    case 0xdd:
    case 0xdf: {
      if (!c.need(5)) return;
      const len = Number(c.be(1, 4));
      c.p += 5;
      return tag === 0xdd ? decodeArray(L, c, len) : decodeMap(L, c, len);
    }
    default:
      if ((tag & 0x80) === 0) {
        pushNumber(L, tag);
        c.p += 1;
      } else if ((tag & 0xe0) === 0xe0) {
        pushNumber(L, (tag << 24) >> 24);
        c.p += 1;
      } else if ((tag & 0xe0) === 0xa0) {
        decodeString(L, c, 1, tag & 0x1f);
      } else if ((tag & 0xf0) === 0x90) {
        c.p += 1;
        decodeArray(L, c, tag & 0xf);
      } else if ((tag & 0xf0) === 0x80) {
        c.p += 1;
        decodeMap(L, c, tag & 0xf);
      } else {
        c.err = CurError.BadFmt;
      }
  }
}

function unpackFull(L: LuaState, limitArg: number, offset: number): number {
  const s = checkLString(L, 1);
  const len = s.length;
  const decodeAll = limitArg === 0 && offset === 0;
  if (offset < 0 || limitArg < 0) {
    // lua-cmsgpack prints the input length where it means the limit.
    luaError(L, `Invalid request to unpack with offset of ${offset | 0} and limit of ${len | 0}.`);
  } else if (offset > len) {
    luaError(L, `Start offset ${offset | 0} greater than input length ${len | 0}.`);
  }
  const limit = decodeAll ? INT_MAX : limitArg;
  const c = new Cursor(s, offset);
  let cnt = 0;
  for (; c.left > 0 && cnt < limit; cnt++) {
    decodeValue(L, c);
    if (c.err === CurError.Eof) luaError(L, 'Missing bytes in input.');
    else if (c.err === CurError.BadFmt) luaError(L, 'Bad data format in input.');
  }
  if (!decodeAll) {
    checkStackOrError(L, 1, 'in function mp_unpack_full');
    pushNumber(L, c.left === 0 ? -1 : len - c.left);
    lua.lua_insert(L, 2);
    cnt += 1;
  }
  return cnt;
}

export function pushCmsgpackModule(L: LuaState): void {
  lua.lua_newtable(L);
  setFunctions(L, [
    ['pack', mpPack],
    ['unpack', (L) => unpackFull(L, 0, 0)],
    ['unpack_one', (L) => {
      const offset = optInteger(L, 2, 0);
      lua.lua_settop(L, Math.min(lua.lua_gettop(L), 1));
      return unpackFull(L, 1, offset);
    }],
    ['unpack_limit', (L) => {
      const limit = checkInteger(L, 2);
      const offset = optInteger(L, 3, 0);
      lua.lua_settop(L, Math.min(lua.lua_gettop(L), 1));
      return unpackFull(L, limit, offset);
    }],
  ]);
  setStringField(L, '_NAME', 'cmsgpack');
  setStringField(L, '_VERSION', 'lua-cmsgpack 0.4.0');
  setStringField(L, '_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  setStringField(L, '_DESCRIPTION', 'MessagePack C implementation for Lua');
}
