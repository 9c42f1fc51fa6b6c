import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, skipRedis, useNodisAndRedis, type Cmd } from '../helpers/compare.js';

const env = useNodisAndRedis();

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
  const want = await env.redisEvents(EVENT_SCRIPT);
  await run(env.nodis, EVENT_SCRIPT);
  assert.deepEqual(env.events, want);
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
  const { nodis, redis } = await env.counters(cmds);
  assert.deepEqual(nodis.hitsAndMisses, redis.hitsAndMisses);
  assert.equal(nodis.dirty, redis.dirty);
});

test('writes signal the keys they modify (WATCH, tracking and blocked clients hear of them)', async () => {
  await env.nodis.sadd('s', 1, 2);
  assert.deepEqual(env.modified, ['s', 's']);
  env.modified = [];
  await env.nodis.sadd('s', 1);
  await env.nodis.srem('s', 9);
  await env.nodis.smove('s', 'd', 9);
  await env.nodis.spop('s', 0);
  assert.deepEqual(env.modified, [], 'no change, no signal');
  await env.nodis.srem('s', 1);
  assert.deepEqual(env.modified, ['s']);
  env.modified = [];
  await env.nodis.smove('s', 'd', 2);
  assert.ok(env.modified.includes('s') && env.modified.includes('d'));
  env.modified = [];
  await env.nodis.sadd('p', 1, 2, 3, 4, 5, 6);
  env.modified = [];
  await env.nodis.spop('p');
  await env.nodis.spop('p', 1);
  await env.nodis.spop('p', 3);
  assert.deepEqual(env.modified, ['p', 'p', 'p']);
  env.modified = [];
  await env.nodis.sinterstore('x', 'p', 'p');
  await env.nodis.sunionstore('y', 'p');
  await env.nodis.sdiffstore('y', 'missing');
  assert.deepEqual(env.modified, ['x', 'y', 'y']);
});

test('SPOP with a count: popped and left members split the set, whatever the strategy and encoding', async () => {
  for (const [members, counts] of [
    [Array.from({ length: 300 }, (_, i) => String(i)), [1, 10, 50, 51, 200, 299]],
    [Array.from({ length: 300 }, (_, i) => 'm' + i), [1, 10, 50, 51, 200, 299]],
    [Array.from({ length: 1000 }, (_, i) => String(i * 3)), [5, 990]],
  ] as const) {
    for (const n of counts) {
      await env.nodis.del('s');
      await env.nodis.sadd('s', ...members);
      const popped = (await env.nodis.spop('s', n)) as string[];
      const left = await env.nodis.smembers('s');
      assert.equal(popped.length, n);
      assert.equal(new Set(popped).size, n, 'no member popped twice');
      assert.equal(left.length, members.length - n);
      assert.deepEqual(new Set([...popped, ...left]), new Set(members));
      assert.equal(await env.nodis.scard('s'), members.length - n);
    }
  }
});

test('SRANDMEMBER: distinct members for a positive count, repeats allowed for a negative one', async () => {
  const ints = Array.from({ length: 100 }, (_, i) => String(i - 50));
  const strs = ints.map((m) => 'k' + m);
  for (const members of [ints, strs]) {
    await env.nodis.del('s');
    await env.nodis.sadd('s', ...members);
    const all = new Set(members);
    for (const n of [1, 2, 30, 34, 99, 100, 150]) {
      const got = (await env.nodis.srandmember('s', n)) as string[];
      assert.equal(got.length, Math.min(n, members.length));
      assert.equal(new Set(got).size, got.length);
      for (const m of got) assert.ok(all.has(m));
    }
    const many = (await env.nodis.srandmember('s', -5000)) as string[];
    assert.equal(many.length, 5000);
    for (const m of many) assert.ok(all.has(m));
    assert.ok(new Set(many).size > 50, 'a negative count samples the whole set');
    assert.equal(await env.nodis.scard('s'), members.length, 'SRANDMEMBER removes nothing');
  }
});

test('SSCAN returns every member that stays for the whole scan, while others come and go', async () => {
  const stay = Array.from({ length: 2000 }, (_, i) => 'stay:' + i);
  await env.nodis.sadd('s', ...stay);
  await env.nodis.sadd('s', ...Array.from({ length: 2000 }, (_, i) => 'churn:' + i));
  const seen = new Set<string>();
  let cursor = '0';
  let n = 0;
  do {
    const [next, members] = await env.nodis.sscan('s', cursor, 'COUNT', 20);
    for (const m of members) seen.add(m);
    cursor = next;
    // Shrink and grow the table under the cursor.
    const p = env.nodis.pipeline();
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
  assert.equal(await env.nodis.sadd('b', ...members), members.length);
  const hex = (bs: Buffer[]): string[] => bs.map((b) => b.toString('hex')).sort();
  assert.deepEqual(hex(await env.nodis.smembersBuffer('b')), hex(members));
  assert.deepEqual(hex(await env.nodis.sunionBuffer('b', 'missing')), hex(members));
  const [, scanned] = await env.nodis.sscanBuffer('b', 0, 'COUNT', 100);
  assert.deepEqual(hex(scanned), hex(members));
  for (const m of members) assert.equal(await env.nodis.sismember('b', m), 1);
  assert.equal(await env.nodis.sismember('b', Buffer.from([0xff])), 0);
  assert.equal(await env.nodis.smove('b', 'c', Buffer.from([0xff, 0xfe, 0x00])), 1);
  assert.deepEqual(await env.nodis.smembersBuffer('c'), [Buffer.from([0xff, 0xfe, 0x00])]);
});
