import { lua, type LuaState } from './lua-api.js';
import {
  ByteBuilder, argError, bytes, checkInteger, checkStack, checkLString, formatG, latin1, luaError, pushNumber,
  setFunctions, setStringField, strtod, toCInt, typeName,
} from './common.js';

/**
 * lua-cjson 2.1.0 as redis-server 7.0.15 bundles it: Redis's escape table ('/' becomes "\/",
 * DEL becomes \u007f), numbers printed with "%.14g", sparse-array detection, depth limits of 1000,
 * and the same error texts. JSON null is a NULL light userdata (cjson.null).
 */

const enum Tok {
  ObjBegin, ObjEnd, ArrBegin, ArrEnd, String, Number, Boolean, Null, Colon, Comma, End, Whitespace, Error, Unknown,
}

const TOKEN_NAMES = [
  'T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL',
  'T_COLON', 'T_COMMA', 'T_END', 'T_WHITESPACE', 'T_ERROR', 'T_UNKNOWN',
];

const INT_MAX = 2147483647;

const CH2TOKEN: Tok[] = (() => {
  const t: Tok[] = new Array<Tok>(256).fill(Tok.Error);
  const set = (c: string, tok: Tok): void => {
    t[c.charCodeAt(0)] = tok;
  };
  set('{', Tok.ObjBegin);
  set('}', Tok.ObjEnd);
  set('[', Tok.ArrBegin);
  set(']', Tok.ArrEnd);
  set(',', Tok.Comma);
  set(':', Tok.Colon);
  set('\0', Tok.End);
  for (const c of ' \t\n\r') set(c, Tok.Whitespace);
  for (const c of 'fiInNt"+-0123456789') set(c, Tok.Unknown);
  return t;
})();

const ESCAPE2CHAR: number[] = (() => {
  const t = new Array<number>(256).fill(0);
  const pairs: Array<[string, string]> = [['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['t', '\t'], ['n', '\n'], ['f', '\f'], ['r', '\r'], ['u', 'u']];
  for (const [k, v] of pairs) t[k.charCodeAt(0)] = v.charCodeAt(0);
  return t;
})();

/** Redis's char2escape table: control characters, '"', '/', '\\' and DEL. */
const CHAR2ESCAPE: Array<Uint8Array | null> = (() => {
  const t = new Array<Uint8Array | null>(256).fill(null);
  for (let i = 0; i < 32; i++) t[i] = bytes('\\u' + i.toString(16).padStart(4, '0'));
  t[8] = bytes('\\b');
  t[9] = bytes('\\t');
  t[10] = bytes('\\n');
  t[12] = bytes('\\f');
  t[13] = bytes('\\r');
  t[34] = bytes('\\"');
  t[47] = bytes('\\/');
  t[92] = bytes('\\\\');
  t[127] = bytes('\\u007f');
  return t;
})();

interface JsonConfig {
  encodeSparseConvert: number;
  encodeSparseRatio: number;
  encodeSparseSafe: number;
  encodeMaxDepth: number;
  /** 0 refuse, 1 allow, 2 encode as null. */
  encodeInvalidNumbers: number;
  encodeNumberPrecision: number;
  encodeKeepBuffer: number;
  decodeInvalidNumbers: number;
  decodeMaxDepth: number;
}

function defaultConfig(): JsonConfig {
  return {
    encodeSparseConvert: 0, encodeSparseRatio: 2, encodeSparseSafe: 10, encodeMaxDepth: 1000,
    encodeInvalidNumbers: 0, encodeNumberPrecision: 14, encodeKeepBuffer: 1,
    decodeInvalidNumbers: 1, decodeMaxDepth: 1000,
  };
}

// ---------------------------------------------------------------- configuration

/** json_arg_init: at most `args` arguments, padded with nils. */
function argInit(L: LuaState, args: number): void {
  if (lua.lua_gettop(L) > args) argError(L, args + 1, 'found too many arguments');
  while (lua.lua_gettop(L) < args) lua.lua_pushnil(L);
}

function integerOption(L: LuaState, idx: number, get: () => number, set: (v: number) => void, min: number, max: number): number {
  if (!lua.lua_isnil(L, idx)) {
    const value = toCInt(checkInteger(L, idx));
    // lua-cjson names argument 1 whatever the option's position.
    if (!(min <= value && value <= max)) argError(L, 1, `expected integer between ${min} and ${max}`);
    set(value);
  }
  pushNumber(L, get());
  return 1;
}

function enumOption(L: LuaState, idx: number, get: () => number, set: (v: number) => void, options: readonly string[] | null, boolTrue: number): number {
  let opts = options;
  let bt = boolTrue;
  if (!opts) {
    opts = ['off', 'on'];
    bt = 1;
  }
  if (!lua.lua_isnil(L, idx)) {
    if (bt && lua.lua_isboolean(L, idx)) {
      set(lua.lua_toboolean(L, idx) ? bt : 0);
    } else {
      const name = checkLString(L, idx);
      const i = opts.indexOf(latin1(name));
      if (i < 0) argError(L, idx, `invalid option '${latin1(name)}'`);
      set(i);
    }
  }
  const v = get();
  if (bt && (v === 0 || v === bt)) lua.lua_pushboolean(L, v !== 0);
  else lua.lua_pushstring(L, bytes(opts[v]!));
  return 1;
}

// ---------------------------------------------------------------- encoding

function encodeError(L: LuaState, idx: number, reason: string): never {
  return luaError(L, `Cannot serialise ${typeName(L, idx)}: ${reason}`);
}

function appendString(L: LuaState, out: ByteBuilder, idx: number): void {
  const s = lua.lua_tolstring(L, idx)!;
  out.byte(0x22);
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const esc = CHAR2ESCAPE[c];
    if (esc) out.append(esc);
    else out.byte(c);
  }
  out.byte(0x22);
}

/** The array size of the table on top: -1 when it must be an object. */
function arrayLength(L: LuaState, cfg: JsonConfig): number {
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumberx(L, -2, null) as number;
      if (k !== 0 && Math.floor(k) === k && k >= 1) {
        // max is a C int: a key beyond its range converts to INT_MIN (x86), as in Redis.
        if (k > max) max = k < 2147483648 ? k : -2147483648;
        items++;
        lua.lua_pop(L, 1);
        continue;
      }
    }
    lua.lua_pop(L, 2);
    return -1;
  }
  if (cfg.encodeSparseRatio > 0 && max > items * cfg.encodeSparseRatio && max > cfg.encodeSparseSafe) {
    if (!cfg.encodeSparseConvert) encodeError(L, -1, 'excessively sparse array');
    return -1;
  }
  return max;
}

