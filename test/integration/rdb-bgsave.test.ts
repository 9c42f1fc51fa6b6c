import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis, startNodis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { callOk, diffKeyspaces, keyspaceOf, pipeline, text } from './rdb-keyspace.js';
import type { Server } from '../../src/index.js';

/**
 * BGSAVE is a point-in-time snapshot: while it writes in slices, clients keep changing, deleting,
 * renaming, adding keys and flushing/swapping databases; the file must hold exactly the dataset
 * of the moment BGSAVE started (checked by loading it into redis-server).
 */

const skip = !haveRedisServer();
const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function fillCommands(): string[][] {
  const cmds: string[][] = [['SELECT', '0']];
  for (let i = 0; i < 1500; i++) {
    const fields: string[] = [];
    for (let f = 0; f < 40; f++) fields.push(`f${f}`, `value-${i}-${f}`);
    cmds.push(['HSET', `hash:${i}`, ...fields]);
    cmds.push(['RPUSH', `list:${i}`, ...Array.from({ length: 40 }, (_, j) => `item-${i}-${j}`)]);
    cmds.push(['SADD', `set:${i}`, ...Array.from({ length: 30 }, (_, j) => String(i * 100 + j))]);
    cmds.push(['ZADD', `zset:${i}`, ...Array.from({ length: 30 }, (_, j) => [String(j / 3), `m${j}`]).flat()]);
    cmds.push(['SET', `str:${i}`, `string value ${i} `.repeat(3)]);
  }
  cmds.push(['SELECT', '1']);
  for (let i = 0; i < 300; i++) cmds.push(['HSET', `db1:${i}`, 'a', String(i)]);
  cmds.push(['SELECT', '2'], ['SET', 'in-db2', 'two'], ['SELECT', '3'], ['RPUSH', 'in-db3', 'x', 'y']);
  cmds.push(['SELECT', '0']);
  return cmds;
}

/** Changes of every kind, made while the snapshot is being written. */
function changeCommands(round: number): string[][] {
  const cmds: string[][] = [];
  for (let i = round; i < 1500; i += 7) {
    cmds.push(['HSET', `hash:${i}`, 'f0', 'changed', `new${round}`, 'x']);
    cmds.push(['HDEL', `hash:${i}`, 'f1']);
    cmds.push(['RPUSH', `list:${i}`, 'pushed'], ['LPOP', `list:${i}`], ['LINSERT', `list:${i}`, 'BEFORE', `item-${i}-5`, 'ins']);
    cmds.push(['SADD', `set:${i}`, 'not-an-int'], ['SREM', `set:${i}`, String(i * 100)]);
    cmds.push(['ZADD', `zset:${i}`, '100', 'm0', '5', 'new'], ['ZREM', `zset:${i}`, 'm1']);
    cmds.push(['SET', `str:${i}`, 'overwritten'], ['APPEND', `str:${i + 1}`, '+']);
    cmds.push(['SET', `added:${round}:${i}`, 'new key'], ['EXPIRE', `hash:${i + 2}`, '1000']);
  }
  cmds.push(['DEL', `hash:${round}`, `list:${round + 1}`, `zset:${round + 2}`]);
  cmds.push(['RENAME', `hash:${round + 10}`, `renamed:${round}`], ['HSET', `renamed:${round}`, 'after', 'rename']);
  cmds.push(['SELECT', '1'], ['FLUSHDB'], ['HSET', 'db1:0', 'refilled', '1'], ['SELECT', '0']);
  cmds.push(['SWAPDB', '2', '3'], ['SELECT', '2'], ['RPUSH', 'in-db3', 'after-swap'], ['SELECT', '0']);
  return cmds;
}

