import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { Watched, NODIS_BIN } from '../helpers/processes.js';
import { call, callOk, datasetCommands, pipeline, text } from './rdb-keyspace.js';
import { ByteWriter } from '../../src/persistence/rdb/bytes.js';
import { crc64 } from '../../src/persistence/rdb/crc64.js';
import { writeLength, writeString } from '../../src/persistence/rdb/writer.js';

/**
 * nodis-server and its dump.rdb: loading at start-up (LOADING meanwhile), refusing corrupt,
 * truncated and unsupported files with exit 1 and a message naming the file and the offset (the
 * file left as it was), saving on SHUTDOWN and SIGTERM when save points are set.
 */

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdbstart-'));
  dirs.push(d);
  return d;
}

function spawnNodis(dir: string, ...extra: string[]): Watched {
  return Watched.spawn(process.execPath, [NODIS_BIN, '--port', '0', '--dir', dir, '--loglevel', 'notice', ...extra]);
}

/** A valid file with the test dataset, written by Nodis. */
async function validFile(): Promise<Buffer> {
  const dir = tempDir();
  const nodis = await startNodis({ dir });
  try {
    const c = await RawClient.connect(nodis.port);
    await pipeline(c, datasetCommands());
    await callOk(c, 'SAVE');
    c.close();
  } finally {
    await nodis.close();
  }
  return fs.readFileSync(path.join(dir, 'dump.rdb'));
}

/** Starts nodis-server on a bad file: it must exit 1, say why and where, and leave the file alone. */
async function expectRefused(file: Buffer, what: RegExp): Promise<string> {
  const dir = tempDir();
  const p = path.join(dir, 'dump.rdb');
  fs.writeFileSync(p, file);
  const w = spawnNodis(dir);
  const exit = await w.exit;
  const out = w.stdout + w.stderr;
  assert.equal(exit.code, 1, out);
  assert.ok(out.includes(p), `names the file: ${out}`);
  assert.match(out, /offset \d+/);
  assert.match(out, what);
  assert.ok(fs.readFileSync(p).equals(file), 'the file is untouched');
  return out;
}

/** The smallest file around some body bytes: header, body, EOF, checksum. */
function fileWith(body: Buffer): Buffer {
  const head = Buffer.from('REDIS0010', 'latin1');
  const all = Buffer.concat([head, body, Buffer.from([0xff])]);
  return Buffer.concat([all, crc64(all)]);
}

test('a corrupt dump.rdb stops start-up with the file and the offset', async () => {
  const good = await validFile();
  const bad = Buffer.from(good);
  const mid = Math.floor(bad.length / 2);
  bad[mid] = bad[mid]! ^ 0x5a;
  await expectRefused(bad, /Bad RDB file/);
  // Only the checksum is wrong.
  const badSum = Buffer.from(good);
  badSum[badSum.length - 1] = badSum[badSum.length - 1]! ^ 1;
  await expectRefused(badSum, /wrong RDB checksum/);
});

test('a truncated dump.rdb stops start-up with the file and the offset', async () => {
  const good = await validFile();
  await expectRefused(good.subarray(0, Math.floor(good.length * 0.6)), /truncated/);
  await expectRefused(good.subarray(0, good.length - 4), /truncated/);
});

test('unknown opcodes, module values and module aux data are refused by name', async () => {
  await expectRefused(fileWith(Buffer.from([0xfe, 0x00, 0x53])), /unknown RDB opcode\/type 0x53/);
  const w = new ByteWriter();
  w.byte(7); // RDB_TYPE_MODULE_2
  writeString(w, 'k', { compression: false, listFill: -2 });
  writeLength(w, 12345);
  await expectRefused(fileWith(Buffer.from(w.result())), /module value/);
  await expectRefused(fileWith(Buffer.from([0xf7, 0x05])), /module auxiliary data/);
  await expectRefused(Buffer.from('REDIS0099\xff', 'latin1'), /RDB format version 99/);
  await expectRefused(Buffer.from('NOTREDIS0010', 'latin1'), /signature/);
});

