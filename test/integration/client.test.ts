import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import type { Server } from '../../src/index.js';

let server: Server;

before(async () => {
  server = await startNodis();
});

after(async () => {
  await server.close();
});

async function connect(name?: string): Promise<Redis> {
  const r = new Redis({ port: server.port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await r.connect();
  if (name !== undefined) await r.client('SETNAME', name);
  return r;
}

/** Redis 7.0.15's CLIENT LIST / CLIENT INFO line: every field, in order. */
const LINE =
  /^id=(\d+) addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=(\S*) age=\d+ idle=\d+ flags=([A-Za-z]+) db=(\d+) sub=\d+ psub=\d+ ssub=\d+ multi=-?\d+ qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=\d+ rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=r?w? cmd=(\S+) user=default redir=-1 resp=([23])$/;

function parseList(text: string): RegExpExecArray[] {
  assert.ok(text.endsWith('\n'), 'each line ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => {
      const m = LINE.exec(l);
      assert.ok(m, `CLIENT LIST line in 7.0's format: ${l}`);
      return m;
    });
}

test('CLIENT LIST shows both clients with their names, dbs and last commands', async () => {
  const a = await connect('alpha');
  const b = await connect('beta');
  await b.select(3);
  await b.get('k');
  const idA = (await a.client('ID')) as number;
  const idB = (await b.client('ID')) as number;
  const rows = parseList((await a.client('LIST')) as string);
  const byId = new Map(rows.map((m) => [Number(m[1]), m]));
  const ra = byId.get(idA)!;
  const rb = byId.get(idB)!;
  assert.equal(ra[2], 'alpha');
  assert.equal(ra[4], '0');
  assert.equal(ra[5], 'client|list');
  assert.equal(rb[2], 'beta');
  assert.equal(rb[4], '3');
  assert.equal(rb[5], 'client|id');
  assert.equal(rb[3], 'N');
  // Ordered by connection, as Redis keeps its client list.
  const ids = rows.map((m) => Number(m[1]));
  assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
  // ID filter in the order given, unknown ids left out; TYPE filter.
  const picked = parseList((await a.call('CLIENT', 'LIST', 'ID', idB, 999999, idA)) as string);
  assert.deepEqual(
    picked.map((m) => Number(m[1])),
    [idB, idA],
  );
  assert.equal(await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub'), '');
  await b.call('CLIENT', 'NO-EVICT', 'on');
  const info = parseList((await b.client('INFO')) as string);
  assert.equal(info.length, 1);
  assert.equal(info[0]![3], 'e');
  assert.equal(info[0]![5], 'client|info');
  a.disconnect();
  b.disconnect();
});

test('CLIENT KILL ID disconnects the other client, not the caller', async () => {
  const a = await connect();
  const b = await connect();
  const idB = (await b.client('ID')) as number;
  const closed = new Promise<void>((resolve) => b.once('end', () => resolve()));
  assert.equal(await a.client('KILL', 'ID', idB), 1);
  await closed;
  assert.equal(await a.ping(), 'PONG');
  assert.equal(server.clients.has(idB), false);
  assert.equal(await a.client('KILL', 'ID', idB), 0);
  a.disconnect();
});

test('CLIENT KILL old form by address, and a client killing itself gets its reply first', async () => {
  const a = await connect();
  const b = await connect();
  const idB = (await b.client('ID')) as number;
  const addrB = server.clients.get(idB)!.addr;
  const closed = new Promise<void>((resolve) => b.once('end', () => resolve()));
  assert.equal(await a.client('KILL', addrB), 'OK');
  await closed;
  await assert.rejects(a.client('KILL', addrB), /No such client/);
  // Killing yourself: the reply arrives, then the connection closes.
  const raw = await RawClient.connect(server.port);
  const r = await raw.call('CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no');
  assert.ok(r && r.value.t === 'int' && Number(r.value.v) >= 2);
  assert.equal(await raw.read(), null);
  a.disconnect();
});

test('CLIENT REPLY OFF, SKIP and ON', async () => {
  const raw = await RawClient.connect(server.port);
  raw.sendRaw('CLIENT REPLY OFF\r\nPING one\r\nCLIENT REPLY SKIP\r\nPING two\r\nCLIENT REPLY ON\r\nPING three\r\n');
  assert.equal((await raw.read())!.raw.toString('latin1'), '+OK\r\n');
  assert.equal((await raw.read())!.raw.toString('latin1'), '$5\r\nthree\r\n');
  raw.sendRaw('CLIENT REPLY SKIP\r\nPING four\r\nPING five\r\n');
  assert.equal((await raw.read())!.raw.toString('latin1'), '$4\r\nfive\r\n');
  raw.close();
});

test('CLIENT PAUSE WRITE holds another client\'s write until UNPAUSE; reads go on', async () => {
  const a = await connect();
  const b = await connect();
  await a.del('paused');
  const idB = (await b.client('ID')) as number;
  // A long pause: the test ends it with UNPAUSE, so nothing depends on timing.
  assert.equal(await a.client('PAUSE', 60000, 'WRITE'), 'OK');
  let setDone = false;
  const pendingSet = b.set('paused', 'v').then((r) => {
    setDone = true;
    return r;
  });
  // b's GET queues behind its SET: a client's commands keep their order.
  const pendingGet = b.get('paused');
  assert.equal(await a.get('paused'), null);
  assert.equal(await a.ping(), 'PONG');
  const line = parseList((await a.call('CLIENT', 'LIST', 'ID', idB)) as string)[0]!;
  assert.equal(setDone, false);
  assert.equal(line[3], 'b');
  assert.equal(await a.client('UNPAUSE'), 'OK');
  assert.equal(await pendingSet, 'OK');
  assert.equal(await pendingGet, 'v');
  assert.equal(await a.get('paused'), 'v');
  a.disconnect();
  b.disconnect();
});

test('CLIENT PAUSE ALL holds every command, the pausing client\'s too, until it ends', async () => {
  const a = await connect();
  const b = await connect();
  assert.equal(await a.client('PAUSE', 60000, 'ALL'), 'OK');
  let answered = false;
  const pendingPing = b.ping().then((r) => {
    answered = true;
    return r;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(answered, false);
  assert.equal(server.pause?.type, 'all');
  // Nothing any client sends can end it now; the server does, as the timer would.
  server.unpauseClients();
  assert.equal(await pendingPing, 'PONG');
  a.disconnect();
  b.disconnect();
});

test('CLIENT UNBLOCK answers 0 for a client that is not blocked; GETREDIR is -1 without tracking', async () => {
  const a = await connect();
  const id = (await a.client('ID')) as number;
  assert.equal(await a.client('UNBLOCK', id), 0);
  assert.equal(await a.client('UNBLOCK', 424242, 'ERROR'), 0);
  assert.equal(await a.client('GETREDIR'), -1);
  a.disconnect();
});

test('CLIENT SETINFO (7.2): ioredis sends it on connect; names are validated', async () => {
  const a = await connect();
  const id = (await a.client('ID')) as number;
  const c = server.clients.get(id)!;
  assert.equal(c.libName, 'ioredis');
  assert.match(c.libVer, /^\d+\.\d+/);
  assert.equal(await a.call('CLIENT', 'SETINFO', 'lib-name', 'mylib'), 'OK');
  assert.equal(await a.call('CLIENT', 'SETINFO', 'LIB-VER', '1.2.3'), 'OK');
  assert.equal(c.libName, 'mylib');
  assert.equal(c.libVer, '1.2.3');
  await assert.rejects(a.call('CLIENT', 'SETINFO', 'lib-name', 'a b'), { message: 'ERR lib-name cannot contain spaces, newlines or special characters.' });
  await assert.rejects(a.call('CLIENT', 'SETINFO', 'LIB-VER', 'x\n'), { message: 'ERR LIB-VER cannot contain spaces, newlines or special characters.' });
  await assert.rejects(a.call('CLIENT', 'SETINFO', 'lib-foo', 'x'), { message: "ERR Unrecognized option 'lib-foo'" });
  await assert.rejects(a.call('CLIENT', 'SETINFO', 'lib-name'), { message: "ERR wrong number of arguments for 'client|setinfo' command" });
  // An empty value clears it.
  assert.equal(await a.call('CLIENT', 'SETINFO', 'lib-name', ''), 'OK');
  assert.equal(c.libName, '');
  // 7.0's CLIENT LIST line format is kept: no lib-name/lib-ver fields.
  assert.doesNotMatch((await a.client('INFO')) as string, /lib-name/);
  a.disconnect();
});

test('CLIENT NO-TOUCH (7.2) sets the flag lookups read', async () => {
  const a = await connect();
  const c = server.clients.get((await a.client('ID')) as number)!;
  assert.equal(await a.call('CLIENT', 'NO-TOUCH', 'on'), 'OK');
  assert.equal(c.noTouch, true);
  assert.match((await a.client('INFO')) as string, / flags=T /);
  assert.equal(await a.call('CLIENT', 'NO-TOUCH', 'OFF'), 'OK');
  assert.equal(c.noTouch, false);
  await assert.rejects(a.call('CLIENT', 'NO-TOUCH', 'maybe'), { message: 'ERR syntax error' });
  a.disconnect();
});

test('COMMAND INFO / DOCS describe the 7.2 subcommands; COMMAND COUNT and LIST cover the table', async () => {
  const a = await connect();
  const [info] = (await a.call('COMMAND', 'INFO', 'client|setinfo')) as [unknown[]];
  assert.deepEqual(info.slice(0, 6), ['client|setinfo', 4, ['noscript', 'loading', 'stale'], 0, 0, 0]);
  const docs = (await a.call('COMMAND', 'DOCS', 'client|no-touch')) as [string, unknown[]];
  assert.equal(docs[0], 'client|no-touch');
  assert.equal(docs[1][1], 'Controls whether commands sent by the client affect the LRU/LFU of accessed keys.');
  const count = (await a.call('COMMAND', 'COUNT')) as number;
  const all = (await a.call('COMMAND')) as unknown[][];
  assert.equal(all.length, count);
  assert.equal(count, server.commands.commands.size);
  const names = (await a.call('COMMAND', 'LIST')) as string[];
  assert.ok(names.includes('client|setinfo') && names.includes('get') && names.includes('command|getkeys'));
  assert.equal(new Set(names).size, names.length);
  const conn = (await a.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'connection')) as string[];
  assert.ok(conn.includes('client|setinfo') && conn.includes('ping') && !conn.includes('get'));
  a.disconnect();
});
