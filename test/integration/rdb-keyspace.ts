import { RawClient } from '../helpers/raw-client.js';
import type { ReplyValue } from '../../src/protocol/reply-reader.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * Shared by the RDB and DUMP/RESTORE tests: a dataset with every type and encoding (small and
 * large collections, binary keys and values, integers at the edges, TTLs, several databases),
 * and a server's whole keyspace as comparable text.
 */

function flat(v: ReplyValue): string[] {
  if (v.t === 'array' || v.t === 'set' || v.t === 'push') return (v.v ?? []).flatMap(flat);
  if (v.t === 'map') return v.v.flatMap(([a, b]) => [...flat(a), ...flat(b)]);
  if (v.t === 'bulk') return v.v === null ? [] : [v.v];
  if (v.t === 'simple' || v.t === 'error' || v.t === 'int' || v.t === 'double') return [v.v];
  return [JSON.stringify(v)];
}

/** A reply as text (a simple string, an integer, a bulk, an error message). */
export function text(v: ReplyValue): string {
  return flat(v).join(' ');
}

export async function call(c: RawClient, ...argv: string[]): Promise<ReplyValue> {
  const r = await c.call(...argv);
  if (r === null) throw new Error('connection closed');
  return r.value;
}

export async function callOk(c: RawClient, ...argv: string[]): Promise<ReplyValue> {
  const v = await call(c, ...argv);
  if (v.t === 'error') throw new Error(`${argv.slice(0, 3).join(' ')}: ${v.v}`);
  return v;
}

/** Pipelines commands (many at once) and checks none failed. */
export async function pipeline(c: RawClient, cmds: string[][]): Promise<ReplyValue[]> {
  const out: ReplyValue[] = [];
  for (let i = 0; i < cmds.length; i += 500) {
    const batch = cmds.slice(i, i + 500);
    for (const cmd of batch) c.sendRaw(encode(cmd));
    for (const cmd of batch) {
      const r = await c.read(20000);
      if (r === null) throw new Error('connection closed');
      if (r.value.t === 'error') throw new Error(`${cmd.slice(0, 3).join(' ')}: ${r.value.v}`);
      out.push(r.value);
    }
  }
  return out;
}

function encode(argv: readonly string[]): Buffer {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return Buffer.from(s, 'latin1');
}

/** Every key of databases 0..15 as "db|key" -> "type|encoding|pexpiretime|content". */
export async function keyspaceOf(port: number, withEncoding = true): Promise<Map<string, string>> {
  const c = await RawClient.connect(port);
  const out = new Map<string, string>();
  try {
    for (let db = 0; db < 16; db++) {
      await callOk(c, 'SELECT', String(db));
      const keys: string[] = [];
      let cursor = '0';
      do {
        const r = flat(await callOk(c, 'SCAN', cursor, 'COUNT', '1000'));
        cursor = r[0]!;
        keys.push(...r.slice(1));
      } while (cursor !== '0');
      for (const k of keys) {
        const type = flat(await callOk(c, 'TYPE', k))[0]!;
        const enc = withEncoding ? flat(await callOk(c, 'OBJECT', 'ENCODING', k))[0]! : '';
        const exp = flat(await callOk(c, 'PEXPIRETIME', k))[0]!;
        let content: string[];
        if (type === 'string') content = flat(await callOk(c, 'GET', k));
        else if (type === 'list') content = flat(await callOk(c, 'LRANGE', k, '0', '-1'));
        else if (type === 'set') content = flat(await callOk(c, 'SMEMBERS', k)).sort();
        else if (type === 'zset') content = flat(await callOk(c, 'ZRANGE', k, '0', '-1', 'WITHSCORES'));
        else if (type === 'hash') {
          const f = flat(await callOk(c, 'HGETALL', k));
          const pairs: string[] = [];
          for (let i = 0; i < f.length; i += 2) pairs.push(JSON.stringify([f[i], f[i + 1]]));
          content = pairs.sort();
        } else if (type === 'stream') {
          content = [...flat(await callOk(c, 'XRANGE', k, '-', '+')), ...flat(await callOk(c, 'XINFO', 'GROUPS', k))];
        } else content = [];
        out.set(`${db}|${k}`, `${type}|${enc}|${exp}|${JSON.stringify(content)}`);
      }
    }
  } finally {
    c.close();
  }
  return out;
}

