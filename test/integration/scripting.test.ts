import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useNodisAndRedis, run, type Cmd } from '../helpers/compare.js';
import type { PropagatedOp } from '../../src/server/propagate.js';

// Scripts through a real client (ioredis) on Nodis and redis-server: the sandbox, scripts written
// for Lua 5.1 running unchanged, and the effects a script propagates (Nodis only).

const env = useNodisAndRedis();

/** Runs the commands on both servers and checks Nodis answers what Redis answers. */
async function same(cmds: readonly Cmd[]): Promise<unknown[]> {
  const got = await run(env.nodis, cmds);
  if (env.redis) assert.deepEqual(got, await run(env.redis, cmds));
  return got;
}

const eval0 = (script: string): Cmd => ['EVAL', script, 0];

test('sandbox: every forbidden library and global is absent, as in Redis 7.0', async () => {
  const forbidden = ['os', 'io', 'require', 'loadfile', 'dofile', 'print', 'debug', 'package', 'module', 'getfenv', 'setfenv', 'newproxy', 'rawlen', 'utf8', 'jit', 'bit32'];
  for (const name of forbidden) {
    const [reply] = await same([eval0(`return ${name}`)]);
    assert.match(String(reply), new RegExp(`Script attempted to access nonexistent global variable '${name}'`), name);
  }
  const [os] = await same([eval0("return os.execute('true')")]);
  assert.match(String(os), /nonexistent global variable 'os'/);
});

test('sandbox: global writes are refused and protected tables stay read-only', async () => {
  const attempts = ['x = 1', '_G.x = 1', "rawset(_G, 'x', 1)", 'setmetatable(_G, nil)', 'function g() end', 'redis.call = nil', "string.len = function() return 0 end", "table.insert(math, 1)", "cjson.decode = nil", "getmetatable('').__index = nil", "rawset(redis, 'x', 1)"];
  for (const a of attempts) {
    const [reply] = await same([eval0(a)]);
    assert.match(String(reply), /Attempt to modify a readonly table/, a);
  }
  // Nothing leaked into later runs.
  assert.deepEqual(await same([eval0('return type(rawget(_G, "x"))'), eval0('return type(redis.call)')]), ['nil', 'function']);
});

test('sandbox: the loaded libraries and redis.* API are there', async () => {
  const got = await same([
    eval0("return {type(string.format), type(table.concat), type(math.floor), type(cjson.encode), type(cmsgpack.pack), type(bit.band), type(struct.pack), type(redis.sha1hex), type(loadstring), type(unpack)}"),
    eval0('return redis.REDIS_VERSION'),
    eval0('return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING, redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_ALL}'),
    eval0('return redis.replicate_commands()'),
    eval0('return redis.breakpoint()'),
    eval0('return redis.debug("x")'),
    eval0("redis.log(redis.LOG_DEBUG, 'from a script') return 1"),
    eval0("return redis.sha1hex('abc')"),
  ]);
  assert.equal(got[7], 'a9993e364706816aba3e25717850c26c9cd0d89d');
});

test('common 5.1 scripts run unchanged: lock release, rate limiters, unpack, string.format, number conversions', async () => {
  const release = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
  const fixedWindow =
    "local current = redis.call('incr', KEYS[1]) if tonumber(current) == 1 then redis.call('expire', KEYS[1], ARGV[2]) end if current > tonumber(ARGV[1]) then return 0 end return 1";
  const slidingWindow =
    "local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) " +
    "redis.call('zremrangebyscore', key, 0, now - window) " +
    "local count = redis.call('zcard', key) " +
    "if count < limit then redis.call('zadd', key, now, now .. '-' .. count) redis.call('pexpire', key, window) return {1, limit - count - 1} end " +
    "return {0, 0}";
  const tokenBucket =
    "local rate, capacity, now, requested = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]) " +
    "local last = tonumber(redis.call('hget', KEYS[1], 'tokens')) or capacity " +
    "local ts = tonumber(redis.call('hget', KEYS[1], 'ts')) or now " +
    "local filled = math.min(capacity, last + (math.max(0, now - ts) / 1000) * rate) " +
    "local allowed = filled >= requested " +
    "if allowed then filled = filled - requested end " +
    "redis.call('hset', KEYS[1], 'tokens', filled, 'ts', now) " +
    "return {allowed and 1 or 0, tostring(filled), string.format('%.2f', filled)}";
  const cmds: Cmd[] = [
    ['SET', 'lock', 'owner-1'],
    ['EVAL', release, 1, 'lock', 'owner-2'],
    ['EVAL', release, 1, 'lock', 'owner-1'],
    ['EXISTS', 'lock'],
    ...Array.from({ length: 4 }, (): Cmd => ['EVAL', fixedWindow, 1, 'rl', 3, 60]),
    ['TTL', 'rl'],
    ...Array.from({ length: 4 }, (_, i): Cmd => ['EVAL', slidingWindow, 1, 'sw', 1700000000000 + i * 10, 1000, 3]),
    ['EVAL', tokenBucket, 1, 'tb', 2, 10, 1700000000000, 4],
    ['EVAL', tokenBucket, 1, 'tb', 2, 10, 1700000000500, 4],
    ['EVAL', tokenBucket, 1, 'tb', 2, 10, 1700000000750, 4],
    ['HGETALL', 'tb'],
    ['RPUSH', 'list', 'a', 'b', 'c'],
    ['EVAL', "return redis.call('rpush', KEYS[1], unpack(ARGV))", 1, 'list', 'd', 'e'],
    ['EVAL', "local args = redis.call('lrange', KEYS[1], 0, -1) return redis.call('sadd', KEYS[2], unpack(args))", 2, 'list', 'set'],
    ['EVAL', "return string.format('%s has %d items (%.1f%%)', KEYS[1], redis.call('llen', KEYS[1]), 100 * 5 / 6)", 1, 'list'],
    ['EVAL', "local n = tonumber(ARGV[1]) return {tostring(n), tostring(n * 2), tostring(n / 2), n .. '', type(n)}", 0, '10'],
    ['EVAL', "local t = redis.call('time') return tostring(tonumber(t[1]) * 1000 > 1600000000000)", 0],
    ['EVAL', "return tostring(tonumber('1700000000123') + 1)", 0],
    ['EVAL', "local v = redis.call('incrby', KEYS[1], 5000000000) return {v, tostring(v), v * 2}", 1, 'big'],
    ['EVAL', "return cjson.encode({a = 1, b = {1, 2, 3}})", 0],
    ['EVAL', "return cjson.decode('[1,2,3]')[2]", 0],
  ];
  await same(cmds);
});

