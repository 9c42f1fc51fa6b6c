import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, skipRedis, useNodisAndRedis, type Cmd } from '../helpers/compare.js';
import { mulberry32 } from '../helpers/prng.js';

const env = useNodisAndRedis({ client: { maxRetriesPerRequest: 0 } });

const EVENT_SCRIPT: readonly Cmd[] = [
  ['ZADD', 'z', 1, 'a', 2, 'b', 3, 'c'],
  ['ZADD', 'z', 1, 'a'],
  ['ZADD', 'z', 'NX', 5, 'a'],
  ['ZADD', 'z', 'XX', 'CH', 5, 'a'],
  ['ZADD', 'z', 'INCR', 1, 'a'],
  ['ZADD', 'z', 'XX', 1, 'nope'],
  ['ZADD', 'z', 'GT', 0, 'a'],
  ['ZINCRBY', 'z', 2, 'b'],
  ['ZINCRBY', 'z', 0, 'b'],
  ['ZADD', 'z', 'INCR', 'inf', 'x'],
  ['ZADD', 'z', 'INCR', '-inf', 'x'],
  ['ZREM', 'z', 'nope'],
  ['ZREM', 'z', 'x'],
  ['ZADD', 'r', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e'],
  ['ZREMRANGEBYRANK', 'r', 0, 0],
  ['ZREMRANGEBYRANK', 'r', 10, 20],
  ['ZREMRANGEBYSCORE', 'r', 2, 2],
  ['ZREMRANGEBYSCORE', 'r', 100, 200],
  ['ZREMRANGEBYLEX', 'r', '[d', '[d'],
  ['ZREMRANGEBYLEX', 'r', '-', '+'],
  ['ZADD', 'p', 1, 'a', 2, 'b', 3, 'c', 4, 'd'],
  ['ZPOPMIN', 'p'],
  ['ZPOPMAX', 'p', 0],
  ['ZPOPMAX', 'p', 2],
  ['ZMPOP', 1, 'p', 'MIN', 'COUNT', 5],
  ['ZPOPMIN', 'p'],
  ['ZADD', 'q', 1, 'a'],
  ['BZPOPMAX', 'q', 0],
  ['ZADD', 'q', 1, 'a', 2, 'b'],
  ['BZMPOP', 0, 1, 'q', 'MIN', 'COUNT', 1],
  ['ZADD', 'u1', 1, 'a', 2, 'b'],
  ['ZADD', 'u2', 2, 'b', 3, 'c'],
  ['ZUNIONSTORE', 'd', 2, 'u1', 'u2'],
  ['ZINTERSTORE', 'd', 2, 'u1', 'u2'],
  ['ZDIFFSTORE', 'd', 2, 'u1', 'u2'],
  ['ZINTERSTORE', 'd', 2, 'u1', 'missing'],
  ['ZINTERSTORE', 'd', 2, 'u1', 'missing'],
  ['ZRANGESTORE', 'd', 'u1', 0, 0],
  ['ZRANGESTORE', 'd', 'u1', 5, 6],
  ['ZRANGESTORE', 'd', 'u1', 5, 6],
  ['SET', 'str', 'v'],
  ['ZUNIONSTORE', 'str', 1, 'u1'],
  ['ZADD', 'str', 1, 'a'],
  ['ZRANGE', 'u1', 0, -1],
  ['ZREM', 'u1', 'a', 'b'],
];

test('keyspace events are the ones Redis publishes, in order', { skip: skipRedis }, async () => {
  const want = await env.redisEvents(EVENT_SCRIPT);
  await run(env.nodis, EVENT_SCRIPT);
  assert.deepEqual(env.events, want);
  assert.ok(want.includes('zincr z') && want.includes('zpopmin p') && want.includes('zrangestore d') && want.includes('del u1'));
});

test('keyspace hits and misses, and the dirty counter, move as in Redis', { skip: skipRedis }, async () => {
  const cmds: Cmd[] = [
    ...EVENT_SCRIPT,
    ['ZADD', 'k', 1, 'a', 2, 'b'],
    ['ZSCORE', 'k', 'a'],
    ['ZSCORE', 'missing', 'a'],
    ['ZMSCORE', 'k', 'a', 'x'],
    ['ZCARD', 'missing'],
    ['ZRANK', 'k', 'b'],
    ['ZCOUNT', 'k', 0, 10],
    ['ZLEXCOUNT', 'missing', '-', '+'],
    ['ZRANGE', 'k', 0, -1],
    ['ZRANGEBYSCORE', 'missing', 0, 1],
    ['ZUNION', 3, 'k', 'missing', 'k'],
    ['ZINTER', 2, 'k', 'missing'],
    ['ZDIFF', 2, 'missing', 'k'],
    ['ZINTERCARD', 2, 'k', 'k'],
    ['ZSCAN', 'k', 0],
    ['ZSCAN', 'missing', 0],
    ['ZRANDMEMBER', 'k'],
    ['ZRANDMEMBER', 'missing', 2],
    ['ZRANGESTORE', 'd2', 'missing', 0, -1],
    ['ZPOPMIN', 'missing'],
    ['ZMPOP', 2, 'missing', 'k', 'MAX'],
  ];
  const { nodis, redis } = await env.counters(cmds);
  assert.deepEqual(nodis.hitsAndMisses, redis.hitsAndMisses);
  assert.equal(nodis.dirty, redis.dirty);
});

test('writes signal the keys they modify, and only when something changed', async () => {
  await env.nodis.zadd('z', 1, 'a', 2, 'b');
  assert.deepEqual(env.modified, ['z']);
  env.modified = [];
  await env.nodis.zadd('z', 1, 'a');
  await env.nodis.zadd('z', 'NX', 5, 'a');
  await env.nodis.zrem('z', 'nope');
  await env.nodis.zremrangebyscore('z', 10, 20);
  await env.nodis.zpopmin('z', 0);
  await env.nodis.zincrby('z', 0, 'a');
  assert.deepEqual(env.modified, [], 'no change, no signal');
  await env.nodis.zincrby('z', 1, 'a');
  await env.nodis.zrem('z', 'a');
  await env.nodis.zpopmax('z');
  assert.deepEqual(env.modified, ['z', 'z', 'z', 'z'], 'the last pop signals the change and the deletion');
});

test('a random workload on large (skiplist) sets replies exactly as Redis', { skip: skipRedis }, async () => {
  const rnd = mulberry32(20240611);
  const int = (n: number): number => Math.floor(rnd() * n);
  const member = (): string => 'm' + int(600);
  const score = (): string => String([int(100), int(100) / 8, -int(50), 'inf', '-inf'][int(5)]);
  const cmds: Cmd[] = [];
  for (let i = 0; i < 3000; i++) {
    const k = ['a', 'b'][int(2)]!;
    switch (int(14)) {
      case 0:
      case 1:
      case 2:
        cmds.push(['ZADD', k, score(), member(), score(), member(), score(), member()]);
        break;
      case 3:
        cmds.push(['ZINCRBY', k, score(), member()]);
        break;
      case 4:
        cmds.push(['ZREM', k, member(), member()]);
        break;
      case 5:
        cmds.push(['ZRANGE', k, int(700) - 350, int(700) - 350, 'WITHSCORES']);
        break;
      case 6:
        cmds.push(['ZRANGEBYSCORE', k, '(' + int(50), int(100), 'LIMIT', int(20), int(30) - 5]);
        break;
      case 7:
        cmds.push(['ZREVRANGEBYSCORE', k, '+inf', int(50), 'WITHSCORES', 'LIMIT', int(10), int(10)]);
        break;
      case 8:
        cmds.push(['ZRANK', k, member()], ['ZREVRANK', k, member()], ['ZSCORE', k, member()]);
        break;
      case 9:
        cmds.push(['ZCOUNT', k, int(60) - 10, '(' + int(100)], ['ZCARD', k]);
        break;
      case 10:
        if (int(10) === 0) cmds.push(['ZREMRANGEBYRANK', k, int(20), int(40)]);
        else cmds.push(['ZREMRANGEBYSCORE', k, int(100), '(' + int(100)]);
        break;
      case 11:
        cmds.push(['ZUNIONSTORE', 'c', 2, 'a', 'b', 'WEIGHTS', 1, 2, 'AGGREGATE', ['SUM', 'MIN', 'MAX'][int(3)]!], ['ZRANGE', 'c', 0, 20, 'WITHSCORES']);
        break;
      case 12:
        cmds.push(['ZINTER', 2, 'a', 'b', 'WITHSCORES'], ['ZDIFF', 2, 'a', 'b'], ['ZINTERCARD', 2, 'a', 'b', 'LIMIT', int(5)]);
        break;
      default:
        cmds.push([['ZPOPMIN', 'ZPOPMAX'][int(2)]!, k, int(3)]);
    }
  }
  cmds.push(['OBJECT', 'ENCODING', 'a'], ['ZRANGE', 'a', 0, -1, 'WITHSCORES'], ['ZRANGE', 'b', 0, -1, 'WITHSCORES']);
  const [want, got] = [await run(env.redis!, cmds), await run(env.nodis, cmds)];
  for (let i = 0; i < cmds.length; i++) assert.deepEqual(got[i], want[i], `command ${i}: ${cmds[i]!.join(' ')}`);
  assert.equal(want[want.length - 3], 'skiplist', 'the workload reached the skiplist encoding');
});

test('ZSCAN on a skiplist returns every member present for the whole scan, under churn', async () => {
  const all = Array.from({ length: 2000 }, (_, i) => 'm' + i);
  await env.nodis.zadd('z', ...all.flatMap((m, i) => [String(i), m]));
  assert.equal(await env.nodis.object('ENCODING', 'z'), 'skiplist');
  const seen = new Set<string>();
  let cursor = '0';
  let round = 0;
  do {
    const [next, items] = await env.nodis.zscan('z', cursor, 'COUNT', 37);
    for (let i = 0; i < items.length; i += 2) {
      const m = items[i]!;
      seen.add(m);
      if (m.startsWith('m')) assert.equal(Number(items[i + 1]), Number(m.slice(1)), 'the score goes with its member');
    }
    cursor = next;
    // Grow and shrink the set while the scan runs: members m0..m1999 stay throughout.
    if (round % 3 === 0) await env.nodis.zadd('z', ...Array.from({ length: 300 }, (_, i) => ['5000', `t${round}-${i}`]).flat());
    else await env.nodis.zremrangebyscore('z', 5000, 5000);
    round++;
  } while (cursor !== '0');
  for (const m of all) assert.ok(seen.has(m), `${m} was returned`);
});

test('ZRANDMEMBER: distinct members for a positive count, repeats allowed for a negative one', async () => {
  for (const size of [5, 200]) {
    await env.nodis.del('z');
    await env.nodis.zadd('z', ...Array.from({ length: size }, (_, i) => [String(i), 'm' + i]).flat());
    for (const count of [1, 3, Math.floor(size / 2), size - 1]) {
      // RESP3 (ioredis's default here) gives [member, score] pairs, RESP2 a flat list.
      const got = ((await env.nodis.call('ZRANDMEMBER', 'z', String(count), 'WITHSCORES')) as (string | string[])[]).flat();
      assert.equal(got.length, count * 2);
      const members = got.filter((_, i) => i % 2 === 0);
      assert.equal(new Set(members).size, count, 'distinct');
      for (let i = 0; i < got.length; i += 2) assert.equal(got[i], 'm' + got[i + 1]);
    }
    const neg = (await env.nodis.call('ZRANDMEMBER', 'z', String(-3 * size))) as string[];
    assert.equal(neg.length, 3 * size);
    for (const m of neg) assert.ok(/^m\d+$/.test(m) && Number(m.slice(1)) < size);
  }
});

test('blocked clients: FIFO service, timeouts, and a disconnected waiter loses nothing', async () => {
  const c1 = env.client(env.server.port);
  const c2 = env.client(env.server.port);
  const c3 = env.client(env.server.port);
  await Promise.all([c1.connect(), c2.connect(), c3.connect()]);
  try {
    const waitBlocked = async (n: number): Promise<void> => {
      while (env.server.blocking.count !== n) await new Promise((r) => setTimeout(r, 5));
    };
    const p1 = c1.bzpopmin('k', 0);
    await waitBlocked(1);
    const p2 = c2.call('BZMPOP', '0', '1', 'k', 'MAX', 'COUNT', '2');
    await waitBlocked(2);
    await env.nodis.zadd('k', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    assert.deepEqual(await p1, ['k', 'a', '1']);
    assert.deepEqual(await p2, ['k', [['d', '4'], ['c', '3']]]);
    assert.deepEqual(await env.nodis.zrange('k', '0', '-1'), ['b']);
    await env.nodis.del('k');

    // A timeout answers null and unblocks.
    assert.equal(await c3.bzpopmax('k', 0.05), null);
    assert.equal(env.server.blocking.count, 0);

    // A client that disconnects while blocked is forgotten: the member stays for the next one.
    const c4 = env.client(env.server.port);
    await c4.connect();
    void c4.bzpopmin('k', 0).catch(() => undefined);
    await waitBlocked(1);
    c4.disconnect();
    await waitBlocked(0);
    await env.nodis.zadd('k', 7, 'x');
    assert.deepEqual(await env.nodis.zscore('k', 'x'), '7');
  } finally {
    c1.disconnect();
    c2.disconnect();
    c3.disconnect();
  }
});
