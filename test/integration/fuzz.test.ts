import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startNodis } from '../helpers/servers.js';
import { RawClient, encodeCommand } from '../helpers/raw-client.js';
import { mulberry32 } from '../helpers/prng.js';
import { ReplyReader } from '../../src/protocol/reply-reader.js';
import type { Server } from '../../src/index.js';

// Bounded protocol fuzzing against an in-process Nodis: many connections send garbage and
// random (in)valid frames at once. Bounds: CONNECTIONS x PAYLOADS payloads of at most a few KB,
// each connection gives up after IDLE_MS of silence. The seed is printed so a failure replays.
const CONNECTIONS = 40;
const PAYLOADS = 25;
const IDLE_MS = 300;
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1000000);

/** Commands that are safe to run at random on a shared server (nothing global or slow). */
function validCommand(rnd: () => number): string[] {
  const key = 'fz:' + Math.floor(rnd() * 20);
  const val = 'v'.repeat(Math.floor(rnd() * 50)) + String.fromCharCode(Math.floor(rnd() * 256));
  const pick = Math.floor(rnd() * 12);
  switch (pick) {
    case 0:
      return ['PING'];
    case 1:
      return ['ECHO', val];
    case 2:
      return ['SET', key, val];
    case 3:
      return ['GET', key];
    case 4:
      return ['DEL', key];
    case 5:
      return ['SELECT', String(Math.floor(rnd() * 20) - 2)];
    case 6:
      return ['HELLO', String(Math.floor(rnd() * 5))];
    case 7:
      return ['EXISTS', key, key];
    case 8:
      return ['NOSUCH', val];
    case 9:
      return ['GET'];
    case 10:
      return ['PING', val, val];
    default:
      return rnd() < 0.3 ? ['QUIT'] : ['PING', val];
  }
}

const TOKENS = ['*', '$', '\r\n', '\r', '\n', '"', "'", '\\', '\x00', '-', '0', '1', '3', '10', '16384', '99999999', '536870912', ' ', 'PING', 'ECHO', 'x', '*1\r\n', '$4\r\n', '*-1\r\n', '*0\r\n'];

