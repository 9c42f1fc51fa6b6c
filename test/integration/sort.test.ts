import { test } from 'node:test';
import assert from 'node:assert/strict';
import { infoNumber, run, skipRedis, useNodisAndRedis, type Cmd } from '../helpers/compare.js';
import { mulberry32 } from '../helpers/prng.js';
import { pqsort } from '../../src/types/sort/pqsort.js';

const env = useNodisAndRedis();

/** keyspace_hits, keyspace_misses and rdb_changes_since_last_save from INFO. */
async function redisCounters(): Promise<[number, number, number]> {
  const info = (await env.redis!.info()) as string;
  return [infoNumber(info, 'keyspace_hits'), infoNumber(info, 'keyspace_misses'), infoNumber(info, 'rdb_changes_since_last_save')];
}

const SCRIPT: readonly Cmd[] = [
  ['RPUSH', 'l', 3, 1, 2],
  ['MSET', 'w_1', 3, 'w_2', 1],
  ['HSET', 'h_1', 'f', 'x'],
  ['SORT', 'l'],
  ['SORT', 'l', 'BY', 'w_*', 'GET', '#', 'GET', 'h_*->f', 'GET', 'nostar'],
  ['SORT_RO', 'l', 'BY', 'nosort', 'GET', 'w_*'],
  ['SORT', 'l', 'STORE', 'dst'],
  ['SORT', 'l', 'BY', 'w_*', 'STORE', 'dst'],
  ['SORT', 'l', 'LIMIT', 0, 0, 'STORE', 'dst'],
  ['SORT', 'l', 'LIMIT', 0, 0, 'STORE', 'dst'],
  ['SORT', 'nokey', 'STORE', 'l'],
  ['SORT', 'missing', 'BY', 'w_*'],
  ['SET', 'bad', 'x'],
  ['RPUSH', 'm', 1, 'bad'],
  ['SORT', 'm', 'STORE', 'dst'],
  ['SORT', 'bad'],
  ['SADD', 's', 3, 1, 2],
  ['SORT', 's', 'BY', 'nosort', 'STORE', 's2'],
  ['ZADD', 'z', 1, 'a', 2, 'b'],
  ['SORT', 'z', 'BY', 'nosort', 'DESC', 'STORE', 'z'],
];

test('SORT fires sortstore and del as Redis does', { skip: skipRedis }, async () => {
  const want = await env.redisEvents(SCRIPT);
  await run(env.nodis, SCRIPT);
  assert.deepEqual(env.events, want);
  assert.ok(want.includes('sortstore dst') && want.includes('del dst'));
});

test('pattern lookups count hits and misses, STORE counts as dirty, as in Redis', { skip: skipRedis }, async () => {
  await env.redis!.config('RESETSTAT');
  await env.nodis.config('RESETSTAT');
  const [h0, m0, d0] = await redisCounters();
  const dirty0 = env.server.dirty;
  const want = await run(env.redis!, SCRIPT);
  const got = await run(env.nodis, SCRIPT);
  assert.deepEqual(got, want);
  const [h1, m1, d1] = await redisCounters();
  assert.equal(env.server.stats.keyspaceHits, h1 - h0);
  assert.equal(env.server.stats.keyspaceMisses, m1 - m0);
  assert.equal(env.server.dirty - dirty0, d1 - d0);
});

test('random SORTs with few distinct weights reply exactly as Redis', { skip: skipRedis }, async () => {
  const rand = mulberry32(20240607);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const weights = ['1', '2', '2.5', '-1', 'a', 'b', 'B', '', 'ab', '10'];
  for (let round = 0; round < 30; round++) {
    await env.redis!.flushall();
    await env.nodis.flushall();
    const n = Math.floor(rand() * 120);
    const setup: Cmd[] = [];
    const elems: string[] = [];
    for (let i = 0; i < n; i++) elems.push(String(Math.floor(rand() * 60)));
    if (n > 0) setup.push(['RPUSH', 'l', ...elems]);
    for (let i = 0; i < 60; i++) {
      if (rand() < 0.8) setup.push(['SET', `w_${i}`, pick(weights)]);
      if (rand() < 0.5) setup.push(['HSET', `h_${i}`, 'f', pick(weights)]);
    }
    const cmds: Cmd[] = [];
    for (let k = 0; k < 20; k++) {
      const cmd: Cmd = ['SORT', 'l'];
      const by = rand();
      if (by < 0.4) cmd.push('BY', 'w_*');
      else if (by < 0.6) cmd.push('BY', 'h_*->f');
      else if (by < 0.7) cmd.push('BY', 'nosort');
      // Numeric sorts of these weights mostly fail; ALPHA is where the tie order shows.
      if (rand() < 0.8) cmd.push('ALPHA');
      if (rand() < 0.5) cmd.push('DESC');
      if (rand() < 0.7) cmd.push('LIMIT', Math.floor(rand() * (n + 5)) - 2, Math.floor(rand() * (n + 5)) - 2);
      if (rand() < 0.3) cmd.push('GET', '#', 'GET', 'w_*');
      cmds.push(cmd);
    }
    await run(env.redis!, setup);
    await run(env.nodis, setup);
    assert.deepEqual(await run(env.nodis, cmds), await run(env.redis!, cmds), `round ${round}`);
  }
});

test('pqsort orders the requested range as a full sort would', () => {
  const rand = mulberry32(7);
  for (let round = 0; round < 300; round++) {
    const n = Math.floor(rand() * 200);
    const a = Array.from({ length: n }, () => Math.floor(rand() * 50));
    const full = [...a].sort((x, y) => x - y);
    const lo = Math.floor(rand() * (n + 1));
    const hi = Math.min(n - 1, lo + Math.floor(rand() * 30));
    const b = [...a];
    pqsort(b, (x, y) => x - y, lo, hi);
    assert.deepEqual(b.slice(lo, hi + 1), full.slice(lo, hi + 1));
    assert.deepEqual([...b].sort((x, y) => x - y), full);
  }
});

test('SORT of a big list by weights, with GET, through a real client', async () => {
  const n = 5000;
  const elems: string[] = [];
  const mset: string[] = [];
  for (let i = 0; i < n; i++) {
    elems.push(String(i));
    mset.push(`w_${i}`, String((i * 7919) % n));
  }
  await env.nodis.rpush('l', ...elems);
  await env.nodis.mset(...mset);
  const sorted = (await env.nodis.sort('l', 'BY', 'w_*', 'GET', 'w_*')) as string[];
  assert.deepEqual(
    sorted,
    Array.from({ length: n }, (_, i) => String(i)),
  );
  assert.equal(await env.nodis.call('SORT', 'l', 'BY', 'w_*', 'DESC', 'LIMIT', '0', '10', 'STORE', 'top'), 10);
  // The heaviest element is the one whose weight is n-1.
  const heaviest = elems.find((e) => (Number(e) * 7919) % n === n - 1);
  assert.deepEqual(await env.nodis.lrange('top', 0, 0), [heaviest]);
});
