import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startRedis, startNodis, haveRedisServer } from '../helpers/servers.js';
import { NODIS_BIN, Watched } from '../helpers/processes.js';
import { datasetCommands, keyspaceOf, diffKeyspaces, pipeline, callOk } from './rdb-keyspace.js';
import type { ReplyValue } from '../../src/protocol/reply-reader.js';
import { aofOf } from '../../src/persistence/aof/index.js';
import { readManifest, waitRewriteDone, infoField, parseAof, lastIncr } from './aof-helpers.js';

/**
 * The multi-part AOF against redis-server 7.0.15: a directory written by one loads in the other
 * with the same keyspace (types, encodings, exact expiry times, several databases), with and
 * without the RDB preamble; start-up with old, truncated and broken files; BGREWRITEAOF and
 * CONFIG SET appendonly at run time.
 */

const skip = !haveRedisServer();

function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `nodis-aof-${tag}-`));
}

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

/** The dataset, split so that a rewrite happens in the middle and the incremental file has work. */
function halves(): [string[][], string[][]] {
  const cmds = datasetCommands(11);
  const cut = Math.floor(cmds.length / 2);
  // The second half starts where the first left off: restate the db of the cut.
  let db = '0';
  for (const c of cmds.slice(0, cut)) if (c[0] === 'SELECT') db = c[1]!;
  const tail: string[][] = [
    ['SELECT', '0'],
    ['DEL', 'int:3'],
    ['INCRBYFLOAT', 'float', '2.25'],
    ['HINCRBYFLOAT', 'hash:small', 'n', '0.5'],
    ['SPOP', 'set:int16'],
    ['LPOP', 'list:lpushed'],
    ['ZPOPMIN', 'zset:small'],
    ['SET', 'later', 'v', 'EX', '9999'],
    ['GETEX', 'later', 'PX', '88888888'],
    ['EXPIRE', 'set:strings', '12345'],
    ['PERSIST', 'hash:ttl'],
    ['SELECT', '5'],
    ['MULTI'],
    ['SET', 'tx1', '1'],
    ['RPUSH', 'tx2', 'a', 'b'],
    ['EXEC'],
  ];
  return [[...cmds.slice(0, cut), ...STREAMS_FIRST], [['SELECT', db], ...cmds.slice(cut), ...tail, ...STREAMS_SECOND]];
}

/** Streams in the base (entries, a tombstone, groups, PELs, an empty consumer) and in the incremental file. */
const STREAMS_FIRST: string[][] = [
  ['SELECT', '0'],
  ['XADD', 'st', '1-1', 'a', '1'],
  ['XADD', 'st', '2-1', 'b', '2', 'c', '3'],
  ['XADD', 'st', '3-1', 'c', '3'],
  ['XADD', 'st', '4-1', 'd', '4'],
  ['XDEL', 'st', '3-1'],
  ['XGROUP', 'CREATE', 'st', 'g', '0'],
  ['XGROUP', 'CREATE', 'st', 'g2', '$'],
  ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 'st', '>'],
  ['XGROUP', 'CREATECONSUMER', 'st', 'g', 'idle'],
  ['XADD', 'empty-stream', 'MAXLEN', '0', '*', 'x', 'y'],
  ['FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return 1 end)"],
  ['SELECT', '0'],
];
const STREAMS_SECOND: string[][] = [
  ['SELECT', '0'],
  ['XCLAIM', 'st', 'g', 'bob', '0', '2-1'],
  ['XACK', 'st', 'g', '1-1'],
  ['XADD', 'st', '*', 'later', '1'],
  ['XADD', 'st2', '5-5', 'f', 'v'],
  ['XGROUP', 'CREATE', 'st2', 'g', '0', 'MKSTREAM'],
  // Not XREADGROUP: replayed as XCLAIM ... LASTID it leaves entries-read unknown, in Redis too.
  ['XCLAIM', 'st2', 'g', 'c1', '0', '5-5', 'FORCE'],
  ['FUNCTION', 'LOAD', "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function(keys, args) return 2 end, flags={'no-writes'}}"],
];

function items(v: ReplyValue): ReplyValue[] {
  return v.t === 'array' ? (v.v ?? []) : [];
}

