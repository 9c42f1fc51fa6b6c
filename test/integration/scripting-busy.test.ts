import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawClient, encodeCommand } from '../helpers/raw-client.js';
import { startNodis, startRedis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import { runningScript } from '../../src/scripting/engine.js';

// BUSY and SCRIPT KILL with two clients, on Nodis and on redis-server, compared byte for byte.
// busy-reply-threshold is lowered to 100 ms so the scripts time out quickly.

const skip = !haveRedisServer();
let nodis: Server;
let redis: RunningRedis | undefined;

before(async () => {
  nodis = await startNodis({ 'busy-reply-threshold': '100' });
  if (!skip) redis = await startRedis({ 'busy-reply-threshold': '100' });
});
after(async () => {
  await nodis.close();
  await redis?.stop();
});

const LOOP = 'local i = 0 while true do i = i + 1 end';

function text(r: { raw: Buffer } | null): string {
  return r === null ? '(closed)' : r.raw.toString('latin1');
}

/**
 * Client A runs `script` with a PING pipelined behind it; client B, once the script has timed
 * out, sends `during` commands; then A's two replies. Answers every reply's bytes in order.
 */
async function busyFlow(port: number, script: string, during: string[][]): Promise<string[]> {
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  try {
    a.sendRaw(Buffer.concat([encodeCommand(['EVAL', script, '0']), encodeCommand(['PING'])]));
    // The server cannot answer B before the script times out; B's first reply comes after it.
    await sleep(150);
    const out: string[] = [];
    for (const cmd of during) out.push('B ' + text(await b.call(...cmd)));
    out.push('A ' + text(await a.read()));
    out.push('A ' + text(await a.read()));
    out.push('B ' + text(await b.call('PING')));
    return out;
  } finally {
    a.close();
    b.close();
  }
}

test('a script past busy-reply-threshold: other clients get BUSY, SCRIPT KILL stops it, its caller gets the kill error then its pipelined reply', async () => {
  const during = [['PING'], ['GET', 'x'], ['EVAL', 'return 1', '0'], ['MULTI'], ['SET', 'x', '1'], ['DISCARD'], ['SCRIPT', 'KILL']];
  const got = await busyFlow(nodis.port, LOOP, during);
  assert.equal(got[0], 'B -BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
  assert.equal(got[6], 'B +OK\r\n');
  assert.match(got[7]!, /^A -ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
  assert.equal(got[8], 'A +PONG\r\n');
  assert.equal(runningScript(nodis), null);
  assert.equal(nodis.busyGate, null);
  if (redis) assert.deepEqual(got, await busyFlow(redis.port, LOOP, during));
});

test('SCRIPT KILL without a script running: NOTBUSY', async () => {
  const c = await RawClient.connect(nodis.port);
  try {
    assert.equal(text(await c.call('SCRIPT', 'KILL')), '-NOTBUSY No scripts in execution right now.\r\n');
  } finally {
    c.close();
  }
});

test('a script that ends by itself after timing out answers normally, and the server serves everyone again', async () => {
  // Busy for ~400 ms of wall time, then returns.
  const script = "local t0 = redis.call('time') local n = 0 repeat n = n + 1 local t = redis.call('time') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 400000 return 'done'";
  const got = await busyFlow(nodis.port, script, [['PING']]);
  assert.equal(got[0], 'B -BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
  assert.equal(got[1], 'A $4\r\ndone\r\n');
  assert.equal(got[2], 'A +PONG\r\n');
  assert.equal(got[3], 'B +PONG\r\n');
  if (redis) assert.deepEqual(got, await busyFlow(redis.port, script, [['PING']]));
});

test('a script that wrote cannot be killed (UNKILLABLE); SHUTDOWN NOSAVE ends it with the server', async () => {
  const script = "redis.call('set', 'w', '1') " + LOOP;
  const flow = async (port: number): Promise<string[]> => {
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    try {
      a.sendRaw(encodeCommand(['EVAL', script, '0']));
      await sleep(150);
      const out = [text(await b.call('SCRIPT', 'KILL')), text(await b.call('SHUTDOWN'))];
      b.sendRaw(encodeCommand(['SHUTDOWN', 'NOSAVE']));
      out.push(String(await a.waitClosed(5000)));
      return out;
    } finally {
      a.close();
      b.close();
    }
  };
  const own = await startNodis({ 'busy-reply-threshold': '100' });
  const got = await flow(own.port);
  await own.close();
  assert.deepEqual(got, [
    '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n',
    '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n',
    'true',
  ]);
  if (!skip) {
    const ref = await startRedis({ 'busy-reply-threshold': '100' });
    try {
      assert.deepEqual(await flow(ref.port), got);
    } finally {
      await ref.stop();
    }
  }
});

test('a killed script cannot keep itself alive by catching the error with pcall', async () => {
  const script = 'while true do pcall(function() ' + LOOP + ' end) end';
  const got = await busyFlow(nodis.port, script, [['SCRIPT', 'KILL']]);
  assert.equal(got[0], 'B +OK\r\n');
  assert.match(got[1]!, /^A -ERR Script killed by user with SCRIPT KILL\.\.\./);
  if (redis) assert.deepEqual(got, await busyFlow(redis.port, script, [['SCRIPT', 'KILL']]));
});

test('while a script is busy, keys do not expire and the dataset does not change under it', async () => {
  const c = await RawClient.connect(nodis.port);
  try {
    await c.call('SET', 'ttl', 'v', 'PX', '150');
    // The script sees the key at its start and must still see it after its time limit has passed.
    const script = "local seen = redis.call('get', 'ttl') local t0 = redis.call('time') repeat local t = redis.call('time') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 400000 return {seen, redis.call('get', 'ttl')}";
    assert.equal(text(await c.call('EVAL', script, '0')), '*2\r\n$1\r\nv\r\n$1\r\nv\r\n');
    await sleep(50);
    assert.equal(text(await c.call('GET', 'ttl')), '$-1\r\n');
  } finally {
    c.close();
  }
});
