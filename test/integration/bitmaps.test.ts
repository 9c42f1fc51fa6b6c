import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { run, skipRedis, useNodisAndRedis, type Cmd } from '../helpers/compare.js';
import { mulberry32 } from '../helpers/prng.js';

// Random workloads of the bitmap commands, replayed on Nodis and redis-server, must get the
// same replies and leave the same bytes. BITMAP_SEED=N replays a failure.

const env = useNodisAndRedis({ client: { maxRetriesPerRequest: 0 } });

const SEED = Number(process.env['BITMAP_SEED'] ?? Date.now() % 1000000);

/** Replies of a pipeline of commands, binary-safe (Buffers), errors as their message. */
async function replies(client: Redis, cmds: readonly Cmd[]): Promise<unknown[]> {
  const p = client.pipeline();
  for (const [name, ...args] of cmds) p.callBuffer(String(name), ...args.map((a) => (typeof a === 'number' ? String(a) : Buffer.from(a, 'latin1'))));
  const res = (await p.exec()) ?? [];
  return res.map(([err, v]) => (err ? `ERR: ${err.message}` : v));
}

function show(v: unknown): string {
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('latin1'));
  if (Array.isArray(v)) return '[' + v.map(show).join(', ') + ']';
  return String(v);
}

/** Runs cmds on both servers and asserts every reply is the same. */
async function compare(cmds: readonly Cmd[], what: string): Promise<void> {
  const want = await replies(env.redis!, cmds);
  const got = await replies(env.nodis, cmds);
  for (let i = 0; i < cmds.length; i++) {
    assert.equal(show(got[i]), show(want[i]), `${what}: reply ${i} to ${cmds[i]!.map((a) => JSON.stringify(String(a))).join(' ')}`);
  }
}

/** A generator of random bitmap commands over a few keys. */
function workload(rnd: () => number, n: number, maxBit: number): Cmd[] {
  const int = (k: number): number => Math.floor(rnd() * k);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const key = (): string => pick(['a', 'b', 'c', 'missing']);
  const bytes = (len: number): string => Array.from({ length: len }, () => String.fromCharCode(pick([0, 255, int(256), int(256)]))).join('');
  // Indexes around the interesting places: zero, the ends, negative, far beyond, huge.
  const index = (): string => String(pick([int(maxBit / 8), -int(maxBit / 8) - 1, int(4), -1, 0, int(maxBit), -int(maxBit), '9223372036854775807', '-9223372036854775808', int(40) - 20]));
  const unit = (): string[] => (rnd() < 0.5 ? [] : [pick(['BIT', 'BYTE', 'bit', 'Byte'])]);
  const type = (): string => (rnd() < 0.5 ? 'i' + (1 + int(64)) : 'u' + (1 + int(63)));
  const bfValue = (): string => {
    const r = int(8);
    if (r === 0) return pick(['9223372036854775807', '-9223372036854775808', '0', '-1']);
    if (r === 1) return String(BigInt.asIntN(64, BigInt(int(2 ** 32)) * BigInt(int(2 ** 32))));
    if (r === 2) return String(2 ** int(63) * pick([1, -1]));
    return String(int(600) - 300);
  };
  const cmds: Cmd[] = [];
  for (let i = 0; i < n; i++) {
    switch (int(16)) {
      case 0:
      case 1:
        cmds.push(['SETBIT', key(), int(maxBit), int(2)]);
        break;
      case 2:
        cmds.push(['GETBIT', key(), int(maxBit + 16)]);
        break;
      case 3:
        cmds.push(rnd() < 0.2 ? ['BITCOUNT', key()] : ['BITCOUNT', key(), index(), index(), ...unit()]);
        break;
      case 4:
      case 5: {
        const args = [index(), index()].slice(0, int(3));
        cmds.push(['BITPOS', key(), int(2), ...args, ...(args.length === 2 ? unit() : [])]);
        break;
      }
      case 6: {
        const op = pick(['AND', 'OR', 'XOR', 'NOT']);
        const srcs = op === 'NOT' ? [key()] : Array.from({ length: 1 + int(3) }, key);
        cmds.push(['BITOP', op, pick(['a', 'b', 'c', 'd']), ...srcs]);
        break;
      }
      case 7:
      case 8:
      case 9: {
        const ops: string[] = [];
        for (let j = 1 + int(4); j > 0; j--) {
          const t = type();
          const bits = Number(t.slice(1));
          const off = rnd() < 0.3 ? '#' + int(Math.max(1, Math.floor(maxBit / bits))) : String(int(maxBit));
          const r = int(5);
          if (r === 0) ops.push('OVERFLOW', pick(['WRAP', 'SAT', 'FAIL', 'wrap', 'sat', 'fail']));
          if (r <= 1) ops.push('GET', t, off);
          else if (r === 2) ops.push('SET', t, off, bfValue());
          else ops.push('INCRBY', t, off, bfValue());
        }
        cmds.push([rnd() < 0.15 ? 'BITFIELD_RO' : 'BITFIELD', key(), ...ops]);
        break;
      }
      case 10:
        cmds.push(['SET', key(), bytes(int(12))]);
        break;
      case 11:
        cmds.push(['SETRANGE', key(), int(maxBit / 8), bytes(1 + int(3))]);
        break;
      case 12:
        cmds.push(['GET', key()]);
        break;
      case 13:
        cmds.push(['OBJECT', 'ENCODING', key()]);
        break;
      case 14:
        cmds.push(['APPEND', key(), bytes(int(3))]);
        break;
      default:
        cmds.push(['STRLEN', key()]);
    }
  }
  return cmds;
}

