import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startRedis, startNodis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import { parseAof } from './aof-helpers.js';

/**
 * Redis 7 functions through ioredis, against redis-server where the behaviour is shared: FUNCTION
 * KILL and BUSY with two clients, libraries in RDB files both ways, and what FCALL and FUNCTION
 * LOAD write to the AOF.
 */

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-functions-'));
  dirs.push(d);
  return d;
}

/** A reply or the error text, as one comparable value. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return await p;
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

const LIBRARY = `#!lua name=jobs
redis.register_function('push', function(keys, args) return redis.call('rpush', keys[1], unpack(args)) end)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('lrange', keys[1], 0, -1) end, flags={'no-writes'}, description='reads the list'}
redis.register_function{function_name='spin', callback=function() local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}
redis.register_function('write_then_spin', function(keys) redis.call('set', keys[1], 'x') while true do end end)
`;

/** The two-client scenario: a function spins, the other client gets BUSY, FUNCTION KILL ends it. */
async function killScenario(port: number): Promise<unknown[]> {
  // No reconnection: SHUTDOWN NOSAVE ends the server at the end.
  const a = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
  const b = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
  await a.connect();
  await b.connect();
  const out: unknown[] = [];
  try {
    await a.call('CONFIG', 'SET', 'busy-reply-threshold', '200');
    out.push(await outcome(a.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY)));
    out.push(await outcome(a.call('FCALL', 'push', '1', 'l', 'a', 'b')));
    out.push(await outcome(a.call('FCALL_RO', 'peek', '1', 'l')));
    out.push(await outcome(a.call('FCALL_RO', 'push', '1', 'l', 'c')));
    const spinning = outcome(a.call('FCALL', 'spin', '0'));
    await new Promise((r) => setTimeout(r, 500));
    out.push(await outcome(b.call('PING')));
    out.push(await outcome(b.call('GET', 'l')));
    out.push(await outcome(b.call('SCRIPT', 'KILL')));
    const stats = (await b.call('FUNCTION', 'STATS')) as unknown[];
    const running = stats[1] as unknown[];
    out.push([stats[0], running[0], running[1], running[2], running[3], running[4]]);
    out.push(await outcome(b.call('FUNCTION', 'KILL')));
    out.push(await spinning);
    out.push(await outcome(b.call('PING')));
    out.push(await outcome(b.call('FUNCTION', 'KILL')));
    const writing = outcome(a.call('FCALL', 'write_then_spin', '1', 'k'));
    await new Promise((r) => setTimeout(r, 500));
    out.push(await outcome(b.call('FUNCTION', 'KILL')));
    out.push(await outcome(b.call('PING')));
    // A function that wrote cannot be killed: only SHUTDOWN NOSAVE ends it (and the server).
    void writing;
    await outcome(b.call('SHUTDOWN', 'NOSAVE'));
  } finally {
    a.disconnect();
    b.disconnect();
  }
  return out;
}

