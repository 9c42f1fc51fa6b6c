import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import type { Server } from '../../src/index.js';

let server: Server;
let logDir: string;
let logFile: string;

before(async () => {
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-pubsub-'));
  logFile = path.join(logDir, 'nodis.log');
  server = await startNodis({ logfile: logFile });
});

after(async () => {
  await server.close();
  fs.rmSync(logDir, { recursive: true, force: true });
});

async function connect(): Promise<Redis> {
  const c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  return c;
}

function waitFor<T>(emitter: Redis, event: string, n: number): Promise<T[][]> {
  const got: T[][] = [];
  return new Promise((resolve) => {
    emitter.on(event, (...args: T[]) => {
      got.push(args);
      if (got.length === n) resolve(got);
    });
  });
}

test('ioredis: channel and pattern messages, binary payloads, receivers counted', async () => {
  const sub = await connect();
  const pub = await connect();
  assert.equal(await sub.subscribe('news', 'sport'), 2);
  assert.equal(await sub.psubscribe('n*'), 3);
  const messages = waitFor<string>(sub, 'messageBuffer', 2);
  const pmessages = waitFor<Buffer | string>(sub, 'pmessageBuffer', 2);
  assert.equal(await pub.publish('news', Buffer.from([0, 255, 10, 13])), 2);
  assert.equal(await pub.publish('sport', 'goal'), 1);
  assert.equal(await pub.publish('nothing', 'x'), 1);
  assert.equal(await pub.publish('other', 'x'), 0);
  const m = await messages;
  assert.deepEqual(
    m.map(([ch, msg]) => [String(ch), Buffer.from(msg as unknown as Buffer).toString('latin1')]),
    [
      ['news', '\x00\xff\n\r'],
      ['sport', 'goal'],
    ],
  );
  const p = await pmessages;
  assert.deepEqual(
    p.map(([pat, ch]) => [String(pat), String(ch)]),
    [
      ['n*', 'news'],
      ['n*', 'nothing'],
    ],
  );
  assert.deepEqual(await pub.pubsub('NUMSUB', 'news', 'none'), ['news', 1, 'none', 0]);
  assert.equal(await pub.pubsub('NUMPAT'), 1);
  sub.disconnect();
  // A disconnected subscriber is forgotten.
  for (;;) {
    if ((await pub.publish('news', 'x')) === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepEqual(await pub.pubsub('CHANNELS'), []);
  assert.equal(await pub.pubsub('NUMPAT'), 0);
  pub.disconnect();
});

test('a subscriber that never reads is closed at the hard limit; memory stays bounded; others unaffected', async () => {
  const pub = await connect();
  const bystander = await connect();
  // The default pubsub class limits, as Redis ships them.
  assert.deepEqual(await pub.config('GET', 'client-output-buffer-limit'), [
    'client-output-buffer-limit',
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
  ]);
  const stalled = await RawClient.connect(server.port);
  await stalled.call('SUBSCRIBE', 'firehose');
  // Stop reading: the kernel buffers fill, then the server's output for it grows.
  stalled.sock.pause();
  const rssBefore = process.memoryUsage().rss;
  const payload = 'x'.repeat(1024 * 1024);
  let published = 0;
  let rssPeak = rssBefore;
  // 400 MB would be sent if nothing stopped it.
  while (published < 400) {
    const receivers = await pub.publish('firehose', payload);
    published++;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (receivers === 0) break;
  }
  assert.ok(published < 400, 'the stalled subscriber was disconnected');
  assert.ok(published > 8, 'not before its output passed the soft limit');
  assert.ok(rssPeak - rssBefore < 200 * 1024 * 1024, `RSS grew by ${rssPeak - rssBefore}`);
  assert.equal(await bystander.ping(), 'PONG');
  assert.equal(await pub.pubsub('NUMSUB', 'firehose').then((r) => (r as unknown[])[1]), 0);
  const log = fs.readFileSync(logFile, 'latin1');
  assert.match(log, /Client id=\d+ addr=127\.0\.0\.1:\d+ .* scheduled to be closed ASAP for overcoming of output buffer limits\./);
  stalled.close();
  pub.disconnect();
  bystander.disconnect();
});

test('the soft limit closes a subscriber that stays above it longer than its seconds', async () => {
  const pub = await connect();
  await pub.config('SET', 'client-output-buffer-limit', 'pubsub 0 262144 1');
  try {
    const stalled = await RawClient.connect(server.port);
    await stalled.call('SUBSCRIBE', 'slow');
    stalled.sock.pause();
    const payload = 'y'.repeat(64 * 1024);
    let receivers = 1;
    let sent = 0;
    while (receivers !== 0 && sent < 100000) {
      receivers = await pub.publish('slow', payload);
      sent++;
      // Keep it above the soft limit without racing to a hard one (there is none here).
      if (sent > 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(receivers, 0, 'closed once over the soft limit for more than a second');
    stalled.close();
  } finally {
    await pub.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    pub.disconnect();
  }
});

test('RESP2 subscribed context through a raw connection; RESET leaves it', async () => {
  const c = await RawClient.connect(server.port);
  await c.call('SUBSCRIBE', 'a');
  const r = await c.call('GET', 'x');
  assert.equal(r?.raw.toString(), "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n");
  assert.equal((await c.call('RESET'))?.raw.toString(), '+RESET\r\n');
  assert.equal((await c.call('GET', 'x'))?.raw.toString(), '$-1\r\n');
  c.close();
});
