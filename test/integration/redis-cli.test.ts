import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNodis, haveRedisServer, type RunningRedis } from '../helpers/servers.js';
import { run } from '../helpers/processes.js';
import type { Server } from '../../src/index.js';

// redis-cli against the real redis-server and against Nodis, same argv and stdin: the output
// (what a user or a shell script sees) and the exit code must be the same.
const skip = !haveRedisServer();
let redis: RunningRedis;
let nodis: Server;

before(async () => {
  if (skip) return;
  redis = await startRedis();
  nodis = await startNodis();
});

after(async () => {
  await redis?.stop();
  await nodis?.close();
});

interface Case {
  args: string[];
  input?: string;
  /** Rewrites parts that legitimately differ (connection ids). */
  mask?: (s: string) => string;
}

async function cli(port: number, c: Case): Promise<string> {
  const r = await run('redis-cli', ['-p', String(port), ...c.args], { input: c.input ?? '' });
  const out = `exit=${r.code}\n${r.stdout}\n--stderr--\n${r.stderr}`.split(String(port)).join('PORT');
  return c.mask ? c.mask(out) : out;
}

async function compare(cases: Case[]): Promise<void> {
  for (const c of cases) {
    const theirs = await cli(redis.port, c);
    const ours = await cli(nodis.port, c);
    assert.equal(ours, theirs, `redis-cli ${c.args.join(' ')}${c.input ? ' <<< ' + JSON.stringify(c.input) : ''}`);
  }
}

/** HELLO's "id" value in raw, --no-raw and RESP3 map renderings. */
const maskHelloId = (s: string): string =>
  s
    .replace(/^(id\n)\d+$/m, '$1ID')
    .replace(/^(id )\d+$/m, '$1ID')
    .replace(/("id" => \(integer\) )\d+/, '$1ID')
    .replace(/(\d+\) "id"\n\s*\d+\) \(integer\) )\d+/, '$1ID');

test('commands as arguments, raw (piped) output', { skip }, async () => {
  await compare([
    { args: ['FLUSHALL'] },
    { args: ['PING'] },
    { args: ['PING', 'hello world'] },
    { args: ['SET', 'k', 'a b'] },
    { args: ['GET', 'k'] },
    { args: ['GET', 'missing'] },
    { args: ['ECHO', 'line1\nline2'] },
    { args: ['SET', 'n', '10'] },
    { args: ['TTL', 'n'] },
    { args: ['SELECT', '99'] },
    { args: ['NOSUCHCOMMAND', 'x'] },
    { args: ['GET'] },
    { args: ['-n', '3', 'SET', 'in3', 'v'] },
    { args: ['-n', '3', 'GET', 'in3'] },
    { args: ['GET', 'in3'] },
    { args: ['-r', '3', 'PING'] },
  ]);
});

test('--no-raw output: quoting, (nil), (integer), (error)', { skip }, async () => {
  await compare([
    { args: ['FLUSHALL'] },
    { args: ['--no-raw', 'SET', 'bin', 'a\x01b"c\\'] },
    { args: ['--no-raw', 'GET', 'bin'] },
    { args: ['--no-raw', 'GET', 'missing'] },
    { args: ['--no-raw', 'TTL', 'bin'] },
    { args: ['--no-raw', 'PING'] },
    { args: ['--no-raw', 'NOSUCHCOMMAND'] },
    { args: ['--no-raw', 'HELLO', '2'], mask: maskHelloId },
    { args: ['--no-raw', 'HELLO', '4'] },
    { args: ['--no-raw', 'ECHO', ''] },
  ]);
});

test('commands on stdin, one a line', { skip }, async () => {
  await compare([
    { args: ['FLUSHALL'] },
    { args: [], input: 'SET a 1\nGET a\nPING x\nECHO "quoted arg"\nGET nothing\nNOSUCH\nSELECT 1\nGET a\n' },
    { args: ['--no-raw'], input: 'SET b "x y"\nGET b\nTTL b\nGET nothing\n' },
    { args: ['-x', 'SET', 'fromstdin'], input: 'value\nwith lines\n' },
    { args: ['GET', 'fromstdin'] },
  ]);
});

test('RESP3 with -3', { skip }, async () => {
  await compare([
    { args: ['FLUSHALL'] },
    { args: ['-3', 'PING'] },
    { args: ['-3', 'GET', 'missing'] },
    { args: ['-3', '--no-raw', 'GET', 'missing'] },
    { args: ['-3', 'HELLO', '3'], mask: maskHelloId },
    { args: ['-3', '--no-raw', 'HELLO', '3'], mask: maskHelloId },
    { args: ['-3', 'SET', 'k', 'v'] },
    { args: ['-3', '--no-raw', 'GET', 'k'] },
  ]);
});

test('--pipe mass insertion', { skip }, async () => {
  let proto = '';
  for (let i = 0; i < 2000; i++) {
    const argv = ['SET', `mass:${i}`, `value-${i}`];
    proto += '*' + argv.length + '\r\n' + argv.map((a) => '$' + a.length + '\r\n' + a + '\r\n').join('');
  }
  await compare([{ args: ['FLUSHALL'] }, { args: ['--pipe'], input: proto }, { args: ['GET', 'mass:1999'] }, { args: ['DBSIZE'] }]);
});
