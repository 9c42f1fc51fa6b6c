import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { run, skipRedis, useNodisAndRedis, type Cmd } from '../helpers/compare.js';
import { mulberry32 } from '../helpers/prng.js';

// HyperLogLogs made by Nodis must be the same bytes as Redis's from the same input, and count
// the same. Inputs are random (seeded; HLL_SEED=N replays a failure) and of many sizes, so
// both the sparse encoding (its opcode splits and merges) and the switch to dense are covered.

const env = useNodisAndRedis({ client: { maxRetriesPerRequest: 0 } });

const SEED = Number(process.env['HLL_SEED'] ?? Date.now() % 1000000);

/** Random elements: binary strings of 0..24 bytes, with repeats (a pool a bit smaller than n). */
function elements(rnd: () => number, n: number): string[] {
  const pool = Math.max(1, Math.floor(n * 0.9));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = Math.floor(rnd() * pool);
    // Mostly text elements, some raw bytes of any length (hash tails of every size).
    if (rnd() < 0.8) out.push(`el:${id}`);
    else {
      let s = '';
      const len = Math.floor(rnd() * 25);
      for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(rnd() * 256));
      out.push(s);
    }
  }
  return out;
}

/** PFADDs of the elements to key on one server, in random batches, pipelined; the replies. */
async function pfaddAll(client: Redis, key: string, els: readonly string[], batches: readonly number[]): Promise<unknown[]> {
  const p = client.pipeline();
  let i = 0;
  for (const size of batches) {
    p.callBuffer('PFADD', key, ...els.slice(i, i + size).map((e) => Buffer.from(e, 'latin1')));
    i += size;
  }
  const res = await p.exec();
  return (res ?? []).map(([err, v]) => (err ? err.message : v));
}

function batchesFor(rnd: () => number, n: number): number[] {
  const out: number[] = [];
  let left = n;
  while (left > 0) {
    const size = Math.min(left, 1 + Math.floor(rnd() * 40));
    out.push(size);
    left -= size;
  }
  return out;
}

/** GET of both servers, compared byte for byte. */
async function assertSameBytes(key: string, what: string): Promise<Buffer> {
  const r = await env.redis!.getBuffer(key);
  const n = await env.nodis.getBuffer(key);
  assert.ok(r !== null, `${what}: redis has no ${key}`);
  assert.ok(n !== null && n.equals(r), `${what}: GET ${key} differs (redis ${r.length} bytes, nodis ${n?.length} bytes${n && n.length === r.length ? ', first difference at ' + n.findIndex((b, i) => b !== r[i]) : ''})`);
  return r;
}

async function both(cmd: Cmd): Promise<[unknown, unknown]> {
  const [r] = await run(env.redis!, [cmd]);
  const [n] = await run(env.nodis, [cmd]);
  return [r, n];
}

const SIZES = [1, 10, 100, 1000, 5000, 20000];

test(`random PFADD inputs of many sizes give byte-identical HLLs and counts (seed ${SEED})`, { skip: skipRedis }, async () => {
  const keys: string[] = [];
  for (let s = 0; s < 3; s++) {
    for (const n of SIZES) {
      const rnd = mulberry32(SEED * 31 + s * 1009 + n);
      const key = `hll:${s}:${n}`;
      keys.push(key);
      const els = elements(rnd, n);
      const batches = batchesFor(rnd, n);
      const want = await pfaddAll(env.redis!, key, els, batches);
      const got = await pfaddAll(env.nodis, key, els, batches);
      assert.deepEqual(got, want, `PFADD replies for ${key}`);
      await assertSameBytes(key, `after PFADD of ${n} (seed ${SEED})`);
      const [rc, nc] = await both(['PFCOUNT', key]);
      assert.equal(nc, rc, `PFCOUNT ${key}`);
      // PFCOUNT wrote the cardinality into the header: the bytes still agree.
      await assertSameBytes(key, `after PFCOUNT of ${key}`);
      const [re, ne] = await both(['PFDEBUG', 'ENCODING', key]);
      assert.equal(ne, re, `encoding of ${key}`);
    }
  }
  // Unions: several keys at once, sparse and dense mixed.
  const rnd = mulberry32(SEED);
  for (let i = 0; i < 12; i++) {
    const picks = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => keys[Math.floor(rnd() * keys.length)]!);
    const [rc, nc] = await both(['PFCOUNT', ...picks, 'missing']);
    assert.equal(nc, rc, `PFCOUNT ${picks.join(' ')}`);
    const dest = `merged:${i}`;
    // Some merges go into an existing (sparse or dense) HLL, some into a new key.
    if (rnd() < 0.5) {
      const from = keys[Math.floor(rnd() * keys.length)]!;
      await both(['PFMERGE', dest, from]);
    }
    const [rm, nm] = await both(['PFMERGE', dest, ...picks]);
    assert.equal(nm, rm);
    await assertSameBytes(dest, `PFMERGE ${dest} ${picks.join(' ')}`);
    const [rd, nd] = await both(['PFCOUNT', dest]);
    assert.equal(nd, rd, `PFCOUNT ${dest}`);
  }
});

