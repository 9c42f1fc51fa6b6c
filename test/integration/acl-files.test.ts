import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODIS_BIN, Watched, run } from '../helpers/processes.js';
import { RawClient } from '../helpers/raw-client.js';
import { haveRedisServer, startNodis, startRedis } from '../helpers/servers.js';

// The aclfile (ACL SAVE / LOAD) and `user` lines of a config file, side by side with redis-server.

let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aclfile-'));
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function replies(port: number, lines: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    for (const argv of lines) {
      const r = await c.call(...argv);
      out.push(r === null ? 'closed' : r.raw.latin1Slice(0, r.raw.length));
    }
    return out;
  } finally {
    c.close();
  }
}

const redisCli = (port: number, ...args: string[]): Promise<string> => run('redis-cli', ['-p', String(port), ...args]).then((r) => r.stdout + r.stderr);

test('ACL SAVE writes the file Redis writes; ACL LOAD reads it back; errors leave users unchanged', { skip: !haveRedisServer() }, async () => {
  // One file for both servers, used in turn: the error texts name it.
  const file = path.join(tmp, 'users.acl');
  fs.writeFileSync(file, 'user alice on >pw ~a* &c -@all +get\n');
  const redis = await startRedis({ aclfile: file });
  const nodis = await startNodis({ aclfile: file });
  try {
    const ports = [redis.port, nodis.port];
    const steps = [
      ['ACL', 'LIST'],
      ['ACL', 'SETUSER', 'bob', 'on', '>x', '%R~r*', '(+set ~s*)', '-@all', '+@hash'],
      ['ACL', 'SETUSER', 'default', '>dpw'],
      ['ACL', 'SAVE'],
      // Back to the start for the next server, and for the load steps below.
      ['ACL', 'DELUSER', 'bob'],
      ['ACL', 'SETUSER', 'default', 'nopass'],
    ];
    const files: string[] = [];
    const got: string[][] = [];
    for (const port of ports) {
      got.push(await replies(port, steps));
      files.push(fs.readFileSync(file, 'latin1'));
      fs.writeFileSync(file, 'user alice on >pw ~a* &c -@all +get\n');
    }
    assert.deepEqual(got[1], got[0]);
    assert.equal(files[1], files[0]);
    assert.match(files[0]!, /^user alice on #[0-9a-f]{64} ~a\* resetchannels &c -@all \+get\nuser bob on #[0-9a-f]{64} %R~r\* resetchannels -@all \+@hash \(~s\* resetchannels -@all \+set\)\nuser default on #[0-9a-f]{64} ~\* &\* \+@all\n$/);

    // LOAD: a good file replaces the users (the default user keeps its clients), a bad one changes nothing.
    const loads: [string, string[][]][] = [
      ['user carol on nopass ~* &* +@all\nuser default on nopass ~* &* +@all\n', [['ACL', 'LOAD'], ['ACL', 'LIST'], ['ACL', 'WHOAMI']]],
      ['user dave on nopass foo\n# comment\nuser  dave on\n\nuser e (+get\nuser f "a b"\n', [['ACL', 'LOAD'], ['ACL', 'USERS']]],
      ['\n\n  user   g   on   nopass  +@all ~*  \r\n', [['ACL', 'LOAD'], ['ACL', 'LIST']]],
      ['user g on nopass\nuser g off\n', [['ACL', 'LOAD'], ['ACL', 'USERS']]],
    ];
    for (const [content, lines] of loads) {
      const per: string[][] = [];
      for (const port of ports) {
        fs.writeFileSync(file, content);
        per.push(await replies(port, lines));
      }
      assert.deepEqual(per[1], per[0], content);
    }
    fs.rmSync(file);
    const missing = await Promise.all(ports.map((p) => replies(p, [['ACL', 'LOAD']])));
    assert.deepEqual(missing[1], missing[0]);

    // A client authenticated as a user the file replaces is disconnected by ACL LOAD.
    fs.writeFileSync(file, 'user h on >pw +@all ~*\nuser default on nopass ~* &* +@all\n');
    assert.deepEqual(await replies(nodis.port, [['ACL', 'LOAD']]), ['+OK\r\n']);
    const h = await RawClient.connect(nodis.port);
    assert.equal((await h.call('AUTH', 'h', 'pw'))!.raw.latin1Slice(0, 5), '+OK\r\n');
    assert.deepEqual(await replies(nodis.port, [['ACL', 'LOAD']]), ['+OK\r\n']);
    assert.equal(await h.call('PING'), null);
    h.close();
  } finally {
    await redis.stop();
    await nodis.close();
  }
});

test('ACL SAVE / LOAD without an aclfile: Redis\'s error', async () => {
  const nodis = await startNodis();
  try {
    const msg = "-ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.\r\n";
    assert.deepEqual(await replies(nodis.port, [['ACL', 'SAVE'], ['ACL', 'LOAD']]), [msg, msg]);
  } finally {
    await nodis.close();
  }
});

test('`user` lines of a config file (nodis-server binary, redis-cli): users, requirepass overridden, CONFIG REWRITE', async () => {
  const conf = path.join(tmp, 'users.conf');
  fs.writeFileSync(conf, ['port 0', 'save ""', 'requirepass ignored', 'user alice on >apw ~cache:* +@read', 'user default on >dpw ~* &* +@all', 'user bob off'].join('\n') + '\n');
  const s = Watched.spawn(process.execPath, [NODIS_BIN, conf], { cwd: tmp });
  try {
    const port = await s.port();
    await s.waitFor(/Ready to accept connections/);
    assert.match(s.stdout, /The user 'bob' is disabled/);
    assert.equal((await redisCli(port, 'PING')).trim(), 'NOAUTH Authentication required.');
    assert.match(await redisCli(port, '--user', 'default', '--pass', 'ignored', '--no-auth-warning', 'PING'), /AUTH failed: WRONGPASS invalid username-password pair or user is disabled\./);
    assert.equal((await redisCli(port, '--pass', 'dpw', '--no-auth-warning', 'ACL', 'USERS')).trim(), 'alice\nbob\ndefault');
    assert.equal((await redisCli(port, '--user', 'alice', '--pass', 'apw', '--no-auth-warning', 'GET', 'cache:1')).trim(), '');
    assert.equal((await redisCli(port, '--user', 'alice', '--pass', 'apw', '--no-auth-warning', 'SET', 'cache:1', 'v')).trim(), "NOPERM this user has no permissions to run the 'set' command");
    assert.equal((await redisCli(port, '--user', 'alice', '--pass', 'apw', '--no-auth-warning', 'GET', 'other')).trim(), 'NOPERM this user has no permissions to access one of the keys used as arguments');
    // CONFIG REWRITE writes the users back as ACL LIST shows them.
    assert.equal((await redisCli(port, '--pass', 'dpw', '--no-auth-warning', 'ACL', 'SETUSER', 'carol', 'on', 'nopass', '+@all', '~*')).trim(), 'OK');
    assert.equal((await redisCli(port, '--pass', 'dpw', '--no-auth-warning', 'CONFIG', 'REWRITE')).trim(), 'OK');
    const list = (await redisCli(port, '--pass', 'dpw', '--no-auth-warning', 'ACL', 'LIST')).trim().split('\n');
    const rewritten = fs.readFileSync(conf, 'latin1').split('\n').filter((l) => l.startsWith('user '));
    assert.deepEqual(rewritten, list);
  } finally {
    await s.stop();
  }
});

test('bad `user` lines stop the server as Redis does', { skip: !haveRedisServer() }, async () => {
  const cases = [
    ['user alice on foo'],
    ['user alice on', 'user alice off'],
    ['user alice on #abc'],
  ];
  for (const lines of cases) {
    const conf = path.join(tmp, 'bad.conf');
    fs.writeFileSync(conf, ['port 0', ...lines].join('\n') + '\n');
    const [ours, theirs] = await Promise.all([run(process.execPath, [NODIS_BIN, conf], { cwd: tmp }), run('redis-server', [conf], { cwd: tmp })]);
    assert.equal(ours.code, 1);
    assert.equal(theirs.code, 1);
    const reason = (out: string): string => out.split('\n').filter((l) => /Error in user declaration/.test(l)).join('\n');
    assert.equal(reason(ours.stderr), reason(theirs.stderr), lines.join(' / '));
    assert.notEqual(reason(ours.stderr), '');
  }
  // Users in the config file and an aclfile at once: refused at startup.
  const conf = path.join(tmp, 'both.conf');
  fs.writeFileSync(path.join(tmp, 'empty.acl'), '');
  fs.writeFileSync(conf, `port 0\naclfile ${path.join(tmp, 'empty.acl')}\nuser alice on\n`);
  const both = await run(process.execPath, [NODIS_BIN, conf], { cwd: tmp });
  assert.notEqual(both.code, 0);
  assert.match(both.stdout + both.stderr, /define either an ACL file or declare users directly in your redis.conf, but not both/);
});
