import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';

let server: Server;
const clients: Redis[] = [];

function client(opts: { db?: number; password?: string; protocol?: 2 | 3 } = {}): Redis {
  // The INFO ready check is left to the one test below that runs with ioredis's defaults.
  const r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableReadyCheck: false, ...opts });
  clients.push(r);
  return r;
}

before(async () => {
  server = await startNodis();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

test('connect, PING, ECHO, SELECT', async () => {
  const r = client();
  assert.equal(await r.ping(), 'PONG');
  assert.equal(await r.ping('hello'), 'hello');
  assert.equal(await r.echo('héllo'), 'héllo');
  assert.equal(await r.select(2), 'OK');
  await r.set('in-db-2', 'x');
  const r0 = client();
  assert.equal(await r0.get('in-db-2'), null);
  const r2 = client({ db: 2 });
  assert.equal(await r2.get('in-db-2'), 'x');
});

for (const protocol of [3, 2] as const) {
test(`SET/GET with binary Buffers (every byte value, CRLF, NUL) (RESP${protocol})`, async () => {
  const r = client({ protocol });
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const key = Buffer.from([0, 13, 10, 0xff, 0x2a, 0x24]);
  assert.equal(await r.set(key, all), 'OK');
  const got = await r.getBuffer(key);
  assert.ok(got !== null && all.equals(got));
  const big = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 131) & 0xff;
  await r.set('big', big);
  const bigBack = await r.getBuffer('big');
  assert.ok(bigBack !== null && big.equals(bigBack));
  assert.equal(await r.set('', ''), 'OK');
  assert.equal(await r.get(''), '');
});
}

for (const protocol of [3, 2] as const) {
test(`a pipeline of 10,000 commands is answered in order (RESP${protocol})`, async () => {
  const r = client({ protocol });
  const p = r.pipeline();
  for (let i = 0; i < 10000; i++) {
    if (i % 2 === 0) p.set(`p:${i}`, String(i * 3));
    else p.get(`p:${i - 1}`);
  }
  const results: [Error | null, unknown][] | null = await p.exec();
  assert.ok(results);
  assert.equal(results.length, 10000);
  for (let i = 0; i < 10000; i++) {
    const entry: [Error | null, unknown] | undefined = results[i];
    assert.ok(entry);
    assert.equal(entry[0], null);
    assert.equal(entry[1], i % 2 === 0 ? 'OK' : String((i - 1) * 3));
  }
});
}

for (const protocol of [3, 2] as const) {
test(`errors reach the client as ReplyErrors and do not break the connection (RESP${protocol})`, async () => {
  const r = client({ protocol });
  await assert.rejects(r.call('NOSUCHCMD', 'a'), /ERR unknown command 'NOSUCHCMD', with args beginning with: 'a'/);
  await assert.rejects(r.call('GET'), /ERR wrong number of arguments for 'get' command/);
  await assert.rejects(r.select(99), /ERR DB index is out of range/);
  assert.equal(await r.ping(), 'PONG');
});
}

for (const protocol of [3, 2] as const) {
test(`many concurrent clients, each with its own keys and a pipeline (RESP${protocol})`, async () => {
  const n = 50;
  const rs = Array.from({ length: n }, () => client({ protocol }));
  await Promise.all(
    rs.map(async (r, ci) => {
      for (let round = 0; round < 5; round++) {
        const p = r.pipeline();
        for (let i = 0; i < 100; i++) p.set(`c${ci}:${i}`, `${ci}-${round}-${i}`);
        for (let i = 0; i < 100; i++) p.get(`c${ci}:${i}`);
        const res = await p.exec();
        assert.ok(res);
        for (let i = 0; i < 100; i++) assert.deepEqual(res[100 + i], [null, `${ci}-${round}-${i}`]);
      }
    }),
  );
});
}

test('ioredis 6 says HELLO 3 by default; HELLO 2 gives the flat RESP2 form', async () => {
  const r3 = client();
  const hello3 = await r3.call('HELLO', '3');
  assert.ok(hello3 instanceof Map || (typeof hello3 === 'object' && hello3 !== null), 'a RESP3 map');
  const r2 = client({ protocol: 2 });
  const reply = (await r2.call('HELLO', '2')) as unknown[];
  assert.deepEqual(reply.slice(0, 6), ['server', 'redis', 'version', '7.0.15', 'proto', 2]);
});

test('requirepass: ioredis authenticates with the password option', async () => {
  const secured = await startNodis({ requirepass: 's3cret' });
  const port = secured.port;
  const ok = new Redis({ port, host: '127.0.0.1', password: 's3cret', maxRetriesPerRequest: 0, enableReadyCheck: false });
  // RESP2, so the connection opens without HELLO (HELLO 3 before AUTH is refused, as in Redis).
  const anon = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableReadyCheck: false, protocol: 2 });
  try {
    assert.equal(await ok.set('k', 'v'), 'OK');
    assert.equal(await ok.get('k'), 'v');
    await assert.rejects(anon.get('k'), /NOAUTH Authentication required/);
    assert.equal(await anon.auth('s3cret'), 'OK');
    assert.equal(await anon.get('k'), 'v');
  } finally {
    ok.disconnect();
    anon.disconnect();
    await secured.close();
  }
});

test('ioredis with its default options (INFO ready check, auto-reconnect) is ready and works', async () => {
  const r = new Redis({ port: server.port, host: '127.0.0.1' });
  clients.push(r);
  await new Promise<void>((resolve, reject) => {
    r.once('ready', () => resolve());
    r.once('error', reject);
  });
  assert.equal(await r.set('ready', '1'), 'OK');
  assert.equal(await r.get('ready'), '1');
  await r.quit();
});
