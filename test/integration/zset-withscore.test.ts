import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import type { Server } from '../../src/index.js';

// ZRANK / ZREVRANK WITHSCORE are Redis 7.2 behaviour that Nodis adopts on purpose, so the
// differential suite (against 7.0.15) cannot check them: these are 7.2's documented replies.
let server: Server;
before(async () => {
  server = await startNodis();
});
after(async () => {
  await server.close();
});

async function replies(resp: 2 | 3, ...cmds: string[][]): Promise<string[]> {
  const c = await RawClient.connect(server.port);
  try {
    if (resp === 3) await c.call('HELLO', '3');
    const out: string[] = [];
    for (const cmd of cmds) out.push((await c.call(...cmd))!.raw.toString('latin1'));
    return out;
  } finally {
    c.close();
  }
}

test('ZRANK/ZREVRANK WITHSCORE answer [rank, score] (RESP2 bulk score, RESP3 double)', async () => {
  const cmds = [
    ['DEL', 'z'],
    ['ZADD', 'z', '1.5', 'a', '2', 'b', '-inf', 'c'],
    ['ZRANK', 'z', 'a', 'WITHSCORE'],
    ['ZREVRANK', 'z', 'a', 'withscore'],
    ['ZRANK', 'z', 'c', 'WITHSCORE'],
    ['ZRANK', 'z', 'a'],
  ];
  assert.deepEqual((await replies(2, ...cmds)).slice(2), ['*2\r\n:1\r\n$3\r\n1.5\r\n', '*2\r\n:1\r\n$3\r\n1.5\r\n', '*2\r\n:0\r\n$4\r\n-inf\r\n', ':1\r\n']);
  assert.deepEqual((await replies(3, ...cmds)).slice(2), ['*2\r\n:1\r\n,1.5\r\n', '*2\r\n:1\r\n,1.5\r\n', '*2\r\n:0\r\n,-inf\r\n', ':1\r\n']);
});

test('ZRANK WITHSCORE of a missing member or key is a null array; other words are errors', async () => {
  const cmds = [
    ['DEL', 'z', 'str'],
    ['ZADD', 'z', '1', 'a'],
    ['ZRANK', 'z', 'nope', 'WITHSCORE'],
    ['ZREVRANK', 'nokey', 'a', 'WITHSCORE'],
    ['ZRANK', 'z', 'nope'],
    ['ZRANK', 'z', 'a', 'WITHSCORES'],
    ['ZRANK', 'z', 'a', 'WITHSCORE', 'x'],
    ['SET', 'str', 'v'],
    ['ZRANK', 'str', 'a', 'WITHSCORE'],
  ];
  assert.deepEqual((await replies(2, ...cmds)).slice(2), [
    '*-1\r\n',
    '*-1\r\n',
    '$-1\r\n',
    '-ERR syntax error\r\n',
    "-ERR wrong number of arguments for 'zrank' command\r\n",
    '+OK\r\n',
    '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
  ]);
  assert.deepEqual((await replies(3, ...cmds)).slice(2, 5), ['_\r\n', '_\r\n', '_\r\n']);
});

test('COMMAND INFO zrank shows the 7.2 arity', async () => {
  const [info] = await replies(2, ['COMMAND', 'INFO', 'zrank']);
  assert.match(info!, /^\*1\r\n\*10\r\n\$5\r\nzrank\r\n:-3\r\n/);
});
