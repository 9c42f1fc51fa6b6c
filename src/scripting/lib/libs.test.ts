import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { openRedisLibraries, type LuaState } from './index.js';
import { SNIPPETS } from './libs-cases.js';

/**
 * The bundled libraries against redis-server 7.0.15, without the scripting engine: each snippet
 * runs in a bare fengari state (with only the libraries opened) and through EVAL on Redis, and
 * a serialisation of its results (or its error) must be the same.
 */

interface Fengari {
  lua: {
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_tolstring(L: LuaState, idx: number): Uint8Array | null;
    lua_settop(L: LuaState, idx: number): void;
  };
  lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadbuffer(L: LuaState, code: Uint8Array, size: number | null, name: Uint8Array): number;
  };
  lualib: { luaL_openlibs(L: LuaState): void };
}

const require = createRequire(import.meta.url);
const fengari = require('fengari') as Fengari;

/** Lua (5.1 and 5.3) that runs a snippet under pcall and prints its results deterministically. */
function wrap(snippet: string): string {
  return `
local function ser(v, d)
  local t = type(v)
  if v == cjson.null then return 'NULL' end
  if t == 'table' then
    if d > 20 then return '...' end
    local keys = {}
    for k in pairs(v) do keys[#keys+1] = k end
    table.sort(keys, function(a, b)
      if type(a) ~= type(b) then return type(a) < type(b) end
      return a < b
    end)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts+1] = ser(k, d+1) .. '=' .. ser(v[k], d+1) end
    return '{' .. table.concat(parts, ',') .. '}'
  elseif t == 'number' then
    if v ~= v then return 'n:nan' end
    return 'n:' .. (string.gsub(struct.pack('>d', v), '.', function(c) return string.format('%02x', string.byte(c)) end))
  elseif t == 'string' then
    return 's:' .. (string.gsub(v, '[^%w%p ]', function(c) return string.format('\\\\x%02x', string.byte(c)) end))
  else return t .. ':' .. tostring(v) end
end
local r = {pcall(function() ${snippet} end)}
local n = 0
for i in pairs(r) do if i > n then n = i end end
local out = {}
for i = 1, n do out[i] = ser(r[i], 0) end
return table.concat(out, ' | ')
`;
}

/** One state for the whole run, as Redis keeps one: library settings persist between snippets. */
function newState(): LuaState {
  const L = fengari.lauxlib.luaL_newstate();
  fengari.lualib.luaL_openlibs(L);
  openRedisLibraries(L);
  return L;
}

function runInFengari(L: LuaState, code: string): string {
  const { lua, lauxlib } = fengari;
  const status = lauxlib.luaL_loadbuffer(L, Buffer.from(code, 'latin1'), null, Buffer.from('@user_script'));
  if (status !== 0) return 'LOAD ERROR ' + Buffer.from(lua.lua_tolstring(L, -1)!).toString('latin1');
  const rc = lua.lua_pcall(L, 0, 1, 0);
  const s = lua.lua_tolstring(L, -1);
  const text = s ? Buffer.from(s).toString('latin1') : 'nil';
  lua.lua_settop(L, 0);
  return rc === 0 ? text : 'ERROR ' + text;
}

/** A throwaway redis-server (this unit test does not load the Nodis server, so no test helpers). */
async function startReference(): Promise<{ port: number; stop(): void }> {
  const port = 17000 + Math.floor(Math.random() * 20000);
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    try {
      await probe.connect();
      probe.disconnect();
      return { port, stop: () => proc.kill('SIGKILL') };
    } catch {
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  proc.kill('SIGKILL');
  throw new Error('redis-server did not start');
}

const haveRedisServer = (process.env['PATH'] ?? '').split(':').some((d) => existsSync(join(d, 'redis-server')));

test('cjson, cmsgpack, bit and struct answer as in redis-server', { skip: !haveRedisServer }, async () => {
  const redis = await startReference();
  const client = new Redis({ port: redis.port, lazyConnect: true });
  await client.connect();
  const failures: string[] = [];
  const L = newState();
  try {
    for (const snippet of SNIPPETS) {
      const code = wrap(snippet);
      const expected = Buffer.from((await client.callBuffer('EVAL', code, '0')) as Buffer).toString('latin1');
      const actual = runInFengari(L, code);
      if (actual !== expected) failures.push(`${snippet}\n  redis: ${expected}\n  nodis: ${actual}`);
    }
  } finally {
    client.disconnect();
    redis.stop();
  }
  assert.equal(failures.length, 0, failures.join('\n'));
});
