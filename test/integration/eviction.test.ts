import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';

/**
 * maxmemory eviction. Eviction weighs used_memory_startup plus the dataset's MEMORY USAGE
 * estimate (the heap of this process is mostly the test's garbage), so each limit is set from
 * those figures as measured when the test starts.
 */

const VALUE = 'x'.repeat(20 * 1024);
const HEADROOM = 8 * 1024 * 1024;

async function connect(server: Server): Promise<Redis> {
  const c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  return c;
}

function infoField(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  assert.ok(m, `no ${name} in INFO`);
  return Number(m[1]);
}

/** Sets maxmemory to what the server holds now (startup memory and dataset) plus a headroom. */
async function limitFromNow(c: Redis, headroom = HEADROOM): Promise<void> {
  const startup = infoField(await c.info('memory'), 'used_memory_startup');
  const key = await c.randomkey();
  const dataset = key === null ? 0 : (await c.dbsize()) * Number(await c.memory('USAGE', key));
  await c.config('SET', 'maxmemory', String(startup + dataset + headroom));
}

/** Writes `n` keys prefix0..prefix(n-1), in pipelined batches; returns the errors replied. */
async function fill(c: Redis, prefix: string, n: number, ttl = 0): Promise<string[]> {
  const errors: string[] = [];
  for (let i = 0; i < n; i += 100) {
    const p = c.pipeline();
    for (let j = i; j < Math.min(n, i + 100); j++) {
      if (ttl > 0) p.set(prefix + j, VALUE, 'EX', ttl + j);
      else p.set(prefix + j, VALUE);
    }
    const res = (await p.exec()) ?? [];
    for (const [err] of res) if (err) errors.push(err.message);
  }
  return errors;
}

async function evictedKeys(c: Redis): Promise<number> {
  return infoField(await c.info('stats'), 'evicted_keys');
}

test('noeviction: writes past maxmemory get the OOM error, reads and DEL still work', async () => {
  const server = await startNodis({ 'maxmemory-policy': 'noeviction' });
  const c = await connect(server);
  try {
    await c.set('keep', 'v');
    await limitFromNow(c);
    const errors = await fill(c, 'k', 2000);
    assert.ok(errors.length > 0, 'some writes were refused');
    assert.equal(errors[0], "OOM command not allowed when used memory > 'maxmemory'.");
    // A GC may bring the heap back under the limit: from here on the limit is one byte.
    await c.config('SET', 'maxmemory', '1');
    assert.equal(await c.get('keep'), 'v');
    assert.equal(await c.exists('k0'), 1);
    assert.equal(await c.del('k0'), 1);
    await assert.rejects(c.set('another', 'v'), /^ReplyError: OOM command not allowed/);
    // Inside MULTI even a read is refused, and EXEC then aborts.
    const m = await c.multi().get('keep').exec().catch((e: Error) => e);
    assert.ok(m instanceof Error && /EXECABORT/.test(m.message), String(m));
    assert.equal(await evictedKeys(c), 0);
    await c.config('SET', 'maxmemory', '0');
    assert.equal(await c.set('another', 'v'), 'OK');
  } finally {
    c.disconnect();
    await server.close();
  }
});

test('allkeys-random and allkeys-lfu: filling past maxmemory evicts keys instead of failing', async () => {
  for (const policy of ['allkeys-random', 'allkeys-lfu']) {
    const server = await startNodis({ 'maxmemory-policy': policy });
    const c = await connect(server);
    try {
      await limitFromNow(c);
      const errors = await fill(c, 'k', 3000);
      assert.deepEqual(errors, []);
      const size = await c.dbsize();
      const evicted = await evictedKeys(c);
      assert.ok(size < 3000, `${policy}: DBSIZE ${size} stopped short of 3000`);
      assert.ok(evicted > 0, `${policy}: evicted_keys ${evicted}`);
      assert.equal(size + evicted, 3000);
    } finally {
      c.disconnect();
      await server.close();
    }
  }
});