test('FUNCTION KILL, BUSY and FUNCTION STATS with two clients, as redis-server answers', { skip: !haveRedisServer(), timeout: 30000 }, async () => {
  const redis = await startRedis();
  let expected: unknown[];
  try {
    expected = await killScenario(redis.port);
  } finally {
    await redis.stop();
  }
  const nodis = await startNodis();
  let actual: unknown[];
  try {
    actual = await killScenario(nodis.port);
  } finally {
    await nodis.close().catch(() => {});
  }
  assert.deepEqual(actual, expected);
  assert.equal(expected[4], 'error: BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
});

const SMALL = "#!lua name=small\nredis.register_function('s', function() return 'small' end)";

async function libraries(port: number): Promise<unknown> {
  const c = new Redis({ port, lazyConnect: true });
  await c.connect();
  try {
    const list = (await c.call('FUNCTION', 'LIST', 'WITHCODE')) as unknown[][];
    // Libraries and their functions come in hash-table order: compare them sorted.
    return list
      .map((l) => {
        const fns = (l[5] as unknown[][]).map((f) => JSON.stringify(f)).sort();
        return JSON.stringify([...l.slice(0, 5), fns, ...l.slice(6)]);
      })
      .sort();
  } finally {
    c.disconnect();
  }
}

async function loadAndSave(port: number): Promise<void> {
  const c = new Redis({ port, lazyConnect: true });
  await c.connect();
  try {
    await c.call('FUNCTION', 'LOAD', LIBRARY);
    await c.call('FUNCTION', 'LOAD', SMALL);
    await c.call('SET', 'plain', 'key');
    await c.call('SAVE');
  } finally {
    c.disconnect();
  }
}

test('function libraries are saved in RDB files and loaded back, from and into redis-server', { skip: !haveRedisServer(), timeout: 30000 }, async () => {
  // Nodis -> Nodis and Nodis -> Redis.
  const dir = tempDir();
  const nodis = await startNodis({ dir, dbfilename: 'nodis.rdb' });
  let saved: unknown;
  try {
    await loadAndSave(nodis.port);
    saved = await libraries(nodis.port);
  } finally {
    await nodis.close();
  }
  const again = await startNodis({ dir, dbfilename: 'nodis.rdb' });
  try {
    assert.deepEqual(await libraries(again.port), saved);
    const c = new Redis({ port: again.port });
    assert.equal(await c.call('FCALL', 's', '0'), 'small');
    c.disconnect();
  } finally {
    await again.close();
  }
  let fromRedis: RunningRedis | undefined;
  try {
    fromRedis = await startRedis({ dir, dbfilename: 'nodis.rdb' });
    assert.deepEqual(await libraries(fromRedis.port), saved);
  } finally {
    await fromRedis?.stop();
  }
  // Redis -> Nodis.
  const redis = await startRedis();
  let redisSaved: unknown;
  try {
    await loadAndSave(redis.port);
    redisSaved = await libraries(redis.port);
  } finally {
    await redis.stop();
  }
  const dir2 = tempDir();
  const redis2 = await startRedis({ dir: dir2 });
  try {
    await loadAndSave(redis2.port);
  } finally {
    await redis2.stop();
  }
  const loaded = await startNodis({ dir: dir2 });
  try {
    assert.deepEqual(await libraries(loaded.port), redisSaved);
  } finally {
    await loaded.close();
  }
});

/** The commands of the incremental AOF after a run of function commands (SELECT left out). */
async function aofAfterFunctions(port: number, dir: string): Promise<string[][]> {
  const c = new Redis({ port, lazyConnect: true });
  await c.connect();
  try {
    await c.call('FUNCTION', 'LOAD', SMALL);
    await c.call('FUNCTION', 'LOAD', LIBRARY);
    await c.call('FCALL', 'push', '1', 'list', 'x', 'y');
    await c.call('FCALL_RO', 'peek', '1', 'list');
    await c.call('FUNCTION', 'LOAD', "#!lua name=two\nredis.register_function('two', function(keys) redis.call('set', keys[1], 1) redis.call('incr', keys[1]) end)");
    await c.call('FCALL', 'two', '1', 'counter');
    await c.call('FUNCTION', 'DELETE', 'small');
    await c.call('FUNCTION', 'FLUSH');
  } finally {
    c.disconnect();
  }
  const aofDir = path.join(dir, 'appendonlydir');
  const incr = fs.readdirSync(aofDir).filter((f) => f.endsWith('.incr.aof'));
  assert.equal(incr.length, 1);
  return parseAof(fs.readFileSync(path.join(aofDir, incr[0]!))).filter((cmd) => cmd[0]!.toLowerCase() !== 'select');
}

test('FCALL writes its effects to the AOF, FUNCTION LOAD/DELETE/FLUSH themselves, as redis-server does', { skip: !haveRedisServer(), timeout: 30000 }, async () => {
  const redisDir = tempDir();
  const redis = await startRedis({ dir: redisDir, appendonly: 'yes', appendfsync: 'always' });
  let expected: string[][];
  try {
    expected = await aofAfterFunctions(redis.port, redisDir);
  } finally {
    await redis.stop();
  }
  const dir = tempDir();
  const nodis = await startNodis({ dir, appendonly: 'yes', appendfsync: 'always' });
  let actual: string[][];
  try {
    actual = await aofAfterFunctions(nodis.port, dir);
  } finally {
    await nodis.close();
  }
  assert.deepEqual(actual, expected);
});
