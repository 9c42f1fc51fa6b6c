import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis, startNodis, haveRedisServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { callOk, diffKeyspaces, keyspaceOf, text } from './rdb-keyspace.js';
import { ByteWriter } from '../../src/persistence/rdb/bytes.js';
import { crc64 } from '../../src/persistence/rdb/crc64.js';
import { encodeIntset, encodeListpack, encodeZiplist, encodeZipmap } from '../../src/persistence/rdb/compact.js';
import { writeBlob, writeLength, writeString, type WriteOptions } from '../../src/persistence/rdb/writer.js';
import * as F from '../../src/persistence/rdb/format.js';

/**
 * Encodings Redis 7 reads but no longer writes (ziplist lists/hashes/zsets, quicklist v1 of
 * ziplists, zipmap hashes, plain lists, sorted sets with text doubles, expiry in seconds), and
 * 7.2's set listpack: files are built by hand with the codec's fixture encoders, loaded by Nodis,
 * and (those Redis 7.0 reads) by redis-server too, whose keyspace must be the same.
 */

const skip = !haveRedisServer();
const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdbold-'));
  dirs.push(d);
  return d;
}

const PLAIN: WriteOptions = { compression: false, listFill: -2 };
const LZF: WriteOptions = { compression: true, listFill: -2 };

function asciiDouble(w: ByteWriter, d: number): void {
  if (d === Infinity) w.byte(254);
  else if (d === -Infinity) w.byte(255);
  else {
    const s = String(d);
    w.byte(s.length);
    w.latin1(s);
  }
}

function rdbFile(version: number, body: (w: ByteWriter) => void): Buffer {
  const w = new ByteWriter();
  w.latin1('REDIS' + String(version).padStart(4, '0'));
  w.byte(F.OP_AUX);
  writeString(w, 'redis-ver', PLAIN);
  writeString(w, '5.0.14', PLAIN);
  w.byte(F.OP_SELECTDB);
  writeLength(w, 0);
  w.byte(F.OP_RESIZEDB);
  writeLength(w, 20);
  writeLength(w, 1);
  body(w);
  w.byte(F.OP_EOF);
  const b = Buffer.from(w.result());
  return Buffer.concat([b, crc64(b)]);
}

function key(w: ByteWriter, type: number, name: string): void {
  w.byte(type);
  writeString(w, name, PLAIN);
}

/** A Redis 5-era file: every pre-7.0 encoding. */
function oldFile(): Buffer {
  return rdbFile(9, (w) => {
    key(w, F.T_LIST, 'plain-list');
    writeLength(w, 3);
    for (const e of ['a', '12', 'x'.repeat(30)]) writeString(w, e, LZF);
    key(w, F.T_LIST_ZIPLIST, 'ziplist-list');
    writeBlob(w, encodeZiplist(['a', '0', '12', '13', '-1', '-200', '40000', '-3000000', '5000000000', 'y'.repeat(300)]), PLAIN);
    key(w, F.T_LIST_QUICKLIST, 'quicklist-v1');
    writeLength(w, 2);
    writeBlob(w, encodeZiplist(['n1', 'n2', 'n3'.repeat(20)]), LZF);
    writeBlob(w, encodeZiplist(['n4', '7']), PLAIN);
    key(w, F.T_HASH_ZIPMAP, 'zipmap-hash');
    writeBlob(w, encodeZipmap(['f1', 'v1', 'f2', '', 'long', 'z'.repeat(300)]), PLAIN);
    key(w, F.T_HASH_ZIPLIST, 'ziplist-hash');
    writeBlob(w, encodeZiplist(['f1', 'v1', 'n', '42', 'neg', '-9223372036854775808']), LZF);
    key(w, F.T_HASH, 'plain-hash');
    writeLength(w, 2);
    for (const s of ['a', '1', 'b', '2']) writeString(w, s, PLAIN);
    key(w, F.T_ZSET, 'text-double-zset');
    writeLength(w, 4);
    for (const [m, s] of [['a', 1.5], ['b', -2], ['c', Infinity], ['d', -Infinity]] as const) {
      writeString(w, m, PLAIN);
      asciiDouble(w, s);
    }
    key(w, F.T_ZSET_ZIPLIST, 'ziplist-zset');
    writeBlob(w, encodeZiplist(['c', '-3', 'a', '1', 'b', '2.5']), PLAIN);
    key(w, F.T_ZSET_2, 'binary-double-zset');
    writeLength(w, 2);
    writeString(w, 'hi', PLAIN);
    w.f64le(0.1);
    writeString(w, 'lo', PLAIN);
    w.f64le(-1e300);
    key(w, F.T_SET, 'plain-set');
    writeLength(w, 3);
    for (const s of ['1', '2', 'three']) writeString(w, s, PLAIN);
    key(w, F.T_SET, 'plain-int-set');
    writeLength(w, 2);
    for (const s of ['5', '-7']) writeString(w, s, PLAIN);
    key(w, F.T_SET_INTSET, 'intset');
    writeBlob(w, encodeIntset(['-1', '2', '70000']), PLAIN);
    // Expiry in seconds (RDB_OPCODE_EXPIRETIME), far ahead.
    w.byte(F.OP_EXPIRETIME);
    w.u32le(2000000000);
    key(w, F.T_STRING, 'expires-in-seconds');
    writeString(w, 'v', PLAIN);
    // LRU idle time and LFU frequency prefixes.
    w.byte(F.OP_IDLE);
    writeLength(w, 1000);
    key(w, F.T_STRING, 'with-idle');
    writeString(w, 'i', PLAIN);
    w.byte(F.OP_FREQ);
    w.byte(7);
    key(w, F.T_STRING, 'with-freq');
    writeString(w, '123456', PLAIN);
  });
}