test('propagation: a script is one unit, its writes wrapped in MULTI/EXEC; the EVAL itself is never propagated', async () => {
  const units: (readonly PropagatedOp[])[] = [];
  const listener = (ops: readonly PropagatedOp[]): void => {
    units.push(ops);
  };
  const server = env.server;
  server.propagation.listeners.push(listener);
  const argvs = (ops: readonly PropagatedOp[]): string[] => ops.map((o) => `${o.db}:${o.argv.join(' ')}`);
  try {
    const c = env.nodis;
    await c.eval("return redis.call('get', 'nothing')", 0);
    assert.deepEqual(units, [], 'a read-only script propagates nothing');
    await c.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, 'k', 'v');
    assert.deepEqual(units.map(argvs), [['0:set k v']], 'one write: no MULTI');
    units.length = 0;
    await c.eval("redis.call('set', 'a', '1') redis.call('incr', 'a') redis.call('select', '2') redis.call('lpush', 'l', 'x') return 1", 0);
    assert.deepEqual(units.map(argvs), [['0:MULTI', '0:set a 1', '0:incr a', '2:lpush l x', '-1:EXEC']]);
    units.length = 0;
    await c.eval("redis.call('set', 'ex', '1', 'EX', '100') redis.call('get', 'ex') return 1", 0);
    assert.equal(units.length, 1);
    assert.match(argvs(units[0]!)[0]!, /^0:set ex 1 PXAT \d+$/i, 'rewritten as the command itself would be');
    units.length = 0;
    await c.eval("redis.set_repl(redis.REPL_NONE) redis.call('set', 'hidden', '1') redis.set_repl(redis.REPL_ALL) redis.call('set', 'shown', '1') return 1", 0);
    assert.deepEqual(units.map(argvs), [['0:set shown 1']], 'REPL_NONE writes are not propagated');
    units.length = 0;
    await c.eval("redis.call('set', 'w', '1') return redis.call('lpush', 'w', 'x')", 0).catch(() => undefined);
    assert.deepEqual(units.map(argvs), [['0:set w 1']], 'a script failing half-way propagates what it did');
    units.length = 0;
    const sha = (await c.script('LOAD', "return redis.call('incr', KEYS[1])")) as string;
    await c.evalsha(sha, 1, 'cnt');
    assert.deepEqual(units.map(argvs), [['0:incr cnt']], 'EVALSHA propagates the effects, not the sha');
  } finally {
    server.propagation.listeners.splice(server.propagation.listeners.indexOf(listener), 1);
  }
});

test('propagation: a script that outlives busy-reply-threshold is still one unit', async () => {
  const units: (readonly PropagatedOp[])[] = [];
  const listener = (ops: readonly PropagatedOp[]): void => {
    units.push(ops);
  };
  const server = env.server;
  await env.nodis.config('SET', 'busy-reply-threshold', '50');
  server.propagation.listeners.push(listener);
  try {
    const script =
      "redis.call('set', 'first', '1') local t0 = redis.call('time') repeat local t = redis.call('time') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 200000 redis.call('set', 'last', '1') return 1";
    assert.equal(await env.nodis.eval(script, 0), 1);
    assert.deepEqual(
      units.map((ops) => ops.map((o) => o.argv.join(' '))),
      [['MULTI', 'set first 1', 'set last 1', 'EXEC']],
    );
  } finally {
    server.propagation.listeners.splice(server.propagation.listeners.indexOf(listener), 1);
    await env.nodis.config('SET', 'busy-reply-threshold', '5000');
  }
});
