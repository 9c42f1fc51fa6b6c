import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNodis } from '../helpers/servers.js';
import { RawClient, encodeCommand } from '../helpers/raw-client.js';
import type { Server } from '../../src/index.js';

/**
 * Every connection's reads land in one shared buffer (src/server/server.ts), so what a client's
 * parser keeps between reads must be its own copy. These interleave partial frames of several
 * clients so that each read of one overwrites the buffer the others' leftovers came from.
 */

let server: Server;

before(async () => {
  server = await startNodis();
});

after(async () => {
  await server.close();
});

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A value with every byte value in it, of length n, different per seed. */
function valueOf(n: number, seed: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode((i * 31 + seed * 7) & 255);
  return s;
}

test('frames split across reads, interleaved over several connections, arrive intact', async () => {
  const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(server.port)));
  // Sizes below and above the parser's big-argument threshold (32 KB), and tiny ones.
  const sizes = [5, 300, 4000, 40000];
  const frames = clients.map((_, i) => encodeCommand(['SET', `net:${i}`, valueOf(sizes[i]!, i)]));
  // Each frame in three pieces: a head that stops inside the header, a middle, a tail; sent in
  // rounds so that every client's partial frame waits while the others read.
  const cuts = frames.map((f) => [0, 7, Math.floor(f.length / 2), f.length]);
  for (let piece = 0; piece < 3; piece++) {
    for (let i = 0; i < clients.length; i++) {
      clients[i]!.sendRaw(frames[i]!.subarray(cuts[i]![piece]!, cuts[i]![piece + 1]!));
      await pause(5);
    }
  }
  for (const c of clients) assert.equal((await c.read())?.raw.toString('latin1'), '+OK\r\n');
  for (let i = 0; i < clients.length; i++) {
    const got = await clients[0]!.call('GET', `net:${i}`);
    assert.deepEqual(got?.value, { t: 'bulk', v: valueOf(sizes[i]!, i) }, `value ${i} (${sizes[i]} bytes)`);
  }
  for (const c of clients) c.close();
});

test('a blocked client keeps its pipelined commands while other clients read', async () => {
  const blocked = await RawClient.connect(server.port);
  const other = await RawClient.connect(server.port);
  // BLPOP blocks; the SET and GET behind it in the same read wait in its parser.
  blocked.sendRaw(Buffer.concat([encodeCommand(['BLPOP', 'net:list', '0']), encodeCommand(['SET', 'net:after', 'kept-value-1234567890']), encodeCommand(['GET', 'net:after'])]));
  await pause(20);
  // Other reads overwrite the shared buffer meanwhile.
  for (let i = 0; i < 20; i++) assert.equal((await other.call('SET', `net:noise:${i}`, valueOf(1000, i)))?.raw.toString('latin1'), '+OK\r\n');
  await other.call('RPUSH', 'net:list', 'x');
  assert.deepEqual((await blocked.read())?.value, { t: 'array', v: [{ t: 'bulk', v: 'net:list' }, { t: 'bulk', v: 'x' }] });
  assert.equal((await blocked.read())?.raw.toString('latin1'), '+OK\r\n');
  assert.deepEqual((await blocked.read())?.value, { t: 'bulk', v: 'kept-value-1234567890' });
  blocked.close();
  other.close();
});

test('a closed connection leaves the client list', async () => {
  // The earlier tests' connections are gone first.
  for (let i = 0; i < 100 && server.clients.size !== 0; i++) await pause(10);
  const before = server.clients.size;
  assert.equal(before, 0);
  const c = await RawClient.connect(server.port);
  assert.equal((await c.call('PING'))?.raw.toString('latin1'), '+PONG\r\n');
  assert.equal(server.clients.size, before + 1);
  c.close();
  for (let i = 0; i < 100 && server.clients.size !== before; i++) await pause(10);
  assert.equal(server.clients.size, before);
});
