import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis, startRedis, haveRedisServer } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import { HashValue } from '../../src/types/hash/hash-value.js';

let server: Server;
let redis: Redis;
/** Keyspace events fired since the last reset, as "event key". */
let events: string[] = [];
/** Keys signalled as modified (WATCH, tracking, blocked clients) since the last reset. */
let modified: string[] = [];

before(async () => {
  server = await startNodis();
  server.notifyHooks.push((_type, event, key) => {
    if (event !== 'keymiss') events.push(`${event} ${key}`);
  });
  server.keyModifiedHooks.push((_db, key) => modified.push(key));
  redis = new Redis({ port: server.port, lazyConnect: true, enableReadyCheck: false });
  await redis.connect();
});

after(async () => {
  redis.disconnect();
  await server.close();
});

beforeEach(async () => {
  await redis.flushall();
  await redis.config('SET', 'hash-max-listpack-entries', '512');
  events = [];
  modified = [];
});

test('every hash write fires its keyspace events and counts as dirty', async () => {
  const dirty0 = server.dirty;
  await redis.hset('h', 'a', '1', 'b', '2');
  await redis.hset('h', 'a', '3');
  await redis.hmset('h', 'c', '3');
  await redis.hsetnx('h', 'c', '4');
  await redis.hsetnx('h', 'd', '4');
  await redis.hincrby('h', 'n', 5);
  await redis.hincrbyfloat('h', 'f', '1.5');
  await assert.rejects(redis.hincrby('h', 'a', 'x'), /ERR value is not an integer or out of range/);
  await redis.hdel('h', 'nope');
  await redis.hdel('h', 'a', 'b');
  await redis.hget('h', 'c');
  await redis.hdel('h', 'c', 'd', 'n', 'f', 'zzz');
  assert.deepEqual(events, [
    'new h',
    'hset h',
    'hset h',
    'hset h',
    'hset h',
    'hincrby h',
    'hincrbyfloat h',
    'hdel h',
    'hdel h',
    'del h',
  ]);
  // HSET counts each pair, HDEL each removed field, the rest one per change.
  assert.equal(server.dirty - dirty0, 2 + 1 + 1 + 1 + 1 + 1 + 2 + 4);
  assert.equal(await redis.exists('h'), 0);
});

test('in-place changes signal the key; reads and no-op writes do not', async () => {
  await redis.hset('h', 'a', '1');
  modified = [];
  await redis.hget('h', 'a');
  await redis.hsetnx('h', 'a', '2');
  await redis.hdel('h', 'zz');
  assert.deepEqual(modified, []);
  await redis.hset('h', 'b', '2');
  await redis.hincrby('h', 'c', 1);
  await redis.hdel('h', 'b');
  assert.deepEqual(modified, ['h', 'h', 'h']);
});

test('binary fields and values round-trip, __proto__ included', async () => {
  const f = Buffer.from([0, 255, 13, 10]);
  const v = Buffer.from([128, 0, 1]);
  await redis.hset('h', f, v, '__proto__', 'p', 'constructor', 'c');
  assert.deepEqual(await redis.hgetBuffer('h', f), v);
  assert.equal(await redis.hget('h', '__proto__'), 'p');
  const all = await redis.hgetallBuffer('h');
  assert.equal(Object.keys(all).length, 3);
  assert.deepEqual(await redis.hstrlen('h', f), 3);
});

test('the encoding changes to hashtable past the limits and never back', async () => {
  await redis.config('SET', 'hash-max-listpack-entries', '8');
  for (let i = 0; i < 8; i++) await redis.hset('h', `f${i}`, String(i));
  assert.equal(await redis.object('ENCODING', 'h'), 'listpack');
  await redis.hset('h', 'f8', '8');
  assert.equal(await redis.object('ENCODING', 'h'), 'hashtable');
  await redis.hdel('h', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6');
  assert.equal(await redis.object('ENCODING', 'h'), 'hashtable');
  assert.deepEqual(await redis.hgetall('h'), { f7: '7', f8: '8' });
  const v = server.dbs[0]!.get('h', false);
  assert.ok(v instanceof HashValue);
  assert.equal(v.size, 2);
});

test('HSCAN of a big hashtable returns every field that stayed, under churn', async () => {
  const n = 2000;
  const args: string[] = [];
  for (let i = 0; i < n; i++) args.push(`f${i}`, String(i));
  await redis.hset('big', ...args);
  assert.equal(await redis.object('ENCODING', 'big'), 'hashtable');
  const seen = new Map<string, string>();
  let cursor = '0';
  let round = 0;
  do {
    const [next, flat] = await redis.hscan('big', cursor, 'COUNT', 37);
    assert.equal(flat.length % 2, 0);
    for (let i = 0; i < flat.length; i += 2) seen.set(flat[i]!, flat[i + 1]!);
    cursor = next;
    // Churn while scanning: delete some fields (the dict shrinks) and add others (it grows).
    round++;
    if (round % 3 === 0) await redis.hdel('big', `f${round * 7}`, `f${round * 7 + 1}`);
    if (round % 5 === 0) await redis.hset('big', `new${round}`, 'x');
  } while (cursor !== '0');
  const deleted = new Set<string>();
  for (let r = 1; r <= round; r++) if (r % 3 === 0) deleted.add(`f${r * 7}`).add(`f${r * 7 + 1}`);
  for (let i = 0; i < n; i++) {
    const f = `f${i}`;
    if (!deleted.has(f)) assert.equal(seen.get(f), String(i), `missed ${f}`);
  }
});

test('HSCAN MATCH filters fields but keeps the cursor walk', async () => {
  const args: string[] = [];
  for (let i = 0; i < 600; i++) args.push(i % 2 ? `odd${i}` : `even${i}`, 'v');
  await redis.hset('big', ...args);
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan('big', cursor, 'MATCH', 'odd*', 'COUNT', 50);
    for (let i = 0; i < flat.length; i += 2) {
      assert.match(flat[i]!, /^odd/);
      seen.add(flat[i]!);
    }
    cursor = next;
  } while (cursor !== '0');
  assert.equal(seen.size, 300);
});

