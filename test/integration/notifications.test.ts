import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';

/** Keyspace notifications set from the configuration (not CONFIG SET), received through ioredis. */

let server: Server;

before(async () => {
  server = await startNodis({ 'notify-keyspace-events': 'Kx$E', hz: '100' });
});

after(async () => {
  await server.close();
});

async function connect(): Promise<Redis> {
  const c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  return c;
}

test('the configured classes publish on __keyspace@ and __keyevent@, binary keys kept', async () => {
  const cfg = await connect();
  assert.deepEqual(await cfg.config('GET', 'notify-keyspace-events'), ['notify-keyspace-events', '$xKE']);
  const sub = await connect();
  const got: [string, string, string][] = [];
  sub.on('pmessageBuffer', (p: Buffer, ch: Buffer, msg: Buffer) => got.push([p.toString(), ch.toString('latin1'), msg.toString('latin1')]));
  await sub.psubscribe('__key*__:*');
  const w = await connect();
  await w.select(2);
  await w.set(Buffer.from([0x6b, 0xff]), 'v');
  await w.lpush('list', 'a'); // class l is off: nothing
  await w.del('list'); // class g is off: nothing
  await w.publish('__keyevent@2__:end', 'marker');
  while (!got.some(([, ch]) => ch.endsWith(':end'))) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [
    ['__key*__:*', '__keyspace@2__:k\xff', 'set'],
    ['__key*__:*', '__keyevent@2__:set', 'k\xff'],
    ['__key*__:*', '__keyevent@2__:end', 'marker'],
  ]);
  for (const c of [cfg, sub, w]) c.disconnect();
});

test('keys that expire by the active cycle fire "expired" without being touched', async () => {
  const sub = await connect();
  const events: string[] = [];
  sub.on('message', (ch: string, msg: string) => events.push(`${ch} ${msg}`));
  await sub.subscribe('__keyevent@0__:expired');
  const w = await connect();
  await w.set('short', '1', 'PX', 20);
  while (events.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(events, ['__keyevent@0__:expired short']);
  for (const c of [sub, w]) c.disconnect();
});
