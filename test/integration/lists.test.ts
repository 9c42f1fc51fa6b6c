import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis, startRedis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import { NOTIFY } from '../../src/keyspace/notify.js';
import { ListValue } from '../../src/types/list/list-value.js';

const skipRedis = !haveRedisServer();
let server: Server;
let nodis: Redis;
let ref: RunningRedis | undefined;
let redis: Redis | undefined;
/** Nodis's keyspace events since the last reset, as Redis publishes them with KEA: "event key". */
let events: string[] = [];
let modified: string[] = [];

before(async () => {
  server = await startNodis();
  server.notifyHooks.push((type, event, key) => {
    if (type & (NOTIFY.keyMiss | NOTIFY.newKey)) return;
    events.push(`${event} ${key}`);
  });
  server.keyModifiedHooks.push((_db, key) => modified.push(key));
  nodis = new Redis({ port: server.port, lazyConnect: true, enableReadyCheck: false });
  await nodis.connect();
  if (!skipRedis) {
    ref = await startRedis({ 'notify-keyspace-events': 'KEA' });
    redis = new Redis({ port: ref.port, lazyConnect: true, enableReadyCheck: false });
    await redis.connect();
  }
});

after(async () => {
  nodis.disconnect();
  redis?.disconnect();
  await server.close();
  await ref?.stop();
});

beforeEach(async () => {
  await nodis.flushall();
  await redis?.flushall();
  events = [];
  modified = [];
});

type Cmd = (string | number)[];

/** Runs commands in order, returning every reply (errors as their message). */
async function run(client: Redis, cmds: readonly Cmd[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [name, ...args] of cmds) {
    try {
      out.push(await client.call(String(name), ...args.map(String)));
    } catch (e) {
      out.push((e as Error).message);
    }
  }
  return out;
}

