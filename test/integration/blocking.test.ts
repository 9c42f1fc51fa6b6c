import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import { Client } from '../../src/server/client.js';
import { execute } from '../../src/commands/dispatch.js';

let server: Server;
let main: Redis;
const extra: Redis[] = [];

before(async () => {
  server = await startNodis();
  main = await connect();
});

after(async () => {
  for (const c of extra) c.disconnect();
  await server.close();
});

beforeEach(async () => {
  // Each test starts with only the main connection.
  for (const c of extra.splice(0)) if (c !== main) c.disconnect();
  extra.push(main);
  await main.flushall();
});

async function connect(): Promise<Redis> {
  const c = new Redis({ port: server.port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0 });
  await c.connect();
  extra.push(c);
  return c;
}

async function blockedClients(n: number): Promise<void> {
  for (;;) {
    const m = /blocked_clients:(\d+)/.exec(await main.info('clients'));
    if (Number(m![1]) === n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends a blocking command on a fresh connection and waits until the server holds it blocked. */
async function blockOn(n: number, ...args: (string | number)[]): Promise<{ conn: Redis; reply: Promise<unknown> }> {
  const conn = await connect();
  const [name, ...rest] = args;
  const reply = conn.call(String(name), ...rest.map(String)).catch((e: Error) => e);
  await blockedClients(n);
  return { conn, reply };
}

test('clients blocked on one key are served first come, first served', async () => {
  const waiters = [];
  for (let i = 0; i < 5; i++) waiters.push(await blockOn(i + 1, i % 2 ? 'BRPOP' : 'BLPOP', 'q', 0));
  await main.rpush('q', 'a', 'b');
  assert.deepEqual(await waiters[0]!.reply, ['q', 'a']);
  assert.deepEqual(await waiters[1]!.reply, ['q', 'b']);
  await blockedClients(3);
  await main.rpush('q', 'c', 'd', 'e', 'f');
  assert.deepEqual(await Promise.all(waiters.slice(2).map((w) => w.reply)), [
    ['q', 'c'],
    ['q', 'f'],
    ['q', 'd'],
  ]);
  assert.deepEqual(await main.lrange('q', 0, -1), ['e']);
});

test('a client on several keys is served from the one pushed to, and leaves every queue', async () => {
  const a = await blockOn(1, 'BLPOP', 'k1', 'k2', 'k3', 0);
  const b = await blockOn(2, 'BLPOP', 'k3', 0);
  await main.rpush('k2', 'x');
  assert.deepEqual(await a.reply, ['k2', 'x']);
  // a no longer waits on k3: the next push there goes to b.
  await main.rpush('k3', 'y');
  assert.deepEqual(await b.reply, ['k3', 'y']);
  await blockedClients(0);
});

test('BLMOVE chains: the moved element serves a client waiting on the destination', async () => {
  const mover = await blockOn(1, 'BLMOVE', 'src', 'mid', 'LEFT', 'RIGHT', 0);
  const mover2 = await blockOn(2, 'BRPOPLPUSH', 'mid', 'dst', 0);
  const taker = await blockOn(3, 'BLMPOP', 0, 2, 'nothing', 'dst', 'LEFT', 'COUNT', 10);
  await main.rpush('src', 'v');
  assert.equal(await mover.reply, 'v');
  assert.equal(await mover2.reply, 'v');
  assert.deepEqual(await taker.reply, ['dst', ['v']]);
  assert.equal(await main.exists('src', 'mid', 'dst'), 0);
});

/** The id of the one client blocked in `cmd`, from CLIENT LIST. */
async function idOf(cmd: string): Promise<string> {
  const lines = String(await main.client('LIST'))
    .split('\n')
    .filter((l) => l.includes(` cmd=${cmd} `) && l.includes(' flags=b '));
  assert.equal(lines.length, 1, `one client blocked in ${cmd}`);
  return /id=(\d+)/.exec(lines[0]!)![1]!;
}

test('CLIENT UNBLOCK: TIMEOUT answers as a timeout, ERROR with UNBLOCKED; only blocked clients count', async () => {
  const pop = await blockOn(1, 'BLPOP', 'u', 0);
  const move = await blockOn(2, 'BLMOVE', 'u', 'v', 'LEFT', 'LEFT', 0);
  const mpop = await blockOn(3, 'BLMPOP', 0, 1, 'u', 'LEFT');
  const popId = await idOf('blpop');
  assert.equal(await main.client('UNBLOCK', popId, 'TIMEOUT'), 1);
  assert.equal(await pop.reply, null);
  assert.equal(await main.client('UNBLOCK', popId, 'TIMEOUT'), 0, 'no longer blocked');
  await blockedClients(2);
  assert.equal(await main.client('UNBLOCK', await idOf('blmove'), 'ERROR'), 1);
  const errored = await move.reply;
  assert.ok(errored instanceof Error && errored.message === 'UNBLOCKED client unblocked via CLIENT UNBLOCK');
  assert.equal(await main.client('UNBLOCK', await idOf('blmpop')), 1);
  assert.equal(await mpop.reply, null);
  await blockedClients(0);
  // The unblocked connections work on, and nothing of them is left in the queues.
  assert.equal(await pop.conn.ping(), 'PONG');
  await main.rpush('u', 'kept');
  assert.deepEqual(await main.lrange('u', 0, -1), ['kept']);
});

test('a disconnected or killed blocked client leaves no trace: the next waiter is served, then nobody', async () => {
  const gone = await blockOn(1, 'BLPOP', 'd', 0);
  const killed = await blockOn(2, 'BRPOP', 'd', 0);
  const stays = await blockOn(3, 'BLPOP', 'd', 0);
  gone.conn.disconnect();
  await blockedClients(2);
  const killedId = /id=(\d+)[^\n]* cmd=brpop/.exec(String(await main.client('LIST')))![1]!;
  assert.equal(await main.client('KILL', 'ID', killedId), 1);
  await blockedClients(1);
  await killed.reply;
  await main.rpush('d', 'one');
  assert.deepEqual(await stays.reply, ['d', 'one']);
  await main.rpush('d', 'two');
  assert.deepEqual(await main.lrange('d', 0, -1), ['two']);
});

test('timeouts with decimals end in a null reply; the connection goes on with its next commands', async () => {
  const c = await connect();
  const p = c.pipeline();
  p.blpop('t', 0.02);
  p.brpoplpush('t', 'x', 0.01);
  p.call('BLMPOP', '0.01', '1', 't', 'RIGHT');
  p.ping();
  const res = await p.exec();
  assert.deepEqual(
    res!.map(([e, v]) => e ?? v),
    [null, null, null, 'PONG'],
  );
});

test('a wait longer than setTimeout can hold (24.8 days) does not end at once', async () => {
  // 3e6 s is about 35 days: a plain setTimeout would fire after 1 ms.
  const w = await blockOn(1, 'BLPOP', 'long', 3000000);
  for (let i = 0; i < 20; i++) await main.ping();
  await blockedClients(1);
  await main.lpush('long', 'v');
  assert.deepEqual(await w.reply, ['long', 'v']);
});

test('blocking commands where blocking is not allowed (MULTI/EXEC, scripts) answer as a timeout at once', async () => {
  const c = new Client(999999, server, null);
  const run = (...argv: string[]): string => {
    execute(c, argv);
    const out = Buffer.concat(c.reply.take());
    return out.latin1Slice(0, out.length);
  };
  c.inExec = true;
  assert.equal(run('BLPOP', 'm', '0'), '*-1\r\n');
  assert.equal(run('BRPOP', 'm', 'n', '0'), '*-1\r\n');
  assert.equal(run('BLMPOP', '0', '1', 'm', 'LEFT'), '*-1\r\n');
  assert.equal(run('BLMOVE', 'm', 'n', 'LEFT', 'LEFT', '0'), '$-1\r\n');
  assert.equal(run('BRPOPLPUSH', 'm', 'n', '0'), '$-1\r\n');
  assert.equal(c.blocked, null);
  assert.equal(server.blocking.count, 0);
  // Errors and data are as outside a transaction.
  assert.equal(run('BLPOP', 'm', '-1'), '-ERR timeout is negative\r\n');
  assert.equal(run('RPUSH', 'm', 'a'), ':1\r\n');
  assert.equal(run('BLPOP', 'm', '0'), '*2\r\n$1\r\nm\r\n$1\r\na\r\n');
  c.inExec = false;
  c.inScript = true;
  assert.equal(run('BLPOP', 'm', '0'), '*-1\r\n');
  c.reply.resp = 3;
  assert.equal(run('BLMOVE', 'm', 'n', 'LEFT', 'LEFT', '0'), '_\r\n');
  assert.equal(run('BLPOP', 'm', '0'), '_\r\n');
});
