import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reply } from './reply.js';
import { ReplyReader } from './reply-reader.js';
import { formatDouble } from './number-format.js';

/** Everything written so far, as one binary string. */
function drain(r: Reply): string {
  const bufs = r.take();
  const all = Buffer.concat(bufs);
  return all.latin1Slice(0, all.length);
}

function render(resp: 2 | 3, write: (r: Reply) => void): string {
  const r = new Reply();
  r.resp = resp;
  write(r);
  return drain(r);
}

const CASES: [string, (r: Reply) => void, string, string][] = [
  ['ok', (r) => r.ok(), '+OK\r\n', '+OK\r\n'],
  ['simple', (r) => r.simple('PONG'), '+PONG\r\n', '+PONG\r\n'],
  ['error', (r) => r.error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
  ['int', (r) => r.int(-42), ':-42\r\n', ':-42\r\n'],
  ['int bigint', (r) => r.int(-9223372036854775808n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
  ['bulk', (r) => r.bulk('hello'), '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
  ['empty bulk', (r) => r.bulk(''), '$0\r\n\r\n', '$0\r\n\r\n'],
  ['binary bulk', (r) => r.bulk('\x00\r\n\xff\x80'), '$5\r\n\x00\r\n\xff\x80\r\n', '$5\r\n\x00\r\n\xff\x80\r\n'],
  ['bulkOrNull value', (r) => r.bulkOrNull('v'), '$1\r\nv\r\n', '$1\r\nv\r\n'],
  ['bulkOrNull null', (r) => r.bulkOrNull(null), '$-1\r\n', '_\r\n'],
  ['bulkOrNull undefined', (r) => r.bulkOrNull(undefined), '$-1\r\n', '_\r\n'],
  ['null', (r) => r.null(), '$-1\r\n', '_\r\n'],
  ['nullArray', (r) => r.nullArray(), '*-1\r\n', '_\r\n'],
  ['array', (r) => r.array(3), '*3\r\n', '*3\r\n'],
  ['empty array', (r) => r.array(0), '*0\r\n', '*0\r\n'],
  ['map', (r) => r.map(2), '*4\r\n', '%2\r\n'],
  ['set', (r) => r.set(2), '*2\r\n', '~2\r\n'],
  ['push', (r) => r.push(3), '*3\r\n', '>3\r\n'],
  ['double', (r) => r.double(1.5), '$3\r\n1.5\r\n', ',1.5\r\n'],
  ['double int', (r) => r.double(3), '$1\r\n3\r\n', ',3\r\n'],
  ['double inf', (r) => r.double(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
  ['double -inf', (r) => r.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
  ['bool true', (r) => r.bool(true), ':1\r\n', '#t\r\n'],
  ['bool false', (r) => r.bool(false), ':0\r\n', '#f\r\n'],
  ['verbatim', (r) => r.verbatim('a\r\nb'), '$4\r\na\r\nb\r\n', '=8\r\ntxt:a\r\nb\r\n'],
  ['verbatim mkd', (r) => r.verbatim('# x', 'mkd'), '$3\r\n# x\r\n', '=7\r\nmkd:# x\r\n'],
  ['bulkArray', (r) => r.bulkArray(['a', null, '']), '*3\r\n$1\r\na\r\n$-1\r\n$0\r\n\r\n', '*3\r\n$1\r\na\r\n_\r\n$0\r\n\r\n'],
  ['raw', (r) => r.raw('+X\r\n'), '+X\r\n', '+X\r\n'],
  ['rawBuffer', (r) => r.rawBuffer(Buffer.from([0x2b, 0xff, 0x0d, 0x0a])), '+\xff\r\n', '+\xff\r\n'],
];

test('every method renders as Redis does, in RESP2 and RESP3', () => {
  for (const [name, write, resp2, resp3] of CASES) {
    assert.equal(render(2, write), resp2, `${name} RESP2`);
    assert.equal(render(3, write), resp3, `${name} RESP3`);
  }
});

test('every rendering is read back by ReplyReader as one whole reply', () => {
  for (const [name, write] of CASES) {
    for (const resp of [2, 3] as const) {
      const bytes = render(resp, write);
      // Aggregate headers alone are not whole replies; give them their elements.
      if (/^[*%~>][1-9]/.test(bytes)) continue;
      const reader = new ReplyReader();
      reader.push(Buffer.from(bytes, 'latin1'));
      const got = reader.next();
      assert.ok(got, `${name} RESP${resp}`);
      assert.equal(got.raw.latin1Slice(0, got.raw.length), bytes);
      assert.equal(reader.next(), null);
    }
  }
});

test('error replies are reported to onError, others are not', () => {
  const seen: string[] = [];
  const r = new Reply();
  r.onError = (m) => seen.push(m);
  r.ok();
  r.error('WRONGTYPE Operation against a key holding the wrong kind of value');
  r.bulk('ERR not an error');
  assert.deepEqual(seen, ['WRONGTYPE Operation against a key holding the wrong kind of value']);
});

test('size, empty and take() account for everything since the last take', () => {
  const r = new Reply();
  assert.equal(r.empty, true);
  assert.equal(r.size, 0);
  r.ok();
  r.bulk('abc');
  assert.equal(r.empty, false);
  assert.equal(r.size, 5 + 9);
  assert.equal(drain(r), '+OK\r\n$3\r\nabc\r\n');
  assert.equal(r.empty, true);
  assert.equal(r.size, 0);
  assert.deepEqual(r.take(), []);
  r.int(7);
  assert.equal(drain(r), ':7\r\n');
});

test('buffers handed out by take() are never overwritten by later replies', () => {
  const r = new Reply();
  r.bulk('first');
  const first = r.take();
  for (let i = 0; i < 20000; i++) r.bulk('x'.repeat(i % 13));
  r.take();
  assert.equal(Buffer.concat(first).latin1Slice(0, 11), '$5\r\nfirst\r\n');
});

test('large replies cross the 64 KiB chunk intact', () => {
  const sizes = [65536 - 10, 65536 - 6, 65536, 65537, 200000, 3 * 1024 * 1024];
  for (const n of sizes) {
    const big = Buffer.alloc(n);
    for (let i = 0; i < n; i++) big[i] = (i * 7 + 3) & 0xff;
    const s = big.latin1Slice(0, n);
    const r = new Reply();
    r.simple('before');
    r.bulk(s);
    r.int(1);
    r.rawBuffer(big);
    r.raw(s);
    assert.equal(r.size, 9 + String(n).length + 3 + n + 2 + 4 + 2 * n);
    assert.equal(drain(r), '+before\r\n$' + n + '\r\n' + s + '\r\n:1\r\n' + s + s, `n=${n}`);
  }
});

test('many small replies spanning several chunks come out in order', () => {
  const r = new Reply();
  let want = '';
  for (let i = 0; i < 50000; i++) {
    const v = String(i).repeat(1 + (i % 5));
    r.bulk(v);
    want += '$' + v.length + '\r\n' + v + '\r\n';
    if (i % 2 === 0) {
      r.int(i);
      want += ':' + i + '\r\n';
    }
  }
  assert.ok(want.length > 4 * 65536);
  const bufs = r.take();
  assert.ok(bufs.length > 1, 'spans several chunks');
  const all = Buffer.concat(bufs);
  assert.equal(all.latin1Slice(0, all.length), want);
});

test('a nested RESP3 structure reads back with the right types', () => {
  const r = new Reply();
  r.resp = 3;
  r.map(2);
  r.bulk('k1');
  r.set(2);
  r.bulk('a');
  r.int(1);
  r.bulk('k2');
  r.array(3);
  r.double(2.5);
  r.bool(true);
  r.null();
  const reader = new ReplyReader();
  reader.push(Buffer.concat(r.take()));
  const got = reader.next();
  assert.deepEqual(got?.value, {
    t: 'map',
    v: [
      [
        { t: 'bulk', v: 'k1' },
        {
          t: 'set',
          v: [
            { t: 'bulk', v: 'a' },
            { t: 'int', v: '1' },
          ],
        },
      ],
      [
        { t: 'bulk', v: 'k2' },
        {
          t: 'array',
          v: [{ t: 'double', v: '2.5' }, { t: 'bool', v: true }, { t: 'null' }],
        },
      ],
    ],
  });
});

test('ReplyReader waits for split replies and keeps exact bytes', () => {
  const bytes = '*3\r\n$3\r\nabc\r\n%1\r\n+k\r\n:5\r\n=8\r\ntxt:a\r\nb\r\n|1\r\n+a\r\n+b\r\n(12345678901234567890\r\n!5\r\nERR x\r\n';
  const whole = Buffer.from(bytes, 'latin1');
  for (let cut = 0; cut <= whole.length; cut++) {
    const reader = new ReplyReader();
    const got: string[] = [];
    for (const part of [whole.subarray(0, cut), whole.subarray(cut)]) {
      reader.push(part);
      for (let x = reader.next(); x !== null; x = reader.next()) got.push(x.raw.latin1Slice(0, x.raw.length));
    }
    assert.deepEqual(got, ['*3\r\n$3\r\nabc\r\n%1\r\n+k\r\n:5\r\n=8\r\ntxt:a\r\nb\r\n', '|1\r\n+a\r\n+b\r\n', '(12345678901234567890\r\n', '!5\r\nERR x\r\n'], `cut ${cut}`);
  }
});

test('ReplyReader: a multi-MB bulk arriving in many chunks', () => {
  const n = 4 * 1024 * 1024;
  const body = Buffer.alloc(n, 0x62);
  const whole = Buffer.concat([Buffer.from('+a\r\n$' + n + '\r\n'), body, Buffer.from('\r\n:1\r\n')]);
  const reader = new ReplyReader();
  const got: string[] = [];
  for (let i = 0; i < whole.length; i += 16384) {
    reader.push(whole.subarray(i, i + 16384));
    for (let x = reader.next(); x !== null; x = reader.next()) got.push(x.value.t + ':' + x.raw.length);
  }
  assert.deepEqual(got, ['simple:4', 'bulk:' + (1 + String(n).length + 2 + n + 2), 'int:4']);
});

/** The reply as the string-building writer rendered it: the reference for the byte-level paths. */
function bulkText(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

test('strings on both sides of the short-string threshold, with bytes 0x00-0xff', () => {
  for (let n = 0; n <= 80; n++) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode((i * 37 + n) & 0xff);
    assert.equal(render(2, (r) => r.bulk(s)), bulkText(s), `bulk n=${n}`);
    assert.equal(render(2, (r) => r.raw(s)), s, `raw n=${n}`);
    assert.equal(render(3, (r) => r.simple(s)), '+' + s + '\r\n', `simple n=${n}`);
    assert.equal(render(2, (r) => r.error(s)), '-' + s + '\r\n', `error n=${n}`);
  }
  const high = Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i)).join('');
  for (const s of [high, high.slice(0, 31), high.slice(0, 32), high.slice(0, 33)]) {
    const got = Buffer.concat((() => { const r = new Reply(); r.bulk(s); return r.take(); })());
    assert.deepEqual(got, Buffer.concat([Buffer.from('$' + s.length + '\r\n'), Buffer.from(s, 'latin1'), Buffer.from('\r\n')]));
  }
});

test('chars above 0xff keep their low byte, as latin1Write does, on both paths', () => {
  for (const s of ['\u0141x', '\u0141'.repeat(40)]) {
    assert.equal(render(2, (r) => r.raw(s)), Buffer.from(s, 'latin1').latin1Slice(0, s.length));
  }
});

test('integers: signs, digit-count boundaries, beyond int32 and 2^53, bigint', () => {
  const values: number[] = [0, -0, 1, -1, 9, 10, -10, 99, 100, 12345, 2147483647, 2147483648, -2147483648, -2147483649, 4294967296, 1e15, 999999999999999, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
  for (let t = 1; t <= 1e16; t *= 10) values.push(t - 1, t, t + 1, -t, -(t - 1));
  for (let i = 0; i < 2000; i++) values.push(Math.floor((Math.random() - 0.5) * 2 ** (1 + (i % 53))));
  for (const n of values) {
    assert.equal(render(2, (r) => r.int(n)), ':' + n + '\r\n', `int ${n}`);
    assert.equal(render(2, (r) => r.array(n)), '*' + n + '\r\n', `array ${n}`);
    assert.equal(render(3, (r) => r.map(n)), '%' + n + '\r\n', `map ${n}`);
  }
  // Not safe integers: the text JS gives them, as before.
  for (const n of [2 ** 53, -(2 ** 63), 1.5, 1e21]) assert.equal(render(2, (r) => r.int(n)), ':' + n + '\r\n');
  for (const n of [0n, -1n, 9223372036854775807n, -9223372036854775808n, 18446744073709551615n]) {
    assert.equal(render(2, (r) => r.int(n)), ':' + n + '\r\n');
  }
  for (let n = 0; n < 300; n++) assert.equal(render(2, (r) => r.bulk('x'.repeat(n))), bulkText('x'.repeat(n)));
  // Headers that are not safe integers (no caller means to write them) come out as JS prints them.
  for (const n of [Infinity, NaN, 1.5, 2 ** 60]) assert.equal(render(2, (r) => r.array(n)), '*' + n + '\r\n');
});

test('doubles that are integers print as formatDouble does (its -0 included)', () => {
  const values = [0, -0, 1, -1, 7, -12, 100, 1e15, -1e15, 2 ** 52, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e17, 1e20, 0.5, -2.25, 1 / 3];
  for (let i = 0; i < 1000; i++) values.push(Math.round((Math.random() - 0.5) * 2 ** (i % 60)));
  for (const d of values) {
    const s = formatDouble(d);
    assert.equal(render(2, (r) => r.double(d)), bulkText(s), `RESP2 ${d}`);
    assert.equal(render(3, (r) => r.double(d)), ',' + s + '\r\n', `RESP3 ${d}`);
  }
});

test('replies written at every offset near a chunk boundary stay whole', () => {
  for (let fill = 65536 - 40; fill <= 65536; fill++) {
    const r = new Reply();
    r.raw('x'.repeat(fill));
    r.bulk('abcdefghij'.repeat(4));
    r.int(-1234567890123);
    r.double(-42);
    r.ok();
    r.array(100);
    assert.equal(drain(r), 'x'.repeat(fill) + bulkText('abcdefghij'.repeat(4)) + ':-1234567890123\r\n$3\r\n-42\r\n+OK\r\n*100\r\n', `fill ${fill}`);
  }
});

test('bulks writes a run of bulk strings as bulk() does, across chunks', () => {
  const items: string[] = [];
  for (let i = 0; i < 3000; i++) items.push(String.fromCharCode(0xff - (i & 0x7f)).repeat(i % 70));
  const one = new Reply();
  for (const s of items) one.bulk(s);
  const want = drain(one);
  const r = new Reply();
  r.bulks(items);
  assert.equal(drain(r), want);
  r.raw('y'.repeat(65500));
  r.bulks(items, 5, 9);
  r.bulks(items, 7, 7);
  assert.equal(drain(r), 'y'.repeat(65500) + items.slice(5, 9).map(bulkText).join(''));
});