function appendNumber(L: LuaState, cfg: JsonConfig, out: ByteBuilder, idx: number): void {
  const num = lua.lua_tonumberx(L, idx, null) as number;
  const invalid = !Number.isFinite(num);
  if (cfg.encodeInvalidNumbers === 0) {
    if (invalid) encodeError(L, idx, 'must not be NaN or Inf');
  } else if (cfg.encodeInvalidNumbers === 1) {
    if (Number.isNaN(num)) {
      out.ascii('nan');
      return;
    }
  } else if (invalid) {
    out.ascii('null');
    return;
  }
  out.ascii(formatG(num, cfg.encodeNumberPrecision));
}

function appendData(L: LuaState, cfg: JsonConfig, depth: number, out: ByteBuilder): void {
  switch (lua.lua_type(L, -1)) {
    case lua.LUA_TSTRING:
      appendString(L, out, -1);
      return;
    case lua.LUA_TNUMBER:
      appendNumber(L, cfg, out, -1);
      return;
    case lua.LUA_TBOOLEAN:
      out.ascii(lua.lua_toboolean(L, -1) ? 'true' : 'false');
      return;
    case lua.LUA_TTABLE: {
      const d = depth + 1;
      if (!(d <= cfg.encodeMaxDepth && checkStack(L, 3))) {
        luaError(L, `Cannot serialise, excessive nesting (${d})`);
      }
      const len = arrayLength(L, cfg);
      if (len > 0) appendArray(L, cfg, d, out, len);
      else appendObject(L, cfg, d, out);
      return;
    }
    case lua.LUA_TNIL:
      out.ascii('null');
      return;
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, -1) === null) {
        out.ascii('null');
        return;
      }
      encodeError(L, -1, 'type not supported');
      return;
    default:
      encodeError(L, -1, 'type not supported');
  }
}

