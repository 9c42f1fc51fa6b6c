import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startRedis, startNodis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import { parseAof, normalizeTimes, lastIncr, waitBlocked } from './aof-helpers.js';

/**
 * What goes into the AOF, as Redis 7.0.15 propagates it: the same commands run on Nodis and on
 * redis-server (both appendonly yes, aof-use-rdb-preamble no) give the same incremental file,
 * relative expiry times aside (they become PXAT/PEXPIREAT of "now + n").
 */

const FAR = '4102444800000';

/** One step: a command on the main connection, or commands that block and the writes serving them. */
type Step = string[] | { blocked: string[][]; then: string[][] };

const SCRIPT: Step[] = [
  ['SET', 'a', '1'],
  ['SET', 'b', '2', 'EX', '100'],
  ['SET', 'c', '3', 'PX', '100000'],
  ['SET', 'd', '4', 'EXAT', '4102444800'],
  ['SET', 'e', '5', 'PXAT', FAR],
  ['SET', 'kk', 'v', 'NX', 'PXAT', FAR, 'GET'],
  ['SET', 'kq', 'v', 'XX', 'PXAT', FAR],
  ['SETEX', 'f', '100', 'v'],
  ['PSETEX', 'g', '100000', 'v'],
  ['SET', 'h', '1', 'KEEPTTL'],
  ['SET', 'i', '1', 'GET'],
  ['SET', 'i', '2', 'get', 'XX', 'GET'],
  ['SET', 'i', '3', 'NX', 'GET'],
  ['SETNX', 'j', '1'],
  ['GETSET', 'j', '2'],
  ['GETEX', 'b', 'EX', '200'],
  ['GETEX', 'b', 'PERSIST'],
  ['GETEX', 'b', 'PXAT', FAR],
  ['GETEX', 'b'],
  ['GETEX', 'b', 'EXAT', '1000'],
  ['EXPIRE', 'a', '100'],
  ['PEXPIRE', 'a', '100000', 'NX'],
  ['PEXPIRE', 'a', '200000', 'GT'],
  ['EXPIREAT', 'a', '4102444800'],
  ['PEXPIREAT', 'a', FAR, 'XX'],
  ['EXPIRE', 'a', '-1'],
  ['EXPIRE', 'nokey', '10'],
  ['SET', 'p', '1'],
  ['PERSIST', 'p'],
  ['EXPIRE', 'p', '100'],
  ['PERSIST', 'p'],
  ['INCRBYFLOAT', 'k', '1.5'],
  ['INCRBYFLOAT', 'k', '0.1'],
  ['SET', 'q', '1', 'EX', '100', 'GET'],
  ['INCRBYFLOAT', 'q', '1'],
  ['HINCRBYFLOAT', 'hh', 'f', '2.5'],
  ['HINCRBYFLOAT', 'hh', 'f', '1e3'],
  ['SADD', 'one', 'x'],
  ['SPOP', 'one'],
  ['SADD', 's', '1', '2', '3'],
  ['SPOP', 's', '5'],
  ['SPOP', 'nokey'],
  ['SPOP', 'nokey', '3'],
  ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
  ['BLPOP', 'l', '0'],
  ['BRPOP', 'l', '0'],
  ['BLMOVE', 'l', 'l2', 'LEFT', 'RIGHT', '0'],
  ['BRPOPLPUSH', 'l', 'l2', '0'],
  ['BLMPOP', '0', '1', 'l2', 'LEFT', 'COUNT', '2'],
  ['RPUSH', 'l3', '1', '2', '3'],
  ['LMPOP', '1', 'l3', 'RIGHT', 'COUNT', '2'],
  ['LMPOP', '1', 'l3', 'left'],
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
  ['BZPOPMIN', 'z', '0'],
  ['BZPOPMAX', 'z', '0'],
  ['ZMPOP', '1', 'z', 'max'],
  ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5'],
  ['GETDEL', 'j'],
  ['GETDEL', 'j'],
  ['MULTI'],
  ['SET', 'm1', '1'],
  ['GET', 'm1'],
  ['EXEC'],
  ['MULTI'],
  ['SET', 'm1', '1'],
  ['INCRBYFLOAT', 'm2', '2'],
  ['BLPOP', 'nolist', '0'],
  ['EXEC'],
  ['MULTI'],
  ['GET', 'm1'],
  ['EXEC'],
  ['SELECT', '2'],
  ['SET', 'x', '1', 'EX', '1000'],
  ['SELECT', '0'],
  ['SET', 'z2', '1'],
  ['DEL', 'nothing'],
  { blocked: [['BLPOP', 'bl', '0']], then: [['RPUSH', 'bl', 'x', 'y']] },
  { blocked: [['BLPOP', 'q1', '0'], ['BRPOP', 'q1', '0']], then: [['RPUSH', 'q1', 'a', 'b', 'c']] },
  { blocked: [['BZPOPMIN', 'bz', '0']], then: [['ZADD', 'bz', '1', 'm']] },
  { blocked: [['BZMPOP', '0', '1', 'bz2', 'max', 'COUNT', '3']], then: [['ZADD', 'bz2', '1', 'm', '2', 'n']] },
  { blocked: [['BLMPOP', '0', '1', 'bm', 'RIGHT', 'COUNT', '3']], then: [['RPUSH', 'bm', '1', '2', '3', '4', '5']] },
  { blocked: [['BLMOVE', 'bl1', 'd1', 'right', 'left', '0']], then: [['RPUSH', 'bl1', 'x', 'y']] },
  { blocked: [['BRPOPLPUSH', 'bl2', 'd2', '0']], then: [['RPUSH', 'bl2', 'x', 'y']] },
  { blocked: [['BLPOP', 'bq', '0']], then: [['MULTI'], ['RPUSH', 'bq', 'x'], ['SET', 'zz', '1'], ['EXEC']] },
  ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes'],
  ['SET', 'u', '1'],
  ['EXPIRE', 'u', '-5'],
  ['SET', 'u', '1'],
  ['GETEX', 'u', 'PXAT', '1'],
  ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'no'],
  ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes'],
  ['SET', 'u', '1'],
  ['GETDEL', 'u'],
  ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no'],
  // Commands that go in as sent, and scripts (their effects, as one MULTI/EXEC when several).
  ['RPUSH', 'srt', '3', '1', '2'],
  ['SORT', 'srt', 'STORE', 'sorted'],
  ['SADD', 'sa', 'a', 'b'],
  ['SADD', 'sb', 'b', 'c'],
  ['SINTERSTORE', 'sc', 'sa', 'sb'],
  ['SMOVE', 'sa', 'sb', 'a'],
  ['ZADD', 'zi', 'INCR', '5', 'm'],
  ['APPEND', 'ap', 'x'],
  ['SETRANGE', 'ap', '3', 'y'],
  ['RENAME', 'ap', 'ap2'],
  ['COPY', 'ap2', 'ap3'],
  ['MOVE', 'ap3', '3'],
  ['SWAPDB', '0', '3'],
  ['SWAPDB', '0', '3'],
  ['LMOVE', 'srt', 'srt2', 'LEFT', 'LEFT'],
  ['EVAL', "redis.call('set', KEYS[1], '1') redis.call('incrbyfloat', KEYS[2], '1.5') return 1", '2', 'ev1', 'ev2'],
  ['EVAL', "return redis.call('set', KEYS[1], 'v', 'EX', '100')", '1', 'ev3'],
  ['EVAL', "return redis.call('get', KEYS[1])", '1', 'ev3'],
  ['XADD', 'xs', '1-1', 'f', 'v'],
  ['XADD', 'xs', 'MAXLEN', '5', '*', 'f', 'v'],
  ['FLUSHALL'],
  ['flushdb'],
];

