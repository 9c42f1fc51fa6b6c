/**
 * In-process microbenchmark of the command path, with no sockets: builds the bytes
 * redis-benchmark sends (-P 16, random keys over 100k), pushes them through a client's parser and
 * runs them, and reports ns per command. Its figures are steadier than redis-benchmark's on a
 * shared machine, so it serves to compare two builds of the hot path; the real figures are
 * `npm run bench`'s.
 *
 *   node dist/bench/micro.js [--tests set,get] [--ms 2000] [--keys 100000]
 */
import { Config } from '../src/server/config.js';
import { Server } from '../src/server/server.js';
import { Client } from '../src/server/client.js';

const argv = process.argv.slice(2);
const opt = (k: string, d: string): string => {
  const i = argv.indexOf('--' + k);
  return i >= 0 ? argv[i + 1]! : d;
};
const tests = opt('tests', 'set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,zadd,lrange_100').split(',');
const ms = Number(opt('ms', '2000'));
const keys = Number(opt('keys', '100000'));

function frame(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}
const rnd = (): string => String(Math.floor(Math.random() * keys)).padStart(12, '0');
const value = 'xxx';
const COMMANDS: Record<string, () => string[]> = {
  set: () => ['SET', 'key:' + rnd(), value],
  get: () => ['GET', 'key:' + rnd()],
  incr: () => ['INCR', 'counter:' + rnd()],
  lpush: () => ['LPUSH', 'mylist', value],
  rpush: () => ['RPUSH', 'mylist', value],
  lpop: () => ['LPOP', 'mylist'],
  rpop: () => ['RPOP', 'mylist'],
  sadd: () => ['SADD', 'myset', 'element:' + rnd()],
  hset: () => ['HSET', 'myhash', 'element:' + rnd(), value],
  zadd: () => ['ZADD', 'myzset', String(Math.floor(Math.random() * keys)), 'element:' + rnd()],
  ping: () => ['PING'],
  lrange_100: () => ['LRANGE', 'mylist', '0', '99'],
  // redis-benchmark's MSET: 10 keys.
  mset: () => ['MSET', ...Array.from({ length: 10 }, () => ['key:' + rnd(), value]).flat()],
  // A pop alternates with an add of two random members, so the set settles at about half the
  // member space (keys/2) and stays large: the figure is the mean of the two commands.
  zadd2_zpopmin: alternate(() => ['ZADD', 'myzset', String(Math.floor(Math.random() * keys)), 'element:' + rnd(), String(Math.floor(Math.random() * keys)), 'element:' + rnd()], () => ['ZPOPMIN', 'myzset']),
  sadd2_spop: alternate(() => ['SADD', 'myset', 'element:' + rnd(), 'element:' + rnd()], () => ['SPOP', 'myset']),
};
function alternate(a: () => string[], b: () => string[]): () => string[] {
  let flip = false;
  return () => ((flip = !flip) ? a() : b());
}

const config = new Config();
config.set('save', [''], true);
const server = new Server(config);
const c = new Client(1, server, null);
server.clients.set(c.id, c);

/** How many elements fillList appends to 'mylist'. */
const LIST_FILL = 200000;
function fillList(): void {
  // RPUSH of 1000 elements at a time.
  const push = Buffer.from(frame(['RPUSH', 'mylist', ...Array.from({ length: 1000 }, () => value)]), 'latin1');
  for (let i = 0; i < LIST_FILL / 1000; i++) {
    c.parser.push(push);
    server.processInput(c);
    c.reply.take();
  }
}

for (const t of tests) {
  // 64 different batches of 16 commands, as bytes, cycled through.
  const batches: Buffer[] = [];
  for (let b = 0; b < 64; b++) {
    let s = '';
    for (let i = 0; i < 16; i++) s += frame(COMMANDS[t]!());
    batches.push(Buffer.from(s, 'latin1'));
  }
  const pops = t === 'lpop' || t === 'rpop';
  if (pops || t === 'lrange_100') fillList();
  // The pop tests refill the list before it runs out (a run pops more than a fill holds, and
  // popping an empty key is another test); the refill's CPU time is not counted.
  let inList = LIST_FILL;
  let refillCpu = 0;
  let n = 0;
  let i = 0;
  // CPU time of this process rather than wall time: on a busy machine, time spent descheduled
  // is not the code's.
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < ms) {
    if (pops && inList < 64 * 16) {
      const r0 = process.cpuUsage();
      fillList();
      const r = process.cpuUsage(r0);
      refillCpu += r.user + r.system;
      inList += LIST_FILL;
    }
    inList -= 64 * 16;
    for (let k = 0; k < 64; k++) {
      c.parser.push(batches[i++ & 63]!);
      server.processInput(c);
      c.reply.take();
      n += 16;
    }
    t1 = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(`${t.padEnd(11)} ${(((cpu.user + cpu.system - refillCpu) * 1000) / n).toFixed(0).padStart(6)} ns/cmd (CPU)`);
}
await server.close();
