import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startNodis, startRedis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';

/**
 * DEBUG RELOAD (save, flush, load back; NOSAVE, NOFLUSH, MERGE): the same commands give the same
 * replies on Nodis and redis-server, each in a directory of its own.
 */

let nodis: Server;
let nodisDir: string;
let redis: RunningRedis | null = null;

before(async () => {
  nodisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-reload-'));
  nodis = await startNodis({ dir: nodisDir });
  if (haveRedisServer()) redis = await startRedis();
});

after(async () => {
  await nodis.close();
  await redis?.stop();
  fs.rmSync(nodisDir, { recursive: true, force: true });
});

const SCRIPT: string[][] = [
  ['DEBUG', 'RELOAD', 'NOSAVE'],
  ['SET', 'a', '1'],
  ['RPUSH', 'l', 'x', 'y', 'z'],
  ['HSET', 'h', 'f', 'v'],
  ['SET', 'ttl', 'v', 'EX', '1000'],
  ['DEBUG', 'RELOAD'],
  ['GET', 'a'],
  ['LRANGE', 'l', '0', '-1'],
  ['HGETALL', 'h'],
  ['TTL', 'ttl'],
  ['DEBUG', 'RELOAD', 'foo'],
  ['SET', 'b', '2'],
  ['DEBUG', 'RELOAD', 'NOSAVE'],
  ['EXISTS', 'b'],
  ['SET', 'a', '5'],
  ['SET', 'c', '3'],
  ['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'],
  ['GET', 'a'],
  ['GET', 'c'],
  ['DBSIZE'],
];

async function replies(port: number): Promise<unknown[]> {
  const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  try {
    const out: unknown[] = [];
    for (const argv of SCRIPT) {
      out.push(await c.call(argv[0]!, ...argv.slice(1)).catch((e: Error) => `ERR:${e.message}`));
    }
    return out;
  } finally {
    c.disconnect();
  }
}

test('DEBUG RELOAD saves, flushes and loads back as redis-server does', async (t) => {
  const mine = await replies(nodis.port);
  assert.equal(mine[0], 'ERR:ERR Error trying to load the RDB dump');
  assert.equal(mine[6], '1');
  assert.deepEqual(mine[7], ['x', 'y', 'z']);
  assert.equal(mine[13], 0);
  assert.equal(mine[17], '1');
  assert.ok(fs.existsSync(path.join(nodisDir, 'dump.rdb')));
  if (redis === null) {
    t.skip('no redis-server');
    return;
  }
  assert.deepEqual(mine, await replies(redis.port));
});