async function runScript(port: number, steps: Step[]): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (const step of steps) {
      if (Array.isArray(step)) {
        const r = await c.call(...step);
        assert.ok(r !== null, `${step.join(' ')}: connection closed`);
        continue;
      }
      const waiters: RawClient[] = [];
      const replies: Promise<unknown>[] = [];
      for (const b of step.blocked) {
        const w = await RawClient.connect(port);
        waiters.push(w);
        replies.push(w.call(...b));
        await waitBlocked(port, waiters.length);
      }
      for (const cmd of step.then) await c.call(...cmd);
      await Promise.all(replies);
      for (const w of waiters) w.close();
    }
  } finally {
    c.close();
  }
}

const OPTS = { appendonly: 'yes', 'aof-use-rdb-preamble': 'no', appendfsync: 'always' };

let redis: RunningRedis | null = null;
let nodis: Server;
let nodisDir: string;

before(async () => {
  nodisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aofprop-'));
  nodis = await startNodis({ ...OPTS, dir: nodisDir });
  if (haveRedisServer()) redis = await startRedis(OPTS);
});

after(async () => {
  await nodis.close();
  await redis?.stop();
  fs.rmSync(nodisDir, { recursive: true, force: true });
});

test('the incremental AOF holds what redis-server 7.0 writes for the same commands', { skip: !haveRedisServer() }, async () => {
  await runScript(nodis.port, SCRIPT);
  await runScript(redis!.port, SCRIPT);
  const mine = normalizeTimes(parseAof(lastIncr(nodisDir))).map((a) => JSON.stringify(a));
  const theirs = normalizeTimes(parseAof(lastIncr(redis!.dir))).map((a) => JSON.stringify(a));
  assert.equal(mine.join('\n'), theirs.join('\n'));
});

