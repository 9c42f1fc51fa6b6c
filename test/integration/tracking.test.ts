import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import type { Server } from '../../src/index.js';

/**
 * Client-side caching through real connections: RESP3 push frames on the tracking connection,
 * RESP2 pub/sub messages on a redirect connection, as Redis 7.0.15 sends them.
 */

let server: Server;

before(async () => {
  server = await startNodis();
});

after(async () => {
  await server.close();
});

const open: RawClient[] = [];

async function raw(resp: 2 | 3 = 3): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  open.push(c);
  if (resp === 3) await c.call('HELLO', '3');
  return c;
}

after(() => {
  for (const c of open) c.close();
});

async function bytes(c: RawClient, ...argv: string[]): Promise<string> {
  const r = argv.length > 0 ? await c.call(...argv) : await c.read();
  assert.ok(r, 'connection still open');
  return r.raw.latin1Slice(0, r.raw.length);
}

async function idOf(c: RawClient): Promise<string> {
  return (await bytes(c, 'CLIENT', 'ID')).slice(1, -2);
}

function push(...keys: string[]): string {
  return '>2\r\n$10\r\ninvalidate\r\n*' + keys.length + '\r\n' + keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('');
}

function pubsubMessage(...keys: string[]): string {
  return '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*' + keys.length + '\r\n' + keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('');
}

function infoField(text: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(text);
  assert.ok(m, `INFO has ${name}`);
  return Number(m[1]);
}

test('RESP3: a key read by a tracking client is invalidated once when another client writes it', async () => {
  const a = await raw();
  const b = await raw();
  assert.equal(await bytes(a, 'CLIENT', 'TRACKING', 'on'), '+OK\r\n');
  await bytes(a, 'GET', 'r3:k');
  assert.equal(await bytes(b, 'SET', 'r3:k', '1'), '+OK\r\n');
  assert.equal(await bytes(a), push('r3:k'));
  // Forgotten after the message: a second write sends nothing, so PING's reply comes next.
  await bytes(b, 'SET', 'r3:k', '2');
  assert.equal(await bytes(a, 'PING'), '+PONG\r\n');
  await bytes(a, 'CLIENT', 'TRACKING', 'off');
});

test('RESP3: one\'s own write is reported after the reply; binary keys keep their bytes', async () => {
  const a = await raw();
  const key = 'bin\x00\xff\r\n';
  await bytes(a, 'CLIENT', 'TRACKING', 'on');
  await bytes(a, 'GET', key);
  assert.equal(await bytes(a, 'SET', key, 'v'), '+OK\r\n');
  assert.equal(await bytes(a), push(key));
  await bytes(a, 'CLIENT', 'TRACKING', 'off');
});

