import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis, startRedis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import type { Server } from '../../src/index.js';
import { useNodisAndRedis, skipRedis, run, type Cmd } from '../helpers/compare.js';

/**
 * Streams through real clients: blocked XREAD / XREADGROUP readers on several connections (wake-up
 * order, timeouts, `$`, `>` with several groups, BLOCK 0, disconnects), each scenario run on Nodis
 * and on redis-server with the same expectations; and what stream commands propagate.
 * ioredis flattens XREAD's [[key, entries], ...] into [key, entries, ...].
 */

let server: Server;
let redis: RunningRedis | null = null;
const conns: Redis[] = [];

before(async () => {
  server = await startNodis();
  if (haveRedisServer()) redis = await startRedis();
});

after(async () => {
  for (const c of conns) c.disconnect();
  await server.close();
  await redis?.stop();
});

async function connect(port: number): Promise<Redis> {
  const c = new Redis({ port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0 });
  await c.connect();
  conns.push(c);
  return c;
}

async function blockedClients(c: Redis, n: number): Promise<void> {
  for (;;) {
    const m = /blocked_clients:(\d+)/.exec(await c.info('clients'));
    if (Number(m![1]) === n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Reply = unknown;

/** A command sent on a fresh connection, once the server reports `n` blocked clients. */
async function blockOn(port: number, main: Redis, n: number, ...args: (string | number)[]): Promise<{ conn: Redis; reply: Promise<Reply> }> {
  const conn = await connect(port);
  const [name, ...rest] = args;
  const reply = conn.call(String(name), ...rest.map(String)).catch((e: Error) => e.message);
  await blockedClients(main, n);
  return { conn, reply };
}

/** Runs a scenario on Nodis and, when installed, on redis-server: both must pass it. */
function both(name: string, scenario: (port: number, main: Redis) => Promise<void>): void {
  test(`${name} (nodis)`, async () => {
    const main = await connect(server.port);
    await main.flushall();
    await scenario(server.port, main);
  });
  test(`${name} (redis-server)`, { skip: !haveRedisServer() }, async () => {
    const main = await connect(redis!.port);
    await main.flushall();
    await scenario(redis!.port, main);
  });
}

both('XREAD readers blocked on one stream are all served by one XADD', async (port, main) => {
  await main.xadd('s', '1-1', 'old', 'x');
  const a = await blockOn(port, main, 1, 'XREAD', 'BLOCK', 0, 'STREAMS', 's', '$');
  const b = await blockOn(port, main, 2, 'XREAD', 'BLOCK', 0, 'STREAMS', 'other', 's', '$', '$');
  // A reader whose ID is older than the stream's last entry is served at once.
  assert.deepEqual(await main.call('XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', 's', '0'), ['s', [['1-1', ['old', 'x']]]]);
  await main.xadd('s', '2-1', 'new', 'y');
  assert.deepEqual(await a.reply, ['s', [['2-1', ['new', 'y']]]]);
  assert.deepEqual(await b.reply, ['s', [['2-1', ['new', 'y']]]]);
  await blockedClients(main, 0);
});

both('XREAD BLOCK times out with a null reply; BLOCK 0 waits until an entry comes', async (port, main) => {
  const t0 = Date.now();
  const timedOut = await blockOn(port, main, 1, 'XREAD', 'BLOCK', 80, 'STREAMS', 's', '$');
  assert.equal(await timedOut.reply, null);
  assert.ok(Date.now() - t0 >= 70);
  const forever = await blockOn(port, main, 1, 'XREAD', 'BLOCK', 0, 'STREAMS', 's', '$');
  await new Promise((r) => setTimeout(r, 150));
  await blockedClients(main, 1);
  await main.xadd('s', '5-0', 'f', 'v');
  assert.deepEqual(await forever.reply, ['s', [['5-0', ['f', 'v']]]]);
});

both('"$" is the last ID when the reader blocks: entries added before are not delivered', async (port, main) => {
  await main.xadd('s', '1-0', 'a', '1');
  const r = await blockOn(port, main, 1, 'XREAD', 'BLOCK', 0, 'STREAMS', 's', '$');
  // An entry with an ID below the resolved "$" (after XSETID tricks) does not wake the reader.
  await main.del('s');
  await main.xadd('s', '0-5', 'low', '1');
  await new Promise((r2) => setTimeout(r2, 50));
  await blockedClients(main, 1);
  await main.xadd('s', '1-1', 'high', '1');
  assert.deepEqual(await r.reply, ['s', [['1-1', ['high', '1']]]]);
});

both('XREADGROUP ">" readers of one group share new entries; each group gets all', async (port, main) => {
  await main.xgroup('CREATE', 's', 'g1', '$', 'MKSTREAM');
  await main.xgroup('CREATE', 's', 'g2', '$');
  const a = await blockOn(port, main, 1, 'XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', 1, 'BLOCK', 0, 'STREAMS', 's', '>');
  const b = await blockOn(port, main, 2, 'XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', 1, 'BLOCK', 0, 'STREAMS', 's', '>');
  const c = await blockOn(port, main, 3, 'XREADGROUP', 'GROUP', 'g1', 'carol', 'COUNT', 1, 'BLOCK', 0, 'STREAMS', 's', '>');
  const d = await blockOn(port, main, 4, 'XREADGROUP', 'GROUP', 'g2', 'dave', 'BLOCK', 0, 'STREAMS', 's', '>');
  const m = main.multi();
  m.xadd('s', '1-0', 'n', '1');
  m.xadd('s', '2-0', 'n', '2');
  await m.exec();
  assert.deepEqual(await a.reply, ['s', [['1-0', ['n', '1']]]]);
  assert.deepEqual(await b.reply, ['s', [['2-0', ['n', '2']]]]);
  assert.deepEqual(await d.reply, ['s', [['1-0', ['n', '1']], ['2-0', ['n', '2']]]]);
  await blockedClients(main, 1);
  await main.xadd('s', '3-0', 'n', '3');
  assert.deepEqual(await c.reply, ['s', [['3-0', ['n', '3']]]]);
  const pending = (await main.xpending('s', 'g1')) as unknown[];
  assert.deepEqual(pending, [3, '1-0', '3-0', [['alice', '1'], ['bob', '1'], ['carol', '1']]]);
  assert.deepEqual(await main.xpending('s', 'g2'), [2, '1-0', '2-0', [['dave', '2']]]);
});

both('a disconnected blocked reader leaves no trace: not served, no consumer, no PEL entry', async (port, main) => {
  await main.xgroup('CREATE', 's', 'g', '$', 'MKSTREAM');
  const gone = await blockOn(port, main, 1, 'XREADGROUP', 'GROUP', 'g', 'ghost', 'BLOCK', 0, 'STREAMS', 's', '>');
  const plain = await blockOn(port, main, 2, 'XREAD', 'BLOCK', 0, 'STREAMS', 's', '$');
  gone.conn.disconnect();
  plain.conn.disconnect();
  await blockedClients(main, 0);
  await main.xadd('s', '1-0', 'a', '1');
  assert.deepEqual(await main.xpending('s', 'g'), [0, null, null, null]);
  assert.deepEqual(await main.xinfo('CONSUMERS', 's', 'g'), []);
  // The group still has 1-0 undelivered: the reader is served at once instead of blocking.
  assert.deepEqual(await main.call('XREADGROUP', 'GROUP', 'g', 'live', 'BLOCK', '0', 'STREAMS', 's', '>'), ['s', [['1-0', ['a', '1']]]]);
});

both('a blocked group reader gets errors when its group or stream goes away', async (port, main) => {
  await main.xgroup('CREATE', 's', 'g', '$', 'MKSTREAM');
  const r1 = await blockOn(port, main, 1, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
  await main.xgroup('DESTROY', 's', 'g');
  assert.equal(await r1.reply, 'NOGROUP the consumer group this client was blocked on no longer exists');
  await main.xgroup('CREATE', 's', 'g', '$');
  const r2 = await blockOn(port, main, 1, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
  await main.del('s');
  assert.equal(await r2.reply, 'UNBLOCKED the stream key no longer exists');
  await blockedClients(main, 0);
});

both('XREAD BLOCK inside MULTI answers as a timeout at once', async (_port, main) => {
  const m = main.multi();
  m.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
  m.xgroup('CREATE', 's', 'g', '$', 'MKSTREAM');
  m.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
  assert.deepEqual(await m.exec(), [
    [null, null],
    [null, 'OK'],
    [null, null],
  ]);
});

test('what stream commands propagate (AOF and replicas)', async () => {
  const main = await connect(server.port);
  await main.flushall();
  const ops: string[] = [];
  const listener = (batch: readonly { argv: readonly string[] }[]): void => {
    for (const op of batch) ops.push([op.argv[0]!.toUpperCase(), ...op.argv.slice(1)].join(' '));
  };
  server.propagation.listeners.push(listener);
  try {
    const id = await main.xadd('t', '*', 'a', '1');
    await main.xadd('s', '5-*', 'a', '2');
    await main.xadd('s', '5-*', 'a', '2');
    await main.config('SET', 'stream-node-max-entries', '2');
    await main.xadd('s', 'MAXLEN', '~', '1', '6-0', 'a', '3');
    await main.call('XTRIM', 's', 'MINID', '~', '6');
    await main.xgroup('CREATE', 's', 'g', '0');
    await main.xreadgroup('GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>');
    await main.xadd('s', '7-0', 'a', '4');
    await main.xreadgroup('GROUP', 'g', 'n', 'NOACK', 'STREAMS', 's', '>');
    await main.xclaim('s', 'g', 'd', '0', '6-0', 'RETRYCOUNT', '3', 'JUSTID');
    await main.call('XAUTOCLAIM', 's', 'g', 'e', '0', '0', 'JUSTID');
    await main.xack('s', 'g', '6-0');
    await main.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '0');
    const strip = (s: string): string => s.replace(/ TIME \d+ /, ' TIME <t> ');
    assert.deepEqual(ops.filter((o) => o.startsWith('X')).map(strip), [
      `XADD t ${id} a 1`,
      'XADD s 5-0 a 2',
      'XADD s 5-1 a 2',
      'XADD s MAXLEN = 1 6-0 a 3',
      'XGROUP CREATE s g 0',
      'XCLAIM s g c 0 6-0 TIME <t> RETRYCOUNT 1 FORCE JUSTID LASTID 6-0',
      'XADD s 7-0 a 4',
      'XGROUP CREATECONSUMER s g n',
      'XGROUP SETID s g 7-0 ENTRIESREAD 4',
      'XCLAIM s g d 0 6-0 TIME <t> RETRYCOUNT 3 FORCE JUSTID LASTID 7-0',
      'XCLAIM s g e 0 6-0 TIME <t> RETRYCOUNT 3 FORCE JUSTID LASTID 7-0',
      'XACK s g 6-0',
    ]);
  } finally {
    server.propagation.listeners.splice(server.propagation.listeners.indexOf(listener), 1);
    await main.config('SET', 'stream-node-max-entries', '100');
  }
});

const env = useNodisAndRedis();

/** Every stream command once or more, errors included, for INFO's hit/miss and dirty counters. */
const COUNTER_SCRIPT: Cmd[] = [
  ['XADD', 's', '1', 'a', '1'], ['XADD', 's', '2', 'a', '1'], ['XADD', 's', '3', 'b', '2'], ['XADD', 'nokey', 'NOMKSTREAM', '1', 'a', '1'],
  ['XADD', 's', 'MAXLEN', '2', '4', 'a', '1'], ['XTRIM', 's', 'MAXLEN', '1'], ['XTRIM', 'nokey', 'MAXLEN', '1'], ['XADD', 's', '5', 'a', '1'],
  ['XLEN', 's'], ['XLEN', 'nokey'], ['XRANGE', 's', '-', '+'], ['XRANGE', 'nokey', '-', '+'], ['XREVRANGE', 's', '+', '-'],
  ['XDEL', 's', '4'], ['XDEL', 'nokey', '1'], ['XSETID', 's', '9'], ['XSETID', 'nokey', '9'],
  ['XGROUP', 'CREATE', 's', 'g', '0'], ['XGROUP', 'CREATE', 'm', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c0'],
  ['XREAD', 'STREAMS', 's', 'nokey', '0', '0'], ['XREAD', 'STREAMS', 'nokey', '$'],
  ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'c2', 'NOACK', 'STREAMS', 's', '>'],
  ['XPENDING', 's', 'g'], ['XPENDING', 's', 'g', '-', '+', '10'], ['XPENDING', 'nokey', 'g'],
  ['XCLAIM', 's', 'g', 'c3', '0', '4', '5'], ['XCLAIM', 's', 'g', 'c3', '0', '1', 'LASTID', '9'], ['XAUTOCLAIM', 's', 'g', 'c4', '0', '0'],
  ['XACK', 's', 'g', '5', '9'], ['XACK', 'nokey', 'g', '1'], ['XINFO', 'STREAM', 's'], ['XINFO', 'GROUPS', 's'], ['XINFO', 'CONSUMERS', 's', 'g'],
  ['XINFO', 'STREAM', 'nokey'], ['XGROUP', 'SETID', 's', 'g', '0'], ['XGROUP', 'DELCONSUMER', 's', 'g', 'c1'], ['XGROUP', 'DESTROY', 's', 'g'],
];

test('stream commands count keyspace hits, misses and changes as redis-server does', { skip: skipRedis }, async () => {
  await env.reset();
  const { nodis, redis } = await env.counters(COUNTER_SCRIPT);
  assert.deepEqual(nodis.hitsAndMisses, redis.hitsAndMisses);
  assert.equal(nodis.dirty, redis.dirty);
});

/** A stream with several nodes (max 3 entries each), tombstones, a trimmed node, big IDs and groups. */
const DUMP_SCRIPT: Cmd[] = [
  // LZF output is compared by the persistence tests; here the listpacks and metadata are.
  ['CONFIG', 'SET', 'rdbcompression', 'no'],
  ['CONFIG', 'SET', 'stream-node-max-entries', '3'],
  ['XADD', 'd', '1-1', 'a', '1', 'b', '2'], ['XADD', 'd', '1-2', 'a', '3', 'b', '4'], ['XADD', 'd', '2-0', 'other', 'x'],
  ['XADD', 'd', '3-0', 'a', '-12345678901', 'b', 'long value long value long value long value'],
  ['XADD', 'd', '4-0', 'a', '5'], ['XADD', 'd', '9007199254740993-18446744073709551615', 'k', ''], ['XADD', 'd', '18446744073709551615-0', 'z', '\x00\xff'],
  ['XDEL', 'd', '2-0', '4-0'], ['XTRIM', 'd', 'MAXLEN', '4'],
  ['XGROUP', 'CREATE', 'd', 'g1', '0'], ['XGROUP', 'CREATE', 'd', 'g0', '$', 'ENTRIESREAD', '-1'],
  ['XSETID', 'd', '18446744073709551615-5', 'ENTRIESADDED', '9007199254740995', 'MAXDELETEDID', '4-0'],
  ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
];
const DUMP_CLEANUP: Cmd[] = [['CONFIG', 'SET', 'rdbcompression', 'yes']];

test('DUMP of a stream is byte-identical to redis-server\'s; consumer groups survive DUMP/RESTORE both ways', { skip: skipRedis }, async () => {
  await env.reset();
  const ref = env.redis!;
  await run(ref, DUMP_SCRIPT);
  await run(env.nodis, DUMP_SCRIPT);
  const fromRedis = await ref.dumpBuffer('d');
  assert.deepEqual(await env.nodis.dumpBuffer('d'), fromRedis);
  // Consumers and pending entries (their times differ between servers): carried over by RESTORE.
  await run(ref, [['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '2', 'STREAMS', 'd', '>'], ['XREADGROUP', 'GROUP', 'g1', 'bob', 'STREAMS', 'd', '>'], ['XGROUP', 'CREATECONSUMER', 'd', 'g0', 'carol']]);
  const withGroups = await ref.dumpBuffer('d');
  await env.nodis.del('d');
  assert.equal(await env.nodis.restore('d', 0, withGroups), 'OK');
  assert.deepEqual(await env.nodis.call('XINFO', 'STREAM', 'd', 'FULL'), await ref.call('XINFO', 'STREAM', 'd', 'FULL'));
  assert.deepEqual(await env.nodis.dumpBuffer('d'), withGroups);
  await ref.del('d');
  assert.equal(await ref.restore('d', 0, await env.nodis.dumpBuffer('d')), 'OK');
  assert.deepEqual(await ref.call('XINFO', 'STREAM', 'd', 'FULL'), await env.nodis.call('XINFO', 'STREAM', 'd', 'FULL'));
  await run(ref, DUMP_CLEANUP);
  await run(env.nodis, DUMP_CLEANUP);
});