test('volatile-ttl and volatile-random never evict keys without a TTL', async () => {
  for (const policy of ['volatile-ttl', 'volatile-random', 'volatile-lru']) {
    const server = await startNodis({ 'maxmemory-policy': policy });
    const c = await connect(server);
    try {
      await fill(c, 'persistent', 50);
      await limitFromNow(c);
      const errors = await fill(c, 'v', 3000, 1000);
      assert.deepEqual(errors, []);
      assert.ok((await evictedKeys(c)) > 0, policy);
      for (let i = 0; i < 50; i++) assert.equal(await c.exists('persistent' + i), 1, `${policy}: persistent${i}`);
      if (policy === 'volatile-ttl') {
        // The nearest expiries go first: the earliest-written (shortest TTL) keys are mostly gone.
        let early = 0;
        let late = 0;
        for (let i = 0; i < 300; i++) early += await c.exists('v' + i);
        for (let i = 2700; i < 3000; i++) late += await c.exists('v' + i);
        assert.ok(late > early, `volatile-ttl kept ${early} early and ${late} late keys`);
      }
      // With only keys without a TTL left to take, a write past the limit is refused.
      await c.config('SET', 'maxmemory', '1');
      await assert.rejects(c.set('more', 'v'), /OOM command not allowed/);
      assert.equal(await c.dbsize(), 50);
    } finally {
      c.disconnect();
      await server.close();
    }
  }
});

test('allkeys-lru prefers keys not touched recently', async () => {
  const server = await startNodis({ 'maxmemory-policy': 'allkeys-lru' });
  const c = await connect(server);
  try {
    await fill(c, 'k', 400);
    // The LRU clock counts seconds (as Redis's): let it move on before the hot keys are read.
    await new Promise((r) => setTimeout(r, 2100));
    const hot = (i: number): boolean => i % 4 === 0;
    const touchHot = async (): Promise<void> => {
      const p = c.pipeline();
      for (let i = 0; i < 400; i++) if (hot(i)) p.get('k' + i);
      await p.exec();
    };
    await touchHot();
    // No headroom: the 200 keys written next push out about as many of the 400.
    await limitFromNow(c, 0);
    for (let round = 0; round < 4; round++) {
      assert.deepEqual(await fill(c, `n${round}-`, 50), []);
      await touchHot();
    }
    assert.ok((await evictedKeys(c)) > 0);
    let hotLeft = 0;
    let coldLeft = 0;
    for (let i = 0; i < 400; i++) {
      if (await c.exists('k' + i)) {
        if (hot(i)) hotLeft++;
        else coldLeft++;
      }
    }
    // 100 hot and 300 cold keys: the hot ones survive in a clearly larger share.
    assert.ok(hotLeft / 100 > coldLeft / 300 + 0.3, `hot kept ${hotLeft}/100, cold ${coldLeft}/300`);
  } finally {
    c.disconnect();
    await server.close();
  }
});

test('a subscriber to __keyevent@0__:evicted hears each eviction', async () => {
  const server = await startNodis({ 'maxmemory-policy': 'allkeys-random', 'notify-keyspace-events': 'Ee' });
  const c = await connect(server);
  const sub = await connect(server);
  try {
    const got: string[] = [];
    sub.on('message', (ch: string, key: string) => {
      if (ch === '__keyevent@0__:evicted') got.push(key);
    });
    await sub.subscribe('__keyevent@0__:evicted');
    await limitFromNow(c);
    assert.deepEqual(await fill(c, 'k', 2000), []);
    const evicted = await evictedKeys(c);
    assert.ok(evicted > 0);
    await c.config('SET', 'maxmemory', '0');
    await c.publish('__keyevent@0__:evicted', 'end');
    while (got[got.length - 1] !== 'end') await new Promise((r) => setTimeout(r, 5));
    got.pop();
    assert.equal(got.length, evicted);
    for (const key of got) {
      assert.match(key, /^k\d+$/);
      assert.equal(await c.exists(key), 0);
    }
  } finally {
    sub.disconnect();
    c.disconnect();
    await server.close();
  }
});
