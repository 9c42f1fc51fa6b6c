import { lua, type LuaState, type LuaCFunction } from './lua-api.js';
import { pushNumber, setFunctions, typeError } from './common.js';

/**
 * LuaBitOp 1.0 (the `bit` library of Redis scripts): 32-bit operations on Lua 5.1 doubles.
 * An argument becomes 32 bits the way the C code does it, by adding 2^52+2^51 and keeping the
 * low word of the double, so fractions round to even and large numbers wrap the same way.
 */

const scratch = new DataView(new ArrayBuffer(8));

/** barg: the argument's 32 bits (unsigned). */
function barg(L: LuaState, idx: number): number {
  const n = lua.lua_tonumberx(L, idx, null);
  scratch.setFloat64(0, (n === false ? 0 : n) + 6755399441055744.0, true);
  const b = scratch.getUint32(0, true);
  if (b === 0 && n === false) typeError(L, idx, 'number');
  return b;
}

/** BRET: results are pushed as signed 32-bit numbers. */
function ret(L: LuaState, b: number): number {
  pushNumber(L, b | 0);
  return 1;
}

function variadic(op: (a: number, b: number) => number): LuaCFunction {
  return (L) => {
    let b = barg(L, 1);
    // LuaBitOp folds the arguments from the last one down to the second.
    for (let i = lua.lua_gettop(L); i > 1; i--) b = op(b, barg(L, i));
    return ret(L, b);
  };
}

function shift(op: (b: number, n: number) => number): LuaCFunction {
  return (L) => {
    const b = barg(L, 1);
    const n = barg(L, 2) & 31;
    return ret(L, op(b, n));
  };
}

function tohex(L: LuaState): number {
  let b = barg(L, 1);
  let n = lua.lua_type(L, 2) === lua.LUA_TNONE ? 8 : barg(L, 2) | 0;
  let digits = '0123456789abcdef';
  if (n < 0) {
    n = -n;
    digits = '0123456789ABCDEF';
  }
  if (n > 8) n = 8;
  const out = new Uint8Array(Math.max(n, 0));
  for (let i = n; --i >= 0;) {
    out[i] = digits.charCodeAt(b & 15);
    b >>>= 4;
  }
  lua.lua_pushlstring(L, out, out.length);
  return 1;
}

export function pushBitModule(L: LuaState): void {
  lua.lua_newtable(L);
  setFunctions(L, [
    ['tobit', (L) => ret(L, barg(L, 1))],
    ['bnot', (L) => ret(L, ~barg(L, 1))],
    ['band', variadic((a, b) => a & b)],
    ['bor', variadic((a, b) => a | b)],
    ['bxor', variadic((a, b) => a ^ b)],
    ['lshift', shift((b, n) => b << n)],
    ['rshift', shift((b, n) => b >>> n)],
    ['arshift', shift((b, n) => (b | 0) >> n)],
    ['rol', shift((b, n) => (b << n) | (b >>> (32 - n)))],
    ['ror', shift((b, n) => (b >>> n) | (b << (32 - n)))],
    ['bswap', (L) => {
      const b = barg(L, 1);
      return ret(L, ((b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24)));
    }],
    ['tohex', tohex],
  ]);
}