test('SHUTDOWN and SIGTERM save when save points are set; the next start loads the file', async () => {
  const dir = tempDir();
  const w = spawnNodis(dir, '--save', '3600', '1');
  const port = Number((await w.waitFor(/port=(\d+)/))[1]);
  await w.waitFor(/Ready to accept connections/);
  const c = await RawClient.connect(port);
  await callOk(c, 'SET', 'k', 'v');
  await callOk(c, 'RPUSH', 'l', 'a', 'b');
  w.proc.kill('SIGTERM');
  assert.equal((await w.exit).code, 0);
  c.close();
  assert.match(w.stdout, /DB saved on disk/);
  assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('temp-')),
    [],
  );
  const w2 = spawnNodis(dir, '--save', '3600', '1');
  const port2 = Number((await w2.waitFor(/port=(\d+)/))[1]);
  await w2.waitFor(/Ready to accept connections/);
  assert.match(w2.stdout, /DB loaded from disk: \d+\.\d{3} seconds/);
  const c2 = await RawClient.connect(port2);
  assert.equal(text(await callOk(c2, 'GET', 'k')), 'v');
  await callOk(c2, 'SET', 'k', 'v2');
  const r = await c2.call('SHUTDOWN');
  assert.equal(r, null, 'SHUTDOWN closes the connection without a reply');
  assert.equal((await w2.exit).code, 0);
  c2.close();
  const w3 = spawnNodis(dir);
  const port3 = Number((await w3.waitFor(/port=(\d+)/))[1]);
  await w3.waitFor(/Ready to accept connections/);
  const c3 = await RawClient.connect(port3);
  assert.equal(text(await callOk(c3, 'GET', 'k')), 'v2');
  assert.equal(text(await callOk(c3, 'LRANGE', 'l', '0', '-1')), 'a b');
  // SHUTDOWN NOSAVE leaves the file as it is.
  await callOk(c3, 'SET', 'k', 'v3');
  await c3.call('SHUTDOWN', 'NOSAVE');
  await w3.exit;
  c3.close();
  const w4 = spawnNodis(dir);
  const port4 = Number((await w4.waitFor(/port=(\d+)/))[1]);
  await w4.waitFor(/Ready to accept connections/);
  const c4 = await RawClient.connect(port4);
  assert.equal(text(await callOk(c4, 'GET', 'k')), 'v2');
  c4.close();
  w4.proc.kill('SIGTERM');
  await w4.exit;
});

test('while a large file loads, INFO says loading:1 and other commands get LOADING', async () => {
  const dir = tempDir();
  // 20k keys written straight with the codec, loaded with key-load-delay (as Redis's own tests
  // slow a load down) so the load can be watched from outside.
  const w = new ByteWriter(1 << 22);
  w.latin1('REDIS0010');
  w.byte(0xfe);
  w.byte(0);
  const opts = { compression: false, listFill: -2 };
  for (let i = 0; i < 20000; i++) {
    w.byte(0);
    writeString(w, `key:${i}`, opts);
    writeString(w, `value number ${i}`, opts);
  }
  w.byte(0xff);
  const body = w.result();
  fs.writeFileSync(path.join(dir, 'dump.rdb'), Buffer.concat([body, crc64(body)]));
  const p = spawnNodis(dir, '--key-load-delay', '100');
  const port = Number((await p.waitFor(/port=(\d+)/))[1]);
  const c = await RawClient.connect(port);
  let sawLoading = false;
  let sawLoadingError = false;
  for (;;) {
    const info = text(await callOk(c, 'INFO', 'persistence'));
    if (info.includes('loading:1')) {
      sawLoading = true;
      assert.match(info, /loading_total_bytes:\d+/);
      const get = await call(c, 'GET', 'key:1');
      if (get.t === 'error' && get.v.startsWith('LOADING')) sawLoadingError = true;
    } else break;
  }
  await p.waitFor(/Ready to accept connections/);
  assert.equal(text(await callOk(c, 'DBSIZE')), '20000');
  c.close();
  p.proc.kill('SIGTERM');
  await p.exit;
  assert.ok(sawLoading, 'INFO showed loading:1: ' + p.stdout);
  assert.ok(sawLoadingError, 'GET got LOADING');
});