test('pre-7.0 encodings load in Nodis as in redis-server 7.0', { skip }, async () => {
  const file = oldFile();
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'dump.rdb'), file);
  const redis = await startRedis({ dir, dbfilename: 'dump.rdb' });
  const nodis = await startNodis({ dir });
  try {
    // Before anything reads the key (and so resets its LRU clock).
    const c0 = await RawClient.connect(nodis.port);
    const idle = Number(text(await callOk(c0, 'OBJECT', 'IDLETIME', 'with-idle')));
    assert.ok(idle >= 1000 && idle < 1010, `idle ${idle}`);
    c0.close();
    const expected = await keyspaceOf(redis.port);
    assert.equal(expected.size, 15, [...expected.keys()].join(' '));
    assert.equal(diffKeyspaces(expected, await keyspaceOf(nodis.port)), '');
    const c = await RawClient.connect(nodis.port);
    assert.equal(text(await callOk(c, 'LRANGE', 'ziplist-list', '0', '8')), 'a 0 12 13 -1 -200 40000 -3000000 5000000000');
    assert.equal(text(await callOk(c, 'ZRANGE', 'text-double-zset', '0', '-1', 'WITHSCORES')), 'd -inf b -2 a 1.5 c inf');
    assert.equal(text(await callOk(c, 'EXPIRETIME', 'expires-in-seconds')), '2000000000');
    c.close();
  } finally {
    await redis.stop();
    await nodis.close();
  }
});

test('RDB 11 (Redis 7.2): set listpacks load', async () => {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'dump.rdb'),
    rdbFile(11, (w) => {
      key(w, F.T_SET_LISTPACK, 'lp-strings');
      writeBlob(w, encodeListpack(['a', 'b', '3']), PLAIN);
      key(w, F.T_SET_LISTPACK, 'lp-ints');
      writeBlob(w, encodeListpack(['3', '1', '2']), PLAIN);
    }),
  );
  const nodis = await startNodis({ dir });
  try {
    const c = await RawClient.connect(nodis.port);
    assert.equal(text(await callOk(c, 'SMEMBERS', 'lp-ints')), '1 2 3');
    assert.equal(text(await callOk(c, 'OBJECT', 'ENCODING', 'lp-ints')), 'intset');
    assert.deepEqual(text(await callOk(c, 'SMEMBERS', 'lp-strings')).split(' ').sort(), ['3', 'a', 'b']);
    c.close();
  } finally {
    await nodis.close();
  }
});
