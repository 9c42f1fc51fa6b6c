import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { Module, createRequire } from 'node:module';
import '../protocol/buffer-ext.js';
import type { LauxlibApi, LuaApi, LuaLibOpeners, LuaString } from './fengari.js';

/**
 * fengari (Lua 5.3 in JavaScript), loaded as a private, patched copy so that it behaves like the
 * Lua 5.1 that Redis embeds where scripts can tell. Import the Lua API from here, never from
 * 'fengari' directly: a state made by one copy must only be touched by the functions of the same
 * copy (the unpatched one would create 32-bit integers again).
 *
 * Why patch instead of wrapping: the differences sit inside the VM, where no wrapper reaches.
 * - fengari's integers are 32-bit and wrap (2^31 arithmetic overflows: `tonumber(t[1]) * 1000` on a
 *   TIME reply goes negative). Lua 5.1 has only doubles, so every value that would be an integer is
 *   stored as a float (TValue constructor and setivalue): arithmetic, comparisons, table keys and
 *   integer conversions then follow 5.1.
 * - Numbers print with "%.14g" as in 5.1 (tostring(10/2) is "5", 1e15 is "1e+15"), not with ".0".
 * - Redis's readonly tables (its Lua has lua_enablereadonlytable): writes through the VM, rawset
 *   and setmetatable on a protected table raise "Attempt to modify a readonly table".
 * - string.format's integer conversions truncate a float as 5.1 does ('%d' of 3.7 is "3").
 * - Runtime type errors are worded as in 5.1 ("attempt to call global 'f' (a nil value)").
 * - Strings convert to numbers as strtod does, so "inf" and "nan" are numbers.
 * - Syntax errors quote tokens as 5.1 does ("near '<eof>'").
 * - string.format's %e/%f/%g follow C's printf; string.rep has no separator; 5.3's operators
 *   (//, &, |, ~, <<, >>) are syntax errors.
 * - A fengari bug: hooks stopped for good after an error caught by pcall inside a coroutine.
 * - JS functions report themselves as 5.1 C functions to the debug API (what "C", source "=[C]"),
 *   and error() adds the position to a number message, as 5.1 does.
 * Each patch names the exact text it replaces; a fengari whose source no longer matches fails
 * loudly at start-up instead of running unpatched.
 */

const nodeRequire = createRequire(import.meta.url);
const fengariDir = path.dirname(nodeRequire.resolve('fengari/src/fengari.js'));
/** Resolves fengari's own dependencies (sprintf-js) from its package. */
const fengariRequire = createRequire(path.join(fengariDir, 'fengari.js'));

/** printf's %.<prec>g, as C formats a double (Lua 5.1's tostring uses %.14g, Redis's redis.call %.17g). */
export function formatNumberG(n: number, prec: number): string {
  // A NaN made by arithmetic (0/0) has the sign bit set on x86, where Redis prints "-nan".
  if (n !== n) return '-nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const e = n.toExponential(prec - 1);
  const at = e.indexOf('e');
  const x = parseInt(e.slice(at + 1), 10);
  if (x < -4 || x >= prec) {
    let m = e.slice(0, at);
    if (m.includes('.')) m = m.replace(/\.?0+$/, '');
    const ax = Math.abs(x);
    return m + 'e' + (x < 0 ? '-' : '+') + (ax < 10 ? '0' : '') + ax;
  }
  let f = n.toFixed(prec - 1 - x);
  if (f.includes('.')) f = f.replace(/\.?0+$/, '');
  return f;
}

/**
 * C's printf for one %e/%E/%f/%F/%g/%G conversion with its flags, width and precision
 * (string.format's float conversions; fengari's sprintf-js differs: "1e+20" vs "100000000000000000000").
 */
