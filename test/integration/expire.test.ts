import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { useNodis } from '../helpers/compare.js';
import { setActiveExpire } from '../../src/keyspace/expire.js';

const env = useNodis();

beforeEach(() => {
  setActiveExpire(env.server, true);
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
    const p = env.nodis.pipeline();
    for (let j = i; j < i + 10000; j++) p.set('tmp:' + j, 'v', 'PX', 200);
    await p.exec();
  }
  await env.nodis.set('forever', 'v');
  await eventually(async () => (await env.nodis.dbsize()) === 1, 'DBSIZE to drop to the one persistent key');
  assert.equal(await env.nodis.get('forever'), 'v');
  assert.ok(env.server.stats.expiredKeys >= n);
  assert.equal(env.events.filter((e) => e.startsWith('expired ')).length, n);
});

test('the active cycle covers every database', async () => {
  for (const db of [0, 3, 15]) {
    await env.nodis.select(db);
    await env.nodis.set('k' + db, 'v', 'PX', 50);
  }
  await env.nodis.select(0);
  await eventually(async () => env.server.dbs.every((d) => d.size === 0), 'all databases to empty');
});

/** Creates `key` with a TTL that has already passed, with the active cycle off so it stays. */
async function expiredKey(key: string, value = 'v'): Promise<void> {
  await env.nodis.set(key, value, 'PX', 1);
  await sleep(10);
  env.events = [];
}

test('lazy expiry: every access path sees an expired key as missing and deletes it', async () => {
  setActiveExpire(env.server, false);
  const db = env.server.dbs[0]!;
  const cases: [string, () => Promise<unknown>, unknown][] = [
    ['GET', () => env.nodis.get('k'), null],
    ['EXISTS', () => env.nodis.exists('k'), 0],
    ['TYPE', () => env.nodis.type('k'), 'none'],
    ['TTL', () => env.nodis.ttl('k'), -2],
    ['PTTL', () => env.nodis.pttl('k'), -2],
    ['EXPIRETIME', () => env.nodis.call('EXPIRETIME', 'k'), -2],
    ['TOUCH', () => env.nodis.touch('k'), 0],
    ['OBJECT ENCODING', () => env.nodis.object('ENCODING', 'k'), null],
    ['DEL', () => env.nodis.del('k'), 0],
    ['UNLINK', () => env.nodis.unlink('k'), 0],
    ['EXPIRE', () => env.nodis.expire('k', 100), 0],
    ['PERSIST', () => env.nodis.persist('k'), 0],
    ['MOVE', () => env.nodis.move('k', 1), 0],
    ['COPY', () => env.nodis.copy('k', 'k2'), 0],
    ['RENAMENX', () => env.nodis.renamenx('k', 'k2').catch((e: Error) => e.message), 'ERR no such key'],
    ['SETNX', () => env.nodis.setnx('k', 'new'), 1],
    ['RANDOMKEY', () => env.nodis.randomkey(), null],
    ['SCAN', () => env.nodis.scan(0), ['0', []]],
  ];
  for (const [name, run, expected] of cases) {
    await env.nodis.flushall();
    await expiredKey('k');
    assert.equal(db.size, 1, `${name}: the expired key is still stored before the access`);
    assert.deepEqual(await run(), expected, name);
    assert.ok(env.events.includes('expired k'), `${name} fires "expired" (got ${JSON.stringify(env.events)})`);
    if (name !== 'SETNX') assert.equal(db.size, 0, `${name} deleted the key`);
  }
});

test('lazy expiry: KEYS hides an expired key but leaves it to be deleted later; DBSIZE still counts it', async () => {
  setActiveExpire(env.server, false);
  await expiredKey('k');
  assert.deepEqual(await env.nodis.keys('*'), []);
  assert.equal(await env.nodis.dbsize(), 1);
  assert.deepEqual(env.events, []);
  assert.equal(await env.nodis.get('k'), null);
  assert.equal(await env.nodis.dbsize(), 0);
});

test('lazy expiry of the destination: RENAME, MOVE and COPY treat an expired target as absent', async () => {
  setActiveExpire(env.server, false);
  await env.nodis.set('src', 'a');
  await expiredKey('dst');
  assert.equal(await env.nodis.renamenx('src', 'dst'), 1);
  assert.equal(await env.nodis.get('dst'), 'a');
  await env.nodis.set('c', 'b');
  await expiredKey('c2');
  assert.equal(await env.nodis.copy('c', 'c2'), 1);
  assert.equal(await env.nodis.get('c2'), 'b');
  await env.nodis.select(1);
  await expiredKey('m');
  await env.nodis.select(0);
  await env.nodis.set('m', 'moved');
  assert.equal(await env.nodis.move('m', 1), 1);
  await env.nodis.select(1);
  assert.equal(await env.nodis.get('m'), 'moved');
  await env.nodis.select(0);
});

test('a key lives through the very millisecond it expires at', async () => {
  setActiveExpire(env.server, false);
  await env.nodis.set('k', 'v');
  const db = env.server.dbs[0]!;
  const when = Date.now() + 100000;
  db.setExpire(db.findSlot('k'), when);
  env.server.now = when;
  assert.ok(db.findSlot('k') >= 0);
  env.server.now = when + 1;
  assert.equal(db.findSlot('k'), -1);
  env.server.now = Date.now();
});

test('expire events: expire, persist, del for a time in the past, rename keeps the TTL', async () => {
  await env.nodis.set('k', 'v');
  assert.equal(await env.nodis.expire('k', 100), 1);
  assert.equal(await env.nodis.persist('k'), 1);
  assert.equal(await env.nodis.pexpire('k', 100000), 1);
  assert.equal(await env.nodis.rename('k', 'k2'), 'OK');
  const ttl = await env.nodis.pttl('k2');
  assert.ok(ttl > 90000 && ttl <= 100000);
  assert.equal(await env.nodis.expire('k2', -1), 1);
  assert.equal(await env.nodis.exists('k2'), 0);
  assert.deepEqual(env.events, ['set k', 'expire k', 'persist k', 'expire k', 'rename_from k', 'rename_to k2', 'del k2']);
});
