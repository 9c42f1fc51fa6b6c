import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis, startRedis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';

/**
 * SLOWLOG keeps the arguments of every logged command, but never a password: AUTH, HELLO AUTH,
 * ACL SETUSER and CONFIG SET of a sensitive parameter are logged with "(redacted)" in their place,
 * as redis-server does. Durations and times differ between the servers; the arguments must not.
 */

let nodis: Server;
let redis: RunningRedis | null = null;

before(async () => {
  nodis = await startNodis();
  if (haveRedisServer()) redis = await startRedis();
});

after(async () => {
  await nodis.close();
  await redis?.stop();
});

const SCRIPT: string[][] = [
  ['SET', 'k', 'v'],
  ['AUTH', 'secret'],
  ['AUTH', 'user', 'secret'],
  ['HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME', 'n'],
  ['ACL', 'SETUSER', 'alice', 'on', '>hunter2', '~*', '+@all'],
  ['CONFIG', 'SET', 'masterauth', 'topsecret'],
  ['GET', 'k'],
];

async function loggedArgs(port: number): Promise<unknown[]> {
  const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  try {
    await c.config('SET', 'slowlog-log-slower-than', '0');
    await c.call('SLOWLOG', 'RESET');
    for (const argv of SCRIPT) await c.call(argv[0]!, ...argv.slice(1)).catch(() => null);
    const entries = (await c.call('SLOWLOG', 'GET', '100')) as unknown[][];
    // Each entry: id, time, duration, arguments, address, name. Oldest first.
    return entries.map((e) => e[3]).reverse();
  } finally {
    c.disconnect();
  }
}

test('SLOWLOG redacts passwords as redis-server does', async (t) => {
  const mine = await loggedArgs(nodis.port);
  const flat = JSON.stringify(mine);
  for (const secret of ['hunter2', 'topsecret', '"pw"', '"secret"']) assert.ok(!flat.includes(secret), `${secret} in ${flat}`);
  assert.ok(flat.includes('(redacted)'));
  if (redis === null) {
    t.skip('no redis-server');
    return;
  }
  assert.deepEqual(mine, await loggedArgs(redis.port));
});
