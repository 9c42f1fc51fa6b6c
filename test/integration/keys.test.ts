import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import { lruClock } from '../../src/keyspace/db.js';

let server: Server;
let redis: Redis;
/** Keyspace events since the last reset, as "event@db key". */
let events: string[] = [];

before(async () => {
  server = await startNodis();
  server.notifyHooks.push((_type, event, key, dbid) => events.push(`${event}@${dbid} ${key}`));
  redis = new Redis({ port: server.port, lazyConnect: true, enableReadyCheck: false });
  await redis.connect();
});

after(async () => {
  redis.disconnect();
  await server.close();
});

beforeEach(async () => {
  await redis.select(0);
  await redis.flushall();
  events = [];
});

/** A full SCAN, running `between` after every call (it may write). */
async function fullScan(args: (string | number)[] = [], between: () => Promise<void> = async () => {}): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = (await redis.call('SCAN', cursor, ...args)) as [string, string[]];
    seen.push(...keys);
    cursor = next;
    await between();
  } while (cursor !== '0');
  return seen;
}

test('SCAN returns every key that stays for the whole scan, while others come and go', async () => {
  const p = redis.pipeline();
  for (let i = 0; i < 5000; i++) p.set('stay:' + i, 'v');
  for (let i = 0; i < 5000; i++) p.set('churn:' + i, 'v');
  await p.exec();
  let n = 0;
  const seen = new Set(
    await fullScan(['COUNT', 50], async () => {
      // Delete old churn keys and add new ones, so the table shrinks and grows during the scan.
      const q = redis.pipeline();
      for (let j = 0; j < 100; j++, n++) {
        q.del('churn:' + n);
        if (n % 2 === 0) q.set('fresh:' + n, 'v');
      }
      await q.exec();
    }),
  );
  for (let i = 0; i < 5000; i++) assert.ok(seen.has('stay:' + i), 'stay:' + i);
});

test('SCAN COUNT, MATCH and TYPE', async () => {
  const p = redis.pipeline();
  for (let i = 0; i < 300; i++) p.set('user:' + i, 'v');
  for (let i = 0; i < 300; i++) p.set('item:' + i, 'v');
  await p.exec();
  const users = await fullScan(['MATCH', 'user:*', 'COUNT', 7]);
  assert.equal(new Set(users).size, 300);
  assert.ok(users.every((k) => k.startsWith('user:')));
  assert.equal(new Set(await fullScan(['TYPE', 'string', 'COUNT', 1000])).size, 600);
  assert.deepEqual(await fullScan(['TYPE', 'list']), []);
  // One call with COUNT 1 visits at least one bucket and returns a next cursor.
  const [cursor] = (await redis.call('SCAN', '0', 'COUNT', '1')) as [string, string[]];
  assert.notEqual(cursor, '0');
});

test('SWAPDB: a client selected on a database sees the swapped data', async () => {
  const other = new Redis({ port: server.port, lazyConnect: true, enableReadyCheck: false, db: 1 });
  await other.connect();
  try {
    await redis.set('here', '0');
    await other.set('there', '1');
    await redis.swapdb(0, 1);
    assert.equal(await redis.get('there'), '1');
    assert.equal(await other.get('here'), '0');
    assert.equal(await other.get('there'), null);
  } finally {
    other.disconnect();
  }
});

test('keyspace hits and misses are counted as Redis 7.0 counts them', async () => {
  await redis.set('a', '1');
  const hits0 = server.stats.keyspaceHits;
  const misses0 = server.stats.keyspaceMisses;
  await redis.copy('a', 'b'); // read lookup: hit
  await redis.copy('zz', 'b'); // miss
  await redis.rename('a', 'c'); // write lookups: not counted
  await redis.move('c', 1);
  await redis.expire('b', 100);
  await redis.persist('b');
  await redis.randomkey();
  await redis.keys('*');
  await redis.scan(0);
  await redis.scan(0, 'TYPE', 'string'); // a read lookup per key: hit
  await redis.object('ENCODING', 'b'); // hit
  await redis.object('ENCODING', 'zz'); // miss
  await redis.touch('b', 'zz'); // hit, miss
  await redis.exists('b', 'zz'); // hit, miss
  await redis.type('b'); // hit
  await redis.ttl('zz'); // miss
  assert.equal(server.stats.keyspaceHits - hits0, 6);
  assert.equal(server.stats.keyspaceMisses - misses0, 5);
});

