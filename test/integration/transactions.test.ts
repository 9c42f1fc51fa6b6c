import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { useNodisAndRedis, skipRedis, run, type Cmd } from '../helpers/compare.js';
import { watchCount } from '../../src/commands/multi.js';

const env = useNodisAndRedis();

async function connect(port: number): Promise<Redis> {
  const c = env.client(port);
  await c.connect();
  return c;
}

/** WATCH, read, yield to the other clients, then write back the increment; retried until EXEC succeeds. */
async function lockedIncrement(c: Redis, key: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    await c.watch(key);
    const v = Number((await c.get(key)) ?? '0');
    await tick();
    const res = await c.multi().set(key, String(v + 1)).exec();
    if (res !== null) return attempt;
  }
}

test('optimistic locking: clients incrementing through WATCH/MULTI/EXEC end with the exact total', async () => {
  const clients = await Promise.all(Array.from({ length: 6 }, () => connect(env.server.port)));
  try {
    const perClient = 25;
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < perClient; i++) await lockedIncrement(c, 'counter');
      }),
    );
    assert.equal(await env.nodis.get('counter'), String(clients.length * perClient));
    assert.equal(watchCount(env.server), 0);
  } finally {
    for (const c of clients) c.disconnect();
  }
});

test('a write by another client between WATCH and EXEC fails the transaction; a read does not', async () => {
  const other = await connect(env.server.port);
  try {
    const a = env.nodis;
    await a.set('k', '1');
    await a.watch('k');
    await other.get('k');
    assert.deepEqual(await a.multi().incr('k').exec(), [[null, 2]]);
    await a.watch('k');
    assert.equal(await a.get('k'), '2');
    await other.set('k', '10');
    assert.equal(await a.multi().incr('k').exec(), null);
    assert.equal(await a.get('k'), '10');
    // The failed EXEC forgot the watch: the next transaction runs.
    await other.set('k', '20');
    assert.deepEqual(await a.multi().incr('k').exec(), [[null, 21]]);
  } finally {
    other.disconnect();
  }
});

test('EXEC answers every queued command, a runtime error failing only its own', async () => {
  const res = await env.nodis.multi().set('a', 'x').lpush('a', 'y').append('a', 'z').get('a').exec();
  assert.ok(res);
  assert.deepEqual(res.map(([, v]) => v), ['OK', undefined, 2, 'xz']);
  const err = res[1]![0];
  assert.ok(err instanceof Error && err.message.startsWith('WRONGTYPE '), String(err));
});

test('a blocking command inside EXEC answers at once; the connection can block afterwards', async () => {
  const pusher = await connect(env.server.port);
  try {
    const c = env.nodis;
    assert.deepEqual(await c.multi().blpop('empty', 0).rpush('empty', 'x').blpop('empty', 0).exec(), [
      [null, null],
      [null, 1],
      [null, ['empty', 'x']],
    ]);
    const waiting = c.blpop('later', 0);
    while (env.server.blocking.count === 0) await tick();
    await pusher.rpush('later', 'v');
    assert.deepEqual(await waiting, ['later', 'v']);
  } finally {
    pusher.disconnect();
  }
});

test('disconnects, RESET, UNWATCH, DISCARD and EXEC leave no watches behind', async () => {
  const c = await connect(env.server.port);
  await c.watch('a', 'b', 'a');
  assert.equal(watchCount(env.server), 2);
  c.disconnect();
  while (watchCount(env.server) !== 0) await tick();
  const n = env.nodis;
  for (const end of [['UNWATCH'], ['RESET'], ['MULTI', 'DISCARD'], ['MULTI', 'EXEC']]) {
    await n.call('WATCH', 'x', 'y');
    assert.equal(watchCount(env.server), 2);
    for (const cmd of end) await n.call(cmd);
    assert.equal(watchCount(env.server), 0, end.join(' '));
  }
});

/** The counters a transaction moves, from INFO, without times. */
async function stats(c: Redis): Promise<string[]> {
  const info = (await c.info('commandstats')) + (await c.info('errorstats')) + (await c.info('stats'));
  return info
    .split('\r\n')
    .filter((l) => /^(cmdstat_|errorstat_|total_commands_processed:|total_error_replies:)/.test(l))
    .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
    .sort();
}

const transactionCmds: Cmd[] = [
  ['MULTI'],
  ['SET', 'a', 1],
  ['LPUSH', 'a', 'x'],
  ['GET', 'a', 'b'],
  ['NOSUCH'],
  ['EXEC'],
  ['MULTI'],
  ['SET', 'a', 1],
  ['LPUSH', 'a', 'x'],
  ['INCR', 'a'],
  ['BLPOP', 'l', 0],
  ['EXEC'],
  ['EXEC'],
  ['MULTI'],
  ['MULTI'],
  ['WATCH', 'a'],
  ['SHUTDOWN'],
  ['DISCARD'],
  ['WATCH', 'a'],
  ['SET', 'a', 2],
  ['MULTI'],
  ['GET', 'a'],
  ['EXEC'],
  ['MULTI'],
  ['EXEC', 'x'],
  ['DISCARD'],
];

test('commandstats, errorstats, commands processed and dirty count a transaction as redis-server', { skip: skipRedis }, async () => {
  const redis = env.redis!;
  await redis.config('RESETSTAT');
  await env.nodis.config('RESETSTAT');
  const counters = await env.counters(transactionCmds);
  assert.deepEqual(counters.nodis, counters.redis);
  assert.deepEqual(await stats(env.nodis), await stats(redis));
  // The replies themselves, errors included.
  await env.reset();
  assert.deepEqual(await run(env.nodis, transactionCmds), await run(redis, transactionCmds));
});

/** flags=, multi= and cmd= of the CLIENT LIST line of connection `id`. */
async function clientState(viewer: Redis, id: number): Promise<string> {
  const line = (await viewer.client('LIST')) as string;
  const mine = line.split('\n').find((l) => l.startsWith(`id=${id} `))!;
  return mine
    .split(' ')
    .filter((f) => /^(flags|multi|cmd)=/.test(f))
    .join(' ');
}

test('CLIENT LIST shows MULTI (x, multi=), a touched watch (d) and the queued command as redis-server', { skip: skipRedis }, async () => {
  const seen: string[][] = [];
  for (const port of [env.ref!.port, env.server.port]) {
    const a = await connect(port);
    const b = await connect(port);
    try {
      const id = Number(await a.client('ID'));
      const states: string[] = [];
      await a.call('WATCH', 'k');
      states.push(await clientState(b, id));
      await a.call('MULTI');
      await a.call('SET', 'x', '1');
      await a.call('GET', 'x');
      states.push(await clientState(b, id));
      await b.set('k', 'v');
      states.push(await clientState(b, id));
      await a.call('INCR', 'x');
      states.push(await clientState(b, id));
      assert.equal(await a.call('EXEC'), null);
      states.push(await clientState(b, id));
      seen.push(states);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  }
  assert.deepEqual(seen[1], seen[0]);
});
