import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import { setActiveExpire } from '../../src/keyspace/expire.js';

let server: Server;
let redis: Redis;
/** Keyspace events since the last reset, as "event key". */
let events: string[] = [];

before(async () => {
  server = await startNodis();
  server.notifyHooks.push((_type, event, key) => {
    if (event !== 'keymiss' && event !== 'new') events.push(`${event} ${key}`);
  });
  redis = new Redis({ port: server.port, lazyConnect: true, enableReadyCheck: false });
  await redis.connect();
});

after(async () => {
  redis.disconnect();
  await server.close();
});

beforeEach(async () => {
  setActiveExpire(server, true);
  await redis.flushall();
  events = [];
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds, with a generous deadline (this is not a speed test). */
async function eventually(check: () => Promise<boolean>, what: string, deadlineMs = 60000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await sleep(50);
  }
}

test('the active expiry cycle removes 200k short-lived keys without any access', async () => {
  const n = 200000;
  for (let i = 0; i < n; i += 10000) {
    const p = redis.pipeline();
    for (let j = i; j < i + 10000; j++) p.set('tmp:' + j, 'v', 'PX', 200);
    await p.exec();
  }
  await redis.set('forever', 'v');
  await eventually(async () => (await redis.dbsize()) === 1, 'DBSIZE to drop to the one persistent key');
  assert.equal(await redis.get('forever'), 'v');
  assert.ok(server.stats.expiredKeys >= n);
  assert.equal(events.filter((e) => e.startsWith('expired ')).length, n);
});

test('the active cycle covers every database', async () => {
  for (const db of [0, 3, 15]) {
    await redis.select(db);
    await redis.set('k' + db, 'v', 'PX', 50);
  }
  await redis.select(0);
  await eventually(async () => server.dbs.every((d) => d.size === 0), 'all databases to empty');
});

/** Creates `key` with a TTL that has already passed, with the active cycle off so it stays. */
async function expiredKey(key: string, value = 'v'): Promise<void> {
  await redis.set(key, value, 'PX', 1);
  await sleep(10);
  events = [];
}

test('lazy expiry: every access path sees an expired key as missing and deletes it', async () => {
  setActiveExpire(server, false);
  const db = server.dbs[0]!;
  const cases: [string, () => Promise<unknown>, unknown][] = [
    ['GET', () => redis.get('k'), null],
    ['EXISTS', () => redis.exists('k'), 0],
    ['TYPE', () => redis.type('k'), 'none'],
    ['TTL', () => redis.ttl('k'), -2],
    ['PTTL', () => redis.pttl('k'), -2],
    ['EXPIRETIME', () => redis.call('EXPIRETIME', 'k'), -2],
    ['TOUCH', () => redis.touch('k'), 0],
    ['OBJECT ENCODING', () => redis.object('ENCODING', 'k'), null],
    ['DEL', () => redis.del('k'), 0],
    ['UNLINK', () => redis.unlink('k'), 0],
    ['EXPIRE', () => redis.expire('k', 100), 0],
    ['PERSIST', () => redis.persist('k'), 0],
    ['MOVE', () => redis.move('k', 1), 0],
    ['COPY', () => redis.copy('k', 'k2'), 0],
    ['RENAMENX', () => redis.renamenx('k', 'k2').catch((e: Error) => e.message), 'ERR no such key'],
    ['SETNX', () => redis.setnx('k', 'new'), 1],
    ['RANDOMKEY', () => redis.randomkey(), null],
    ['SCAN', () => redis.scan(0), ['0', []]],
  ];
  for (const [name, run, expected] of cases) {
    await redis.flushall();
    await expiredKey('k');
    assert.equal(db.size, 1, `${name}: the expired key is still stored before the access`);
    assert.deepEqual(await run(), expected, name);
    assert.ok(events.includes('expired k'), `${name} fires "expired" (got ${JSON.stringify(events)})`);
    if (name !== 'SETNX') assert.equal(db.size, 0, `${name} deleted the key`);
  }
});

test('lazy expiry: KEYS hides an expired key but leaves it to be deleted later; DBSIZE still counts it', async () => {
  setActiveExpire(server, false);
  await expiredKey('k');
  assert.deepEqual(await redis.keys('*'), []);
  assert.equal(await redis.dbsize(), 1);
  assert.deepEqual(events, []);
  assert.equal(await redis.get('k'), null);
  assert.equal(await redis.dbsize(), 0);
});

test('lazy expiry of the destination: RENAME, MOVE and COPY treat an expired target as absent', async () => {
  setActiveExpire(server, false);
  await redis.set('src', 'a');
  await expiredKey('dst');
  assert.equal(await redis.renamenx('src', 'dst'), 1);
  assert.equal(await redis.get('dst'), 'a');
  await redis.set('c', 'b');
  await expiredKey('c2');
  assert.equal(await redis.copy('c', 'c2'), 1);
  assert.equal(await redis.get('c2'), 'b');
  await redis.select(1);
  await expiredKey('m');
  await redis.select(0);
  await redis.set('m', 'moved');
  assert.equal(await redis.move('m', 1), 1);
  await redis.select(1);
  assert.equal(await redis.get('m'), 'moved');
  await redis.select(0);
});

test('a key lives through the very millisecond it expires at', async () => {
  setActiveExpire(server, false);
  await redis.set('k', 'v');
  const db = server.dbs[0]!;
  const when = Date.now() + 100000;
  db.setExpire(db.findSlot('k'), when);
  server.now = when;
  assert.ok(db.findSlot('k') >= 0);
  server.now = when + 1;
  assert.equal(db.findSlot('k'), -1);
  server.now = Date.now();
});

test('expire events: expire, persist, del for a time in the past, rename keeps the TTL', async () => {
  await redis.set('k', 'v');
  assert.equal(await redis.expire('k', 100), 1);
  assert.equal(await redis.persist('k'), 1);
  assert.equal(await redis.pexpire('k', 100000), 1);
  assert.equal(await redis.rename('k', 'k2'), 'OK');
  const ttl = await redis.pttl('k2');
  assert.ok(ttl > 90000 && ttl <= 100000);
  assert.equal(await redis.expire('k2', -1), 1);
  assert.equal(await redis.exists('k2'), 0);
  assert.deepEqual(events, ['set k', 'expire k', 'persist k', 'expire k', 'rename_from k', 'rename_to k2', 'del k2']);
});