test('RESP2: invalidations go to a REDIRECT connection subscribed to __redis__:invalidate', async () => {
  const target = await raw(2);
  const tracker = await raw(2);
  const writer = new Redis({ port: server.port });
  try {
    const tid = await idOf(target);
    await bytes(target, 'SUBSCRIBE', '__redis__:invalidate');
    assert.equal(await bytes(tracker, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', tid), '+OK\r\n');
    assert.equal(await bytes(tracker, 'CLIENT', 'GETREDIR'), `:${tid}\r\n`);
    await bytes(tracker, 'MGET', 'rd:a', 'rd:b');
    await writer.mset('rd:a', '1', 'rd:b', '2');
    assert.equal(await bytes(target), pubsubMessage('rd:a'));
    assert.equal(await bytes(target), pubsubMessage('rd:b'));
    // FLUSHALL: one null for "every key", in the tracking client's protocol (RESP2: $-1).
    await bytes(tracker, 'GET', 'rd:c');
    await writer.flushall();
    assert.equal(await bytes(target), '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n');
    // The tracking connection itself never gets anything in RESP2.
    assert.equal(await bytes(tracker, 'PING'), '+PONG\r\n');
    await bytes(tracker, 'CLIENT', 'TRACKING', 'off');
  } finally {
    writer.disconnect();
  }
});

test('BCAST with PREFIX: changed keys under the prefix arrive batched, sorted, once per batch', async () => {
  const a = await raw();
  const b = await raw();
  assert.equal(await bytes(a, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'bc:user:', 'PREFIX', 'bc:obj:'), '+OK\r\n');
  // A pipeline of writes in one batch: Redis collects them until it returns to its event loop.
  b.sendRaw('SET bc:user:2 x\r\nSET bc:other 1\r\nSET bc:user:1 y\r\nDEL bc:user:2\r\nSET bc:obj:9 z\r\n');
  for (let i = 0; i < 5; i++) await b.read();
  assert.equal(await bytes(a), push('bc:obj:9'));
  assert.equal(await bytes(a), push('bc:user:1', 'bc:user:2'));
  assert.equal(await bytes(a, 'PING'), '+PONG\r\n');
  const info = await bytes(a, 'CLIENT', 'TRACKINGINFO');
  assert.ok(info.includes('$5\r\nbcast\r\n') && info.includes('*2\r\n$7\r\nbc:obj:\r\n$8\r\nbc:user:\r\n'), info);
  await bytes(a, 'CLIENT', 'TRACKING', 'off');
});

test('OPTIN: only the command after CLIENT CACHING yes is tracked', async () => {
  const a = await raw();
  const b = await raw();
  await bytes(a, 'CLIENT', 'TRACKING', 'on', 'OPTIN');
  await bytes(a, 'GET', 'oi:1');
  assert.equal(await bytes(a, 'CLIENT', 'CACHING', 'yes'), '+OK\r\n');
  await bytes(a, 'GET', 'oi:2');
  await bytes(a, 'GET', 'oi:3');
  await bytes(b, 'MSET', 'oi:1', 'a', 'oi:2', 'b', 'oi:3', 'c');
  assert.equal(await bytes(a), push('oi:2'));
  assert.equal(await bytes(a, 'PING'), '+PONG\r\n');
  await bytes(a, 'CLIENT', 'TRACKING', 'off');
});

test('NOLOOP: no message for one\'s own writes, in default and BCAST mode', async () => {
  const a = await raw();
  const b = await raw();
  await bytes(a, 'CLIENT', 'TRACKING', 'on', 'NOLOOP');
  await bytes(a, 'MGET', 'nl:mine', 'nl:theirs');
  await bytes(a, 'SET', 'nl:mine', '1');
  await bytes(b, 'SET', 'nl:theirs', '1');
  assert.equal(await bytes(a), push('nl:theirs'));
  await bytes(a, 'CLIENT', 'TRACKING', 'off');
  await bytes(a, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP', 'PREFIX', 'nl:');
  await bytes(a, 'SET', 'nl:self', '1');
  await bytes(b, 'SET', 'nl:other', '1');
  assert.equal(await bytes(a), push('nl:other'));
  assert.equal(await bytes(a, 'PING'), '+PONG\r\n');
  await bytes(a, 'CLIENT', 'TRACKING', 'off');
});

test('a redirect client that went away: RESP3 trackers hear tracking-redir-broken, TRACKINGINFO says so', async () => {
  const a = await raw();
  const gone = await raw();
  const b = await raw();
  const gid = await idOf(gone);
  await bytes(a, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', gid);
  await bytes(a, 'GET', 'br:k');
  gone.close();
  await gone.waitClosed(1000);
  // Wait until the server has seen the disconnect.
  for (let i = 0; i < 100 && (await bytes(b, 'CLIENT', 'LIST', 'ID', gid)) !== '=4\r\ntxt:\r\n'; i++) await new Promise((r) => setTimeout(r, 10));
  await bytes(b, 'SET', 'br:k', '1');
  assert.equal(await bytes(a), `>2\r\n$21\r\ntracking-redir-broken\r\n:${gid}\r\n`);
  const info = await bytes(a, 'CLIENT', 'TRACKINGINFO');
  assert.equal(info, `%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:${gid}\r\n$8\r\nprefixes\r\n*0\r\n`);
  await bytes(a, 'CLIENT', 'TRACKING', 'off');
});

test('FLUSHDB: every tracking client gets one null; the flusher after its reply', async () => {
  const a = await raw();
  const b = await raw();
  await bytes(a, 'CLIENT', 'TRACKING', 'on');
  await bytes(b, 'CLIENT', 'TRACKING', 'on', 'BCAST');
  await bytes(a, 'SET', 'fl:x', '1');
  assert.equal(await bytes(b), push('fl:x'));
  assert.equal(await bytes(a, 'FLUSHDB'), '+OK\r\n');
  assert.equal(await bytes(a), '>2\r\n$10\r\ninvalidate\r\n_\r\n');
  assert.equal(await bytes(b), '>2\r\n$10\r\ninvalidate\r\n_\r\n');
  await bytes(a, 'CLIENT', 'TRACKING', 'off');
  await bytes(b, 'CLIENT', 'TRACKING', 'off');
});

test('INFO tracking figures follow the table; disconnect and RESET end tracking', async () => {
  const r = new Redis({ port: server.port });
  try {
    await r.flushall();
    const base = infoField(await r.info('clients'), 'tracking_clients');
    const a = await raw();
    const b = await raw(2);
    await bytes(a, 'CLIENT', 'TRACKING', 'on');
    await bytes(a, 'MGET', 'in:1', 'in:2', 'in:3');
    await bytes(b, 'CLIENT', 'TRACKING', 'on');
    await bytes(b, 'GET', 'in:1');
    let stats = await r.info('stats');
    assert.equal(infoField(stats, 'tracking_total_keys'), 3);
    assert.equal(infoField(stats, 'tracking_total_items'), 4);
    assert.equal(infoField(await r.info('clients'), 'tracking_clients'), base + 2);
    await bytes(b, 'RESET');
    assert.equal(await bytes(b, 'CLIENT', 'TRACKINGINFO'), '*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n');
    await bytes(b, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'in:', 'PREFIX', 'zz');
    stats = await r.info('stats');
    assert.equal(infoField(stats, 'tracking_total_prefixes'), 2);
    b.close();
    await b.waitClosed(1000);
    for (let i = 0; i < 100 && infoField(await r.info('stats'), 'tracking_total_prefixes') !== 0; i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(infoField(await r.info('stats'), 'tracking_total_prefixes'), 0);
    assert.equal(infoField(await r.info('clients'), 'tracking_clients'), base + 1);
    await r.set('in:1', 'x');
    assert.equal(await bytes(a), push('in:1'));
    stats = await r.info('stats');
    assert.equal(infoField(stats, 'tracking_total_keys'), 2);
    assert.equal(infoField(stats, 'tracking_total_items'), 2);
    await bytes(a, 'CLIENT', 'TRACKING', 'off');
  } finally {
    r.disconnect();
  }
});

test('tracking-table-max-keys: past the limit, keys are forgotten and their clients told', async () => {
  const r = new Redis({ port: server.port });
  const a = await raw();
  try {
    await r.flushall();
    await r.config('SET', 'tracking-table-max-keys', '2');
    await bytes(a, 'CLIENT', 'TRACKING', 'on');
    await bytes(a, 'MGET', 'mk:1', 'mk:2', 'mk:3');
    // The next command brings the table back under the limit first (processCommand).
    assert.equal(infoField(await r.info('stats'), 'tracking_total_keys'), 2);
    const evicted = await bytes(a);
    assert.match(evicted, /^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$4\r\nmk:[123]\r\n$/);
  } finally {
    await r.config('SET', 'tracking-table-max-keys', '1000000');
    await bytes(a, 'CLIENT', 'TRACKING', 'off');
    r.disconnect();
  }
});
