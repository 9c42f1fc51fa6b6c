import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import type { ObjectValue } from '../../src/keyspace/db.js';

let server: Server;
let redis: Redis;
/** Keyspace events fired since the last reset, as "event key". */
let events: string[] = [];

before(async () => {
  server = await startNodis();
  server.notifyHooks.push((_type, event, key) => {
    if (event !== 'keymiss' && event !== 'new') events.push(`${event} ${key}`);
  });
  // No ready check: it needs INFO, which this test does not depend on.
  redis = new Redis({ port: server.port, lazyConnect: true, enableReadyCheck: false });
  await redis.connect();
});

after(async () => {
  redis.disconnect();
  await server.close();
});

beforeEach(async () => {
  await redis.flushall();
  events = [];
});

test('binary values survive every write path byte for byte', async () => {
  const bin = Buffer.from([0, 255, 13, 10, 128, 0]);
  await redis.set('k', bin);
  assert.deepEqual(await redis.getBuffer('k'), bin);
  await redis.append('k', Buffer.from([0xfe]));
  assert.deepEqual(await redis.getBuffer('k'), Buffer.concat([bin, Buffer.from([0xfe])]));
  assert.equal(await redis.setrange('k', 8, Buffer.from([1])), 9);
  assert.deepEqual(await redis.getrangeBuffer('k', 6, 8), Buffer.from([0xfe, 0, 1]));
  await redis.mset(Buffer.from([0xff]), Buffer.from([0x00, 0x01]));
  assert.deepEqual(await redis.mgetBuffer(Buffer.from([0xff]), 'missing'), [Buffer.from([0, 1]), null]);
  assert.deepEqual(await redis.getdelBuffer(Buffer.from([0xff])), Buffer.from([0, 1]));
  assert.equal(await redis.exists(Buffer.from([0xff])), 0);
});

test('counters cover the full int64 range and refuse overflow', async () => {
  assert.equal(await redis.incr('n'), 1);
  assert.equal(await redis.decrby('n', 11), -10);
  await redis.set('n', '9223372036854775806');
  assert.equal(await redis.call('INCR', 'n'), 9223372036854775807);
  await assert.rejects(redis.incr('n'), /ERR increment or decrement would overflow/);
  assert.equal(await redis.get('n'), '9223372036854775807');
  await assert.rejects(redis.decrby('n', '-9223372036854775808'), /ERR decrement would overflow/);
  await redis.set('n', '01');
  await assert.rejects(redis.incr('n'), /ERR value is not an integer or out of range/);
});

test('INCRBYFLOAT uses long double arithmetic', async () => {
  assert.equal(await redis.incrbyfloat('f', '0.1'), '0.1');
  assert.equal(await redis.incrbyfloat('f', '0.2'), '0.3');
  assert.equal(await redis.incrbyfloat('f', '-0.3'), '0');
  await assert.rejects(redis.incrbyfloat('f', 'inf'), /ERR increment would produce NaN or Infinity/);
  await assert.rejects(redis.incrbyfloat('f', 'abc'), /ERR value is not a valid float/);
  assert.equal(await redis.object('ENCODING', 'f'), 'embstr');
});

test('writes keep or drop the TTL as Redis does', async () => {
  await redis.set('t', '1', 'EX', 100);
  await redis.incr('t');
  await redis.append('t', '0');
  await redis.setrange('t', 0, '3');
  await redis.incrbyfloat('t', '1');
  assert.equal(await redis.ttl('t'), 100);
  await redis.getset('t', 'x');
  assert.equal(await redis.ttl('t'), -1);
  await redis.getex('t', 'EX', 50);
  assert.equal(await redis.ttl('t'), 50);
  await redis.getex('t', 'PERSIST');
  assert.equal(await redis.ttl('t'), -1);
});