/** Waits until the server reports `n` blocked clients. */
async function blockedClients(c: Redis, n: number): Promise<void> {
  for (;;) {
    const m = /blocked_clients:(\d+)/.exec(await c.info('clients'));
    if (Number(m![1]) === n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Runs a scenario in which `waiter` connections block first, each on its command (waiting until
 * the server counts it as blocked), then `cmds` run on the main connection; returns the waiters'
 * replies.
 */
async function withWaiters(port: number, main: Redis, waiting: readonly Cmd[], cmds: readonly Cmd[]): Promise<unknown[]> {
  const clients = waiting.map(() => new Redis({ port, lazyConnect: true, enableReadyCheck: false }));
  try {
    const replies: Promise<unknown>[] = [];
    for (let i = 0; i < waiting.length; i++) {
      const c = clients[i]!;
      await c.connect();
      const [name, ...args] = waiting[i]!;
      replies.push(c.call(String(name), ...args.map(String)).catch((e: Error) => e.message));
      await blockedClients(main, i + 1);
    }
    await run(main, cmds);
    return await Promise.all(replies);
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** The keyevent notifications the real Redis publishes while `body` runs, in order. */
async function redisEvents(body: () => Promise<unknown>): Promise<string[]> {
  const sub = new Redis({ port: ref!.port, lazyConnect: true, enableReadyCheck: false });
  await sub.connect();
  const got: string[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  sub.on('pmessage', (_p: string, channel: string, key: string) => {
    const event = channel.slice(channel.indexOf(':') + 1);
    if (key === 'end-marker') done();
    else got.push(`${event} ${key}`);
  });
  await sub.psubscribe('__keyevent@0__:*');
  await body();
  await redis!.set('end-marker', '1');
  await finished;
  sub.disconnect();
  return got;
}

const EVENT_SCRIPT: readonly Cmd[] = [
  ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
  ['LPUSH', 'l', 'z'],
  ['LPUSHX', 'nokey', 'x'],
  ['RPUSHX', 'l', 'f'],
  ['LPOP', 'l'],
  ['RPOP', 'l', 2],
  ['LPOP', 'l', 0],
  ['LPOP', 'nokey'],
  ['LSET', 'l', 0, 'A'],
  ['LSET', 'l', 99, 'A'],
  ['LINSERT', 'l', 'BEFORE', 'c', 'C'],
  ['LINSERT', 'l', 'BEFORE', 'nope', 'C'],
  ['LREM', 'l', 0, 'C'],
  ['LREM', 'l', 0, 'nope'],
  ['LTRIM', 'l', 0, 100],
  ['LTRIM', 'l', 1, -1],
  ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
  ['RPOPLPUSH', 'l', 'm'],
  ['LMOVE', 'm', 'm', 'LEFT', 'RIGHT'],
  ['LMPOP', 2, 'nokey', 'm', 'RIGHT', 'COUNT', 5],
  ['RPUSH', 'one', 'x'],
  ['LTRIM', 'one', 1, 0],
  ['RPUSH', 'one', 'x'],
  ['LREM', 'one', 1, 'x'],
  ['RPUSH', 'one', 'x'],
  ['BLPOP', 'one', 0],
  ['RPUSH', 'one', 'x', 'y'],
  ['BLMPOP', 0, 1, 'one', 'RIGHT', 'COUNT', 1],
  ['BRPOPLPUSH', 'one', 'two', 0],
  ['SET', 's', 'v'],
  ['LPUSH', 's', 'x'],
  ['LMOVE', 'two', 's', 'LEFT', 'LEFT'],
];

test('keyspace events of the list commands are the ones Redis publishes, in order', { skip: skipRedis }, async () => {
  const want = await redisEvents(() => run(redis!, EVENT_SCRIPT));
  await run(nodis, EVENT_SCRIPT);
  assert.deepEqual(events, want);
  assert.ok(want.includes('linsert l') && want.includes('ltrim one') && want.includes('del one'));
});

test('keyspace events of served blocked clients are the ones Redis publishes, in order', { skip: skipRedis }, async () => {
  const waiting: Cmd[] = [
    ['BLPOP', 'q', 0],
    ['BLMOVE', 'q', 'd', 'RIGHT', 'LEFT', 0],
    ['BLMPOP', 0, 1, 'q', 'LEFT', 'COUNT', 2],
    ['BRPOP', 'd', 0],
  ];
  const cmds: Cmd[] = [['RPUSH', 'q', 1, 2, 3, 4, 5]];
  let redisReplies: unknown[] = [];
  const want = await redisEvents(async () => (redisReplies = await withWaiters(ref!.port, redis!, waiting, cmds)));
  const got = await withWaiters(server.port, nodis, waiting, cmds);
  assert.deepEqual(got, redisReplies);
  assert.deepEqual(events, want);
  assert.ok(want.includes('rpop q') && want.includes('lpush d'));
});

test('keyspace hits and misses, and the dirty counter, move as in Redis (served clients included)', { skip: skipRedis }, async () => {
  const cmds: Cmd[] = [...EVENT_SCRIPT, ['LRANGE', 'nokey', 0, -1], ['LRANGE', 'm', 0, -1], ['LINDEX', 'nokey', 0], ['LLEN', 'm'], ['LPOS', 'nokey', 'a'], ['LPOS', 'm', 'a']];
  const waiting: Cmd[] = [
    ['BLPOP', 'w', 0],
    ['BLMOVE', 'w', 'd', 'LEFT', 'LEFT', 0],
    ['BLMPOP', 0, 2, 'x', 'w', 'LEFT', 'COUNT', 3],
  ];
  await redis!.config('RESETSTAT');
  await nodis.config('RESETSTAT');
  const before = { r: await changes(redis!), n: await changes(nodis) };
  await run(redis!, cmds);
  await run(nodis, cmds);
  const wr = await withWaiters(ref!.port, redis!, waiting, [['RPUSH', 'w', 1, 2, 3, 4, 5, 6]]);
  const wn = await withWaiters(server.port, nodis, waiting, [['RPUSH', 'w', 1, 2, 3, 4, 5, 6]]);
  assert.deepEqual(wn, wr);
  const statsOf = async (c: Redis): Promise<string[]> => (await c.info('stats')).split('\r\n').filter((l) => /^keyspace_(hits|misses):/.test(l));
  assert.deepEqual(await statsOf(nodis), await statsOf(redis!));
  assert.equal((await changes(nodis)) - before.n, (await changes(redis!)) - before.r);
});

async function changes(c: Redis): Promise<number> {
  const m = /rdb_changes_since_last_save:(\d+)/.exec(await c.info('persistence'));
  return Number(m![1]);
}

/** A seeded xorshift generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

test('random list commands give the same replies as Redis', { skip: skipRedis }, async () => {
  const seed = Number(process.env['LIST_SEED'] ?? 20240611);
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const keys = ['k1', 'k2', 'k3'];
  const vals = ['a', 'b', 'c', '', '\x00z', '1', '-7'];
  const cmds: Cmd[] = [];
  for (let i = 0; i < 4000; i++) {
    const k = pick(keys);
    const idx = () => int(-12, 12);
    switch (int(0, 15)) {
      case 0:
      case 1:
        cmds.push(['RPUSH', k, ...Array.from({ length: int(1, 5) }, () => pick(vals))]);
        break;
      case 2:
        cmds.push(['LPUSH', k, ...Array.from({ length: int(1, 5) }, () => pick(vals))]);
        break;
      case 3:
        cmds.push(rand() < 0.5 ? ['LPOP', k] : ['RPOP', k, int(0, 4)]);
        break;
      case 4:
        cmds.push(['LRANGE', k, idx(), idx()]);
        break;
      case 5:
        cmds.push(['LINDEX', k, idx()]);
        break;
      case 6:
        cmds.push(['LSET', k, idx(), pick(vals)]);
        break;
      case 7:
        cmds.push(['LINSERT', k, pick(['BEFORE', 'AFTER']), pick(vals), pick(vals)]);
        break;
      case 8:
        cmds.push(['LREM', k, int(-3, 3), pick(vals)]);
        break;
      case 9:
        cmds.push(['LTRIM', k, idx(), idx()]);
        break;
      case 10:
        cmds.push(['LPOS', k, pick(vals), 'RANK', pick([1, 2, -1, -2]), 'COUNT', int(0, 3), 'MAXLEN', int(0, 8)]);
        break;
      case 11:
        cmds.push(['LMOVE', k, pick(keys), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])]);
        break;
      case 12:
        cmds.push(['LMPOP', 2, k, pick(keys), pick(['LEFT', 'RIGHT']), 'COUNT', int(1, 4)]);
        break;
      case 13:
        cmds.push(['LLEN', k]);
        break;
      case 14:
        cmds.push(['BLPOP', k, pick(keys), 0.01]);
        break;
      default:
        cmds.push(['LRANGE', k, 0, -1]);
    }
  }
  const pipeline = async (c: Redis): Promise<unknown[]> => {
    const p = c.pipeline();
    for (const [name, ...args] of cmds) p.call(String(name), ...args.map((a) => Buffer.from(String(a), 'latin1')));
    const res = await p.exec();
    return res!.map(([err, v]) => (err ? err.message : v));
  };
  const want = await pipeline(redis!);
  const got = await pipeline(nodis);
  for (let i = 0; i < cmds.length; i++) {
    assert.deepEqual(got[i], want[i], `seed ${seed}, command ${i}: ${JSON.stringify(cmds[i])}`);
  }
});

test('a long list: pushes and pops at both ends, indexing and ranges stay right', async () => {
  const n = 100000;
  const model: string[] = [];
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: 1000 }, (_, j) => String(i + j));
    await nodis.rpush('big', ...batch);
    model.push(...batch);
  }
  await nodis.lpush('big', 'h1', 'h2');
  model.unshift('h2', 'h1');
  assert.equal(await nodis.llen('big'), model.length);
  assert.equal(await nodis.lindex('big', 50000), model[50000]);
  assert.equal(await nodis.lindex('big', -1), model[model.length - 1]);
  assert.deepEqual(await nodis.lrange('big', 49990, 50010), model.slice(49990, 50011));
  assert.equal(await nodis.linsert('big', 'BEFORE', '70000', 'mid'), model.length + 1);
  model.splice(model.indexOf('70000'), 0, 'mid');
  assert.equal(await nodis.lpos('big', 'mid'), model.indexOf('mid'));
  assert.deepEqual(await nodis.lpop('big', 30000), model.splice(0, 30000));
  assert.deepEqual(await nodis.rpop('big', 100), model.splice(model.length - 100, 100).reverse());
  await nodis.ltrim('big', 10, -10);
  model.splice(0, 10);
  model.splice(model.length - 9, 9);
  assert.deepEqual(await nodis.lrange('big', 0, -1), model);
  assert.equal(await nodis.lrem('big', 0, 'mid'), 1);
  assert.equal(await nodis.object('ENCODING', 'big'), 'quicklist');
});

test('OBJECT ENCODING answers as Redis 7.0 for small and large lists under any list-max-listpack-size', { skip: skipRedis }, async () => {
  for (const size of ['-2', '-5', '1', '128']) {
    for (const c of [nodis, redis!]) {
      await c.config('SET', 'list-max-listpack-size', size);
      await c.del('small', 'large', 'long-el');
      await c.rpush('small', 'a');
      await c.rpush('large', ...Array.from({ length: 1000 }, (_, i) => String(i)));
      await c.rpush('long-el', 'x'.repeat(70000));
    }
    for (const k of ['small', 'large', 'long-el']) {
      assert.equal(await nodis.object('ENCODING', k), await redis!.object('ENCODING', k), `${k} at ${size}`);
    }
  }
  await nodis.config('SET', 'list-max-listpack-size', '-2');
  await redis!.config('SET', 'list-max-listpack-size', '-2');
});

test('COPY makes an independent list; TYPE says list', async () => {
  await nodis.rpush('src', 'a', 'b');
  assert.equal(await nodis.copy('src', 'dst'), 1);
  await nodis.rpush('dst', 'c');
  await nodis.lset('src', 0, 'A');
  assert.deepEqual(await nodis.lrange('src', 0, -1), ['A', 'b']);
  assert.deepEqual(await nodis.lrange('dst', 0, -1), ['a', 'b', 'c']);
  assert.equal(await nodis.type('dst'), 'list');
  const v = server.dbs[0]!.get('dst');
  assert.ok(v instanceof ListValue);
  assert.deepEqual([...v], ['a', 'b', 'c']);
});

test('writes signal the keys they change (WATCH, tracking and blocked clients hear of them); reads and no-ops do not', async () => {
  await nodis.rpush('l', 'a', 'b', 'c');
  assert.deepEqual(modified, ['l']);
  modified = [];
  await nodis.lrange('l', 0, -1);
  await nodis.lindex('l', 0);
  await nodis.lpos('l', 'a');
  await nodis.linsert('l', 'BEFORE', 'nope', 'x');
  await nodis.lrem('l', 0, 'nope');
  await nodis.lpushx('nokey', 'x');
  await nodis.lpop('l', 0);
  await nodis.lmove('nokey', 'l', 'LEFT', 'LEFT');
  assert.deepEqual(modified, []);
  await nodis.lset('l', 0, 'A');
  await nodis.linsert('l', 'AFTER', 'A', 'x');
  await nodis.lrem('l', 0, 'x');
  await nodis.ltrim('l', 0, -1);
  assert.deepEqual(modified, ['l', 'l', 'l', 'l']);
  modified = [];
  await nodis.lmove('l', 'm', 'LEFT', 'RIGHT');
  assert.ok(modified.includes('l') && modified.includes('m'));
  modified = [];
  await nodis.ltrim('m', 1, 0);
  assert.deepEqual(modified, ['m']);
  assert.equal(await nodis.exists('m'), 0);
});

test('binary elements and keys round-trip through every read path', async () => {
  const bin = Buffer.from([0, 1, 2, 255, 13, 10, 0x80]);
  const key = Buffer.from([0xff, 0, 0x41]);
  await nodis.rpush(key, bin, Buffer.alloc(0), bin);
  assert.deepEqual(await nodis.lrangeBuffer(key, 0, -1), [bin, Buffer.alloc(0), bin]);
  assert.deepEqual(await nodis.lindexBuffer(key, 0), bin);
  assert.equal(await nodis.lpos(key, bin, 'RANK', -1), 2);
  assert.equal(await nodis.lrem(key, 0, bin), 2);
  assert.deepEqual(await nodis.lpopBuffer(key), Buffer.alloc(0));
  assert.equal(await nodis.exists(key), 0);
});

test('INFO commandstats counts a blocking command once, whether served, timed out or still waiting', { skip: skipRedis }, async () => {
  const scenario = async (c: Redis, port: number): Promise<string[]> => {
    await c.config('RESETSTAT');
    await withWaiters(port, c, [['BLPOP', 'cs', 0], ['BLMOVE', 'cs', 'd', 'LEFT', 'LEFT', 0], ['BLMPOP', 0, 1, 'cs', 'LEFT']], [['RPUSH', 'cs', 1, 2], ['SET', 'd', 'str'], ['RPUSH', 'cs', 3]]);
    await withWaiters(port, c, [['BRPOP', 'cs', 0.01]], []);
    const still = new Redis({ port, lazyConnect: true, enableReadyCheck: false });
    await still.connect();
    void still.call('BRPOPLPUSH', 'none', 'x', '0').catch(() => null);
    await blockedClients(c, 1);
    const stats = (await c.info('commandstats'))
      .split('\r\n')
      .filter((l) => /^cmdstat_b/.test(l))
      .map((l) => l.replace(/usec=[^,]*,usec_per_call=[^,]*,/, ''))
      .sort();
    still.disconnect();
    await c.del('cs', 'd');
    // (total_commands_processed is left out: the polling for blocked clients runs INFO a varying number of times.)
    return stats;
  };
  assert.deepEqual(await scenario(nodis, server.port), await scenario(redis!, ref!.port));
});