/** What the keyspace comparison leaves out of streams: entries, ids and counters, groups and their PELs. */
async function streamsOf(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    for (const key of ['st', 'st2', 'empty-stream']) {
      out.push(JSON.stringify(await callOk(c, 'XRANGE', key, '-', '+')));
      const info = items(await callOk(c, 'XINFO', 'STREAM', key));
      // Everything but the radix-tree shape (a rewrite may lay the entries out differently).
      for (let i = 0; i < info.length; i += 2) {
        const name = JSON.stringify(info[i]);
        if (!name.includes('radix-tree')) out.push(name + '=' + JSON.stringify(info[i + 1]));
      }
      // entries-read (and the lag derived from it) is left out: a group moved on by XREADGROUP
      // replays as XCLAIM ... LASTID, which does not restore it, in redis-server as in Nodis.
      for (const g of items(await callOk(c, 'XINFO', 'GROUPS', key))) {
        const f = items(g);
        const kept: ReplyValue[] = [];
        for (let i = 0; i < f.length; i += 2) {
          const name = JSON.stringify(f[i]);
          if (!name.includes('entries-read') && !name.includes('"lag"')) kept.push(f[i]!, f[i + 1]!);
        }
        out.push(JSON.stringify(kept));
      }
      for (const g of ['g', 'g2']) {
        const p = await c.call('XPENDING', key, g, '-', '+', '100');
        // Idle times are relative: id, consumer and delivery count only.
        if (p) out.push(JSON.stringify(items(p.value).map((e) => [items(e)[0], items(e)[1], items(e)[3]])));
        const cons = await c.call('XINFO', 'CONSUMERS', key, g);
        if (cons) out.push(JSON.stringify(items(cons.value).map((e) => [items(e)[1], items(e)[3]])));
      }
    }
    // One library at a time: FUNCTION LIST's order is the dict's (hash order in Redis).
    for (const lib of ['lib1', 'lib2']) out.push(JSON.stringify(await callOk(c, 'FUNCTION', 'LIST', 'LIBRARYNAME', lib, 'WITHCODE')));
    return out.join('\n');
  } finally {
    c.close();
  }
}

async function fill(port: number): Promise<void> {
  const [first, second] = halves();
  const c = await RawClient.connect(port);
  try {
    await pipeline(c, first);
    await callOk(c, 'BGREWRITEAOF');
    await waitRewriteDone(port);
    await pipeline(c, second);
  } finally {
    c.close();
  }
}

