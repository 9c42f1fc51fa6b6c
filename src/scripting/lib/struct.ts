import { lua, type LuaState } from './lua-api.js';
import {
  ByteBuilder, argError, checkLString, checkNumber, checkStackOrError, luaError, optInteger, pushNumber, setFunctions,
} from './common.js';

/**
 * Roberto Ierusalimschy's struct library (struct.c 1.4) as Redis 7.0 bundles it, on x86-64:
 * native little endian, long and size_t of 8 bytes, int of 4, integers up to 32 bytes wide
 * computed in 64 bits, maximum alignment 8, and Redis's overflow checks on sizes.
 */

const MAXINTSIZE = 32;
const MAXALIGN = 8;
const INT_MAX = 2147483647;
const MASK64 = (1n << 64n) - 1n;
const TWO63 = 9223372036854775808;

const BIG = 0;
const LITTLE = 1;

interface Header {
  endian: number;
  align: number;
}

/** The format string, read as the C code does: up to its first NUL byte. */
class Format {
  pos = 0;
  readonly end: number;
  constructor(readonly s: Uint8Array) {
    const nul = s.indexOf(0);
    this.end = nul < 0 ? s.length : nul;
  }
  more(): boolean {
    return this.pos < this.end;
  }
  next(): number {
    return this.s[this.pos++]!;
  }
  isDigit(): boolean {
    if (this.pos >= this.end) return false;
    const c = this.s[this.pos]!;
    return c >= 0x30 && c <= 0x39;
  }
}

function getnum(L: LuaState, fmt: Format, df: number): number {
  if (!fmt.isDigit()) return df;
  let a = 0;
  do {
    const d = fmt.s[fmt.pos]! - 0x30;
    if (a > Math.trunc(INT_MAX / 10) || a * 10 > INT_MAX - d) luaError(L, 'integral size overflow');
    a = a * 10 + d;
    fmt.pos++;
  } while (fmt.isDigit());
  return a;
}

