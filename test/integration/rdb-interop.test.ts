import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis, startNodis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { callOk, datasetCommands, diffKeyspaces, keyspaceOf, pipeline, text } from './rdb-keyspace.js';
import type { Server } from '../../src/index.js';

/**
 * RDB files both ways between redis-server 7.0 and Nodis: the same dataset (every type and
 * encoding, large collections, binary data, integer edges, TTLs, several databases) is written by
 * one and loaded by the other, and the keyspaces compare equal, encodings included.
 */

const skip = !haveRedisServer();
const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdb-'));
  dirs.push(d);
  return d;
}

let redis: RunningRedis | null = null;
let expected: Map<string, string>;
before(async () => {
  if (skip) return;
  redis = await startRedis();
  const c = await RawClient.connect(redis.port);
  await pipeline(c, datasetCommands());
  c.close();
  expected = await keyspaceOf(redis.port);
});
after(async () => {
  await redis?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test('redis-server SAVE, Nodis loads: keyspaces equal', { skip }, async () => {
  const c = await RawClient.connect(redis!.port);
  await callOk(c, 'SAVE');
  c.close();
  const dir = tempDir();
  fs.copyFileSync(path.join(redis!.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
  const before = fs.readFileSync(path.join(dir, 'dump.rdb'));
  let nodis: Server | null = null;
  try {
    nodis = await startNodis({ dir });
    const got = await keyspaceOf(nodis.port);
    assert.equal(diffKeyspaces(expected, got), '');
    assert.ok(got.size > 50);
    const n = await RawClient.connect(nodis.port);
    const info = await callOk(n, 'INFO', 'persistence');
    n.close();
    assert.match(text(info), new RegExp(`rdb_last_load_keys_loaded:${got.size}\r\n`));
  } finally {
    await nodis?.close();
  }
  assert.ok(fs.readFileSync(path.join(dir, 'dump.rdb')).equals(before), 'the loaded file is left as it was');
});

test('Nodis SAVE, redis-server loads: keyspaces equal', { skip }, async () => {
  const dir = tempDir();
  const nodis = await startNodis({ dir, dbfilename: 'nodis.rdb' });
  let r2: RunningRedis | null = null;
  try {
    const c = await RawClient.connect(nodis.port);
    await pipeline(c, datasetCommands());
    assert.equal(diffKeyspaces(expected, await keyspaceOf(nodis.port)), '', 'Nodis built the same dataset');
    await callOk(c, 'SAVE');
    c.close();
    r2 = await startRedis({ dir, dbfilename: 'nodis.rdb' });
    const got = await keyspaceOf(r2.port);
    assert.equal(diffKeyspaces(expected, got), '');
  } finally {
    await nodis.close();
    await r2?.stop();
  }
});

test('Nodis BGSAVE without compression or checksum, redis-server loads it', { skip }, async () => {
  const dir = tempDir();
  const nodis = await startNodis({ dir, rdbcompression: 'no', rdbchecksum: 'no' });
  let r2: RunningRedis | null = null;
  try {
    const c = await RawClient.connect(nodis.port);
    await pipeline(c, datasetCommands());
    assert.equal(text(await callOk(c, 'BGSAVE')), 'Background saving started');
    for (let i = 0; i < 200; i++) {
      const info = text(await callOk(c, 'INFO', 'persistence'));
      if (info.includes('rdb_bgsave_in_progress:0')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const info = text(await callOk(c, 'INFO', 'persistence'));
    assert.match(info, /rdb_last_bgsave_status:ok/);
    assert.match(info, /rdb_changes_since_last_save:0\r\n/);
    c.close();
    const file = fs.readFileSync(path.join(dir, 'dump.rdb'));
    assert.ok(file.subarray(file.length - 8).equals(Buffer.alloc(8)), 'rdbchecksum no writes a zero checksum');
    r2 = await startRedis({ dir, dbfilename: 'dump.rdb' });
    assert.equal(diffKeyspaces(expected, await keyspaceOf(r2.port)), '');
  } finally {
    await nodis.close();
    await r2?.stop();
  }
});

test('keys already expired are not loaded', { skip }, async () => {
  const dir = tempDir();
  const nodis = await startNodis({ dir });
  try {
    const c = await RawClient.connect(nodis.port);
    await callOk(c, 'SET', 'gone', 'x', 'PX', '100');
    await callOk(c, 'SET', 'stays', 'y');
    await callOk(c, 'SAVE');
    c.close();
  } finally {
    await nodis.close();
  }
  await new Promise((r) => setTimeout(r, 150));
  const again = await startNodis({ dir });
  try {
    const c = await RawClient.connect(again.port);
    assert.equal(text(await callOk(c, 'DBSIZE')), '1');
    const info = text(await callOk(c, 'INFO', 'persistence'));
    assert.match(info, /rdb_last_load_keys_expired:1\r\n/);
    assert.match(info, /rdb_last_load_keys_loaded:1\r\n/);
    c.close();
  } finally {
    await again.close();
  }
});

test('function libraries travel in RDB files both ways (FUNCTION2)', { skip }, async () => {
  const code = "#!lua name=rdblib\nredis.register_function('rdbecho', function(keys, args) return args[1] end)";
  const r1 = await startRedis();
  const dirA = tempDir();
  let nodis: Server | null = null;
  let r2: RunningRedis | null = null;
  try {
    const c = await RawClient.connect(r1.port);
    assert.equal(text(await callOk(c, 'FUNCTION', 'LOAD', code)), 'rdblib');
    await callOk(c, 'SAVE');
    c.close();
    fs.copyFileSync(path.join(r1.dir, 'dump.rdb'), path.join(dirA, 'dump.rdb'));
    nodis = await startNodis({ dir: dirA });
    const n = await RawClient.connect(nodis.port);
    assert.equal(text(await callOk(n, 'FCALL', 'rdbecho', '0', 'from-redis')), 'from-redis');
    await callOk(n, 'SET', 'marker', 'written by nodis');
    await callOk(n, 'SAVE');
    n.close();
    r2 = await startRedis({ dir: dirA, dbfilename: 'dump.rdb' });
    const c2 = await RawClient.connect(r2.port);
    assert.equal(text(await callOk(c2, 'GET', 'marker')), 'written by nodis');
    assert.equal(text(await callOk(c2, 'FCALL', 'rdbecho', '0', 'from-nodis')), 'from-nodis');
    c2.close();
  } finally {
    await r1.stop();
    await nodis?.close();
    await r2?.stop();
  }
});

test('LRU idle times (IDLE) and LFU counters (FREQ) survive the trip both ways', { skip }, async () => {
  for (const policy of ['allkeys-lru', 'allkeys-lfu']) {
    const r1 = await startRedis({ 'maxmemory-policy': policy });
    const dir = tempDir();
    let nodis: Server | null = null;
    let r2: RunningRedis | null = null;
    const probe = policy === 'allkeys-lru' ? 'IDLETIME' : 'FREQ';
    try {
      const c = await RawClient.connect(r1.port);
      await callOk(c, 'SET', 'k', 'v');
      if (policy === 'allkeys-lru') await callOk(c, 'RESTORE', 'old', '0', bulkOf(await callOk(c, 'DUMP', 'k')), 'IDLETIME', '5000');
      else await callOk(c, 'RESTORE', 'old', '0', bulkOf(await callOk(c, 'DUMP', 'k')), 'FREQ', '77');
      const want = Number(text(await callOk(c, 'OBJECT', probe, 'old')));
      await callOk(c, 'SAVE');
      c.close();
      fs.copyFileSync(path.join(r1.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
      nodis = await startNodis({ dir, 'maxmemory-policy': policy });
      const n = await RawClient.connect(nodis.port);
      const got = Number(text(await callOk(n, 'OBJECT', probe, 'old')));
      assert.ok(Math.abs(got - want) <= 2, `${probe}: Redis ${want}, Nodis ${got}`);
      await callOk(n, 'SAVE');
      n.close();
      r2 = await startRedis({ dir, dbfilename: 'dump.rdb', 'maxmemory-policy': policy });
      const c2 = await RawClient.connect(r2.port);
      const back = Number(text(await callOk(c2, 'OBJECT', probe, 'old')));
      assert.ok(Math.abs(back - want) <= 3, `${probe} back in Redis: ${back}, first ${want}`);
      c2.close();
    } finally {
      await r1.stop();
      await nodis?.close();
      await r2?.stop();
    }
  }
});

function bulkOf(v: { t: string; v?: unknown }): string {
  assert.equal(v.t, 'bulk');
  return v.v as string;
}
