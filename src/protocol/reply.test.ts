import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reply } from './reply.js';
import { ReplyReader } from './reply-reader.js';

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
