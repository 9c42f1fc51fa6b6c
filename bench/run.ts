/**
 * The benchmark harness: Nodis against Debian's redis-server, measured in the same run.
 *
 *   npm run bench                 full run (several rounds, 1M-key memory fill)
 *   npm run bench -- --smoke      a few seconds, to check the harness works (CI runs this)
 *   npm run bench -- --rounds 5 --tests set,get --out DIR
 *
 * Both servers run as their own processes on free ports with persistence off. redis-benchmark
 * runs against each in alternation, round after round, so drift on this shared machine hits both;
 * we report medians and the Nodis/Redis ratio. Then both are filled with the same keys and their
 * memory is compared. Results go to bench/results/ as JSON, Markdown and an SVG chart.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChart, renderMarkdown, type BenchResult, type Row } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

interface Options {
  smoke: boolean;
  rounds: number;
  requests: number;
  pipelines: number[];
  tests: string[];
  memoryKeys: number;
  out: string;
}

const ALL_TESTS = ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'SADD', 'HSET', 'SPOP', 'ZADD', 'ZPOPMIN', 'LRANGE_100', 'MSET'];

/** The command each redis-benchmark test needs from the server. */
const NEEDS: Record<string, string> = {
  PING_INLINE: 'ping',
  PING_MBULK: 'ping',
  SET: 'set',
  GET: 'get',
  INCR: 'incr',
  LPUSH: 'lpush',
  RPUSH: 'rpush',
  LPOP: 'lpop',
  RPOP: 'rpop',
  SADD: 'sadd',
  HSET: 'hset',
  SPOP: 'spop',
  ZADD: 'zadd',
  ZPOPMIN: 'zpopmin',
  LRANGE_100: 'lrange',
  MSET: 'mset',
};

