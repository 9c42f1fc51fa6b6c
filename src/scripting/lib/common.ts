import { lua, lauxlib, type LuaState, type LuaCFunction } from './lua-api.js';
import { equalsDecimal } from '../../protocol/number-format.js';

/**
 * Helpers shared by the bundled libraries. They reproduce the Lua 5.1 C API behaviours Redis's
 * libraries rely on (fengari is Lua 5.3): numbers are doubles, integer arguments are truncated
 * rather than rejected, and type errors name light userdata "userdata".
 */

/** An ASCII / latin1 JS string as Lua bytes. */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Lua bytes as a latin1 JS string. */
export function latin1(u8: Uint8Array, start = 0, end = u8.length): string {
  return Buffer.from(u8.buffer, u8.byteOffset + start, end - start).toString('latin1');
}

/** luaL_error with a message already formatted: the caller's position, then the text. */
export function luaError(L: LuaState, msg: string): never {
  // Room for the message: fengari has no EXTRA_STACK slack, and a push past the frame's top
  // corrupts the stack that error recovery restores.
  lua.lua_checkstack(L, 5);
  lauxlib.luaL_where(L, 1);
  lua.lua_pushstring(L, bytes(msg));
  lua.lua_concat(L, 2);
  return lua.lua_error(L);
}

export function argError(L: LuaState, arg: number, msg: string): never {
  lua.lua_checkstack(L, 5);
  return lauxlib.luaL_argerror(L, arg, bytes(msg));
}

/** Lua 5.1's type name: light userdata is plain "userdata" there. */
export function typeName(L: LuaState, idx: number): string {
  const t = lua.lua_type(L, idx);
  if (t === lua.LUA_TNONE) return 'no value';
  return latin1(lua.lua_typename(L, t));
}

/** luaL_typerror of 5.1: "<expected> expected, got <type>". */
export function typeError(L: LuaState, arg: number, expected: string): never {
  return argError(L, arg, `${expected} expected, got ${typeName(L, arg)}`);
}

/** luaL_checknumber: numbers and numeric strings. */
export function checkNumber(L: LuaState, arg: number): number {
  const n = lua.lua_tonumberx(L, arg, null);
  if (n === false) return typeError(L, arg, 'number');
  return n;
}

/** C's (int64_t) cast of a double as x86-64 does it: truncation, INT64_MIN when out of range or NaN. */
export function doubleToInt64(d: number): number {
  if (Number.isNaN(d) || d >= 9223372036854775808 || d < -9223372036854775808) return -9223372036854775808;
  return Math.trunc(d);
}

/** luaL_checkinteger of 5.1 (lua_tointeger truncates the double). */
export function checkInteger(L: LuaState, arg: number): number {
  return doubleToInt64(checkNumber(L, arg));
}

/** luaL_optinteger of 5.1. */
export function optInteger(L: LuaState, arg: number, def: number): number {
  return lua.lua_type(L, arg) <= lua.LUA_TNIL ? def : checkInteger(L, arg);
}

/** An int64 seen through a C int (the low 32 bits, signed). */
export function toCInt(n: number): number {
  return Number(BigInt.asIntN(32, BigInt(n)));
}

/** luaL_checklstring: strings and numbers (converted in place). */
export function checkLString(L: LuaState, arg: number): Uint8Array {
  const s = lua.lua_tolstring(L, arg);
  if (s === null) return typeError(L, arg, 'string');
  return s;
}

/**
 * Pushes a Lua number. Lua 5.1 has only doubles, so the value goes in as a float: integer
 * arithmetic on it then never wraps at fengari's 32-bit integers.
 */
export function pushNumber(L: LuaState, n: number): void {
  lua.lua_pushnumber(L, n);
}

export function pushBytes(L: LuaState, u8: Uint8Array, len = u8.length): void {
  lua.lua_pushlstring(L, u8, len);
}

/** Lua 5.1's C stack limit (LUAI_MAXCSTACK): lua_checkstack fails beyond it. */
export const MAX_C_STACK = 8000;

/**
 * lua_checkstack of 5.1: false when `n` more slots would pass the C stack limit; otherwise the
 * slots are made available (fengari, like C Lua, only guarantees 20 without asking).
 */
export function checkStack(L: LuaState, n: number): boolean {
  if (lua.lua_gettop(L) + n > MAX_C_STACK) return false;
  return lua.lua_checkstack(L, n);
}

/** luaL_checkstack of 5.1. */
export function checkStackOrError(L: LuaState, n: number, msg: string): void {
  if (!checkStack(L, n)) luaError(L, `stack overflow (${msg})`);
}

/** Sets t[name] = fn for the table on top of the stack. */
export function setFunctions(L: LuaState, fns: ReadonlyArray<readonly [string, LuaCFunction]>): void {
  for (const [name, fn] of fns) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, bytes(name));
  }
}

export function setStringField(L: LuaState, name: string, value: string): void {
  lua.lua_pushstring(L, bytes(value));
  lua.lua_setfield(L, -2, bytes(name));
}

/** A growable byte string (the libraries' strbuf / mp_buf / luaL_Buffer). */
export class ByteBuilder {
  buf = new Uint8Array(64);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  append(u8: Uint8Array, start = 0, end = u8.length): void {
    this.reserve(end - start);
    this.buf.set(u8.subarray(start, end), this.length);
    this.length += end - start;
  }

  ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i);
  }

  push(L: LuaState): void {
    lua.lua_pushlstring(L, this.buf, this.length);
  }
}

/**
 * C's printf("%.<precision>g", d) as glibc prints it (precision 1..17). toExponential rounds an
 * exact tie up where glibc rounds it to even, so ties are settled exactly.
 */