test('BGSAVE writes the dataset of the moment it started while clients change it', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-bgsave-'));
  dirs.push(dir);
  let nodis: Server | null = null;
  let redis: RunningRedis | null = null;
  try {
    nodis = await startNodis({ dir });
    const c = await RawClient.connect(nodis.port);
    await pipeline(c, fillCommands());
    const expected = await keyspaceOf(nodis.port);
    // Slows the save down (as Redis's own tests do) so every round of changes lands during it.
    await callOk(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '50');
    assert.equal(text(await callOk(c, 'BGSAVE')), 'Background saving started');
    let changedDuringSave = 0;
    let sawPartial = false;
    for (let round = 0; round < 7; round++) {
      const info = text(await callOk(c, 'INFO', 'persistence'));
      if (!info.includes('rdb_bgsave_in_progress:1')) break;
      const done = Number(/current_save_keys_processed:(\d+)/.exec(info)![1]);
      const total = Number(/current_save_keys_total:(\d+)/.exec(info)![1]);
      if (done < total) sawPartial = true;
      await pipeline(c, changeCommands(round));
      changedDuringSave++;
    }
    assert.equal(changedDuringSave, 7, 'every round of changes ran while the save was in progress');
    assert.ok(sawPartial);
    for (let i = 0; i < 400; i++) {
      if (text(await callOk(c, 'INFO', 'persistence')).includes('rdb_bgsave_in_progress:0')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const info = text(await callOk(c, 'INFO', 'persistence'));
    assert.match(info, /rdb_last_bgsave_status:ok/);
    assert.match(info, /rdb_saves:1\r\n/);
    // Only the changes made after the snapshot's start are left unsaved.
    assert.ok(Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]) > 0);
    const now = await keyspaceOf(nodis.port);
    assert.notEqual(diffKeyspaces(expected, now), '', 'the live dataset did change');
    c.close();
    redis = await startRedis({ dir, dbfilename: 'dump.rdb' });
    assert.equal(diffKeyspaces(expected, await keyspaceOf(redis.port)), '');
  } finally {
    await nodis?.close();
    await redis?.stop();
  }
});

test('BGSAVE answers while one runs, SAVE is refused meanwhile, BGSAVE SCHEDULE in MULTI', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-bgsave-'));
  dirs.push(dir);
  const nodis = await startNodis({ dir });
  try {
    const c = await RawClient.connect(nodis.port);
    await pipeline(c, fillCommands());
    assert.equal(text(await callOk(c, 'BGSAVE')), 'Background saving started');
    assert.equal(text(await c.call('BGSAVE').then((r) => r!.value)), 'ERR Background save already in progress');
    assert.equal(text(await c.call('SAVE').then((r) => r!.value)), 'ERR Background save already in progress');
    for (let i = 0; i < 400; i++) {
      if (text(await callOk(c, 'INFO', 'persistence')).includes('rdb_bgsave_in_progress:0')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const last = Number(text(await callOk(c, 'LASTSAVE')));
    assert.ok(Math.abs(last - Date.now() / 1000) < 5);
    await callOk(c, 'MULTI');
    await callOk(c, 'BGSAVE');
    const exec = await callOk(c, 'EXEC');
    assert.equal(text(exec), 'Background saving scheduled');
    // The cron starts the scheduled save.
    let started = false;
    for (let i = 0; i < 200 && !started; i++) {
      const info = text(await callOk(c, 'INFO', 'persistence'));
      started = info.includes('rdb_bgsave_in_progress:1') || info.includes('rdb_saves:2');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(started);
    for (let i = 0; i < 400; i++) {
      if (text(await callOk(c, 'INFO', 'persistence')).includes('rdb_bgsave_in_progress:0')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    c.close();
  } finally {
    await nodis.close();
  }
});

test('FLUSHALL drops a running BGSAVE and, with save points, saves the empty dataset', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-bgsave-'));
  dirs.push(dir);
  const nodis = await startNodis({ dir });
  try {
    const c = await RawClient.connect(nodis.port);
    await callOk(c, 'CONFIG', 'SET', 'save', '3600 1');
    await pipeline(c, fillCommands());
    assert.equal(text(await callOk(c, 'BGSAVE')), 'Background saving started');
    await callOk(c, 'FLUSHALL');
    const info = text(await callOk(c, 'INFO', 'persistence'));
    assert.match(info, /rdb_bgsave_in_progress:0\r\n/);
    assert.match(info, /rdb_changes_since_last_save:1\r\n/);
    await callOk(c, 'SET', 'after', 'flush');
    await new Promise((r) => setTimeout(r, 300));
    c.close();
    await nodis.close();
    const again = await startNodis({ dir });
    const c2 = await RawClient.connect(again.port);
    assert.equal(text(await callOk(c2, 'DBSIZE')), '0', 'the file holds the flushed dataset');
    c2.close();
    await again.close();
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('temp-')), []);
  } finally {
    await nodis.close();
  }
});