export function formatCDouble(spec: string, n: number): string {
  const m = /^%([-+ #0]*)(\d*)(?:\.(\d*))?([eEfFgG])$/.exec(spec);
  if (m === null) return String(n);
  const flags = m[1]!;
  const width = m[2] ? parseInt(m[2], 10) : 0;
  const prec = m[3] === undefined ? 6 : m[3] === '' ? 0 : parseInt(m[3], 10);
  const conv = m[4]!;
  const lower = conv.toLowerCase();
  const neg = n < 0 || Object.is(n, -0) || n !== n;
  const a = Math.abs(n);
  const alt = flags.includes('#');
  const expo = (x: number, p: number): string => {
    const e = x.toExponential(p);
    const at = e.indexOf('e');
    const exp = parseInt(e.slice(at + 1), 10);
    let mant = e.slice(0, at);
    if (alt && p === 0) mant += '.';
    return mant + 'e' + (exp < 0 ? '-' : '+') + (Math.abs(exp) < 10 ? '0' : '') + Math.abs(exp);
  };
  const fixed = (x: number, p: number): string => {
    let s = x < 1e21 ? fixedHalfEven(x, p) : BigInt(x).toString() + (p > 0 ? '.' + '0'.repeat(p) : '');
    if (alt && p === 0) s += '.';
    return s;
  };
  let body: string;
  if (a !== a) body = 'nan';
  else if (a === Infinity) body = 'inf';
  else if (lower === 'f') body = fixed(a, prec);
  else if (lower === 'e') body = expo(a, prec);
  else {
    const p = prec === 0 ? 1 : prec;
    const x = a === 0 ? 0 : parseInt(a.toExponential(p - 1).split('e')[1]!, 10);
    body = p > x && x >= -4 ? fixed(a, p - 1 - x) : expo(a, p - 1);
    if (!alt) body = body.replace(/\.?0+(e|$)/, (_m, tail: string) => tail).replace(/^(\d+)\.(e|$)/, '$1$2');
    if (!alt && body.includes('.') && !body.includes('e')) body = body.replace(/\.?0+$/, '');
  }
  if (conv !== lower) body = body.toUpperCase();
  const sign = neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const len = sign.length + body.length;
  if (width <= len) return sign + body;
  if (flags.includes('-')) return sign + body + ' '.repeat(width - len);
  if (flags.includes('0') && a === a && a !== Infinity) return sign + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + body;
}

/**
 * x.toFixed(p), except that an exact tie rounds to even as C's printf does (2.5 -> "2", 0.125 ->
 * "0.12"); toFixed rounds ties up. x is finite, 0 <= x < 1e21.
 */
function fixedHalfEven(x: number, p: number): string {
  const s = x.toFixed(p);
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  let e = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(dv.getUint32(4));
  if (e === 0) e = 1;
  else m |= 1n << 52n;
  const exp = e - 1075;
  if (exp >= 0) return s;
  // x * 10^p * 2 = m * 10^p * 2 / 2^-exp: a tie when that is an odd integer.
  const num = m * 10n ** BigInt(p) * 2n;
  const den = 1n << BigInt(-exp);
  if (num % den !== 0n || ((num / den) & 1n) === 0n) return s;
  let n = (num / den - 1n) / 2n;
  if ((n & 1n) === 1n) n += 1n;
  const digits = n.toString().padStart(p + 1, '0');
  return p === 0 ? digits : digits.slice(0, digits.length - p) + '.' + digits.slice(digits.length - p);
}

interface Patch {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

const READONLY_ERROR = 'ldebug.luaG_runerror(L, to_luastring("Attempt to modify a readonly table", true))';

const PATCHES: readonly Patch[] = [
  { file: 'luaconf.js', from: 'const LUA_COMPAT_FLOATSTRING = conf.LUA_COMPAT_FLOATSTRING || false;', to: 'const LUA_COMPAT_FLOATSTRING = true;' },
  // Runaway recursion fails with "stack overflow" after some 40,000 calls (Redis's 5.1: about 20,000)
  // instead of growing a million-slot JS stack first.
  { file: 'luaconf.js', from: 'const LUAI_MAXSTACK = conf.LUAI_MAXSTACK || 1000000;', to: 'const LUAI_MAXSTACK = 200000;' },
  {
    file: 'luaconf.js',
    from: 'return String(Number(n.toPrecision(14))); /* should match behaviour of LUA_NUMBER_FMT */',
    to: 'return require("nodis:number2str")(n);',
  },
  { file: 'lobject.js', from: '        this.type = type;\n        this.value = value;', to: '        this.type = type === LUA_TNUMINT ? LUA_TNUMFLT : type;\n        this.value = value;' },
  { file: 'lobject.js', from: '    setivalue(x) {\n        this.type = LUA_TNUMINT;', to: '    setivalue(x) {\n        this.type = LUA_TNUMFLT;' },
  {
    file: 'lvm.js',
    from: '            let h = t.value; /* save \'t\' table */\n            let slot = ltable.luaH_get(L, h, key);',
    to: `            let h = t.value; /* save 't' table */\n            if (h.readonly) ${READONLY_ERROR};\n            let slot = ltable.luaH_get(L, h, key);`,
  },
  {
    file: 'lapi.js',
    from: '    let k = L.stack[L.top - 2];\n    let v = L.stack[L.top - 1];\n    ltable.luaH_setfrom(L, o.value, k, v);',
    to: `    if (o.value.readonly) ${READONLY_ERROR};\n    let k = L.stack[L.top - 2];\n    let v = L.stack[L.top - 1];\n    ltable.luaH_setfrom(L, o.value, k, v);`,
  },
  {
    file: 'lapi.js',
    from: '    ltable.luaH_setint(o.value, n, L.stack[L.top - 1]);',
    to: `    if (o.value.readonly) ${READONLY_ERROR};\n    ltable.luaH_setint(o.value, n, L.stack[L.top - 1]);`,
  },
  {
    file: 'lapi.js',
    from: '        case LUA_TTABLE: {\n            obj.value.metatable = mt;',
    to: `        case LUA_TTABLE: {\n            if (obj.value.readonly) ${READONLY_ERROR};\n            obj.value.metatable = mt;`,
  },
  {
    file: 'lapi.js',
    from: 'module.exports.lua_rawset ',
    to: `module.exports.lua_enablereadonlytable = function(L, idx, enabled) { index2addr(L, idx).value.readonly = !!enabled; };
module.exports.lua_isreadonlytable = function(L, idx) { return index2addr(L, idx).value.readonly === true; };
module.exports.lua_rawset `,
  },
  {
    file: 'lua.js',
    from: 'module.exports.lua_yield ',
    to: 'module.exports.lua_enablereadonlytable = lapi.lua_enablereadonlytable;\nmodule.exports.lua_isreadonlytable = lapi.lua_isreadonlytable;\nmodule.exports.lua_yield ',
  },
  // fengari's setoah() only ever clears CIST_OAH, so after an error caught by a yieldable pcall
  // in a coroutine, recover() turned hooks off for good (no more BUSY or SCRIPT KILL).
  {
    file: 'lapi.js',
    from: 'ci.callstatus &= ~lstate.CIST_OAH | L.allowhook;',
    to: 'ci.callstatus = (ci.callstatus & ~lstate.CIST_OAH) | (L.allowhook ? lstate.CIST_OAH : 0);',
  },
  // 5.1 quotes every token in syntax errors ("near '<eof>'"); 5.3 leaves <eof>, <name>, ... bare.
  { file: 'llex.js', from: 'if (token < TK_EOS)  /* fixed format', to: 'if (token >= FIRST_RESERVED)  /* 5.1: always quoted' },
  // 5.1's wording: "attempt to index local 'x' (a nil value)", not 5.3's "attempt to index a nil value (local 'x')".
  {
    file: 'ldebug.js',
    from: '    luaG_runerror(L, to_luastring("attempt to %s a %s value%s", true), op, t, varinfo(L, o));',
    to: `    let ci = L.ci, kind = null;
    if (ci.callstatus & lstate.CIST_LUA) {
        kind = getupvalname(L, ci, o);
        let stkid = isinstack(L, ci, o);
        if (!kind && stkid) kind = getobjname(ci.func.value.p, currentpc(ci), stkid - ci.l_base);
    }
    if (kind) luaG_runerror(L, to_luastring("attempt to %s %s '%s' (a %s value)", true), op, kind.funcname, kind.name, t);
    luaG_runerror(L, to_luastring("attempt to %s a %s value", true), op, t);`,
  },
  // 5.1 parses "a b" as an assignment missing its '=' ("'=' expected near 'b'"), 5.3 says "syntax error".
  {
    file: 'lparser.js',
    from: '        check_condition(ls, v.v.k === expkind.VCALL, to_luastring("syntax error", true));',
    to: '        if (v.v.k !== expkind.VCALL) error_expected(ls, 61 /* = */);',
  },
  // 5.1 converts with strtod, which reads "inf", "infinity" and "nan" (tonumber('inf'), 'inf' + 1).
  {
    file: 'lobject.js',
    from: "    if (mode === 'n')  /* reject 'inf' and 'nan' */\n        return null;",
    to: "    if (mode === 'n') {\n        let m = /^[ \\f\\n\\r\\t\\v]*([-+]?)(inf(inity)?|nan)[ \\f\\n\\r\\t\\v]*$/i.exec(to_jsstring(s));\n        if (m === null) return null;\n        let v = m[2].toLowerCase() === 'nan' ? NaN : Infinity;\n        return { n: m[1] === '-' ? -v : v, i: s.length };\n    }",
  },
  // JS functions are what Lua 5.1 calls C functions: Redis's error handler looks for what == "C".
  { file: 'ldebug.js', from: 'ar.source = to_luastring("=[JS]", true);', to: 'ar.source = to_luastring("=[C]", true);' },
  { file: 'ldebug.js', from: 'ar.what = to_luastring("J", true);', to: 'ar.what = to_luastring("C", true);' },
  // 5.1's error() adds the position to a number message too ("user_script:1: 12").
  { file: 'lbaselib.js', from: 'if (lua_type(L, 1) === LUA_TSTRING && level > 0) {', to: 'if (lua_isstring(L, 1) && level > 0) {' },
  // Hex numerals: 5.1 reads them with strtoul (0x100000000 is 4294967296), fengari wrapped them at 32 bits.
  { file: 'lobject.js', from: '            a = (a * 16 + luaO_hexavalue(s[i]))|0;', to: '            a = a * 16 + luaO_hexavalue(s[i]);' },
  { file: 'lobject.js', from: '            n: (neg ? -a : a)|0,', to: '            n: Math.abs(a) > 2147483647 ? (neg ? -a : a) : (neg ? -a : a)|0,' },
  {
    file: 'lstrlib.js',
    from: "                case 'g': case 'G': {\n                    let n = luaL_checknumber(L, arg);\n                    addlenmod(form, to_luastring(LUA_INTEGER_FRMLEN, true));\n                    luaL_addstring(b, to_luastring(sprintf(String.fromCharCode(...form), n)));",
    to: "                case 'g': case 'G': {\n                    let n = luaL_checknumber(L, arg);\n                    luaL_addstring(b, to_luastring(require('nodis:cformat')(String.fromCharCode(...form), n)));",
  },
  // 5.1's string.rep has no separator argument.
  { file: 'lstrlib.js', from: 'let sep = luaL_optstring(L, 3, "");', to: 'let sep = new Uint8Array(0);' },
  // 5.3's operators (//, &, |, ~, <<, >>) are syntax errors in 5.1: the lexer and parser stop knowing them.
  { file: 'llex.js', from: 'if (check_next1(ls, 47 /* (\'/\').charCodeAt(0) */)) return TK_IDIV;', to: 'if (false) return TK_IDIV;' },
  { file: 'llex.js', from: 'else if (check_next1(ls, 60 /* (\'<\').charCodeAt(0) */)) return TK_SHL;', to: '' },
  { file: 'llex.js', from: 'else if (check_next1(ls, 62 /* (\'>\').charCodeAt(0) */)) return TK_SHR;', to: '' },
  { file: 'lparser.js', from: "case 126 /* ('~').charCodeAt(0) */: return OPR_BNOT;", to: '' },
  { file: 'lparser.js', from: "case R.TK_IDIV:   return OPR_IDIV;\n        case 38 /* ('&').charCodeAt(0) */: return OPR_BAND;\n        case 124 /* ('|').charCodeAt(0) */: return OPR_BOR;\n        case 126 /* ('~').charCodeAt(0) */: return OPR_BXOR;\n        case R.TK_SHL:    return OPR_SHL;\n        case R.TK_SHR:    return OPR_SHR;", to: '' },
  {
    file: 'lstrlib.js',
    from: "                case 'd': case 'i':\n                case 'o': case 'u': case 'x': case 'X': {\n                    let n = luaL_checkinteger(L, arg);",
    to: "                case 'd': case 'i':\n                case 'o': case 'u': case 'x': case 'X': {\n                    let n = Math.trunc(luaL_checknumber(L, arg));",
  },
];

interface LoadedModule {
  exports: Record<string, unknown>;
}

/** A CommonJS registry of its own for the patched fengari sources. */
function loadPatchedFengari(): Map<string, LoadedModule> {
  const cache = new Map<string, LoadedModule>();
  const virtual: Record<string, unknown> = {
    'nodis:number2str': (n: number) => formatNumberG(n, 14),
    'nodis:cformat': formatCDouble,
  };
  const load = (file: string): Record<string, unknown> => {
    const hit = cache.get(file);
    if (hit) return hit.exports;
    const full = path.join(fengariDir, file);
    let src = fs.readFileSync(full, 'utf8');
    for (const p of PATCHES) {
      if (p.file !== file) continue;
      const at = src.indexOf(p.from);
      if (at < 0) throw new Error(`fengari patch does not apply to ${file}: ${p.from.slice(0, 60)}`);
      src = src.slice(0, at) + p.to + src.slice(at + p.from.length);
    }
    const mod: LoadedModule = { exports: {} };
    cache.set(file, mod);
    const require = (spec: string): unknown => {
      if (spec in virtual) return virtual[spec];
      if (spec.startsWith('./')) return load(spec.slice(2));
      return fengariRequire(spec);
    };
    const fn = vm.compileFunction(src, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: full });
    fn(mod.exports, require, mod, full, fengariDir);
    return mod.exports;
  };
  // Through fengari.js, so its modules load in the order their require cycles expect.
  for (const f of ['fengari.js', 'lbaselib.js', 'ltablib.js', 'lstrlib.js', 'lmathlib.js', 'ldblib.js', 'lcorolib.js']) load(f);
  return cache;
}

const modules = loadPatchedFengari();
// Code that require()s 'fengari' itself (after this module ran) gets this patched copy too: the
// loaded files take their places in Node's module cache. One loaded earlier would be a second,
// unpatched VM whose integers wrap at 32 bits, so that is refused outright.
for (const [file, mod] of modules) {
  const full = path.join(fengariDir, file);
  if (nodeRequire.cache[full] !== undefined) throw new Error(`fengari/src/${file} was loaded before src/scripting/lua.ts: import the Lua API from src/scripting/lua.ts`);
  const m = new Module(full);
  m.filename = full;
  m.exports = mod.exports;
  m.loaded = true;
  nodeRequire.cache[full] = m;
}
const exportsOf = (file: string): Record<string, unknown> => modules.get(file)!.exports;

export const lua = exportsOf('lua.js') as unknown as LuaApi;
export const lauxlib = exportsOf('lauxlib.js') as unknown as LauxlibApi;
export const lualibs: LuaLibOpeners = {
  luaopen_base: exportsOf('lbaselib.js').luaopen_base as LuaLibOpeners['luaopen_base'],
  luaopen_table: exportsOf('ltablib.js').luaopen_table as LuaLibOpeners['luaopen_table'],
  luaopen_string: exportsOf('lstrlib.js').luaopen_string as LuaLibOpeners['luaopen_string'],
  luaopen_math: exportsOf('lmathlib.js').luaopen_math as LuaLibOpeners['luaopen_math'],
  luaopen_debug: exportsOf('ldblib.js').luaopen_debug as LuaLibOpeners['luaopen_debug'],
  luaopen_coroutine: exportsOf('lcorolib.js').luaopen_coroutine as LuaLibOpeners['luaopen_coroutine'],
};

/** A binary (latin1) JS string as Lua bytes. */
export function toLuaString(s: string): LuaString {
  const n = s.length;
  const u = new Uint8Array(n);
  if (n < 64) {
    for (let i = 0; i < n; i++) u[i] = s.charCodeAt(i);
  } else {
    Buffer.from(u.buffer, u.byteOffset, n).latin1Write(s, 0, n);
  }
  return u;
}

/** Lua bytes as a binary (latin1) JS string. */
export function fromLuaString(u: LuaString): string {
  const n = u.length;
  if (n < 64) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(u[i]!);
    return s;
  }
  return Buffer.from(u.buffer, u.byteOffset, n).latin1Slice(0, n);
}

/** Pushes a binary string. */
export function pushString(L: Parameters<LuaApi['lua_pushstring']>[0], s: string): void {
  lua.lua_pushstring(L, toLuaString(s));
}

/** The string (or number, converted as Lua does) at idx as a binary string, or null. */
export function toStringAt(L: Parameters<LuaApi['lua_tolstring']>[0], idx: number): string | null {
  const u = lua.lua_tolstring(L, idx);
  return u === null ? null : fromLuaString(u);
}