test('the rewritten forms, exactly', async () => {
  const cmds = parseAof(lastIncr(nodisDir)).map((a) => a.join(' '));
  const has = (line: string) => assert.ok(cmds.includes(line), `missing ${JSON.stringify(line)} in\n${cmds.join('\n')}`);
  has(`SET e 5 PXAT ${FAR}`);
  has('SET d 4 PXAT 4102444800000');
  has(`SET kk v PXAT ${FAR}`);
  has('SET i 1');
  has('SET i 2 XX');
  has('SET j 2');
  has(`PEXPIREAT b ${FAR}`);
  has('PERSIST b');
  has('DEL a');
  has('SET k 1.5 KEEPTTL');
  has('SET k 1.6 KEEPTTL');
  has('HSET hh f 2.5');
  has('HSET hh f 1002.5');
  has('SREM one x');
  has('DEL s');
  has('LPOP l');
  has('RPOP l');
  has('LMOVE l l2 LEFT RIGHT');
  has('RPOPLPUSH l l2');
  has('LPOP l2 2');
  has('RPOP l3 2');
  has('LPOP l3 1');
  has('ZPOPMIN z');
  has('ZPOPMAX z');
  has('ZPOPMAX z 1');
  has('ZPOPMIN z 1');
  has('DEL j');
  has('UNLINK u');
  has('LMOVE bl1 d1 right left');
  has('RPOP bm 3');
  has('ZPOPMAX bz2 2');
  assert.ok(!cmds.some((l) => /^(BLPOP|BRPOP|BLMOVE|BRPOPLPUSH|BLMPOP|BZPOPMIN|BZPOPMAX|BZMPOP|GETEX|SETEX|PSETEX|INCRBYFLOAT|HINCRBYFLOAT|SPOP|GETDEL|EXPIRE|PEXPIRE|EXPIREAT) /i.test(l)), 'a command that must be rewritten went in as sent');
});

test('SPOP with a count propagates one SREM per member popped, in one MULTI/EXEC', async () => {
  const c = await RawClient.connect(nodis.port);
  try {
    await c.call('SADD', 'sp', ...Array.from({ length: 10 }, (_, i) => `m${i}`));
    await c.call('SADD', 'sq', ...Array.from({ length: 10 }, (_, i) => `m${i}`));
    for (const [key, n] of [['sp', '3'], ['sq', '9']] as const) {
      const before = parseAof(lastIncr(nodisDir)).length;
      const r = await c.call('SPOP', key, n);
      assert.ok(r !== null && r.value.t === 'array');
      const popped = (r.value.v ?? []).map((v) => (v.t === 'bulk' ? v.v : ''));
      const added = parseAof(lastIncr(nodisDir)).slice(before);
      assert.deepEqual(added, [['MULTI'], ...popped.map((m) => ['SREM', key, m!]), ['EXEC']]);
    }
  } finally {
    c.close();
  }
});