function appendArray(L: LuaState, cfg: JsonConfig, depth: number, out: ByteBuilder, len: number): void {
  out.byte(0x5b);
  for (let i = 1; i <= len; i++) {
    if (i > 1) out.byte(0x2c);
    lua.lua_rawgeti(L, -1, i);
    appendData(L, cfg, depth, out);
    lua.lua_pop(L, 1);
  }
  out.byte(0x5d);
}

function appendObject(L: LuaState, cfg: JsonConfig, depth: number, out: ByteBuilder): void {
  out.byte(0x7b);
  let comma = false;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (comma) out.byte(0x2c);
    else comma = true;
    const keyType = lua.lua_type(L, -2);
    if (keyType === lua.LUA_TNUMBER) {
      out.byte(0x22);
      appendNumber(L, cfg, out, -2);
      out.ascii('":');
    } else if (keyType === lua.LUA_TSTRING) {
      appendString(L, out, -2);
      out.byte(0x3a);
    } else {
      encodeError(L, -2, 'table key must be a number or string');
    }
    appendData(L, cfg, depth, out);
    lua.lua_pop(L, 1);
  }
  out.byte(0x7d);
}

// ---------------------------------------------------------------- decoding

interface Token {
  type: Tok;
  index: number;
  /** Error text (T_ERROR), decoded bytes (T_STRING), number or boolean. */
  text: string;
  str: Uint8Array;
  num: number;
  bool: boolean;
}

class JsonParser {
  ptr = 0;
  depth = 0;
  readonly tmp = new ByteBuilder();

  constructor(readonly L: LuaState, readonly data: Uint8Array, readonly cfg: JsonConfig) {}

  /** The byte at i, or 0 past the end (the C code reads a NUL-terminated string). */
  at(i: number): number {
    return i < this.data.length ? this.data[i]! : 0;
  }

  setError(token: Token, text: string): void {
    token.type = Tok.Error;
    token.index = this.ptr;
    token.text = text;
  }

  isInvalidNumber(): boolean {
    let p = this.ptr;
    const c = this.at(p);
    if (c === 0x2b) return true;
    if (c === 0x2d) p++;
    const d = this.at(p);
    if (d === 0x30) {
      const ch2 = this.at(p + 1);
      return (ch2 | 0x20) === 0x78 || (ch2 >= 0x30 && ch2 <= 0x39);
    }
    if (d <= 0x39) return false;
    const word = String.fromCharCode(this.at(p) | 0x20, this.at(p + 1) | 0x20, this.at(p + 2) | 0x20);
    return word === 'inf' || word === 'nan';
  }

  numberToken(token: Token): void {
    token.type = Tok.Number;
    // strtod stops at the C string's NUL: parse only up to the first zero byte.
    let limit = this.data.indexOf(0, this.ptr);
    if (limit < 0) limit = this.data.length;
    const { value, end } = strtod(this.data.subarray(0, limit), this.ptr);
    if (end === this.ptr) this.setError(token, 'invalid number');
    else {
      token.num = value;
      this.ptr = end;
    }
  }

