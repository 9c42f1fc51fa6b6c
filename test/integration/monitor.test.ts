import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodis, startRedis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import type { Server } from '../../src/index.js';

/**
 * MONITOR: the same commands run against redis-server and Nodis must produce the same lines, once
 * the timestamp and the client's port are masked; the address is checked to be the caller's.
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

/** Commands a client runs while another monitors; hidden ones (admin, refused) are mixed in. */
const SCRIPT: string[][] = [
  ['SET', 'k', 'v'],
  ['set', 'quote"back\\slash', 'nl\n\r\t\x07\x08'],
  ['SET', 'bin', '\x00\x01\x7f\x80\xff é'],
  ['GET', 'k'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['CLIENT', 'LIST'],
  ['AUTH', 'secret'],
  ['AUTH', 'user', 'secret'],
  ['HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME', 'n'],
  ['HELLO', '9', 'AUTH', 'default', 'pw'],
  ['NOSUCHCOMMAND', 'x'],
  ['GET'],
  ['SELECT', '3'],
  ['RPUSH', 'list', '1', '2'],
  ['LPOP', 'list'],
  ['CLIENT', 'ID'],
  ['ECHO', 'done'],
];

/** Runs SCRIPT on `port` while a raw MONITOR connection listens; returns the lines it got. */
async function monitorLines(port: number): Promise<{ lines: string[]; addr: string }> {
  const mon = await RawClient.connect(port);
  const ok = await mon.call('MONITOR');
  assert.equal(ok?.raw.toString('latin1'), '+OK\r\n');
  const cl = await RawClient.connect(port);
  for (const argv of SCRIPT) await cl.call(...argv);
  const lines: string[] = [];
  for (;;) {
    const r = await mon.read();
    assert.ok(r !== null, 'monitor connection closed');
    const line = r.raw.toString('latin1');
    lines.push(line);
    if (line.includes('"ECHO" "done"')) break;
  }
  const addr = `127.0.0.1:${cl.sock.localPort}`;
  mon.close();
  cl.close();
  return { lines, addr };
}

function mask(line: string, addr: string): string {
  const m = /^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)\r\n$/s.exec(line);
  assert.ok(m, `bad monitor line ${JSON.stringify(line)}`);
  assert.equal(m[4], addr, 'the address is the calling client');
  assert.ok(Math.abs(Number(m[1]) - Date.now() / 1000) < 3600, 'the timestamp is the current time');
  return `[${m[3]}] ${m[5]}`;
}

test('MONITOR lines match redis-server (escaping, redaction, hidden commands, db)', { skip: !haveRedisServer() }, async () => {
  const a = await monitorLines(redis!.port);
  const b = await monitorLines(nodis.port);
  const want = a.lines.map((l) => mask(l, a.addr));
  const got = b.lines.map((l) => mask(l, b.addr));
  assert.deepEqual(got, want);
  // The reference itself shows what is being checked.
  assert.ok(want.includes('[0] "AUTH" "(redacted)"'));
  assert.ok(!want.some((l) => l.includes('CONFIG') || l.includes('NOSUCHCOMMAND')));
});

test('MONITOR through ioredis, CLIENT LIST flag O, RESET and disconnect leave monitor mode', async () => {
  const main = new Redis({ port: nodis.port, lazyConnect: true });
  await main.connect();
  const monitor = await main.monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
  const other = new Redis({ port: nodis.port, lazyConnect: true });
  await other.connect();
  await other.set('mk', 'mv');
  const list = (await other.client('LIST')) as string;
  assert.match(list, /flags=O /);
  await other.echo('last');
  while (!seen.some((a) => a[0] === 'echo')) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(
    seen.filter((a) => a[0] === 'set'),
    [['set', 'mk', 'mv']],
  );
  monitor.disconnect();
  // Once the monitor is gone, CLIENT LIST shows no O flag.
  for (;;) {
    const l = (await other.client('LIST')) as string;
    if (!/flags=O /.test(l)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const raw = await RawClient.connect(nodis.port);
  assert.equal((await raw.call('MONITOR'))?.raw.toString('latin1'), '+OK\r\n');
  assert.equal((await raw.call('RESET'))?.raw.toString('latin1'), '+RESET\r\n');
  await other.set('after', 'reset');
  // After RESET the connection is an ordinary one: the next reply is PING's, not a monitor line.
  assert.equal((await raw.call('PING'))?.raw.toString('latin1'), '+PONG\r\n');
  assert.doesNotMatch((await other.client('LIST')) as string, /flags=O /);
  raw.close();
  other.disconnect();
  main.disconnect();
});
