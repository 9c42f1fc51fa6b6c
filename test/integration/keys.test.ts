import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { testClient, useNodis } from '../helpers/compare.js';
import { lruClock } from '../../src/keyspace/db.js';

// Events as "event@db key", every class.
const env = useNodis({ events: (_type, event, key, dbid) => `${event}@${dbid} ${key}` });

beforeEach(async () => {
  await env.nodis.select(0);
});

/** A full SCAN, running `between` after every call (it may write). */
async function fullScan(args: (string | number)[] = [], between: () => Promise<void> = async () => {}): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = (await env.nodis.call('SCAN', cursor, ...args)) as [string, string[]];
    seen.push(...keys);
    cursor = next;
    await between();
  } while (cursor !== '0');
  return seen;
}

test('SCAN returns every key that stays for the whole scan, while others come and go', async () => {
  const p = env.nodis.pipeline();
  for (let i = 0; i < 5000; i++) p.set('stay:' + i, 'v');
  for (let i = 0; i < 5000; i++) p.set('churn:' + i, 'v');
  await p.exec();
  let n = 0;
  const seen = new Set(
    await fullScan(['COUNT', 50], async () => {
      // Delete old churn keys and add new ones, so the table shrinks and grows during the scan.
      const q = env.nodis.pipeline();
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
  const p = env.nodis.pipeline();
  for (let i = 0; i < 300; i++) p.set('user:' + i, 'v');
  for (let i = 0; i < 300; i++) p.set('item:' + i, 'v');
  await p.exec();
  const users = await fullScan(['MATCH', 'user:*', 'COUNT', 7]);
  assert.equal(new Set(users).size, 300);
  assert.ok(users.every((k) => k.startsWith('user:')));
  assert.equal(new Set(await fullScan(['TYPE', 'string', 'COUNT', 1000])).size, 600);
  assert.deepEqual(await fullScan(['TYPE', 'list']), []);
  // One call with COUNT 1 visits at least one bucket and returns a next cursor.
  const [cursor] = (await env.nodis.call('SCAN', '0', 'COUNT', '1')) as [string, string[]];
  assert.notEqual(cursor, '0');
});

test('SWAPDB: a client selected on a database sees the swapped data', async () => {
  const other = testClient(env.server.port, { db: 1 });
  await other.connect();
  try {
    await env.nodis.set('here', '0');
    await other.set('there', '1');
    await env.nodis.swapdb(0, 1);
    assert.equal(await env.nodis.get('there'), '1');
    assert.equal(await other.get('here'), '0');
    assert.equal(await other.get('there'), null);
  } finally {
    other.disconnect();
  }
});

test('keyspace hits and misses are counted as Redis 7.0 counts them', async () => {
  await env.nodis.set('a', '1');
  const hits0 = env.server.stats.keyspaceHits;
  const misses0 = env.server.stats.keyspaceMisses;
  await env.nodis.copy('a', 'b'); // read lookup: hit
  await env.nodis.copy('zz', 'b'); // miss
  await env.nodis.rename('a', 'c'); // write lookups: not counted
  await env.nodis.move('c', 1);
  await env.nodis.expire('b', 100);
  await env.nodis.persist('b');
  await env.nodis.randomkey();
  await env.nodis.keys('*');
  await env.nodis.scan(0);
  await env.nodis.scan(0, 'TYPE', 'string'); // a read lookup per key: hit
  await env.nodis.object('ENCODING', 'b'); // hit
  await env.nodis.object('ENCODING', 'zz'); // miss
  await env.nodis.touch('b', 'zz'); // hit, miss
  await env.nodis.exists('b', 'zz'); // hit, miss
  await env.nodis.type('b'); // hit
  await env.nodis.ttl('zz'); // miss
  assert.equal(env.server.stats.keyspaceHits - hits0, 6);
  assert.equal(env.server.stats.keyspaceMisses - misses0, 5);
});

test('keyspace events of the generic commands', async () => {
  await env.nodis.set('a', 'v');
  await env.nodis.rename('a', 'b');
  await env.nodis.copy('b', 'c', 'DB', 2);
  await env.nodis.move('b', 1);
  await env.nodis.del('c', 'nokey');
  await env.nodis.exists('nokey');
  await env.nodis.object('ENCODING', 'nokey');
  assert.deepEqual(env.events, [
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
  env.server.keyModifiedHooks.push(hook);
  try {
    await env.nodis.set('x', '1');
    await env.nodis.select(1);
    await env.nodis.set('y', '1');
    touched.length = 0;
    await env.nodis.swapdb(0, 1);
    assert.deepEqual(touched.sort(), ['0:x', '0:y', '1:x', '1:y']);
    touched.length = 0;
    await env.nodis.flushdb();
    assert.deepEqual(touched, ['1:x']);
    touched.length = 0;
    await env.nodis.flushall();
    assert.deepEqual(touched, ['0:y']);
  } finally {
    env.server.keyModifiedHooks.splice(env.server.keyModifiedHooks.indexOf(hook), 1);
  }
});

test('OBJECT IDLETIME follows the LRU clock: reads touch, OBJECT/TYPE/EXISTS/TTL do not', async () => {
  await env.nodis.set('k', 'v');
  const db = env.server.dbs[0]!;
  const old = lruClock(Date.now() - 100000);
  db.table.setLru(db.findSlot('k'), old);
  await env.nodis.type('k');
  await env.nodis.exists('k');
  await env.nodis.ttl('k');
  const idle = await env.nodis.object('IDLETIME', 'k');
  assert.ok(typeof idle === 'number' && idle >= 99 && idle <= 102, String(idle));
  await env.nodis.get('k');
  assert.ok(((await env.nodis.object('IDLETIME', 'k')) as number) <= 1);
  // RENAME and MOVE carry the object's clock; COPY makes a fresh object.
  db.table.setLru(db.findSlot('k'), old);
  await env.nodis.copy('k', 'fresh');
  assert.ok(((await env.nodis.object('IDLETIME', 'fresh')) as number) <= 1);
});

test('OBJECT FREQ under an LFU policy starts at 5 and grows with accesses', async () => {
  env.server.config.set('maxmemory-policy', ['allkeys-lfu'], false);
  try {
    await env.nodis.set('k', 'v');
    assert.equal(await env.nodis.object('FREQ', 'k'), 5);
    const p = env.nodis.pipeline();
    for (let i = 0; i < 2000; i++) p.get('k');
    await p.exec();
    const f = (await env.nodis.object('FREQ', 'k')) as number;
    assert.ok(f > 5 && f <= 255, String(f));
    await assert.rejects(env.nodis.object('IDLETIME', 'k'), /An LFU maxmemory policy is selected/);
  } finally {
    env.server.config.set('maxmemory-policy', ['noeviction'], false);
  }
  await assert.rejects(env.nodis.object('FREQ', 'k'), /An LFU maxmemory policy is not selected/);
});

test('keys are bytes: binary and "__proto__" keys through RENAME, COPY, MOVE and KEYS', async () => {
  const bin = Buffer.from([0, 255, 13, 10]);
  await env.nodis.set(bin, 'v');
  await env.nodis.set('__proto__', 'p');
  assert.equal(await env.nodis.rename(bin, Buffer.from([1, 255])), 'OK');
  assert.equal(await env.nodis.copy('__proto__', 'constructor'), 1);
  const keys = (await env.nodis.keysBuffer('*')).map((b) => b.toString('hex')).sort();
  assert.deepEqual(keys, [Buffer.from([1, 255]).toString('hex'), Buffer.from('__proto__').toString('hex'), Buffer.from('constructor').toString('hex')].sort());
  assert.equal(await env.nodis.move(Buffer.from([1, 255]), 5), 1);
  await env.nodis.select(5);
  assert.equal(await env.nodis.get(Buffer.from([1, 255])), 'v');
});
