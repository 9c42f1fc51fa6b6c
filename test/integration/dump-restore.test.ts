import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNodis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { call, callOk, datasetCommands, diffKeyspaces, keyspaceOf, pipeline, text } from './rdb-keyspace.js';
import type { Server } from '../../src/index.js';
import type { ReplyValue } from '../../src/protocol/reply-reader.js';

/**
 * DUMP and RESTORE against redis-server 7.0.15 over the whole test dataset: payloads are
 * byte-identical wherever Redis's encoding is deterministic (every key of the dataset but the
 * hash-table ones, whose order is Redis's own), and each server's payloads restore in the other.
 */

const skip = !haveRedisServer();
let redis: RunningRedis | null = null;
let nodis: Server | null = null;
before(async () => {
  if (skip) return;
  redis = await startRedis();
  nodis = await startNodis();
  for (const port of [redis.port, nodis.port]) {
    const c = await RawClient.connect(port);
    await pipeline(c, datasetCommands());
    c.close();
  }
});
after(async () => {
  await redis?.stop();
  await nodis?.close();
});

function bulk(v: ReplyValue): string {
  assert.equal(v.t, 'bulk');
  return (v as { v: string }).v;
}

async function keysOf(c: RawClient): Promise<string[]> {
  const r = await callOk(c, 'KEYS', '*');
  return (r as { v: ReplyValue[] }).v.map(bulk);
}

/** Payload, encoding and OBJECT-level facts of every key in database 0. */
async function dumps(port: number): Promise<Map<string, { payload: string; encoding: string }>> {
  const c = await RawClient.connect(port);
  const out = new Map<string, { payload: string; encoding: string }>();
  for (const k of await keysOf(c)) {
    out.set(k, { payload: bulk(await callOk(c, 'DUMP', k)), encoding: text(await callOk(c, 'OBJECT', 'ENCODING', k)) });
  }
  c.close();
  return out;
}

test('DUMP payloads are byte-identical to redis-server for deterministic encodings', { skip }, async () => {
  const fromRedis = await dumps(redis!.port);
  const fromNodis = await dumps(nodis!.port);
  assert.deepEqual([...fromNodis.keys()].sort(), [...fromRedis.keys()].sort());
  let compared = 0;
  const differ: string[] = [];
  for (const [k, r] of fromRedis) {
    const n = fromNodis.get(k)!;
    assert.equal(n.encoding, r.encoding, `encoding of ${k}`);
    if (r.encoding === 'hashtable' || r.encoding === 'skiplist') continue;
    // Its consumer groups hold delivery and seen times: the wall clock of each server.
    if (k === 'stream:big') continue;
    compared++;
    if (n.payload !== r.payload) differ.push(k);
  }
  assert.deepEqual(differ, []);
  assert.ok(compared > 50, `compared ${compared} payloads`);
});

test('payloads restore across servers: Redis -> Nodis and Nodis -> Redis', { skip }, async () => {
  for (const [fromPort, toPort] of [
    [redis!.port, nodis!.port],
    [nodis!.port, redis!.port],
  ] as const) {
    const from = await RawClient.connect(fromPort);
    const to = await RawClient.connect(toPort);
    const keys = await keysOf(from);
    for (const k of keys) {
      const payload = bulk(await callOk(from, 'DUMP', k));
      const pexp = text(await callOk(from, 'PEXPIRETIME', k));
      await callOk(to, 'SELECT', '9');
      const args = ['RESTORE', k, pexp === '-1' ? '0' : pexp, payload, 'REPLACE'];
      if (pexp !== '-1') args.push('ABSTTL');
      assert.equal(text(await callOk(to, ...args)), 'OK');
      await callOk(to, 'SELECT', '0');
    }
    // Database 9 of the target now holds a copy of the source's database 0.
    await callOk(to, 'MOVE', 'x-nothing', '1').catch(() => undefined);
    const src = await keyspaceOf(fromPort);
    const dst = await keyspaceOf(toPort);
    const db0 = new Map([...src].filter(([k]) => k.startsWith('0|')).map(([k, v]) => ['9' + k.slice(1), v]));
    const db9 = new Map([...dst].filter(([k]) => k.startsWith('9|')));
    assert.equal(diffKeyspaces(db0, db9), '');
    await callOk(to, 'SELECT', '9');
    await callOk(to, 'FLUSHDB');
    from.close();
    to.close();
  }
});

test('RESTORE refuses a payload with a bad checksum, version or body', { skip }, async () => {
  const c = await RawClient.connect(nodis!.port);
  const good = bulk(await callOk(c, 'DUMP', 'list:small'));
  const flip = (s: string, i: number): string => s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 1) + s.slice(i + 1);
  const errOf = async (p: string): Promise<string> => {
    const v = await call(c, 'RESTORE', 'bad', '0', p);
    return v.t === 'error' ? v.v : 'no error';
  };
  assert.equal(await errOf(flip(good, 5)), 'ERR DUMP payload version or checksum are wrong');
  assert.equal(await errOf(flip(good, good.length - 10 + 1)), 'ERR DUMP payload version or checksum are wrong');
  // A bad body with a matching checksum: the value does not parse.
  const { crc64 } = await import('../../src/persistence/rdb/crc64.js');
  const body = '\x12\x01\x02\x05abcde' + '\x0a\x00';
  const sum = crc64(Buffer.from(body, 'latin1')).latin1Slice(0, 8);
  assert.equal(await errOf(body + sum), 'ERR Bad data format');
  c.close();
});
