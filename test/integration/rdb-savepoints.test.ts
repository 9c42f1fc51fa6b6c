import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { call, callOk, text } from './rdb-keyspace.js';

/**
 * Save points checked by the cron, a failing BGSAVE reported in INFO and answered with MISCONF for
 * writes (and PING) while stop-writes-on-bgsave-error is yes, and writes accepted again once a
 * save succeeds.
 */

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function waitFor(c: RawClient, re: RegExp, ms = 10000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = text(await callOk(c, 'INFO', 'persistence'));
    if (re.test(info)) return info;
    if (Date.now() > deadline) throw new Error(`INFO persistence never matched ${re}: ${info}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a save point fires a BGSAVE from the cron', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-savepoint-'));
  dirs.push(dir);
  const nodis = await startNodis({ dir, hz: '50' });
  try {
    const c = await RawClient.connect(nodis.port);
    await callOk(c, 'CONFIG', 'SET', 'save', '1 2');
    await callOk(c, 'SET', 'a', '1');
    await callOk(c, 'SET', 'b', '2');
    const info = await waitFor(c, /rdb_saves:1\r\n/);
    assert.match(info, /rdb_last_bgsave_status:ok/);
    assert.match(info, /rdb_changes_since_last_save:0\r\n/);
    assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
    c.close();
  } finally {
    await nodis.close();
  }
});

test('a failed BGSAVE is reported and writes get MISCONF until a save succeeds', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-misconf-'));
  dirs.push(dir);
  const nodis = await startNodis({ dir });
  try {
    const c = await RawClient.connect(nodis.port);
    await callOk(c, 'CONFIG', 'SET', 'save', '3600 1');
    await callOk(c, 'SET', 'a', '1');
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(text(await callOk(c, 'BGSAVE')), 'Background saving started');
    await waitFor(c, /rdb_bgsave_in_progress:0\r\n/);
    const info = text(await callOk(c, 'INFO', 'persistence'));
    assert.match(info, /rdb_last_bgsave_status:err/);
    const set = await call(c, 'SET', 'b', '2');
    assert.equal(set.t, 'error');
    assert.match(text(set), /^MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk\./);
    assert.equal((await call(c, 'PING')).t, 'error');
    assert.equal(text(await callOk(c, 'GET', 'a')), '1', 'reads still work');
    assert.equal(text(await call(c, 'SAVE')), 'ERR');
    // With stop-writes-on-bgsave-error no, writes go through.
    await callOk(c, 'CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
    assert.equal(text(await callOk(c, 'SET', 'b', '2')), 'OK');
    await callOk(c, 'CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
    assert.equal((await call(c, 'SET', 'b', '3')).t, 'error');
    fs.mkdirSync(dir);
    assert.equal(text(await callOk(c, 'BGSAVE')), 'Background saving started');
    await waitFor(c, /rdb_last_bgsave_status:ok/);
    assert.equal(text(await callOk(c, 'SET', 'b', '3')), 'OK');
    assert.equal(text(await callOk(c, 'PING')), 'PONG');
    c.close();
  } finally {
    await nodis.close();
  }
});
