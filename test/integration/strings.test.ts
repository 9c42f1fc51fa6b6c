import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useNodis } from '../helpers/compare.js';
import type { ObjectValue } from '../../src/keyspace/db.js';

const env = useNodis();

test('binary values survive every write path byte for byte', async () => {
  const bin = Buffer.from([0, 255, 13, 10, 128, 0]);
  await env.nodis.set('k', bin);
  assert.deepEqual(await env.nodis.getBuffer('k'), bin);
  await env.nodis.append('k', Buffer.from([0xfe]));
  assert.deepEqual(await env.nodis.getBuffer('k'), Buffer.concat([bin, Buffer.from([0xfe])]));
  assert.equal(await env.nodis.setrange('k', 8, Buffer.from([1])), 9);
  assert.deepEqual(await env.nodis.getrangeBuffer('k', 6, 8), Buffer.from([0xfe, 0, 1]));
  await env.nodis.mset(Buffer.from([0xff]), Buffer.from([0x00, 0x01]));
  assert.deepEqual(await env.nodis.mgetBuffer(Buffer.from([0xff]), 'missing'), [Buffer.from([0, 1]), null]);
  assert.deepEqual(await env.nodis.getdelBuffer(Buffer.from([0xff])), Buffer.from([0, 1]));
  assert.equal(await env.nodis.exists(Buffer.from([0xff])), 0);
});

test('counters cover the full int64 range and refuse overflow', async () => {
  assert.equal(await env.nodis.incr('n'), 1);
  assert.equal(await env.nodis.decrby('n', 11), -10);
  await env.nodis.set('n', '9223372036854775806');
  assert.equal(await env.nodis.call('INCR', 'n'), 9223372036854775807);
  await assert.rejects(env.nodis.incr('n'), /ERR increment or decrement would overflow/);
  assert.equal(await env.nodis.get('n'), '9223372036854775807');
  await assert.rejects(env.nodis.decrby('n', '-9223372036854775808'), /ERR decrement would overflow/);
  await env.nodis.set('n', '01');
  await assert.rejects(env.nodis.incr('n'), /ERR value is not an integer or out of range/);
});

test('INCRBYFLOAT uses long double arithmetic', async () => {
  assert.equal(await env.nodis.incrbyfloat('f', '0.1'), '0.1');
  assert.equal(await env.nodis.incrbyfloat('f', '0.2'), '0.3');
  assert.equal(await env.nodis.incrbyfloat('f', '-0.3'), '0');
  await assert.rejects(env.nodis.incrbyfloat('f', 'inf'), /ERR increment would produce NaN or Infinity/);
  await assert.rejects(env.nodis.incrbyfloat('f', 'abc'), /ERR value is not a valid float/);
  assert.equal(await env.nodis.object('ENCODING', 'f'), 'embstr');
});

test('writes keep or drop the TTL as Redis does', async () => {
  await env.nodis.set('t', '1', 'EX', 100);
  await env.nodis.incr('t');
  await env.nodis.append('t', '0');
  await env.nodis.setrange('t', 0, '3');
  await env.nodis.incrbyfloat('t', '1');
  assert.equal(await env.nodis.ttl('t'), 100);
  await env.nodis.getset('t', 'x');
  assert.equal(await env.nodis.ttl('t'), -1);
  await env.nodis.getex('t', 'EX', 50);
  assert.equal(await env.nodis.ttl('t'), 50);
  await env.nodis.getex('t', 'PERSIST');
  assert.equal(await env.nodis.ttl('t'), -1);
});

test('each write fires its keyspace event and counts as dirty', async () => {
  const dirty0 = env.server.dirty;
  await env.nodis.set('a', '1');
  await env.nodis.setex('b', 10, 'v');
  await env.nodis.append('a', '2');
  await env.nodis.setrange('a', 0, 'x');
  await env.nodis.setrange('a', 0, '');
  await env.nodis.incr('c');
  await env.nodis.decrby('c', 2);
  await env.nodis.incrbyfloat('c', '1.5');
  await env.nodis.mset('d', '1', 'e', '2');
  await env.nodis.msetnx('d', '1', 'f', '2');
  await env.nodis.getex('a', 'PX', 100000);
  await env.nodis.getex('a', 'PERSIST');
  await env.nodis.getex('a', 'PERSIST');
  await env.nodis.getdel('a');
  await env.nodis.getdel('a');
  await env.nodis.getset('g', 'v');
  await env.nodis.get('g');
  await env.nodis.call('LCS', 'g', 'b');
  await env.nodis.set('h', 'v');
  await env.nodis.getex('h', 'EXAT', 1);
  assert.deepEqual(env.events, [
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
  assert.equal(env.server.dirty - dirty0, 15);
});

test('LCS replies through a real client', async () => {
  await env.nodis.mset('key1', 'ohmytext', 'key2', 'mynewtext');
  assert.equal(await env.nodis.call('LCS', 'key1', 'key2'), 'mytext');
  assert.equal(await env.nodis.call('LCS', 'key1', 'key2', 'LEN'), 6);
  assert.deepEqual(await env.nodis.call('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
});

/** A stand-in for a non-string value until the other types exist. */
const fakeList: ObjectValue = {
  type: 'list',
  encoding: () => 'quicklist',
  clone: () => fakeList,
};

test('wrong types: the replies and their precedence match redis-server 7.0.15', async () => {
  env.server.dbs[0]!.add('l', fakeList);
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
    if (want instanceof RegExp) await assert.rejects(env.nodis.call(cmd, ...args), (e: Error) => want.test(e.message), argv.join(' '));
    else assert.deepEqual(await env.nodis.call(cmd, ...args), want, argv.join(' '));
  }
  assert.equal(await env.nodis.type('l'), 'list');
  assert.equal(await env.nodis.set('l', 'v', 'XX'), 'OK');
  assert.equal(await env.nodis.type('l'), 'string');
});