/** One payload: valid multibulk, valid inline, token soup, random bytes, or a truncated frame. */
function payload(rnd: () => number): Buffer {
  const kind = Math.floor(rnd() * 6);
  if (kind === 0 || kind === 1) {
    const argv = validCommand(rnd);
    if (kind === 0) return encodeCommand(argv);
    return Buffer.from(argv.map((a) => '"' + [...a].map((c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('') + '"').join(' ') + '\r\n', 'latin1');
  }
  if (kind === 2) {
    let s = '';
    const n = 1 + Math.floor(rnd() * 20);
    for (let i = 0; i < n; i++) s += TOKENS[Math.floor(rnd() * TOKENS.length)]!;
    return Buffer.from(s, 'latin1');
  }
  if (kind === 3) {
    const b = Buffer.alloc(1 + Math.floor(rnd() * 300));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
    return b;
  }
  if (kind === 4) {
    const full = encodeCommand(validCommand(rnd));
    return full.subarray(0, Math.floor(rnd() * full.length));
  }
  // Occasionally a long line with no end (64 KiB limit) or a big bulk header.
  return rnd() < 0.5 ? Buffer.alloc(70000, 0x61) : Buffer.from('*2\r\n$4\r\nECHO\r\n$100000\r\n' + 'z'.repeat(Math.floor(rnd() * 5000)), 'latin1');
}

interface Outcome {
  replies: string[];
  closedByServer: boolean;
}

/** Sends payloads in random pieces, then reads until the server closes or goes quiet. */
async function fuzzConnection(port: number, rnd: () => number): Promise<Outcome> {
  const sock = net.connect(port, '127.0.0.1');
  const reader = new ReplyReader();
  const replies: string[] = [];
  let closedByServer = false;
  let weClosed = false;
  let lastData = Date.now();
  let parseError: unknown = null;
  sock.on('data', (d: Buffer) => {
    lastData = Date.now();
    reader.push(d);
    try {
      for (let r = reader.next(); r !== null; r = reader.next()) replies.push(r.raw.latin1Slice(0, r.raw.length));
    } catch (e) {
      parseError = e;
    }
  });
  sock.on('error', () => {});
  const closed = new Promise<void>((resolve) =>
    sock.on('close', () => {
      if (!weClosed) closedByServer = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  for (let i = 0; i < PAYLOADS && !sock.destroyed; i++) {
    const p = payload(rnd);
    let at = 0;
    while (at < p.length) {
      const n = 1 + Math.floor(rnd() * p.length);
      sock.write(p.subarray(at, at + n));
      at += n;
      if (rnd() < 0.2) await new Promise((r) => setImmediate(r));
    }
  }
  while (!sock.destroyed && Date.now() - lastData < IDLE_MS) await new Promise((r) => setTimeout(r, 50));
  if (!sock.destroyed) {
    weClosed = true;
    sock.destroy();
  }
  await closed;
  if (parseError) throw new Error(`server sent bytes that are not RESP: ${String(parseError)}`);
  return { replies, closedByServer };
}

let server: Server;

before(async () => {
  server = await startNodis();
});

after(async () => {
  await server.close();
});

test(`fuzz: garbage on many connections never disturbs the server or a clean client (seed ${SEED})`, async () => {
  const rnd = mulberry32(SEED);
  const port = server.port;

  // The clean client writes and reads back its own keys for as long as the fuzzing lasts.
  const clean = await RawClient.connect(port);
  let fuzzing = true;
  let checks = 0;
  const cleanLoop = (async () => {
    for (let i = 0; fuzzing || i < 10; i++) {
      const v = `value-${i}-\x00\r\n\xff`;
      assert.equal((await clean.call('SET', `clean:${i % 50}`, v))?.raw.latin1Slice(0, 5), '+OK\r\n');
      const got = await clean.call('GET', `clean:${i % 50}`);
      assert.equal(got?.raw.latin1Slice(0, got.raw.length), '$' + v.length + '\r\n' + v + '\r\n');
      assert.equal((await clean.call('PING'))?.raw.latin1Slice(0, 7), '+PONG\r\n');
      checks++;
    }
  })();

  const seeds = Array.from({ length: CONNECTIONS }, () => Math.floor(rnd() * 2 ** 31));
  let outcomes: Outcome[];
  try {
    outcomes = await Promise.all(seeds.map((s) => fuzzConnection(port, mulberry32(s))));
  } finally {
    fuzzing = false;
  }
  await cleanLoop;
  clean.close();
  assert.ok(checks >= 10);

  let protocolErrors = 0;
  let quits = 0; // connections the server closed after a QUIT
  for (const [i, o] of outcomes.entries()) {
    const errIdx = o.replies.findIndex((r) => r.startsWith('-ERR Protocol error'));
    if (errIdx >= 0) {
      protocolErrors++;
      // A protocol error is the last thing the connection hears, then the server closes it.
      assert.equal(errIdx, o.replies.length - 1, `connection ${i} (seed ${seeds[i]}): replies after the protocol error`);
      assert.ok(o.closedByServer, `connection ${i} (seed ${seeds[i]}): not closed after a protocol error`);
    } else if (o.closedByServer) {
      // The only other reason to be closed is QUIT, whose +OK is then the last reply.
      assert.equal(o.replies[o.replies.length - 1], '+OK\r\n', `connection ${i} (seed ${seeds[i]}): closed without QUIT or protocol error`);
      quits++;
    }
  }
  // The generator makes both outcomes common; if neither happens the fuzzer is not fuzzing.
  assert.ok(protocolErrors > 0, 'some connections hit protocol errors');
  // A sanity check of the generator, not of the server: valid frames did get through. (How many
  // depends on the seed: a random "*99999999" or "$536870912" header legitimately leaves a
  // connection waiting for the rest of the frame, as Redis does, so no count is asserted.)
  const totalReplies = outcomes.reduce((n, o) => n + o.replies.length, 0);
  assert.ok(outcomes.some((o) => o.replies.some((r) => !r.startsWith('-'))), `valid frames got replies (${totalReplies} replies on ${CONNECTIONS} connections, ${protocolErrors} protocol errors, ${quits} quits)`);

  // The server is still up and answers a fresh client correctly.
  const after = await RawClient.connect(port);
  assert.equal((await after.call('PING'))?.raw.toString(), '+PONG\r\n');
  assert.equal((await after.call('GET', 'clean:0'))?.raw.latin1Slice(0, 1), '$');
  after.close();
  // Every connection is gone from the client table once its socket closed (no leaks).
  for (let i = 0; i < 100 && server.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(server.clients.size, 0);
});
