import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis, startRedis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import { NOTIFY } from '../../src/keyspace/notify.js';

const skipRedis = !haveRedisServer();
let server: Server;
let nodis: Redis;
let ref: RunningRedis | undefined;
let redis: Redis | undefined;
/** Nodis's keyspace events since the last reset, as Redis publishes them: "event key". */
let events: string[] = [];
let modified: string[] = [];

before(async () => {
  server = await startNodis();
  // Redis publishes with notify-keyspace-events KEA: every class except keymiss and "new".
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

/** The keyevent notifications the real Redis publishes for `cmds`, in order. */
async function redisEvents(cmds: readonly Cmd[]): Promise<string[]> {
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
  await run(redis!, cmds);
  await redis!.set('end-marker', '1');
  await finished;
  sub.disconnect();
  return got;
}

const EVENT_SCRIPT: readonly Cmd[] = [
  ['SADD', 's', 1, 2, 3],
  ['SADD', 's', 1],
  ['SADD', 's', 'x'],
  ['SREM', 's', 'nope'],
  ['SREM', 's', 1, 'nope'],
  ['SREM', 's', 2, 3, 'x'],
  ['SADD', 'a', 1, 2],
  ['SADD', 'b', 2],
  ['SMOVE', 'a', 'b', 2],
  ['SMOVE', 'a', 'b', 9],
  ['SMOVE', 'a', 'b', 1],
  ['SMOVE', 'b', 'c', 1],
  ['SMOVE', 'b', 'b', 2],
  ['SADD', 'p', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  ['SPOP', 'p'],
  ['SPOP', 'p', 0],
  ['SPOP', 'p', 2],
  ['SPOP', 'p', 6],
  ['SPOP', 'p', 5],
  ['SPOP', 'p'],
  ['SADD', 'q', 'only'],
  ['SPOP', 'q'],
  ['SADD', 'i1', 1, 2, 3],
  ['SADD', 'i2', 2, 3, 4],
  ['SINTERSTORE', 'd', 'i1', 'i2'],
  ['SINTERSTORE', 'd', 'i1', 'missing'],
  ['SINTERSTORE', 'd', 'i1', 'missing'],
  ['SUNIONSTORE', 'd', 'i1', 'i2'],
  ['SDIFFSTORE', 'd', 'i1', 'i2'],
  ['SDIFFSTORE', 'd', 'i1', 'i1'],
  ['SUNIONSTORE', 'd', 'missing'],
  ['SET', 'str', 'v'],
  ['SADD', 'str', 1],
  ['SINTERSTORE', 'str', 'i1', 'i2'],
  ['SDIFFSTORE', 'str', 'i1', 'i2'],
  ['SMOVE', 'i1', 'str', 1],
  ['SPOP', 'nokey', 3],
  ['SRANDMEMBER', 'i1', 2],
  ['SMEMBERS', 'i1'],
];

test('keyspace events are the ones Redis publishes, in order', { skip: skipRedis }, async () => {
  const want = await redisEvents(EVENT_SCRIPT);
  await run(nodis, EVENT_SCRIPT);
  assert.deepEqual(events, want);
  assert.ok(want.includes('srem a') && want.includes('sinterstore d') && want.includes('del p'));
});

test('keyspace hits and misses, and the dirty counter, move as in Redis', { skip: skipRedis }, async () => {
  const cmds: Cmd[] = [
    ...EVENT_SCRIPT,
    ['SINTER', 'i2', 'missing', 'i2'],
    ['SUNION', 'missing', 'i2'],
    ['SDIFF', 'i2', 'missing'],
    ['SINTERCARD', 2, 'i2', 'missing'],
    ['SISMEMBER', 'i2', 2],
    ['SMISMEMBER', 'missing', 2],
    ['SCARD', 'missing'],
    ['SSCAN', 'i2', 0],
    ['SSCAN', 'missing', 0],
    ['SADD', 'all', 1, 2, 3],
    ['SPOP', 'all', 10],
    ['SADD', 'all', 1, 2, 3],
    ['SRANDMEMBER', 'all', 10],
    ['SRANDMEMBER', 'all', -2],
    ['SRANDMEMBER', 'missing'],
  ];
  await redis!.config('RESETSTAT');
  await nodis.config('RESETSTAT');
  const before = { r: await changes(redis!), n: await changes(nodis) };
  await run(redis!, cmds);
  await run(nodis, cmds);
  const statsOf = async (c: Redis): Promise<string[]> => (await c.info('stats')).split('\r\n').filter((l) => /^keyspace_(hits|misses):/.test(l));
  assert.deepEqual(await statsOf(nodis), await statsOf(redis!));
  assert.equal((await changes(nodis)) - before.n, (await changes(redis!)) - before.r);
});

async function changes(c: Redis): Promise<number> {
  const m = /rdb_changes_since_last_save:(\d+)/.exec(await c.info('persistence'));
  return Number(m![1]);
}

test('writes signal the keys they modify (WATCH, tracking and blocked clients hear of them)', async () => {
  await nodis.sadd('s', 1, 2);
  assert.deepEqual(modified, ['s', 's']);
  modified = [];
  await nodis.sadd('s', 1);
  await nodis.srem('s', 9);
  await nodis.smove('s', 'd', 9);
  await nodis.spop('s', 0);
  assert.deepEqual(modified, [], 'no change, no signal');
  await nodis.srem('s', 1);
  assert.deepEqual(modified, ['s']);
  modified = [];
  await nodis.smove('s', 'd', 2);
  assert.ok(modified.includes('s') && modified.includes('d'));
  modified = [];
  await nodis.sadd('p', 1, 2, 3, 4, 5, 6);
  modified = [];
  await nodis.spop('p');
  await nodis.spop('p', 1);
  await nodis.spop('p', 3);
  assert.deepEqual(modified, ['p', 'p', 'p']);
  modified = [];
  await nodis.sinterstore('x', 'p', 'p');
  await nodis.sunionstore('y', 'p');
  await nodis.sdiffstore('y', 'missing');
  assert.deepEqual(modified, ['x', 'y', 'y']);
});

test('SPOP with a count: popped and left members split the set, whatever the strategy and encoding', async () => {
  for (const [members, counts] of [
    [Array.from({ length: 300 }, (_, i) => String(i)), [1, 10, 50, 51, 200, 299]],
    [Array.from({ length: 300 }, (_, i) => 'm' + i), [1, 10, 50, 51, 200, 299]],
    [Array.from({ length: 1000 }, (_, i) => String(i * 3)), [5, 990]],
  ] as const) {
    for (const n of counts) {
      await nodis.del('s');
      await nodis.sadd('s', ...members);
      const popped = (await nodis.spop('s', n)) as string[];
      const left = await nodis.smembers('s');
      assert.equal(popped.length, n);
      assert.equal(new Set(popped).size, n, 'no member popped twice');
      assert.equal(left.length, members.length - n);
      assert.deepEqual(new Set([...popped, ...left]), new Set(members));
      assert.equal(await nodis.scard('s'), members.length - n);
    }
  }
});

test('SRANDMEMBER: distinct members for a positive count, repeats allowed for a negative one', async () => {
  const ints = Array.from({ length: 100 }, (_, i) => String(i - 50));
  const strs = ints.map((m) => 'k' + m);
  for (const members of [ints, strs]) {
    await nodis.del('s');
    await nodis.sadd('s', ...members);
    const all = new Set(members);
    for (const n of [1, 2, 30, 34, 99, 100, 150]) {
      const got = (await nodis.srandmember('s', n)) as string[];
      assert.equal(got.length, Math.min(n, members.length));
      assert.equal(new Set(got).size, got.length);
      for (const m of got) assert.ok(all.has(m));
    }
    const many = (await nodis.srandmember('s', -5000)) as string[];
    assert.equal(many.length, 5000);
    for (const m of many) assert.ok(all.has(m));
    assert.ok(new Set(many).size > 50, 'a negative count samples the whole set');
    assert.equal(await nodis.scard('s'), members.length, 'SRANDMEMBER removes nothing');
  }
});

test('SSCAN returns every member that stays for the whole scan, while others come and go', async () => {
  const stay = Array.from({ length: 2000 }, (_, i) => 'stay:' + i);
  await nodis.sadd('s', ...stay);
  await nodis.sadd('s', ...Array.from({ length: 2000 }, (_, i) => 'churn:' + i));
  const seen = new Set<string>();
  let cursor = '0';
  let n = 0;
  do {
    const [next, members] = await nodis.sscan('s', cursor, 'COUNT', 20);
    for (const m of members) seen.add(m);
    cursor = next;
    // Shrink and grow the table under the cursor.
    const p = nodis.pipeline();
    for (let j = 0; j < 40; j++, n++) {
      p.srem('s', 'churn:' + n);
      if (n % 3 === 0) p.sadd('s', 'fresh:' + n);
    }
    await p.exec();
  } while (cursor !== '0');
  for (const m of stay) assert.ok(seen.has(m), m);
});

test('binary members round-trip through every read path', async () => {
  const members = [Buffer.from([0]), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('a\r\nb'), Buffer.from('__proto__'), Buffer.from('')];
  assert.equal(await nodis.sadd('b', ...members), members.length);
  const hex = (bs: Buffer[]): string[] => bs.map((b) => b.toString('hex')).sort();
  assert.deepEqual(hex(await nodis.smembersBuffer('b')), hex(members));
  assert.deepEqual(hex(await nodis.sunionBuffer('b', 'missing')), hex(members));
  const [, scanned] = await nodis.sscanBuffer('b', 0, 'COUNT', 100);
  assert.deepEqual(hex(scanned), hex(members));
  for (const m of members) assert.equal(await nodis.sismember('b', m), 1);
  assert.equal(await nodis.sismember('b', Buffer.from([0xff])), 0);
  assert.equal(await nodis.smove('b', 'c', Buffer.from([0xff, 0xfe, 0x00])), 1);
  assert.deepEqual(await nodis.smembersBuffer('c'), [Buffer.from([0xff, 0xfe, 0x00])]);
});