export function formatG(d: number, precision: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const p = Math.max(1, precision);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(d.toExponential(p - 1))!;
  const sign = m[1]!;
  let digits = m[2]! + (m[3] ?? '');
  let x = parseInt(m[4]!, 10);
  const longer = /^-?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(d.toExponential(Math.min(p, 100)))!;
  const next = longer[1]! + (longer[2] ?? '');
  if (next.endsWith('5') && (next.charCodeAt(p - 1) & 1) === 0) {
    const xn = parseInt(longer[3]!, 10);
    if (equalsDecimal(d, BigInt(next), xn - p)) {
      // An exact tie: glibc keeps the even digit, so the value is truncated, not rounded up.
      digits = next.slice(0, p);
      x = xn;
    }
  }
  digits = digits.replace(/0+$/, '') || '0';
  if (x < -4 || x >= p) {
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const ax = Math.abs(x);
    return sign + mant + 'e' + (x < 0 ? '-' : '+') + (ax < 10 ? '0' + ax : String(ax));
  }
  if (x >= 0) {
    if (digits.length <= x + 1) return sign + digits + '0'.repeat(x + 1 - digits.length);
    return sign + digits.slice(0, x + 1) + '.' + digits.slice(x + 1);
  }
  return sign + '0.' + '0'.repeat(-x - 1) + digits;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

function matchWordCI(data: Uint8Array, pos: number, word: string): boolean {
  if (pos + word.length > data.length) return false;
  for (let i = 0; i < word.length; i++) if ((data[pos + i]! | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * glibc strtod over bytes from pos (no leading blanks): decimal, hexadecimal (0x, with 'p'
 * exponent), inf/infinity and nan[(...)]. Returns the value and where parsing stopped; end ===
 * pos means no number.
 */
export function strtod(data: Uint8Array, pos: number): { value: number; end: number } {
  let i = pos;
  let negative = false;
  if (data[i] === 0x2b || data[i] === 0x2d) {
    negative = data[i] === 0x2d;
    i++;
  }
  const signed = (v: number): number => (negative ? -v : v);
  if (matchWordCI(data, i, 'inf')) {
    const end = matchWordCI(data, i, 'infinity') ? i + 8 : i + 3;
    return { value: signed(Infinity), end };
  }
  if (matchWordCI(data, i, 'nan')) {
    let end = i + 3;
    if (data[end] === 0x28) {
      let j = end + 1;
      while (j < data.length && (isDigit(data[j]!) || ((data[j]! | 0x20) >= 0x61 && (data[j]! | 0x20) <= 0x7a) || data[j] === 0x5f)) j++;
      if (data[j] === 0x29) end = j + 1;
    }
    return { value: NaN, end };
  }
  if (data[i] === 0x30 && (data[i + 1]! | 0x20) === 0x78) {
    const hex = parseHexFloat(data, i + 2);
    if (hex) return { value: signed(hex.value), end: hex.end };
    // "0x" without hex digits: only the "0" is a number.
    return { value: signed(0), end: i + 1 };
  }
  const start = i;
  let sawDigit = false;
  while (isDigit(data[i]!)) {
    i++;
    sawDigit = true;
  }
  if (data[i] === 0x2e) {
    i++;
    while (isDigit(data[i]!)) {
      i++;
      sawDigit = true;
    }
  }
  if (!sawDigit) return { value: 0, end: pos };
  let end = i;
  if ((data[i]! | 0x20) === 0x65) {
    let j = i + 1;
    if (data[j] === 0x2b || data[j] === 0x2d) j++;
    if (isDigit(data[j]!)) {
      while (isDigit(data[j]!)) j++;
      end = j;
    }
  }
  return { value: signed(Number(latin1(data, start, end))), end };
}

function parseHexFloat(data: Uint8Array, from: number): { value: number; end: number } | null {
  let i = from;
  let mant = 0n;
  let digits = 0;
  let fracDigits = 0;
  while (hexValue(data[i]!) >= 0) {
    mant = mant * 16n + BigInt(hexValue(data[i]!));
    i++;
    digits++;
  }
  if (data[i] === 0x2e) {
    i++;
    while (hexValue(data[i]!) >= 0) {
      mant = mant * 16n + BigInt(hexValue(data[i]!));
      i++;
      digits++;
      fracDigits++;
    }
  }
  if (digits === 0) return null;
  let exp = 0;
  let end = i;
  if ((data[i]! | 0x20) === 0x70) {
    let j = i + 1;
    let expNeg = false;
    if (data[j] === 0x2b || data[j] === 0x2d) {
      expNeg = data[j] === 0x2d;
      j++;
    }
    if (isDigit(data[j]!)) {
      let e = 0;
      while (isDigit(data[j]!)) {
        e = Math.min(e * 10 + (data[j]! - 0x30), 100000);
        j++;
      }
      exp = expNeg ? -e : e;
      end = j;
    }
  }
  exp -= 4 * fracDigits;
  if (mant === 0n) return { value: 0, end };
  // Keep 64 significant bits plus a sticky bit, so the one rounding to double is correct.
  let shift = 0;
  const bitLen = mant.toString(2).length;
  if (bitLen > 64) {
    shift = bitLen - 64;
    const sticky = (mant & ((1n << BigInt(shift)) - 1n)) !== 0n ? 1n : 0n;
    mant = (mant >> BigInt(shift)) | sticky;
  }
  let value = Number(mant);
  let e = exp + shift;
  while (e > 0 && Number.isFinite(value)) {
    const step = Math.min(e, 1000);
    value *= 2 ** step;
    e -= step;
  }
  while (e < 0 && value !== 0) {
    const step = Math.max(e, -1000);
    value *= 2 ** step;
    e -= step;
  }
  return { value, end };
}