test(`random bitmap workloads reply exactly as Redis (seed ${SEED})`, { skip: skipRedis }, async () => {
  for (const [round, maxBit] of [64, 300, 3000, 40000].entries()) {
    const rnd = mulberry32(SEED * 7 + round);
    await compare(workload(rnd, 1500, maxBit), `round ${round} (bits up to ${maxBit}, seed ${SEED})`);
    await compare([['GET', 'a'], ['GET', 'b'], ['GET', 'c'], ['GET', 'd']], `final values of round ${round}`);
    await env.reset();
  }
});

test(`BITFIELD on every type and overflow mode at the edges of its range (seed ${SEED})`, { skip: skipRedis }, async () => {
  const rnd = mulberry32(SEED + 1);
  const cmds: Cmd[] = [];
  for (const signed of [true, false]) {
    for (let bits = 1; bits <= (signed ? 64 : 63); bits++) {
      const t = (signed ? 'i' : 'u') + bits;
      const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
      const min = signed ? -max - 1n : 0n;
      const near = [max, max - 1n, min, min + 1n, 0n, -1n, 1n, 9223372036854775807n, -9223372036854775808n, -max * 2n - 3n].map(String);
      const off = Math.floor(rnd() * 20);
      for (const mode of ['WRAP', 'SAT', 'FAIL']) {
        for (const v of near) {
          cmds.push(['BITFIELD', 'k', 'OVERFLOW', mode, 'SET', t, off, v, 'GET', t, off]);
          for (const inc of ['1', '-1', String(max), String(-max), '9223372036854775807', '-9223372036854775808', '3']) {
            cmds.push(['BITFIELD', 'k', 'OVERFLOW', mode, 'INCRBY', t, off, inc, 'GET', t, off]);
          }
        }
      }
    }
  }
  await compare(cmds, `BITFIELD edges (seed ${SEED})`);
  await compare([['GET', 'k']], 'the value after the BITFIELD edges');
});

const EVENT_SCRIPT: readonly Cmd[] = [
  ['SETBIT', 'b', 7, 1],
  ['SETBIT', 'b', 7, 1],
  ['SETBIT', 'b', 100, 0],
  ['SETBIT', 'b', 100, 0],
  ['GETBIT', 'b', 1],
  ['GETBIT', 'missing', 1],
  ['BITCOUNT', 'b'],
  ['BITCOUNT', 'missing', 0, 1],
  ['BITPOS', 'b', 1],
  ['BITPOS', 'missing', 1],
  ['BITFIELD', 'f', 'SET', 'u8', 0, 1],
  ['BITFIELD', 'f', 'SET', 'u8', 0, 1],
  ['BITFIELD', 'f', 'SET', 'u8', 0, 2, 'INCRBY', 'u8', 8, 1, 'GET', 'u8', 0],
  ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 100, 300],
  ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 100, 300],
  ['BITFIELD', 'f', 'GET', 'u8', 0],
  ['BITFIELD_RO', 'missing', 'GET', 'u8', 0],
  ['BITOP', 'AND', 'd', 'b', 'f'],
  ['BITOP', 'OR', 'd', 'missing', 'missing2'],
  ['BITOP', 'OR', 'd', 'missing', 'missing2'],
  ['BITOP', 'NOT', 'd', 'b'],
  ['SET', 's', 'x', 'EX', 100],
  ['BITOP', 'NOT', 's', 'b'],
  ['TTL', 's'],
];

test('keyspace events, hits and misses, and dirty counts are the ones Redis has', { skip: skipRedis }, async () => {
  const want = await env.redisEvents(EVENT_SCRIPT);
  await run(env.nodis, EVENT_SCRIPT);
  assert.deepEqual(env.events, want);
  assert.ok(want.includes('setbit f') && want.includes('del d') && want.includes('set d'));
  await env.reset();
  const { nodis, redis } = await env.counters(EVENT_SCRIPT);
  assert.deepEqual(nodis.hitsAndMisses, redis.hitsAndMisses);
  assert.equal(nodis.dirty, redis.dirty);
});

test('BITFIELD propagates only when it changed the value', async () => {
  const ops: string[] = [];
  env.server.propagation.listeners.push((batch) => {
    for (const op of batch) ops.push(op.argv.join(' ').toUpperCase());
  });
  try {
    await env.nodis.call('BITFIELD', 'f', 'SET', 'u8', '0', '1');
    await env.nodis.call('BITFIELD', 'f', 'SET', 'u8', '0', '1');
    await env.nodis.call('BITFIELD', 'f', 'GET', 'u8', '0');
    await env.nodis.call('BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300');
    await env.nodis.call('SETBIT', 'f', '0', '0');
    await env.nodis.call('SETBIT', 'f', '0', '1');
    assert.deepEqual(ops, ['BITFIELD F SET U8 0 1', 'SETBIT F 0 1']);
  } finally {
    env.server.propagation.listeners.pop();
  }
});

test('SETBIT on a 1 MB bitmap: its cost is reported beside Redis\'s, not asserted', async (t) => {
  // Strings are immutable: each SETBIT on a large value copies it. The figure is for the record.
  const measure = async (client: Redis): Promise<number> => {
    await client.setbit('big', 8 * 1024 * 1024 - 1, 1);
    const start = process.hrtime.bigint();
    const p = client.pipeline();
    for (let i = 0; i < 200; i++) p.setbit('big', i * 4099, 1);
    await p.exec();
    return Number(process.hrtime.bigint() - start) / 1000 / 200;
  };
  const nodisUs = await measure(env.nodis);
  const redisUs = skipRedis ? NaN : await measure(env.redis!);
  t.diagnostic(`SETBIT on a 1 MB value, pipelined: nodis ${nodisUs.toFixed(1)} us, redis ${redisUs.toFixed(1)} us per command`);
  assert.equal(await env.nodis.bitcount('big'), 201);
  assert.equal(await env.nodis.strlen('big'), 1024 * 1024);
});