function optsize(L: LuaState, opt: number, fmt: Format): number {
  switch (String.fromCharCode(opt)) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': return 8;
    case 'T': return 8;
    case 'f': return 4;
    case 'd': return 8;
    case 'x': return 1;
    case 'c': return getnum(L, fmt, 1);
    case 'i': case 'I': {
      const sz = getnum(L, fmt, 4);
      if (sz > MAXINTSIZE) luaError(L, `integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
      return sz;
    }
    default: return 0;
  }
}

function gettoalign(len: number, h: Header, opt: number, size: number): number {
  if (size === 0 || opt === 0x63) return 0;
  if (size > h.align) size = h.align;
  return (size - (len & (size - 1))) & (size - 1);
}

function controloptions(L: LuaState, opt: number, fmt: Format, h: Header): void {
  switch (opt) {
    case 0x20: return;
    case 0x3e: h.endian = BIG; return;
    case 0x3c: h.endian = LITTLE; return;
    case 0x21: {
      const a = getnum(L, fmt, MAXALIGN);
      if (!(a > 0 && (a & (a - 1)) === 0)) luaError(L, `alignment ${a} is not a power of 2`);
      h.align = a;
      return;
    }
    default:
      argError(L, 1, `invalid format option '${String.fromCharCode(opt)}'`);
  }
}

/** (unsigned long)n for n >= 0 and (unsigned long)(long)n below, as gcc compiles them for x86-64. */
function toUint64(n: number): bigint {
  if (n < 0) return n < -TWO63 ? 1n << 63n : BigInt.asUintN(64, BigInt(Math.trunc(n)));
  if (n < TWO63) return BigInt(Math.trunc(n));
  // NaN: cvttsd2si's "integer indefinite", INT64_MIN.
  if (Number.isNaN(n)) return 1n << 63n;
  // Not below 2^63: cvttsd2si of n - 2^63 with the top bit flipped.
  const rest = n - TWO63;
  if (!(rest < TWO63)) return 0n;
  return BigInt(Math.trunc(rest)) ^ (1n << 63n);
}

function putinteger(L: LuaState, b: ByteBuilder, arg: number, endian: number, size: number): void {
  let value = toUint64(checkNumber(L, arg));
  const buff = new Uint8Array(size);
  if (endian === LITTLE) {
    for (let i = 0; i < size; i++) {
      buff[i] = Number(value & 0xffn);
      value >>= 8n;
    }
  } else {
    for (let i = size - 1; i >= 0; i--) {
      buff[i] = Number(value & 0xffn);
      value >>= 8n;
    }
  }
  b.append(buff);
}

const scratch = new DataView(new ArrayBuffer(8));

function bPack(L: LuaState): number {
  const fmt = new Format(checkLString(L, 1));
  const h: Header = { endian: LITTLE, align: 1 };
  let arg = 2;
  let totalsize = 0;
  // The C code pushes a nil to mark the end of the arguments: a missing one reads as nil.
  lua.lua_pushnil(L);
  const b = new ByteBuilder();
  while (fmt.more()) {
    const opt = fmt.next();
    let size = optsize(L, opt, fmt);
    let toalign = gettoalign(totalsize, h, opt, size);
    totalsize += toalign;
    while (toalign-- > 0) b.byte(0);
    switch (String.fromCharCode(opt)) {
      case 'b': case 'B': case 'h': case 'H':
      case 'l': case 'L': case 'T': case 'i': case 'I':
        putinteger(L, b, arg++, h.endian, size);
        break;
      case 'x':
        b.byte(0);
        break;
      case 'f':
      case 'd': {
        const n = checkNumber(L, arg++);
        if (opt === 0x66) scratch.setFloat32(0, n, h.endian === LITTLE);
        else scratch.setFloat64(0, n, h.endian === LITTLE);
        for (let i = 0; i < size; i++) b.byte(scratch.getUint8(i));
        break;
      }
      case 'c': case 's': {
        const s = checkLString(L, arg++);
        const l = s.length;
        if (size === 0) size = l;
        // The C code checks after arg++, so the message names the next argument.
        if (!(l >= size)) argError(L, arg, 'string too short');
        b.append(s, 0, size);
        if (opt === 0x73) {
          b.byte(0);
          size++;
        }
        break;
      }
      default:
        controloptions(L, opt, fmt, h);
    }
    totalsize += size;
  }
  b.push(L);
  return 1;
}

function getinteger(data: Uint8Array, at: number, endian: number, issigned: boolean, size: number): number {
  let l = 0n;
  if (endian === BIG) {
    for (let i = 0; i < size; i++) l = ((l << 8n) | BigInt(data[at + i]!)) & MASK64;
  } else {
    for (let i = size - 1; i >= 0; i--) l = ((l << 8n) | BigInt(data[at + i]!)) & MASK64;
  }
  if (!issigned) return Number(l);
  // x86 masks the shift count to 6 bits, which is what sizes above 8 get.
  const mask = (MASK64 << BigInt((size * 8 - 1) & 63)) & MASK64;
  if (l & mask) l |= mask;
  return Number(BigInt.asIntN(64, l));
}

function bUnpack(L: LuaState): number {
  const fmt = new Format(checkLString(L, 1));
  const data = checkLString(L, 2);
  const ld = data.length;
  const start = optInteger(L, 3, 1);
  if (start === 0) argError(L, 3, 'offset must be 1 or greater');
  let pos = start - 1;
  const h: Header = { endian: LITTLE, align: 1 };
  lua.lua_settop(L, 2);
  while (fmt.more()) {
    const opt = fmt.next();
    let size = optsize(L, opt, fmt);
    pos += gettoalign(pos, h, opt, size);
    // pos is a size_t in C: a negative start wraps to a huge one.
    if (!(pos >= 0 && pos + size <= ld)) argError(L, 2, 'data string too short');
    checkStackOrError(L, 1, 'too many results');
    const c = String.fromCharCode(opt);
    switch (c) {
      case 'b': case 'B': case 'h': case 'H':
      case 'l': case 'L': case 'T': case 'i': case 'I':
        pushNumber(L, getinteger(data, pos, h.endian, c >= 'a', size));
        break;
      case 'x':
        break;
      case 'f':
      case 'd': {
        for (let i = 0; i < size; i++) scratch.setUint8(i, data[pos + i]!);
        pushNumber(L, opt === 0x66 ? scratch.getFloat32(0, h.endian === LITTLE) : scratch.getFloat64(0, h.endian === LITTLE));
        break;
      }
      case 'c': {
        if (size === 0) {
          if (!lua.lua_isnumber(L, -1)) luaError(L, "format 'c0' needs a previous size");
          const prev = lua.lua_tonumberx(L, -1, null) as number;
          lua.lua_pop(L, 1);
          size = prev < 0 || !Number.isFinite(prev) ? Infinity : Math.trunc(prev);
          if (!(pos + size <= ld)) argError(L, 2, 'data string too short');
        }
        lua.lua_pushlstring(L, data.subarray(pos, pos + size), size);
        break;
      }
      case 's': {
        const e = data.indexOf(0, pos);
        if (e < 0) luaError(L, 'unfinished string in data');
        size = e - pos + 1;
        lua.lua_pushlstring(L, data.subarray(pos, e), e - pos);
        break;
      }
      default:
        controloptions(L, opt, fmt, h);
    }
    pos += size;
  }
  pushNumber(L, pos + 1);
  return lua.lua_gettop(L) - 2;
}

function bSize(L: LuaState): number {
  const fmt = new Format(checkLString(L, 1));
  const h: Header = { endian: LITTLE, align: 1 };
  let pos = 0;
  while (fmt.more()) {
    const opt = fmt.next();
    const size = optsize(L, opt, fmt);
    pos += gettoalign(pos, h, opt, size);
    if (opt === 0x73) argError(L, 1, "option 's' has no fixed size");
    else if (opt === 0x63 && size === 0) argError(L, 1, "option 'c0' has no fixed size");
    const alnum = (opt >= 0x30 && opt <= 0x39) || ((opt | 0x20) >= 0x61 && (opt | 0x20) <= 0x7a);
    if (!alnum) controloptions(L, opt, fmt, h);
    pos += size;
  }
  pushNumber(L, pos);
  return 1;
}

export function pushStructModule(L: LuaState): void {
  lua.lua_newtable(L);
  setFunctions(L, [
    ['pack', bPack],
    ['unpack', bUnpack],
    ['size', bSize],
  ]);
}
