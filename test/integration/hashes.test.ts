import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from '../helpers/servers.js';
import { infoNumber, redisKeyevents, run, skipRedis, testClient, useNodis, type Cmd } from '../helpers/compare.js';
import { HashValue } from '../../src/types/hash/hash-value.js';

// Events as "event key", "new" included.
const env = useNodis({ events: (_type, event, key) => (event === 'keymiss' ? null : `${event} ${key}`) });

beforeEach(async () => {
  await env.nodis.config('SET', 'hash-max-listpack-entries', '512');
});

test('every hash write fires its keyspace events and counts as dirty', async () => {
  const dirty0 = env.server.dirty;
  await env.nodis.hset('h', 'a', '1', 'b', '2');
  await env.nodis.hset('h', 'a', '3');
  await env.nodis.hmset('h', 'c', '3');
  await env.nodis.hsetnx('h', 'c', '4');
  await env.nodis.hsetnx('h', 'd', '4');
  await env.nodis.hincrby('h', 'n', 5);
  await env.nodis.hincrbyfloat('h', 'f', '1.5');
  await assert.rejects(env.nodis.hincrby('h', 'a', 'x'), /ERR value is not an integer or out of range/);
  await env.nodis.hdel('h', 'nope');
  await env.nodis.hdel('h', 'a', 'b');
  await env.nodis.hget('h', 'c');
  await env.nodis.hdel('h', 'c', 'd', 'n', 'f', 'zzz');
  assert.deepEqual(env.events, [
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
  assert.equal(env.server.dirty - dirty0, 2 + 1 + 1 + 1 + 1 + 1 + 2 + 4);
  assert.equal(await env.nodis.exists('h'), 0);
});

test('in-place changes signal the key; reads and no-op writes do not', async () => {
  await env.nodis.hset('h', 'a', '1');
  env.modified = [];
  await env.nodis.hget('h', 'a');
  await env.nodis.hsetnx('h', 'a', '2');
  await env.nodis.hdel('h', 'zz');
  assert.deepEqual(env.modified, []);
  await env.nodis.hset('h', 'b', '2');
  await env.nodis.hincrby('h', 'c', 1);
  await env.nodis.hdel('h', 'b');
  assert.deepEqual(env.modified, ['h', 'h', 'h']);
});

test('binary fields and values round-trip, __proto__ included', async () => {
  const f = Buffer.from([0, 255, 13, 10]);
  const v = Buffer.from([128, 0, 1]);
  await env.nodis.hset('h', f, v, '__proto__', 'p', 'constructor', 'c');
  assert.deepEqual(await env.nodis.hgetBuffer('h', f), v);
  assert.equal(await env.nodis.hget('h', '__proto__'), 'p');
  const all = await env.nodis.hgetallBuffer('h');
  assert.equal(Object.keys(all).length, 3);
  assert.deepEqual(await env.nodis.hstrlen('h', f), 3);
});

test('the encoding changes to hashtable past the limits and never back', async () => {
  await env.nodis.config('SET', 'hash-max-listpack-entries', '8');
  for (let i = 0; i < 8; i++) await env.nodis.hset('h', `f${i}`, String(i));
  assert.equal(await env.nodis.object('ENCODING', 'h'), 'listpack');
  await env.nodis.hset('h', 'f8', '8');
  assert.equal(await env.nodis.object('ENCODING', 'h'), 'hashtable');
  await env.nodis.hdel('h', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6');
  assert.equal(await env.nodis.object('ENCODING', 'h'), 'hashtable');
  assert.deepEqual(await env.nodis.hgetall('h'), { f7: '7', f8: '8' });
  const v = env.server.dbs[0]!.get('h', false);
  assert.ok(v instanceof HashValue);
  assert.equal(v.size, 2);
});

test('HSCAN of a big hashtable returns every field that stayed, under churn', async () => {
  const n = 2000;
  const args: string[] = [];
  for (let i = 0; i < n; i++) args.push(`f${i}`, String(i));
  await env.nodis.hset('big', ...args);
  assert.equal(await env.nodis.object('ENCODING', 'big'), 'hashtable');
  const seen = new Map<string, string>();
  let cursor = '0';
  let round = 0;
  do {
    const [next, flat] = await env.nodis.hscan('big', cursor, 'COUNT', 37);
    assert.equal(flat.length % 2, 0);
    for (let i = 0; i < flat.length; i += 2) seen.set(flat[i]!, flat[i + 1]!);
    cursor = next;
    // Churn while scanning: delete some fields (the dict shrinks) and add others (it grows).
    round++;
    if (round % 3 === 0) await env.nodis.hdel('big', `f${round * 7}`, `f${round * 7 + 1}`);
    if (round % 5 === 0) await env.nodis.hset('big', `new${round}`, 'x');
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
  await env.nodis.hset('big', ...args);
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, flat] = await env.nodis.hscan('big', cursor, 'MATCH', 'odd*', 'COUNT', 50);
    for (let i = 0; i < flat.length; i += 2) {
      assert.match(flat[i]!, /^odd/);
      seen.add(flat[i]!);
    }
    cursor = next;
  } while (cursor !== '0');
  assert.equal(seen.size, 300);
});

test('HRANDFIELD: positive counts are distinct fields of the hash, negative ones may repeat', async () => {
  await env.nodis.config('SET', 'hash-max-listpack-entries', '16');
  for (const size of [10, 100]) {
    const key = `h${size}`;
    const args: string[] = [];
    for (let i = 0; i < size; i++) args.push(`f${i}`, `v${i}`);
    await env.nodis.hset(key, ...args);
    for (const count of [2, 5, 9, 40]) {
      const flat = (await env.nodis.hrandfield(key, count, 'WITHVALUES')) as string[];
      const want = Math.min(count, size);
      assert.equal(flat.length, want * 2);
      const fields = new Set<string>();
      for (let i = 0; i < flat.length; i += 2) {
        assert.equal(flat[i + 1], 'v' + flat[i]!.slice(1));
        fields.add(flat[i]!);
      }
      assert.equal(fields.size, want);
    }
    const many = (await env.nodis.hrandfield(key, -500)) as string[];
    assert.equal(many.length, 500);
    assert.ok(new Set(many).size < 500);
    for (const f of many) assert.match(f, /^f\d+$/);
  }
  // Every field turns up eventually: the sample is not stuck on a few.
  const seen = new Set<string>();
  for (let i = 0; i < 200 && seen.size < 10; i++) seen.add((await env.nodis.hrandfield('h10')) as string);
  assert.equal(seen.size, 10);
});

test('COPY makes an independent hash', async () => {
  await env.nodis.hset('src', 'a', '1');
  await env.nodis.copy('src', 'dst');
  await env.nodis.hset('dst', 'b', '2');
  await env.nodis.hincrby('src', 'a', 5);
  assert.deepEqual(await env.nodis.hgetall('src'), { a: '6' });
  assert.deepEqual(await env.nodis.hgetall('dst'), { a: '1', b: '2' });
});

test('RESP3: HRANDFIELD WITHVALUES gives field-value pairs', async () => {
  const r3 = testClient(env.server.port);
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

test('events, hits, misses and dirty match a real redis-server for the same commands', { skip: skipRedis }, async () => {
  const ref = await startRedis({ 'notify-keyspace-events': 'KEA' });
  const r = testClient(ref.port);
  try {
    await r.connect();
    const cmds: Cmd[] = [
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
    await r.config('RESETSTAT');
    await env.nodis.config('RESETSTAT');
    const dirty0 = env.server.dirty;
    const info0 = (await r.info('persistence')) as string;
    let want: unknown[] = [];
    let mine: unknown[] = [];
    let info1 = '';
    const got = await redisKeyevents(r, async () => {
      want = await run(r, cmds);
      mine = await run(env.nodis, cmds);
      // Read before the end marker's SET, which is a change of its own.
      info1 = (await r.info('persistence')) as string;
    });
    assert.deepEqual(mine, want);
    assert.deepEqual(
      env.events.filter((e) => !e.startsWith('new ')),
      got,
    );
    const stats = (await r.info('stats')) as string;
    assert.equal(env.server.stats.keyspaceHits, infoNumber(stats, 'keyspace_hits'));
    assert.equal(env.server.stats.keyspaceMisses, infoNumber(stats, 'keyspace_misses'));
    assert.equal(env.server.dirty - dirty0, infoNumber(info1, 'rdb_changes_since_last_save') - infoNumber(info0, 'rdb_changes_since_last_save'));
  } finally {
    r.disconnect();
    await ref.stop();
  }
});