test('HRANDFIELD: positive counts are distinct fields of the hash, negative ones may repeat', async () => {
  await redis.config('SET', 'hash-max-listpack-entries', '16');
  for (const size of [10, 100]) {
    const key = `h${size}`;
    const args: string[] = [];
    for (let i = 0; i < size; i++) args.push(`f${i}`, `v${i}`);
    await redis.hset(key, ...args);
    for (const count of [2, 5, 9, 40]) {
      const flat = (await redis.hrandfield(key, count, 'WITHVALUES')) as string[];
      const want = Math.min(count, size);
      assert.equal(flat.length, want * 2);
      const fields = new Set<string>();
      for (let i = 0; i < flat.length; i += 2) {
        assert.equal(flat[i + 1], 'v' + flat[i]!.slice(1));
        fields.add(flat[i]!);
      }
      assert.equal(fields.size, want);
    }
    const many = (await redis.hrandfield(key, -500)) as string[];
    assert.equal(many.length, 500);
    assert.ok(new Set(many).size < 500);
    for (const f of many) assert.match(f, /^f\d+$/);
  }
  // Every field turns up eventually: the sample is not stuck on a few.
  const seen = new Set<string>();
  for (let i = 0; i < 200 && seen.size < 10; i++) seen.add((await redis.hrandfield('h10')) as string);
  assert.equal(seen.size, 10);
});

test('COPY makes an independent hash', async () => {
  await redis.hset('src', 'a', '1');
  await redis.copy('src', 'dst');
  await redis.hset('dst', 'b', '2');
  await redis.hincrby('src', 'a', 5);
  assert.deepEqual(await redis.hgetall('src'), { a: '6' });
  assert.deepEqual(await redis.hgetall('dst'), { a: '1', b: '2' });
});

test('RESP3: HRANDFIELD WITHVALUES gives field-value pairs', async () => {
  const r3 = new Redis({ port: server.port, lazyConnect: true, enableReadyCheck: false });
  await r3.connect();
  try {
    await r3.call('HELLO', '3');
    await r3.hset('h', 'a', '1', 'b', '2');
    assert.deepEqual(await r3.call('HRANDFIELD', 'h', '2', 'WITHVALUES'), [
      ['a', '1'],
      ['b', '2'],
    ]);
  } finally {
    r3.disconnect();
  }
});

test('events, hits, misses and dirty match a real redis-server for the same commands', { skip: !haveRedisServer() }, async () => {
  const ref = await startRedis({ 'notify-keyspace-events': 'KEA' });
  const r = new Redis({ port: ref.port, lazyConnect: true, enableReadyCheck: false });
  const sub = new Redis({ port: ref.port, lazyConnect: true, enableReadyCheck: false });
  try {
    await r.connect();
    await sub.connect();
    const cmds: string[][] = [
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HSETNX', 'h', 'a', '2'],
      ['HINCRBY', 'h', 'n', '3'],
      ['HINCRBY', 'h', 'a', 'x'],
      ['HINCRBYFLOAT', 'h', 'f', '0.5'],
      ['HGET', 'h', 'a'],
      ['HGET', 'nokey', 'a'],
      ['HMGET', 'h', 'a', 'zz'],
      ['HEXISTS', 'nokey', 'a'],
      ['HRANDFIELD', 'nokey'],
      ['HSCAN', 'h', '0'],
      ['HGETALL', 'nokey'],
      ['HDEL', 'h', 'a', 'b', 'n', 'f'],
      ['HDEL', 'h', 'a'],
      ['HINCRBY', 'h2', 'x', '1'],
    ];
    const got: string[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((res) => (done = res));
    sub.on('pmessage', (_p: string, channel: string, key: string) => {
      if (key === 'end-marker') done();
      else got.push(`${channel.slice(channel.indexOf(':') + 1)} ${key}`);
    });
    await sub.psubscribe('__keyevent@0__:*');
    await r.config('RESETSTAT');
    await redis.config('RESETSTAT');
    const dirty0 = server.dirty;
    const info0 = (await r.info('persistence')) as string;
    const replies = async (client: Redis): Promise<unknown[]> => {
      const out: unknown[] = [];
      for (const [name, ...args] of cmds) out.push(await client.call(name!, ...args).catch((e: Error) => e.message));
      return out;
    };
    const want = await replies(r);
    const mine = await replies(redis);
    // Read before the end marker's SET, which is a change of its own.
    const info1 = (await r.info('persistence')) as string;
    await r.set('end-marker', '1');
    await finished;
    assert.deepEqual(mine, want);
    assert.deepEqual(
      events.filter((e) => !e.startsWith('new ')),
      got.filter((e) => !e.endsWith(' end-marker')),
    );
    const stats = (await r.info('stats')) as string;
    const num = (text: string, name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)![1]);
    assert.equal(server.stats.keyspaceHits, num(stats, 'keyspace_hits'));
    assert.equal(server.stats.keyspaceMisses, num(stats, 'keyspace_misses'));
    assert.equal(server.dirty - dirty0, num(info1, 'rdb_changes_since_last_save') - num(info0, 'rdb_changes_since_last_save'));
  } finally {
    sub.disconnect();
    r.disconnect();
    await ref.stop();
  }
});