test('each write fires its keyspace event and counts as dirty', async () => {
  const dirty0 = server.dirty;
  await redis.set('a', '1');
  await redis.setex('b', 10, 'v');
  await redis.append('a', '2');
  await redis.setrange('a', 0, 'x');
  await redis.setrange('a', 0, '');
  await redis.incr('c');
  await redis.decrby('c', 2);
  await redis.incrbyfloat('c', '1.5');
  await redis.mset('d', '1', 'e', '2');
  await redis.msetnx('d', '1', 'f', '2');
  await redis.getex('a', 'PX', 100000);
  await redis.getex('a', 'PERSIST');
  await redis.getex('a', 'PERSIST');
  await redis.getdel('a');
  await redis.getdel('a');
  await redis.getset('g', 'v');
  await redis.get('g');
  await redis.call('LCS', 'g', 'b');
  await redis.set('h', 'v');
  await redis.getex('h', 'EXAT', 1);
  assert.deepEqual(events, [
    'set a',
    'set b',
    'expire b',
    'append a',
    'setrange a',
    'incrby c',
    'incrby c',
    'incrbyfloat c',
    'set d',
    'set e',
    'expire a',
    'persist a',
    'del a',
    'set g',
    'set h',
    'del h',
  ]);
  // One per write that changed something; MSET counts each key.
  assert.equal(server.dirty - dirty0, 15);
});

test('LCS replies through a real client', async () => {
  await redis.mset('key1', 'ohmytext', 'key2', 'mynewtext');
  assert.equal(await redis.call('LCS', 'key1', 'key2'), 'mytext');
  assert.equal(await redis.call('LCS', 'key1', 'key2', 'LEN'), 6);
  assert.deepEqual(await redis.call('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
});

/** A stand-in for a non-string value until the other types exist. */
const fakeList: ObjectValue = {
  type: 'list',
  encoding: () => 'quicklist',
  clone: () => fakeList,
};

test('wrong types: the replies and their precedence match redis-server 7.0.15', async () => {
  server.dbs[0]!.add('l', fakeList);
  const wrongType = /^WRONGTYPE Operation against a key holding the wrong kind of value$/;
  const cases: [string[], RegExp | string | null | number | (string | null)[]][] = [
    [['GET', 'l'], wrongType],
    [['SET', 'l', 'v', 'GET'], wrongType],
    [['GETEX', 'l'], wrongType],
    [['GETEX', 'l', 'EX', 'abc'], wrongType],
    [['GETEX', 'l', 'FOO'], /^ERR syntax error$/],
    [['GETDEL', 'l'], wrongType],
    [['GETSET', 'l', 'v'], wrongType],
    [['MGET', 'l', 'x'], [null, null]],
    [['APPEND', 'l', 'x'], wrongType],
    [['STRLEN', 'l'], wrongType],
    [['GETRANGE', 'l', '0', '1'], wrongType],
    [['GETRANGE', 'l', 'a', '1'], /^ERR value is not an integer or out of range$/],
    [['SUBSTR', 'l', '0', '1'], wrongType],
    [['SETRANGE', 'l', '0', 'x'], wrongType],
    [['SETRANGE', 'l', '-1', 'x'], /^ERR offset is out of range$/],
    [['SETRANGE', 'l', '0', ''], wrongType],
    [['INCR', 'l'], wrongType],
    [['DECR', 'l'], wrongType],
    [['INCRBY', 'l', '1'], wrongType],
    [['INCRBY', 'l', 'x'], /^ERR value is not an integer or out of range$/],
    [['DECRBY', 'l', '1'], wrongType],
    [['INCRBYFLOAT', 'l', '1'], wrongType],
    [['INCRBYFLOAT', 'l', 'x'], wrongType],
    [['LCS', 'l', 'x'], /^ERR The specified keys must contain string values$/],
    [['LCS', 'x', 'l', 'FOO'], /^ERR The specified keys must contain string values$/],
    [['SETNX', 'l', 'v'], 0],
    [['MSETNX', 'l', 'v'], 0],
  ];
  for (const [argv, want] of cases) {
    const [cmd, ...args] = argv as [string, ...string[]];
    if (want instanceof RegExp) await assert.rejects(redis.call(cmd, ...args), (e: Error) => want.test(e.message), argv.join(' '));
    else assert.deepEqual(await redis.call(cmd, ...args), want, argv.join(' '));
  }
  assert.equal(await redis.type('l'), 'list');
  assert.equal(await redis.set('l', 'v', 'XX'), 'OK');
  assert.equal(await redis.type('l'), 'string');
});