test(`a sparse limit set by CONFIG SET changes where HLLs turn dense, as in Redis (seed ${SEED})`, { skip: skipRedis }, async () => {
  const rnd = mulberry32(SEED + 7);
  try {
    for (const limit of [0, 40, 300, 6000]) {
      await env.redis!.config('SET', 'hll-sparse-max-bytes', String(limit));
      await env.nodis.config('SET', 'hll-sparse-max-bytes', String(limit));
      for (const n of [5, 60, 700, 3000]) {
        const key = `lim:${limit}:${n}`;
        const els = elements(rnd, n);
        const batches = batchesFor(rnd, n);
        assert.deepEqual(await pfaddAll(env.nodis, key, els, batches), await pfaddAll(env.redis!, key, els, batches));
        await assertSameBytes(key, `limit ${limit}, ${n} elements`);
      }
    }
  } finally {
    await env.redis!.config('SET', 'hll-sparse-max-bytes', '3000');
    await env.nodis.config('SET', 'hll-sparse-max-bytes', '3000');
  }
});

test(`HLLs made by Redis (copied with SET) count and grow in Nodis exactly as in Redis (seed ${SEED})`, { skip: skipRedis }, async () => {
  const rnd = mulberry32(SEED + 13);
  for (const n of [3, 300, 2500, 9000]) {
    const key = `copy:${n}`;
    await pfaddAll(env.redis!, key, elements(rnd, n), [n]);
    const bytes = await env.redis!.getBuffer(key);
    assert.ok(bytes);
    await env.nodis.set(key, bytes);
    const [rc, nc] = await both(['PFCOUNT', key]);
    assert.equal(nc, rc);
    await assertSameBytes(key, `PFCOUNT of a copied HLL of ${n}`);
    const more = elements(rnd, 500);
    assert.deepEqual(await pfaddAll(env.nodis, key, more, [250, 250]), await pfaddAll(env.redis!, key, more, [250, 250]));
    await assertSameBytes(key, `PFADD to a copied HLL of ${n}`);
  }
});

const EVENT_SCRIPT: readonly Cmd[] = [
  ['PFADD', 'h', 'a', 'b'],
  ['PFADD', 'h', 'a'],
  ['PFADD', 'e'],
  ['PFCOUNT', 'h'],
  ['PFCOUNT', 'h'],
  ['PFCOUNT', 'h', 'e', 'missing'],
  ['PFMERGE', 'm', 'h', 'e'],
  ['PFMERGE', 'only'],
  ['PFDEBUG', 'TODENSE', 'm'],
  ['PFDEBUG', 'TODENSE', 'm'],
  ['PFDEBUG', 'ENCODING', 'h'],
  ['SET', 's', 'x'],
  ['PFADD', 's', 'a'],
  ['PFMERGE', 'm', 's'],
];

test('keyspace events, hits and misses, and dirty counts are the ones Redis has', { skip: skipRedis }, async () => {
  const want = await env.redisEvents(EVENT_SCRIPT);
  await run(env.nodis, EVENT_SCRIPT);
  assert.deepEqual(env.events, want);
  assert.ok(want.includes('pfadd m') && want.includes('pfadd h'));
  await env.reset();
  const { nodis, redis } = await env.counters(EVENT_SCRIPT);
  assert.deepEqual(nodis.hitsAndMisses, redis.hitsAndMisses);
  assert.equal(nodis.dirty, redis.dirty);
});

test('PFADD, PFCOUNT with a stale cache, PFMERGE and TODENSE are what gets propagated', async () => {
  const ops: string[] = [];
  env.server.propagation.listeners.push((batch) => {
    for (const op of batch) ops.push(op.argv.join(' ').toUpperCase());
  });
  try {
    await env.nodis.pfadd('h', 'a', 'b');
    await env.nodis.pfadd('h', 'a');
    await env.nodis.pfcount('h');
    await env.nodis.pfcount('h');
    await env.nodis.call('PFDEBUG', 'TODENSE', 'h');
    await env.nodis.call('PFDEBUG', 'TODENSE', 'h');
    await env.nodis.pfmerge('d', 'h');
    assert.deepEqual(ops, ['PFADD H A B', 'PFCOUNT H', 'PFDEBUG TODENSE H', 'PFMERGE D H']);
  } finally {
    env.server.propagation.listeners.pop();
  }
});

test('PFSELFTEST passes', async () => {
  assert.equal(await env.nodis.call('PFSELFTEST'), 'OK');
});