test('keyspace events of the generic commands', async () => {
  await redis.set('a', 'v');
  await redis.rename('a', 'b');
  await redis.copy('b', 'c', 'DB', 2);
  await redis.move('b', 1);
  await redis.del('c', 'nokey');
  await redis.exists('nokey');
  await redis.object('ENCODING', 'nokey');
  assert.deepEqual(events, [
    'new@0 a',
    'set@0 a',
    'new@0 b',
    'rename_from@0 a',
    'rename_to@0 b',
    'new@2 c',
    'copy_to@2 c',
    'new@1 b',
    'move_from@0 b',
    'move_to@1 b',
    // DEL finds nothing (c is in db 2) and fires nothing; OBJECT never fires keymiss.
    'keymiss@0 nokey',
  ]);
});

test('WATCH hooks hear about every key a FLUSHDB, FLUSHALL or SWAPDB touches', async () => {
  const touched: string[] = [];
  const hook = (db: { id: number }, key: string): void => void touched.push(`${db.id}:${key}`);
  server.keyModifiedHooks.push(hook);
  try {
    await redis.set('x', '1');
    await redis.select(1);
    await redis.set('y', '1');
    touched.length = 0;
    await redis.swapdb(0, 1);
    assert.deepEqual(touched.sort(), ['0:x', '0:y', '1:x', '1:y']);
    touched.length = 0;
    await redis.flushdb();
    assert.deepEqual(touched, ['1:x']);
    touched.length = 0;
    await redis.flushall();
    assert.deepEqual(touched, ['0:y']);
  } finally {
    server.keyModifiedHooks.splice(server.keyModifiedHooks.indexOf(hook), 1);
  }
});

test('OBJECT IDLETIME follows the LRU clock: reads touch, OBJECT/TYPE/EXISTS/TTL do not', async () => {
  await redis.set('k', 'v');
  const db = server.dbs[0]!;
  const old = lruClock(Date.now() - 100000);
  db.table.setLru(db.findSlot('k'), old);
  await redis.type('k');
  await redis.exists('k');
  await redis.ttl('k');
  const idle = await redis.object('IDLETIME', 'k');
  assert.ok(typeof idle === 'number' && idle >= 99 && idle <= 102, String(idle));
  await redis.get('k');
  assert.ok(((await redis.object('IDLETIME', 'k')) as number) <= 1);
  // RENAME and MOVE carry the object's clock; COPY makes a fresh object.
  db.table.setLru(db.findSlot('k'), old);
  await redis.copy('k', 'fresh');
  assert.ok(((await redis.object('IDLETIME', 'fresh')) as number) <= 1);
});

test('OBJECT FREQ under an LFU policy starts at 5 and grows with accesses', async () => {
  server.config.set('maxmemory-policy', ['allkeys-lfu'], false);
  try {
    await redis.set('k', 'v');
    assert.equal(await redis.object('FREQ', 'k'), 5);
    const p = redis.pipeline();
    for (let i = 0; i < 2000; i++) p.get('k');
    await p.exec();
    const f = (await redis.object('FREQ', 'k')) as number;
    assert.ok(f > 5 && f <= 255, String(f));
    await assert.rejects(redis.object('IDLETIME', 'k'), /An LFU maxmemory policy is selected/);
  } finally {
    server.config.set('maxmemory-policy', ['noeviction'], false);
  }
  await assert.rejects(redis.object('FREQ', 'k'), /An LFU maxmemory policy is not selected/);
});

test('keys are bytes: binary and "__proto__" keys through RENAME, COPY, MOVE and KEYS', async () => {
  const bin = Buffer.from([0, 255, 13, 10]);
  await redis.set(bin, 'v');
  await redis.set('__proto__', 'p');
  assert.equal(await redis.rename(bin, Buffer.from([1, 255])), 'OK');
  assert.equal(await redis.copy('__proto__', 'constructor'), 1);
  const keys = (await redis.keysBuffer('*')).map((b) => b.toString('hex')).sort();
  assert.deepEqual(keys, [Buffer.from([1, 255]).toString('hex'), Buffer.from('__proto__').toString('hex'), Buffer.from('constructor').toString('hex')].sort());
  assert.equal(await redis.move(Buffer.from([1, 255]), 5), 1);
  await redis.select(5);
  assert.equal(await redis.get(Buffer.from([1, 255])), 'v');
});