/** Describes the first few differences of two keyspaces ('' when equal). */
export function diffKeyspaces(a: Map<string, string>, b: Map<string, string>): string {
  const lines: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w !== v) lines.push(`${JSON.stringify(k)}: ${String(v).slice(0, 200)} != ${String(w).slice(0, 200)}`);
  }
  for (const k of b.keys()) if (!a.has(k)) lines.push(`${JSON.stringify(k)} only in the second`);
  return lines.slice(0, 10).join('\n') + (lines.length > 10 ? `\n... ${lines.length} differences` : '');
}

const EDGE_INTS = [
  '0', '1', '-1', '12', '13', '127', '128', '-128', '-129', '4095', '4096', '-4096', '-4097', '32767', '32768', '-32768',
  '-32769', '8388607', '8388608', '-8388608', '-8388609', '2147483647', '2147483648', '-2147483648', '-2147483649',
  '9007199254740993', '9223372036854775807', '-9223372036854775808', '007', '-0', '+1', ' 1', '1 ', '99999999999999999999',
];

function randomBytes(rnd: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rnd() * 256));
  return s;
}

/** The dataset's commands: every type and encoding, per database (SELECT included). */
export function datasetCommands(seed = 7, scale = 1): string[][] {
  const rnd = mulberry32(seed);
  const cmds: string[][] = [['SELECT', '0']];
  // Absolute expiry times only, so the same commands make the same dataset on every server.
  const far = '4102444800000';
  // Strings.
  EDGE_INTS.forEach((v, i) => cmds.push(['SET', `int:${i}`, v]));
  cmds.push(['SET', 'empty', '']);
  cmds.push(['SET', '\x00\xff\r\nbin', randomBytes(rnd, 64)]);
  cmds.push(['SET', 's20', 'a'.repeat(20)], ['SET', 's21', 'a'.repeat(21)], ['SET', 'compressible', 'abc'.repeat(300)]);
  cmds.push(['SET', 'random-long', randomBytes(rnd, 500)], ['SET', 'big-string', 'x'.repeat(20000) + randomBytes(rnd, 100)]);
  cmds.push(['SET', '12345', 'integer key'], ['SET', 'ttl-string', 'v', 'PXAT', far], ['SET', 'ttl-near', 'v', 'EXAT', '4102444801']);
  cmds.push(['APPEND', 'appended', '123'], ['INCRBYFLOAT', 'float', '1.5']);
  // Lists.
  cmds.push(['RPUSH', 'list:small', 'a', '1', '-1', '300', '70000', '5000000000', 'hello world', ...EDGE_INTS]);
  const big: string[] = [];
  for (let i = 0; i < 3000 * scale; i++) big.push(i % 7 === 0 ? randomBytes(rnd, 1 + Math.floor(rnd() * 300)) : String(i * 37 - 5000));
  for (let i = 0; i < big.length; i += 200) cmds.push(['RPUSH', 'list:big', ...big.slice(i, i + 200)]);
  cmds.push(['RPUSH', 'list:huge-element', 'a', 'y'.repeat(10000), 'b']);
  cmds.push(['LPUSH', 'list:lpushed', ...Array.from({ length: 500 }, (_, i) => `e${i}`)]);
  cmds.push(['RPUSH', 'list:ttl', 'x'], ['PEXPIREAT', 'list:ttl', far]);
  // Hashes.
  cmds.push(['HSET', 'hash:small', 'f1', 'v1', 'n', '42', 'neg', '-7', 'big', '9223372036854775807', '\x00k', '\xffv']);
  const hbig: string[] = [];
  for (let i = 0; i < 1000 * scale; i++) hbig.push(`field:${i}`, i % 3 === 0 ? String(i) : randomBytes(rnd, 1 + Math.floor(rnd() * 40)));
  cmds.push(['HSET', 'hash:big', ...hbig]);
  cmds.push(['HSET', 'hash:longvalue', 'f', 'z'.repeat(100)]);
  cmds.push(['HSET', 'hash:ttl', 'a', 'b'], ['EXPIREAT', 'hash:ttl', '4102444802']);
  // Sets.
  cmds.push(['SADD', 'set:int16', '1', '2', '3', '-5', '100']);
  cmds.push(['SADD', 'set:int32', '1', '70000', '-70000']);
  cmds.push(['SADD', 'set:int64', '1', '5000000000', '-9223372036854775808', '9223372036854775807']);
  cmds.push(['SADD', 'set:strings', 'a', 'b', 'c', '\x00', '']);
  const sbig: string[] = [];
  for (let i = 0; i < 600; i++) sbig.push(String(i * 3));
  cmds.push(['SADD', 'set:bigint', ...sbig]);
  const sstr: string[] = [];
  for (let i = 0; i < 2000 * scale; i++) sstr.push(`m${i}:${randomBytes(rnd, 5)}`);
  cmds.push(['SADD', 'set:big', ...sstr]);
  // Sorted sets.
  cmds.push(['ZADD', 'zset:small', '0.1', 'a', '1.5', 'b', '3', 'c', '1e20', 'd', '-2.25', 'e', 'inf', 'f', '-inf', 'g', '0', 'h', '123456789', 'i', '3.3333333333333335', 'j']);
  const zbig: string[] = [];
  for (let i = 0; i < 1000 * scale; i++) zbig.push(String(Math.floor(rnd() * 1e6) / 100), `member:${i}`);
  cmds.push(['ZADD', 'zset:big', ...zbig]);
  cmds.push(['ZADD', 'zset:longmember', '1', 'q'.repeat(100)]);
  cmds.push(['ZADD', 'zset:ttl', '1', 'a'], ['PEXPIREAT', 'zset:ttl', '4102444803123']);
  // Streams: several nodes, deleted entries, consumer groups with pending entries.
  const xcmds: string[][] = [];
  for (let i = 1; i <= 300; i++) xcmds.push(['XADD', 'stream:big', `${1000 + i}-${i % 3}`, 'field', String(i), 'other', randomBytes(rnd, 5)]);
  cmds.push(...xcmds);
  cmds.push(['XDEL', 'stream:big', '1010-1', '1011-2']);
  cmds.push(['XGROUP', 'CREATE', 'stream:big', 'g1', '0'], ['XGROUP', 'CREATE', 'stream:big', 'g2', '$']);
  cmds.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '5', 'STREAMS', 'stream:big', '>']);
  cmds.push(['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '3', 'STREAMS', 'stream:big', '>']);
  cmds.push(['XACK', 'stream:big', 'g1', '1002-2']);
  cmds.push(['XADD', 'stream:small', '1-1', 'a', 'b'], ['XADD', 'stream:empty', 'MAXLEN', '0', '5-5', 'x', 'y']);
  // Other databases.
  cmds.push(['SELECT', '1'], ['SET', 'db1key', 'one'], ['RPUSH', 'db1list', 'x', 'y'], ['HSET', 'db1hash', 'a', '1']);
  cmds.push(['SELECT', '3'], ['SADD', 'db3set', 'x', '1'], ['SET', 'int:0', 'other db'], ['EXPIREAT', 'int:0', '4102444804']);
  cmds.push(['SELECT', '15'], ['ZADD', 'db15zset', '1', 'a', '2', 'b'], ['SET', 'last', 'db']);
  cmds.push(['SELECT', '0']);
  return cmds;
}