for (const preamble of ['no', 'yes']) {
  test(`redis-server's appendonly directory loads in Nodis (aof-use-rdb-preamble ${preamble})`, { skip }, async () => {
    const redis = await startRedis({ appendonly: 'yes', 'aof-use-rdb-preamble': preamble });
    const dir = tmpDir('fromredis');
    try {
      await fill(redis.port);
      const want = await keyspaceOf(redis.port);
      const wantStreams = await streamsOf(redis.port);
      assert.ok(want.size > 50);
      assert.match(readManifest(redis.dir), new RegExp(`^file appendonly\\.aof\\.2\\.base\\.${preamble === 'yes' ? 'rdb' : 'aof'} seq 2 type b\\nfile appendonly\\.aof\\.2\\.incr\\.aof seq 2 type i\\n$`));
      copyDir(path.join(redis.dir, 'appendonlydir'), path.join(dir, 'appendonlydir'));
      const nodis = await startNodis({ dir, appendonly: 'yes', 'aof-use-rdb-preamble': preamble });
      try {
        const got = await keyspaceOf(nodis.port);
        assert.equal(diffKeyspaces(want, got), '');
        assert.equal(await streamsOf(nodis.port), wantStreams);
        assert.equal(await infoField(nodis.port, 'aof_base_size'), String(fs.statSync(path.join(dir, 'appendonlydir', `appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`)).size));
      } finally {
        await nodis.close();
      }
    } finally {
      await redis.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`Nodis's appendonly directory loads in redis-server (aof-use-rdb-preamble ${preamble})`, { skip }, async () => {
    const dir = tmpDir('fromnodis');
    const nodis = await startNodis({ dir, appendonly: 'yes', 'aof-use-rdb-preamble': preamble });
    let want: Map<string, string>;
    let wantStreams: string;
    try {
      await fill(nodis.port);
      want = await keyspaceOf(nodis.port);
      wantStreams = await streamsOf(nodis.port);
      assert.equal(readManifest(dir), `file appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
      // The files of the first generation are gone (aofDelHistoryFiles).
      assert.deepEqual(fs.readdirSync(path.join(dir, 'appendonlydir')).sort(), [`appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    } finally {
      await nodis.close();
    }
    const redis = await startRedis({ appendonly: 'yes', 'aof-use-rdb-preamble': preamble, dir });
    try {
      const got = await keyspaceOf(redis.port);
      assert.equal(diffKeyspaces(want, got), '');
      assert.equal(await streamsOf(redis.port), wantStreams);
    } finally {
      await redis.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('an old single-file appendonly.aof (with and without an RDB preamble) is upgraded as Redis 7 does', { skip }, async () => {
  // A preamble file as Redis 6 wrote it: an RDB followed by commands.
  const redis = await startRedis({ appendonly: 'yes', 'aof-use-rdb-preamble': 'yes' });
  let rdb: Buffer;
  try {
    const c = await RawClient.connect(redis.port);
    await pipeline(c, [['SET', 'from-rdb', 'x'], ['RPUSH', 'l', 'a', 'b'], ['SET', 'gone', 'y', 'PXAT', '1000']]);
    c.close();
    await callOk(await RawClient.connect(redis.port), 'BGREWRITEAOF');
    await waitRewriteDone(redis.port);
    const m = /^file (\S+) seq \d+ type b$/m.exec(readManifest(redis.dir))!;
    rdb = fs.readFileSync(path.join(redis.dir, 'appendonlydir', m[1]!));
  } finally {
    await redis.stop();
  }
  const tail = '*3\r\n$3\r\nSET\r\n$4\r\ntail\r\n$1\r\n1\r\n*2\r\n$4\r\nLPOP\r\n$1\r\nl\r\n';
  for (const [name, data] of [['plain', Buffer.from('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n' + tail, 'latin1')], ['preamble', Buffer.concat([rdb, Buffer.from(tail, 'latin1')])]] as const) {
    const dir = tmpDir(`old-${name}`);
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), data);
    const nodis = await startNodis({ dir, appendonly: 'yes' });
    try {
      const c = await RawClient.connect(nodis.port);
      const got = await pipeline(c, [['GET', 'tail'], ['LRANGE', 'l', '0', '-1'], ['GET', 'from-rdb'], ['EXISTS', 'gone']]);
      c.close();
      assert.deepEqual(got[0], { t: 'bulk', v: '1' });
      if (name === 'preamble') {
        assert.deepEqual(got[1], { t: 'array', v: [{ t: 'bulk', v: 'b' }] });
        assert.deepEqual(got[2], { t: 'bulk', v: 'x' });
        assert.deepEqual(got[3], { t: 'int', v: '0' });
      }
      assert.equal(readManifest(dir), 'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
      assert.ok(!fs.existsSync(path.join(dir, 'appendonly.aof')));
      assert.deepEqual(fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof')), data);
    } finally {
      await nodis.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

/** A directory with an empty base and the given incremental file. */
function dirWithIncr(incr: string): string {
  const dir = tmpDir('load');
  const ad = path.join(dir, 'appendonlydir');
  fs.mkdirSync(ad);
  fs.writeFileSync(path.join(ad, 'appendonly.aof.1.base.aof'), '');
  fs.writeFileSync(path.join(ad, 'appendonly.aof.1.incr.aof'), Buffer.from(incr, 'latin1'));
  fs.writeFileSync(path.join(ad, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  return dir;
}

const GOOD = '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n#TS:1700000000\r\n*3\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\nx\r\n';

test('a truncated last command: aof-load-truncated yes cuts it off and starts, no refuses', async () => {
  const truncated = GOOD + '*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$5\r\nhel';
  const dir = dirWithIncr(truncated);
  try {
    const refused = Watched.spawn('node', [NODIS_BIN, '--port', '0', '--dir', dir, '--appendonly', 'yes', '--aof-load-truncated', 'no']);
    const r = await refused.exit;
    assert.equal(r.code, 1);
    assert.match(refused.stdout + refused.stderr, /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof\. You can: 1\) Make a backup/);
    assert.equal(fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1'), truncated);
    const nodis = await startNodis({ dir, appendonly: 'yes', 'aof-load-truncated': 'yes' });
    try {
      const c = await RawClient.connect(nodis.port);
      const got = await pipeline(c, [['GET', 'a'], ['EXISTS', 'b'], ['SET', 'after', '1']]);
      c.close();
      assert.deepEqual(got.slice(0, 2), [{ t: 'bulk', v: '1' }, { t: 'int', v: '0' }]);
      // Cut at the last complete command; new writes follow it.
      assert.deepEqual(parseAof(lastIncr(dir)), [['SELECT', '0'], ['SET', 'a', '1'], ['SADD', 's', 'x'], ['SELECT', '0'], ['SET', 'after', '1']]);
    } finally {
      await nodis.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a MULTI without EXEC at the end is dropped as a short read', async () => {
  const dir = dirWithIncr(GOOD + '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nm\r\n$1\r\n1\r\n');
  try {
    const nodis = await startNodis({ dir, appendonly: 'yes' });
    try {
      const c = await RawClient.connect(nodis.port);
      const got = await pipeline(c, [['EXISTS', 'm'], ['EXISTS', 's']]);
      c.close();
      assert.deepEqual(got, [{ t: 'int', v: '0' }, { t: 'int', v: '1' }]);
      assert.equal(lastIncr(dir).toString("latin1"), GOOD);
    } finally {
      await nodis.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad format, an unknown command or a bad manifest stop the start-up with Redis messages', async () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['garbage', (d) => fs.appendFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'xyz\r\n' + GOOD), /Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>/],
    ['unknown', (d) => fs.appendFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof'), '*1\r\n$7\r\nNOSUCHC\r\n'), /Unknown command 'NOSUCHC' reading the append only file appendonly\.aof\.1\.incr\.aof/],
    ['manifest', (d) => fs.writeFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.manifest'), 'file x seq 1\n'), /Invalid AOF manifest file format/],
  ];
  for (const [name, spoil, message] of cases) {
    const dir = dirWithIncr(GOOD);
    try {
      spoil(dir);
      const w = Watched.spawn('node', [NODIS_BIN, '--port', '0', '--dir', dir, '--appendonly', 'yes']);
      const r = await w.exit;
      assert.equal(r.code, 1, name);
      assert.match(w.stdout + w.stderr, message, name);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('CONFIG SET appendonly yes writes a base of the dataset; no stops appending', async () => {
  const dir = tmpDir('runtime');
  const nodis = await startNodis({ dir, 'aof-use-rdb-preamble': 'no' });
  try {
    const c = await RawClient.connect(nodis.port);
    await pipeline(c, [['SET', 'before', '1'], ['RPUSH', 'l', 'a', 'b']]);
    assert.equal(await infoField(nodis.port, 'aof_enabled'), '0');
    await pipeline(c, [['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'during', '2']]);
    await waitRewriteDone(nodis.port);
    await pipeline(c, [['SET', 'after', '3']]);
    assert.equal(readManifest(dir), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    assert.deepEqual(parseAof(fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.base.aof'))).sort(), [['RPUSH', 'l', 'a', 'b'], ['SELECT', '0'], ['SET', 'before', '1']]);
    assert.deepEqual(parseAof(lastIncr(dir)), [['SELECT', '0'], ['SET', 'during', '2'], ['SET', 'after', '3']]);
    assert.equal(await infoField(nodis.port, 'aof_enabled'), '1');
    assert.equal(await infoField(nodis.port, 'aof_rewrites'), '1');
    await pipeline(c, [['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'off', '4']]);
    assert.deepEqual(parseAof(lastIncr(dir)).length, 3);
    assert.equal(await infoField(nodis.port, 'aof_current_size'), '');
    c.close();
  } finally {
    await nodis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('BGREWRITEAOF replies, in progress and scheduled, and INFO persistence fields as redis-server', { skip }, async () => {
  const dir = tmpDir('bgrewrite');
  const nodis = await startNodis({ dir, appendonly: 'yes' });
  const redis = await startRedis({ appendonly: 'yes' });
  try {
    for (const port of [nodis.port, redis.port]) {
      const c = await RawClient.connect(port);
      await pipeline(c, [['SET', 'k', 'v']]);
      c.sendRaw('*1\r\n$12\r\nBGREWRITEAOF\r\n*1\r\n$12\r\nBGREWRITEAOF\r\n');
      const a = await c.read();
      const b = await c.read();
      assert.deepEqual(a?.raw.toString("latin1"), '+Background append only file rewriting started\r\n');
      assert.deepEqual(b?.raw.toString("latin1"), '-ERR Background append only file rewriting already in progress\r\n');
      await waitRewriteDone(port);
      const r = await pipeline(c, [['MULTI'], ['BGREWRITEAOF'], ['EXEC']]);
      assert.deepEqual(r[2], { t: 'array', v: [{ t: 'simple', v: 'Background append only file rewriting scheduled' }] });
      await waitRewriteDone(port);
      const info = await c.call('INFO', 'persistence');
      const text = info?.value.t === 'bulk' ? (info.value.v ?? '') : '';
      const names = text.split('\r\n').filter((l) => l.startsWith('aof_')).map((l) => l.split(':')[0]);
      assert.deepEqual(names, ['aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'aof_last_rewrite_time_sec', 'aof_current_rewrite_time_sec', 'aof_last_bgrewrite_status', 'aof_rewrites', 'aof_rewrites_consecutive_failures', 'aof_last_write_status', 'aof_last_cow_size', 'aof_current_size', 'aof_base_size', 'aof_pending_rewrite', 'aof_buffer_length', 'aof_pending_bio_fsync', 'aof_delayed_fsync']);
      assert.match(text, /aof_rewrites:2\r\n/);
      c.close();
    }
  } finally {
    await nodis.close();
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an automatic rewrite starts when the AOF grew by auto-aof-rewrite-percentage', async () => {
  const dir = tmpDir('auto');
  const nodis = await startNodis({ dir, appendonly: 'yes', 'aof-use-rdb-preamble': 'no', 'auto-aof-rewrite-min-size': '4096', 'auto-aof-rewrite-percentage': '100' });
  try {
    const c = await RawClient.connect(nodis.port);
    await pipeline(c, Array.from({ length: 200 }, (_, i) => ['SET', `key:${i % 20}`, 'x'.repeat(20)]));
    c.close();
    for (let i = 0; i < 100 && (await infoField(nodis.port, 'aof_rewrites')) === '0'; i++) await new Promise((r) => setTimeout(r, 50));
    await waitRewriteDone(nodis.port);
    assert.equal(await infoField(nodis.port, 'aof_rewrites'), '1');
    assert.equal(readManifest(dir), 'file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    // The base holds the 20 keys once each, far smaller than the 200 SETs.
    assert.equal(parseAof(fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof'))).length, 21);
  } finally {
    await nodis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('after a failed AOF write, writes (and PING) get MISCONF until a write succeeds again', async () => {
  const dir = tmpDir('misconf');
  const nodis = await startNodis({ dir, appendonly: 'yes', 'aof-use-rdb-preamble': 'no' });
  const aof = aofOf(nodis)!;
  const good = aof.fd!;
  // A descriptor open for reading only: the next write(2) fails with EBADF.
  const readOnly = fs.openSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'r');
  try {
    const c = await RawClient.connect(nodis.port);
    await pipeline(c, [['SET', 'a', '1']]);
    aof.fd = readOnly;
    assert.equal((await c.call('SET', 'b', '2'))?.raw.toString('latin1'), '+OK\r\n');
    const misconf = '-MISCONF Errors writing to the AOF file: Bad file descriptor\r\n';
    assert.equal((await c.call('SET', 'c', '3'))?.raw.toString('latin1'), misconf);
    assert.equal((await c.call('PING'))?.raw.toString('latin1'), misconf);
    assert.equal((await c.call('GET', 'a'))?.raw.toString('latin1'), '$1\r\n1\r\n');
    assert.equal(await infoField(nodis.port, 'aof_last_write_status'), 'err');
    aof.fd = good;
    // The AOF's cron writes the pending buffer again; then writes are accepted.
    for (let i = 0; i < 100 && (await infoField(nodis.port, 'aof_last_write_status')) !== 'ok'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await c.call('SET', 'c', '3'))?.raw.toString('latin1'), '+OK\r\n');
    c.close();
    assert.deepEqual(parseAof(lastIncr(dir)), [['SELECT', '0'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3']]);
  } finally {
    fs.closeSync(readOnly);
    await nodis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('CONFIG SET appendonly yes over an old AOF directory continues its sequence and retires its files', async () => {
  const dir = dirWithIncr(GOOD);
  const nodis = await startNodis({ dir, 'aof-use-rdb-preamble': 'no' });
  try {
    const c = await RawClient.connect(nodis.port);
    await pipeline(c, [['SET', 'k', 'v'], ['CONFIG', 'SET', 'appendonly', 'yes']]);
    await waitRewriteDone(nodis.port);
    c.close();
    assert.equal(readManifest(dir), 'file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    for (let i = 0; i < 50 && fs.readdirSync(path.join(dir, 'appendonlydir')).length > 3; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'appendonlydir')).sort(), ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
  } finally {
    await nodis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
