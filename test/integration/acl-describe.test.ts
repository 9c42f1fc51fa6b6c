import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../helpers/raw-client.js';
import { haveRedisServer, startNodis, startRedis } from '../helpers/servers.js';
import { mulberry32 } from '../helpers/prng.js';
import type { ReplyValue } from '../../src/protocol/reply-reader.js';

// Random command rules applied to the same user on redis-server and Nodis: ACL GETUSER's
// description must agree. The categories part is compared as it is (Redis's best fit walks its
// category list in a fixed order); the single commands after it are compared as a set, since
// Redis emits them in its command hash table's order, which changes with each process's seed.

const CATEGORIES = ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting'];
const COMMANDS = ['get', 'set', 'hset', 'hget', 'lpush', 'zadd', 'sadd', 'del', 'keys', 'flushall', 'config', 'config|get', 'config|set', 'client|list', 'client', 'info', 'publish', 'subscribe', 'eval', 'xadd', 'pfadd', 'geoadd', 'setbit', 'multi', 'exec', 'ping', 'acl|whoami', 'acl', 'object|encoding', 'debug', 'blpop', 'sort'];

function randomRules(rnd: () => number): string[] {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const rules: string[] = [rnd() < 0.5 ? '+@all' : '-@all'];
  const n = 1 + Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) {
    const sign = rnd() < 0.5 ? '+' : '-';
    if (rnd() < 0.6) rules.push(`${sign}@${pick(CATEGORIES)}`);
    else rules.push(`${sign}${pick(COMMANDS)}`);
  }
  if (rnd() < 0.15) rules.push('+select|0');
  return rules;
}

function split(descr: string): { cats: string[]; singles: string[] } {
  const words = descr.split(' ');
  let i = 0;
  while (i < words.length && /^[+-]@/.test(words[i]!)) i++;
  return { cats: words.slice(0, i), singles: words.slice(i).sort() };
}

async function commandsOf(c: RawClient, user: string): Promise<string> {
  const r = await c.call('ACL', 'GETUSER', user);
  const v = r?.value as ReplyValue;
  if (v.t !== 'array' && v.t !== 'map') throw new Error('GETUSER reply');
  const flat: ReplyValue[] = v.t === 'array' ? v.v! : v.v.flat();
  const i = flat.findIndex((x) => x.t === 'bulk' && x.v === 'commands');
  const d = flat[i + 1]!;
  if (d.t !== 'bulk' || d.v === null) throw new Error('commands field');
  return d.v;
}

test('ACL GETUSER command descriptions agree with redis-server for random rules', { skip: !haveRedisServer() }, async () => {
  const redis = await startRedis();
  const nodis = await startNodis();
  const rc = await RawClient.connect(redis.port);
  const nc = await RawClient.connect(nodis.port);
  try {
    const rnd = mulberry32(7007);
    for (let round = 0; round < 150; round++) {
      const rules = randomRules(rnd);
      const [a, b] = await Promise.all([rc.call('ACL', 'SETUSER', 'r', 'reset', ...rules), nc.call('ACL', 'SETUSER', 'r', 'reset', ...rules)]);
      assert.equal(b!.raw.latin1Slice(0, b!.raw.length), a!.raw.latin1Slice(0, a!.raw.length), rules.join(' '));
      const [theirs, ours] = await Promise.all([commandsOf(rc, 'r'), commandsOf(nc, 'r')]);
      assert.deepEqual(split(ours), split(theirs), `rules: ${rules.join(' ')}\nredis: ${theirs}\nnodis: ${ours}`);
    }
  } finally {
    rc.close();
    nc.close();
    await redis.stop();
    await nodis.close();
  }
});