function parseArgs(argv: string[]): Options {
  const smoke = argv.includes('--smoke');
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    smoke,
    rounds: Number(get('--rounds') ?? (smoke ? 1 : 3)),
    requests: Number(get('--requests') ?? (smoke ? 2000 : 200000)),
    pipelines: (get('--pipelines') ?? '1,16').split(',').map(Number),
    tests: (get('--tests') ?? (smoke ? 'PING_MBULK,SET,GET' : ALL_TESTS.join(','))).split(',').map((t) => t.toUpperCase()),
    memoryKeys: Number(get('--memory-keys') ?? (smoke ? 10000 : 1000000)),
    out: path.resolve(get('--out') ?? path.join(root, 'bench/results')),
  };
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const a = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (!a || typeof a !== 'object') throw new Error('no free port');
  return a.port;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.end(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on ${port} did not start`);
}

interface Running {
  name: 'nodis' | 'redis';
  port: number;
  proc: ChildProcess;
}

async function startBoth(): Promise<[Running, Running]> {
  const rp = await freePort();
  const np = await freePort();
  const redis = spawn('redis-server', ['--port', String(rp), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  const nodis = spawn(process.execPath, [path.join(root, 'dist/src/bin/nodis-server.js'), '--port', String(np), '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  await waitForPort(rp);
  await waitForPort(np);
  return [
    { name: 'nodis', port: np, proc: nodis },
    { name: 'redis', port: rp, proc: redis },
  ];
}

function cli(port: number, ...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'latin1' });
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
}

/** One redis-benchmark run; --csv gives rps and latency percentiles. */
function runBenchmark(port: number, test: string, pipeline: number, requests: number): Sample | null {
  const out = execFileSync('redis-benchmark', ['-p', String(port), '-t', test.toLowerCase(), '-n', String(requests), '-c', '50', '-P', String(pipeline), '-r', '100000', '--csv'], {
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  for (const line of out.split('\n')) {
    const cells = line.split('","').map((c) => c.replace(/"/g, ''));
    // Some tests carry a description: "LRANGE_100 (first 100 elements)", "MSET (10 keys)".
    if (cells[0] === test || cells[0]?.startsWith(test + ' ')) {
      return { rps: Number(cells[1]), p50: Number(cells[4]), p99: Number(cells[6]) };
    }
  }
  return null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

function usedMemory(port: number): number {
  const m = /used_memory:(\d+)/.exec(cli(port, 'INFO', 'memory'));
  return m ? Number(m[1]) : 0;
}

/** Pipelined SETs of `n` keys with 16-byte values, written straight to the socket. */
async function fillStrings(port: number, n: number): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let newlines = 0;
  const done = new Promise<void>((resolve) =>
    sock.on('data', (d: Buffer) => {
      for (const b of d) if (b === 10) newlines++;
      if (newlines >= n) resolve();
    }),
  );
  const value = 'v'.repeat(16);
  for (let i = 0; i < n; i += 1000) {
    let chunk = '';
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const k = 'key:' + String(j).padStart(12, '0');
      chunk += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$16\r\n${value}\r\n`;
    }
    if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
  }
  await done;
  sock.end();
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const [nodis, redis] = await startBoth();
  const stop = () => {
    nodis.proc.kill('SIGKILL');
    redis.proc.kill('SIGKILL');
  };
  process.on('exit', stop);
  const redisVersion = /redis_version:(\S+)/.exec(cli(redis.port, 'INFO', 'server'))?.[1] ?? '?';
  const rows: Row[] = [];
  try {
    for (const test of opts.tests) {
      const need = NEEDS[test];
      const supported = need !== undefined && !/^\s*$/.test(cli(nodis.port, 'COMMAND', 'INFO', need).replace(/\(nil\)|\n/g, ''));
      for (const pipeline of opts.pipelines) {
        if (!supported) {
          rows.push({ test, pipeline, nodis: null, redis: null, ratio: null, note: `Nodis has no ${need?.toUpperCase() ?? test} yet` });
          continue;
        }
        const samples: Record<'nodis' | 'redis', Sample[]> = { nodis: [], redis: [] };
        for (let r = 0; r < opts.rounds; r++) {
          // Alternate which server goes first so neither always gets the warmer machine.
          const order = r % 2 === 0 ? [nodis, redis] : [redis, nodis];
          for (const s of order) {
            cli(s.port, 'FLUSHALL');
            const res = runBenchmark(s.port, test, pipeline, opts.requests * (pipeline > 1 ? 4 : 1));
            if (res) samples[s.name].push(res);
          }
        }
        const agg = (xs: Sample[]) => (xs.length ? { rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)) } : null);
        const n = agg(samples.nodis);
        const rd = agg(samples.redis);
        rows.push({ test, pipeline, nodis: n, redis: rd, ratio: n && rd ? n.rps / rd.rps : null });
        process.stdout.write(`${test.padEnd(12)} -P ${String(pipeline).padEnd(3)} nodis ${fmt(n?.rps)} redis ${fmt(rd?.rps)} ratio ${n && rd ? (n.rps / rd.rps).toFixed(2) : 'n/a'}\n`);
      }
    }
    // Memory: the same keys in both, RSS and used_memory before and after.
    const memory: BenchResult['memory'] = [];
    for (const s of [nodis, redis]) {
      cli(s.port, 'FLUSHALL');
      await new Promise((r) => setTimeout(r, 200));
      const rss0 = rssBytes(s.proc.pid!);
      await fillStrings(s.port, opts.memoryKeys);
      await new Promise((r) => setTimeout(r, 1000));
      const rss1 = rssBytes(s.proc.pid!);
      memory.push({ server: s.name, keys: opts.memoryKeys, rssBefore: rss0, rssAfter: rss1, usedMemory: usedMemory(s.port), rssPerKey: rss1 / opts.memoryKeys, addedRssPerKey: (rss1 - rss0) / opts.memoryKeys });
    }
    const result: BenchResult = {
      date: new Date().toISOString(),
      machine: `${process.platform} ${process.arch}, ${(await import('node:os')).cpus().length} cores, node ${process.version}`,
      redisVersion,
      options: { rounds: opts.rounds, requests: opts.requests, clients: 50, keyspace: 100000 },
      rows,
      memory,
    };
    for (const m of memory) process.stdout.write(`memory ${m.server}: ${m.keys} keys, RSS ${(m.rssAfter / 1e6).toFixed(1)} MB (${m.rssPerKey.toFixed(0)} B/key, ${m.addedRssPerKey.toFixed(0)} B/key added), used_memory ${(m.usedMemory / 1e6).toFixed(1)} MB\n`);
    fs.mkdirSync(opts.out, { recursive: true });
    const base = opts.smoke ? 'smoke' : 'latest';
    fs.writeFileSync(path.join(opts.out, `${base}.json`), JSON.stringify(result, null, 2) + '\n');
    fs.writeFileSync(path.join(opts.out, `${base}.md`), renderMarkdown(result));
    fs.writeFileSync(path.join(opts.out, `${base}.svg`), renderChart(result));
    process.stdout.write(`wrote ${path.join(opts.out, base)}.{json,md,svg}\n`);
  } finally {
    stop();
  }
}

function fmt(n: number | undefined): string {
  return n === undefined ? 'n/a'.padStart(10) : Math.round(n).toString().padStart(10);
}

await main();