  hex4(i: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.at(i + k);
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x61 + 10;
      if (d < 0) return -1;
      v = (v << 4) | d;
    }
    return v;
  }

  unicodeEscape(): boolean {
    let codepoint = this.hex4(this.ptr + 2);
    let escapeLen = 6;
    if (codepoint < 0) return false;
    if ((codepoint & 0xf800) === 0xd800) {
      if (codepoint & 0x400) return false;
      if (this.at(this.ptr + escapeLen) !== 0x5c || this.at(this.ptr + escapeLen + 1) !== 0x75) return false;
      const low = this.hex4(this.ptr + 2 + escapeLen);
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return false;
      codepoint = (((codepoint & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
      escapeLen = 12;
    }
    const t = this.tmp;
    if (codepoint <= 0x7f) t.byte(codepoint);
    else if (codepoint <= 0x7ff) {
      t.byte((codepoint >> 6) | 0xc0);
      t.byte((codepoint & 0x3f) | 0x80);
    } else if (codepoint <= 0xffff) {
      t.byte((codepoint >> 12) | 0xe0);
      t.byte(((codepoint >> 6) & 0x3f) | 0x80);
      t.byte((codepoint & 0x3f) | 0x80);
    } else {
      t.byte((codepoint >> 18) | 0xf0);
      t.byte(((codepoint >> 12) & 0x3f) | 0x80);
      t.byte(((codepoint >> 6) & 0x3f) | 0x80);
      t.byte((codepoint & 0x3f) | 0x80);
    }
    this.ptr += escapeLen;
    return true;
  }

  stringToken(token: Token): void {
    this.ptr++;
    this.tmp.length = 0;
    for (;;) {
      let ch = this.at(this.ptr);
      if (ch === 0x22) break;
      if (ch === 0) return this.setError(token, 'unexpected end of string');
      if (ch === 0x5c) {
        ch = ESCAPE2CHAR[this.at(this.ptr + 1)]!;
        if (ch === 0x75) {
          if (this.unicodeEscape()) continue;
          return this.setError(token, 'invalid unicode escape code');
        }
        if (!ch) return this.setError(token, 'invalid escape code');
        this.ptr++;
      }
      this.tmp.byte(ch);
      this.ptr++;
    }
    this.ptr++;
    token.type = Tok.String;
    token.str = this.tmp.buf.subarray(0, this.tmp.length);
  }

  matchWord(word: string): boolean {
    for (let i = 0; i < word.length; i++) if (this.at(this.ptr + i) !== word.charCodeAt(i)) return false;
    return true;
  }

  next(token: Token): void {
    for (;;) {
      token.type = CH2TOKEN[this.at(this.ptr)]!;
      if (token.type !== Tok.Whitespace) break;
      this.ptr++;
    }
    token.index = this.ptr;
    if (token.type === Tok.Error) return this.setError(token, 'invalid token');
    if (token.type === Tok.End) return;
    if (token.type !== Tok.Unknown) {
      this.ptr++;
      return;
    }
    const ch = this.at(this.ptr);
    if (ch === 0x22) return this.stringToken(token);
    if (ch === 0x2d || (ch >= 0x30 && ch <= 0x39)) {
      if (!this.cfg.decodeInvalidNumbers && this.isInvalidNumber()) return this.setError(token, 'invalid number');
      return this.numberToken(token);
    }
    if (this.matchWord('true')) {
      token.type = Tok.Boolean;
      token.bool = true;
      this.ptr += 4;
      return;
    }
    if (this.matchWord('false')) {
      token.type = Tok.Boolean;
      token.bool = false;
      this.ptr += 5;
      return;
    }
    if (this.matchWord('null')) {
      token.type = Tok.Null;
      this.ptr += 4;
      return;
    }
    if (this.cfg.decodeInvalidNumbers && this.isInvalidNumber()) return this.numberToken(token);
    this.setError(token, 'invalid token');
  }

  throwParseError(expected: string, token: Token): never {
    const found = token.type === Tok.Error ? token.text : TOKEN_NAMES[token.type]!;
    return luaError(this.L, `Expected ${expected} but found ${found} at character ${token.index + 1}`);
  }

  descend(slots: number): void {
    this.depth++;
    if (this.depth <= this.cfg.decodeMaxDepth && checkStack(this.L, slots)) return;
    luaError(this.L, `Found too many nested data structures (${this.depth}) at character ${this.ptr}`);
  }

  parseObject(): void {
    const L = this.L;
    const token = newToken();
    this.descend(3);
    lua.lua_newtable(L);
    this.next(token);
    if (token.type === Tok.ObjEnd) {
      this.depth--;
      return;
    }
    for (;;) {
      if (token.type !== Tok.String) this.throwParseError('object key string', token);
      lua.lua_pushlstring(L, token.str, token.str.length);
      this.next(token);
      if ((token.type as Tok) !== Tok.Colon) this.throwParseError('colon', token);
      this.next(token);
      this.processValue(token);
      lua.lua_rawset(L, -3);
      this.next(token);
      if ((token.type as Tok) === Tok.ObjEnd) {
        this.depth--;
        return;
      }
      if ((token.type as Tok) !== Tok.Comma) this.throwParseError('comma or object end', token);
      this.next(token);
    }
  }

  parseArray(): void {
    const L = this.L;
    const token = newToken();
    this.descend(2);
    lua.lua_newtable(L);
    this.next(token);
    if (token.type === Tok.ArrEnd) {
      this.depth--;
      return;
    }
    for (let i = 1; ; i++) {
      this.processValue(token);
      lua.lua_rawseti(L, -2, i);
      this.next(token);
      if ((token.type as Tok) === Tok.ArrEnd) {
        this.depth--;
        return;
      }
      if ((token.type as Tok) !== Tok.Comma) this.throwParseError('comma or array end', token);
      this.next(token);
    }
  }

  processValue(token: Token): void {
    const L = this.L;
    switch (token.type) {
      case Tok.String:
        lua.lua_pushlstring(L, token.str, token.str.length);
        return;
      case Tok.Number:
        pushNumber(L, token.num);
        return;
      case Tok.Boolean:
        lua.lua_pushboolean(L, token.bool);
        return;
      case Tok.ObjBegin:
        this.parseObject();
        return;
      case Tok.ArrBegin:
        this.parseArray();
        return;
      case Tok.Null:
        lua.lua_pushlightuserdata(L, null);
        return;
      default:
        this.throwParseError('value', token);
    }
  }
}

function newToken(): Token {
  return { type: Tok.End, index: 0, text: '', str: new Uint8Array(0), num: 0, bool: false };
}

// ---------------------------------------------------------------- module

/** Pushes a new cjson module table with its own configuration (luaopen_cjson / cjson.new). */
export function pushCjsonModule(L: LuaState): void {
  const cfg = defaultConfig();

  const encode = (L: LuaState): number => {
    if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument');
    const out = new ByteBuilder();
    appendData(L, cfg, 0, out);
    out.push(L);
    return 1;
  };

  const decode = (L: LuaState): number => {
    if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument');
    const data = checkLString(L, 1);
    if (data.length >= 2 && (data[0] === 0 || data[1] === 0)) luaError(L, 'JSON parser does not support UTF-16 or UTF-32');
    const parser = new JsonParser(L, data, cfg);
    const token = newToken();
    parser.next(token);
    parser.processValue(token);
    parser.next(token);
    if (token.type !== Tok.End) parser.throwParseError('the end', token);
    return 1;
  };

  lua.lua_newtable(L);
  setFunctions(L, [
    ['encode', encode],
    ['decode', decode],
    ['encode_sparse_array', (L) => {
      argInit(L, 3);
      enumOption(L, 1, () => cfg.encodeSparseConvert, (v) => (cfg.encodeSparseConvert = v), null, 1);
      integerOption(L, 2, () => cfg.encodeSparseRatio, (v) => (cfg.encodeSparseRatio = v), 0, INT_MAX);
      integerOption(L, 3, () => cfg.encodeSparseSafe, (v) => (cfg.encodeSparseSafe = v), 0, INT_MAX);
      return 3;
    }],
    ['encode_max_depth', (L) => {
      argInit(L, 1);
      return integerOption(L, 1, () => cfg.encodeMaxDepth, (v) => (cfg.encodeMaxDepth = v), 1, INT_MAX);
    }],
    ['decode_max_depth', (L) => {
      argInit(L, 1);
      return integerOption(L, 1, () => cfg.decodeMaxDepth, (v) => (cfg.decodeMaxDepth = v), 1, INT_MAX);
    }],
    ['encode_number_precision', (L) => {
      argInit(L, 1);
      return integerOption(L, 1, () => cfg.encodeNumberPrecision, (v) => (cfg.encodeNumberPrecision = v), 1, 14);
    }],
    ['encode_keep_buffer', (L) => {
      argInit(L, 1);
      return enumOption(L, 1, () => cfg.encodeKeepBuffer, (v) => (cfg.encodeKeepBuffer = v), null, 1);
    }],
    ['encode_invalid_numbers', (L) => {
      argInit(L, 1);
      return enumOption(L, 1, () => cfg.encodeInvalidNumbers, (v) => (cfg.encodeInvalidNumbers = v), ['off', 'on', 'null'], 1);
    }],
    ['decode_invalid_numbers', (L) => {
      argInit(L, 1);
      return enumOption(L, 1, () => cfg.decodeInvalidNumbers, (v) => (cfg.decodeInvalidNumbers = v), null, 1);
    }],
    ['new', (L) => {
      pushCjsonModule(L);
      return 1;
    }],
  ]);
  lua.lua_pushlightuserdata(L, null);
  lua.lua_setfield(L, -2, bytes('null'));
  setStringField(L, '_NAME', 'cjson');
  setStringField(L, '_VERSION', '2.1.0');
}
