import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODIS_BIN, REPO_ROOT, Watched, run } from '../helpers/processes.js';
import { RawClient } from '../helpers/raw-client.js';
import { haveRedisServer } from '../helpers/servers.js';

// Every server here runs in a temporary directory with saving off, so nothing lands in the repo.
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-cli-'));
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function startNodis(args: string[]): Watched {
  return Watched.spawn(process.execPath, [NODIS_BIN, ...args], { cwd: tmp });
}

async function reply(port: number, ...argv: string[]): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    const r = await c.call(...argv);
    return r === null ? 'closed' : r.raw.latin1Slice(0, r.raw.length);
  } finally {
    c.close();
  }
}

test('--port 0: the banner names version, pid and the chosen port; SIGTERM exits 0', async () => {
  const s = startNodis(['--port', '0', '--save', '']);
  try {
    const port = await s.port();
    await s.waitFor(/Ready to accept connections/);
    assert.ok(port > 0);
    assert.match(s.stdout, /Nodis is starting/);
    assert.match(s.stdout, /redis_version=7\.0\.15/);
    assert.match(s.stdout, new RegExp(`pid=${s.proc.pid}\\b`));
    assert.match(s.stdout, /^\d+:M \d+ \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} [*#] /m, 'Redis log line format');
    assert.equal(await reply(port, 'PING'), '+PONG\r\n');
    assert.equal(await reply(port, 'ECHO', 'a\x00b'), '$3\r\na\x00b\r\n');
  } finally {
    const { code, signal } = await s.stop('SIGTERM');
    assert.equal(signal, null);
    assert.equal(code, 0);
  }
  assert.match(s.stdout, /Received SIGTERM scheduling shutdown/);
  assert.match(s.stdout, /ready to exit, bye bye/);
});

test('SIGINT exits 0 as well', async () => {
  const s = startNodis(['--port', '0', '--save', '']);
  await s.port();
  const { code, signal } = await s.stop('SIGINT');
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.match(s.stdout, /Received SIGINT scheduling shutdown/);
});

test('a config file first, with quotes and include; command-line options win over it', async () => {
  const sub = path.join(tmp, 'conf dir');
  fs.mkdirSync(sub, { recursive: true });
  fs.writeFileSync(path.join(sub, 'extra.conf'), '# included\nrequirepass "from \\"include\\""\n');
  const main = path.join(tmp, 'main.conf');
  // include is relative to the working directory (Redis chdirs to `dir` while reading).
  fs.writeFileSync(main, `port 0\nsave ""\n  include 'conf dir/extra.conf'  \n\n# comment\n`);
  const s = startNodis([main]);
  try {
    const port = await s.port();
    assert.doesNotMatch(s.stdout, /no config file specified/);
    assert.equal(await reply(port, 'GET', 'k'), '-NOAUTH Authentication required.\r\n');
    const c = await RawClient.connect(port);
    assert.equal((await c.call('AUTH', 'from "include"'))?.raw.toString(), '+OK\r\n');
    assert.equal((await c.call('GET', 'k'))?.raw.toString(), '$-1\r\n');
    c.close();
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
  const s2 = startNodis([main, '--requirepass', 'cli wins']);
  try {
    const port = await s2.port();
    const c = await RawClient.connect(port);
    assert.equal((await c.call('AUTH', 'from "include"'))?.raw.toString(), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.equal((await c.call('AUTH', 'cli wins'))?.raw.toString(), '+OK\r\n');
    c.close();
  } finally {
    assert.equal((await s2.stop()).code, 0);
  }
});

test('config from stdin with "-"', async () => {
  const proc = spawn(process.execPath, [NODIS_BIN, '-', '--save', ''], { cwd: tmp, stdio: ['pipe', 'pipe', 'pipe'] });
  const s = new Watched(proc);
  proc.stdin!.end('port 0\nrequirepass viastdin\n');
  try {
    const port = await s.port();
    assert.equal(await reply(port, 'GET', 'k'), '-NOAUTH Authentication required.\r\n');
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
});

test('--save "" and a bare --save both turn saving off', async () => {
  for (const args of [['--save', ''], ['--port', '0', '--save']]) {
    const s = startNodis(args[0] === '--save' ? ['--port', '0', ...args] : args);
    try {
      const port = await s.port();
      assert.equal(await reply(port, 'CONFIG', 'GET', 'save'), '*2\r\n$4\r\nsave\r\n$0\r\n\r\n');
    } finally {
      assert.equal((await s.stop()).code, 0);
    }
  }
});

const BAD_ARGV: string[][] = [['--foo', 'bar'], ['--port', 'abc'], ['--port'], ['--port', '1', '2'], ['--maxmemory', 'lots'], ['--appendonly', 'maybe'], ['--loglevel', 'loud'], ['--databases', '0']];

test('bad options exit 1 with a message naming the option', async () => {
  for (const argv of BAD_ARGV) {
    const r = await run(process.execPath, [NODIS_BIN, ...argv], { cwd: tmp });
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(r.stderr, /FATAL CONFIG FILE ERROR/);
    assert.ok(r.stderr.includes(`>>> '${argv[0]!.slice(2)}`), `names the option: ${r.stderr}`);
  }
});

test('bad options: the same stderr as redis-server for the same argv', { skip: !haveRedisServer() }, async () => {
  for (const argv of BAD_ARGV) {
    const [ours, theirs] = await Promise.all([run(process.execPath, [NODIS_BIN, ...argv], { cwd: tmp }), run('redis-server', argv, { cwd: tmp })]);
    assert.equal(ours.code, theirs.code, argv.join(' '));
    assert.equal(ours.stderr, theirs.stderr, argv.join(' '));
  }
});

test('a missing config file exits 1 naming the file', async () => {
  const r = await run(process.execPath, [NODIS_BIN, path.join(tmp, 'nope.conf')], { cwd: tmp });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /Fatal error, can't open config file '.*nope\.conf': No such file or directory/);
});

test('-v / --version print the version and exit 0; -h / --help print usage and exit 1 like Redis', async () => {
  for (const flag of ['-v', '--version']) {
    const r = await run(process.execPath, [NODIS_BIN, flag], { cwd: tmp });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Nodis server v=\d+\.\d+\.\d+ redis_version=7\.0\.15 /);
  }
  for (const flag of ['-h', '--help']) {
    const r = await run(process.execPath, [NODIS_BIN, flag], { cwd: tmp });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Usage: nodis-server \[\/path\/to\/redis\.conf\] \[options\] \[-\]/);
  }
});

test('a port already in use: exit 1 with a message', async () => {
  const s = startNodis(['--port', '0', '--save', '']);
  try {
    const port = await s.port();
    const r = await run(process.execPath, [NODIS_BIN, '--port', String(port), '--save', ''], { cwd: tmp });
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`Failed listening on port ${port}`));
  } finally {
    await s.stop();
  }
});

test('npm start -- --port N works through the package script', async () => {
  // npm runs the script through a shell: start it in its own process group and signal the group.
  const s = Watched.spawn('npm', ['start', '--silent', '--', '--port', '0', '--dir', tmp, '--save'], { cwd: REPO_ROOT, detached: true });
  try {
    const port = await s.port();
    assert.equal(await reply(port, 'PING'), '+PONG\r\n');
  } finally {
    if (s.proc.pid !== undefined) {
      try {
        process.kill(-s.proc.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await s.exit;
  }
  assert.match(s.stdout, /Received SIGTERM/);
});
