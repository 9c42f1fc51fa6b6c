import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RespParser, ProtocolError, splitArgs } from './parser.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function encode(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

/** Feeds the chunks in order and collects every request; the error text if one is thrown. */
function parseChunks(chunks: readonly Buffer[], setup?: (p: RespParser) => void): { reqs: string[][]; error: string | null } {
  const p = new RespParser();
  setup?.(p);
  const reqs: string[][] = [];
  try {
    for (const c of chunks) {
      p.push(c);
      for (let r = p.next(); r !== null; r = p.next()) reqs.push(r);
    }
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return { reqs, error: e.message };
  }
  return { reqs, error: null };
}

function parseAll(s: string, setup?: (p: RespParser) => void): { reqs: string[][]; error: string | null } {
  return parseChunks([b(s)], setup);
}

/** Every way of cutting `s` in two, plus byte by byte, gives the same result as one chunk. */
function assertSplitInvariant(s: string, setup?: (p: RespParser) => void): void {
  const whole = parseAll(s, setup);
  const bytes = b(s);
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(parseChunks([bytes.subarray(0, i), bytes.subarray(i)], setup), whole, `split at ${i} of ${JSON.stringify(s.slice(0, 80))}`);
  }
  const single: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  assert.deepEqual(parseChunks(single, setup), whole, `byte by byte: ${JSON.stringify(s.slice(0, 80))}`);
}

const VALID_REQUESTS: [string, string[][]][] = [
  ['*1\r\n$4\r\nPING\r\n', [['PING']]],
  ['*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n', [['SET', 'k', '']]],
  ['*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\x00c\r\n', [['ECHO', 'a\r\nb\x00c']]],
  ['*2\r\n$4\r\nECHO\r\n$3\r\n\xff\x80\x01\r\n', [['ECHO', '\xff\x80\x01']]],
  ['PING\r\n', [['PING']]],
  ['PING\n', [['PING']]],
  ['SET k "a b"\r\nGET k\r\n', [['SET', 'k', 'a b'], ['GET', 'k']]],
  ['\r\n\n   \r\nPING\r\n', [['PING']]],
  ['*0\r\n*-1\r\n*-7\r\n*1\r\n$4\r\nPING\r\n', [['PING']]],
  // Redis skips the two bytes after a header's CR and after a bulk's data unchecked.
  ['*1\rX$4\rYPINGzz', [['PING']]],
  ['*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n', [['PING'], ['PING'], ['ECHO', 'hi']]],
];

test('valid requests parse the same at every split point and byte by byte', () => {
  for (const [req, want] of VALID_REQUESTS) {
    assert.deepEqual(parseAll(req), { reqs: want, error: null }, JSON.stringify(req));
    assertSplitInvariant(req);
  }
});

test('many frames in one chunk', () => {
  const argvs: string[][] = [];
  let s = '';
  for (let i = 0; i < 1000; i++) {
    const argv = i % 3 === 0 ? ['PING'] : ['SET', 'key:' + i, 'v'.repeat(i % 50)];
    argvs.push(argv);
    s += i % 5 === 0 ? argv.join(' ') + '\r\n' : encode(argv);
  }
  // Inline SET with an empty value loses its last argument; keep the comparison honest.
  const want = argvs.map((a, i) => (i % 5 === 0 ? a.filter((x) => x !== '') : a));
  assert.deepEqual(parseAll(s), { reqs: want, error: null });
});

const PROTOCOL_ERRORS: [string, string, string[][]?][] = [
  ['*x\r\n', 'Protocol error: invalid multibulk length'],
  ['*+1\r\n', 'Protocol error: invalid multibulk length'],
  ['*-0\r\n', 'Protocol error: invalid multibulk length'],
  ['*01\r\n', 'Protocol error: invalid multibulk length'],
  ['*\r\n', 'Protocol error: invalid multibulk length'],
  ['*1 \r\n', 'Protocol error: invalid multibulk length'],
  ['*3000000000\r\n', 'Protocol error: invalid multibulk length'],
  ['*2147483648\r\n', 'Protocol error: invalid multibulk length'],
  ['*99999999999999999999\r\n', 'Protocol error: invalid multibulk length'],
  ['*-9223372036854775809\r\n', 'Protocol error: invalid multibulk length'],
  ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\n$\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\n$-0\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\n$536870913\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\n$9223372036854775808\r\n', 'Protocol error: invalid bulk length'],
  ['*1\r\nPING\r\n', "Protocol error: expected '$', got 'P'"],
  ['*2\r\n$4\r\nECHO\r\n:5\r\n', "Protocol error: expected '$', got ':'"],
  ['*1\r\n\r\n', "Protocol error: expected '$', got ' '"],
  ['*1\r\n\n\r\n', "Protocol error: expected '$', got ' '"],
  ['ECHO "abc\r\n', 'Protocol error: unbalanced quotes in request'],
  ["ECHO 'abc\r\n", 'Protocol error: unbalanced quotes in request'],
  ['ECHO "a"b\r\n', 'Protocol error: unbalanced quotes in request'],
  ['PING\r\nECHO a\r\n*1\r\n$x\r\nPING\r\n', 'Protocol error: invalid bulk length', [['PING'], ['ECHO', 'a']]],
];

test('protocol errors: Redis 7.0 texts, requests before the error still come out', () => {
  for (const [req, msg, before] of PROTOCOL_ERRORS) {
    assert.deepEqual(parseAll(req), { reqs: before ?? [], error: msg }, JSON.stringify(req));
    assertSplitInvariant(req);
  }
});

test('a header is judged only once its line is complete', () => {
  // "*1\r\nfoo" waits for the rest of the line before complaining about the missing '$'.
  const p = new RespParser();
  p.push(b('*1\r\nfoo'));
  assert.equal(p.next(), null);
  p.push(b('\r'));
  assert.equal(p.next(), null);
  p.push(b('\n'));
  assert.throws(() => p.next(), { message: "Protocol error: expected '$', got 'f'" });
});

test('over-long lines without a line end: inline, multibulk count, bulk count', () => {
  const big = 'a'.repeat(64 * 1024);
  // Exactly 64 KiB is still waited for; one byte more is an error.
  assert.deepEqual(parseAll(big), { reqs: [], error: null });
  assert.deepEqual(parseAll(big + 'a'), { reqs: [], error: 'Protocol error: too big inline request' });
  assert.deepEqual(parseAll('*' + '1'.repeat(70000)), { reqs: [], error: 'Protocol error: too big mbulk count string' });
  assert.deepEqual(parseAll('*1\r\n$' + '1'.repeat(70000)), { reqs: [], error: 'Protocol error: too big bulk count string' });
  // A long line that does end is fine.
  assert.deepEqual(parseAll('ECHO ' + 'x'.repeat(60000) + '\r\n'), { reqs: [['ECHO', 'x'.repeat(60000)]], error: null });
  // The limit counts what is buffered, even when it arrives in small pieces.
  const chunks: Buffer[] = [];
  for (let i = 0; i < 70; i++) chunks.push(b('a'.repeat(1000)));
  assert.equal(parseChunks(chunks).error, 'Protocol error: too big inline request');
});

test('a NUL byte hides the line end (strchr), until the line is too long', () => {
  assert.deepEqual(parseAll('ECHO a\x00b\r\nPING\r\n'), { reqs: [], error: null });
  assert.deepEqual(parseAll('*1\x00\r\n$4\r\nPING\r\n'), { reqs: [], error: null });
  assert.deepEqual(parseAll('ECHO a\x00b\r\n' + 'a'.repeat(70000)), { reqs: [], error: 'Protocol error: too big inline request' });
  assert.deepEqual(parseAll('*1\x00\r\n' + 'a'.repeat(70000)), { reqs: [], error: 'Protocol error: too big mbulk count string' });
  // NUL inside a bulk string is just data.
  assert.deepEqual(parseAll('*2\r\n$4\r\nECHO\r\n$1\r\n\x00\r\n'), { reqs: [['ECHO', '\x00']], error: null });
});

test('bulk strings around the 32 KiB big-argument threshold, split anywhere', () => {
  for (const n of [32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 100000]) {
    const arg = Buffer.alloc(n);
    for (let i = 0; i < n; i++) arg[i] = (i * 31 + 7) & 0xff;
    const argStr = arg.latin1Slice(0, n);
    const req = b(encode(['SET', 'k', argStr]) + encode(['PING']));
    const want = { reqs: [['SET', 'k', argStr], ['PING']], error: null };
    for (const cut of [1, 10, 18, 19, 20, 500, n, n + 18, n + 19, n + 20, req.length - 15, req.length - 1]) {
      assert.deepEqual(parseChunks([req.subarray(0, cut), req.subarray(cut)]), want, `n=${n} cut=${cut}`);
    }
    const pieces: Buffer[] = [];
    for (let i = 0; i < req.length; i += 1000) pieces.push(req.subarray(i, i + 1000));
    assert.deepEqual(parseChunks(pieces), want);
  }
});

test('a several-MB bulk string arriving in socket-sized chunks', () => {
  const n = 5 * 1024 * 1024 + 3;
  const arg = Buffer.alloc(n, 0x61);
  arg[0] = 0;
  arg[n - 1] = 0xff;
  const req = Buffer.concat([b('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$' + n + '\r\n'), arg, b('\r\n*1\r\n$4\r\nPING\r\n')]);
  const chunks: Buffer[] = [];
  for (let i = 0; i < req.length; i += 65536) chunks.push(req.subarray(i, i + 65536));
  const { reqs, error } = parseChunks(chunks);
  assert.equal(error, null);
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0]![2]!.length, n);
  assert.equal(reqs[0]![2], arg.latin1Slice(0, n));
  assert.deepEqual(reqs[1], ['PING']);
});

test('pending counts buffered bytes, including a big argument being filled', () => {
  const p = new RespParser();
  p.push(b('*2\r\n$4\r\nECHO\r\n$100000\r\n' + 'x'.repeat(5000)));
  assert.equal(p.next(), null);
  assert.equal(p.pending, 5000);
  p.push(b('x'.repeat(95000) + '\r\n'));
  assert.deepEqual(p.next(), ['ECHO', 'x'.repeat(100000)]);
  assert.equal(p.next(), null);
  assert.equal(p.pending, 0);
});

test('proto-max-bulk-len', () => {
  const small = (p: RespParser) => {
    p.maxBulkLen = 1024 * 1024;
  };
  assert.deepEqual(parseAll('*1\r\n$1048577\r\n', small), { reqs: [], error: 'Protocol error: invalid bulk length' });
  const ok = parseAll('*2\r\n$4\r\nECHO\r\n$1048576\r\n' + 'a'.repeat(1048576) + '\r\n', small);
  assert.equal(ok.error, null);
  assert.equal(ok.reqs[0]![1]!.length, 1048576);
});

test('unauthenticated limits: multibulk > 10, bulk > 16384; inline is not limited', () => {
  const unauth = (p: RespParser) => {
    p.unauthenticated = true;
  };
  assert.deepEqual(parseAll('*11\r\n', unauth), { reqs: [], error: 'Protocol error: unauthenticated multibulk length' });
  assert.deepEqual(parseAll('*3000000000\r\n', unauth), { reqs: [], error: 'Protocol error: invalid multibulk length' });
  const ten = ['PING', ...Array.from({ length: 9 }, () => 'a')];
  assert.deepEqual(parseAll(encode(ten), unauth), { reqs: [ten], error: null });
  assert.deepEqual(parseAll('*2\r\n$4\r\nECHO\r\n$16385\r\n', unauth), { reqs: [], error: 'Protocol error: unauthenticated bulk length' });
  assert.deepEqual(parseAll('*2\r\n$4\r\nECHO\r\n$-1\r\n', unauth), { reqs: [], error: 'Protocol error: invalid bulk length' });
  const max = 'b'.repeat(16384);
  assert.deepEqual(parseAll(encode(['ECHO', max]), unauth), { reqs: [['ECHO', max]], error: null });
  const inline = 'ECHO ' + 'c'.repeat(20000) + ' ' + Array.from({ length: 12 }, () => 'x').join(' ') + '\r\n';
  assert.equal(parseAll(inline, unauth).reqs[0]!.length, 14);
  // Authenticating between two requests lifts the limits for the next one.
  const p = new RespParser();
  p.unauthenticated = true;
  p.push(b(encode(['AUTH', 'pw']) + encode(['ECHO', 'd'.repeat(20000)])));
  assert.deepEqual(p.next(), ['AUTH', 'pw']);
  p.unauthenticated = false;
  assert.deepEqual(p.next(), ['ECHO', 'd'.repeat(20000)]);
});

test('splitArgs: sdssplitargs quoting rules', () => {
  const cases: [string, string[] | null][] = [
    ['', []],
    ['   \t  ', []],
    ['a b  c', ['a', 'b', 'c']],
    ['"\\x41\\x4a\\x6B" x', ['AJk', 'x']],
    ['"\\n\\r\\t\\b\\a\\\\\\"\\q"', ['\n\r\t\b\x07\\"q']],
    ['"\\x4"', ['x4']],
    ['"\\xzz"', ['xzz']],
    ["'a\\'b\\n\"c'", ["a'b\\n\"c"]],
    ['a"b c"', ['ab c']],
    ["a'b c'", ['ab c']],
    ['"" \'\'', ['', '']],
    ['"a b"\t', ['a b']],
    ['a\x0bb', ['a\x0bb']],
    ['\x0bECHO \x0ba\x0b', ['ECHO', 'a\x0b']],
    ['\x0cx\x0c\x0cy', ['x\x0c\x0cy']],
    ['a\rb', ['a', 'b']],
    ['a\x00b c', ['a']],
    ['"\\x00"', ['\x00']],
    ['\xff\xfe', ['\xff\xfe']],
    ['"abc', null],
    ["'abc", null],
    ['"a"b', null],
    ["'a'b", null],
    ['"a\\"', null],
    ['"a"\x0b', ['a']],
    ['"a"\x0bb', ['a', 'b']],
  ];
  for (const [line, want] of cases) assert.deepEqual(splitArgs(line), want, JSON.stringify(line));
});

test('property: any argv, encoded and split at random points, comes back unchanged', () => {
  const arg = fc.oneof(
    fc.string({ maxLength: 20 }).map((s) => Buffer.from(s, 'utf8').latin1Slice(0, Buffer.byteLength(s, 'utf8'))),
    fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u).latin1Slice(0, u.length)),
    fc.integer({ min: 0, max: 70000 }).map((n) => 'z'.repeat(n)),
  );
  const argv = fc.array(arg, { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(fc.array(argv, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (reqs, cuts) => {
      const bytes = b(reqs.map(encode).join(''));
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
      const chunks: Buffer[] = [];
      let last = 0;
      for (const p of points) {
        chunks.push(bytes.subarray(last, p));
        last = p;
      }
      chunks.push(bytes.subarray(last));
      assert.deepEqual(parseChunks(chunks), { reqs, error: null });
    }),
    { numRuns: 300 },
  );
});

test('property: inline commands quoted as redis-cli would quote them parse back', () => {
  // The quoting redis-cli's repr uses: printable bytes as is, \" \\ and \xHH for the rest.
  const quote = (s: string): string => {
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 34 || c === 92) out += '\\' + s[i];
      else if (c >= 32 && c < 127) out += s[i];
      else out += '\\x' + c.toString(16).padStart(2, '0');
    }
    return out + '"';
  };
  const arg = fc.uint8Array({ maxLength: 30 }).map((u) => Buffer.from(u).latin1Slice(0, u.length));
  fc.assert(
    fc.property(fc.array(arg, { minLength: 1, maxLength: 6 }), fc.nat(), (argv, cut) => {
      const line = b(argv.map(quote).join(' ') + '\r\n');
      const at = cut % (line.length + 1);
      assert.deepEqual(parseChunks([line.subarray(0, at), line.subarray(at)]), { reqs: [argv], error: null });
    }),
    { numRuns: 300 },
  );
});

test('property: garbage never throws anything but ProtocolError, and split points do not matter', () => {
  const piece = fc.oneof(
    fc.constantFrom('*', '$', '\r\n', '\r', '\n', '"', "'", '\\', '\x00', '-', '0', '1', '3', '9', ' ', 'PING', 'x'),
    fc.uint8Array({ maxLength: 8 }).map((u) => Buffer.from(u).latin1Slice(0, u.length)),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.nat(), (pieces, cut) => {
      const s = pieces.join('');
      const bytes = b(s);
      const at = cut % (bytes.length + 1);
      assert.deepEqual(parseChunks([bytes.subarray(0, at), bytes.subarray(at)]), parseAll(s));
    }),
    { numRuns: 1000 },
  );
});

test('a huge announced bulk is not allocated up front (memory grows with the bytes sent)', () => {
  const before = process.memoryUsage().arrayBuffers;
  const parsers: RespParser[] = [];
  for (let i = 0; i < 20; i++) {
    const p = new RespParser();
    p.push(b('*2\r\n$4\r\nECHO\r\n$536870912\r\n' + 'x'.repeat(100)));
    assert.equal(p.next(), null);
    p.push(b('y'.repeat(50000)));
    assert.equal(p.next(), null);
    parsers.push(p);
  }
  // 20 x 512 MB would be 10 GB; a few MB at most is fine.
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  assert.equal(parsers[0]!.pending, 50100);
});

test('arguments of every short length keep every byte value (the String.fromCharCode path and the slice path)', () => {
  const argv: string[] = [];
  for (let n = 0; n <= 40; n++) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode((n * 37 + i * 101) & 255);
    argv.push(s);
  }
  const { reqs, error } = parseChunks([b(encode(argv))]);
  assert.equal(error, null);
  assert.deepEqual(reqs, [argv]);
});

test('a chunk overwritten after detach() does not change what the parser kept', () => {
  const p = new RespParser();
  const shared = Buffer.alloc(64);
  const frame = b(encode(['SET', 'key', 'value-0123456789']));
  frame.copy(shared, 0, 0, 20);
  p.push(shared.subarray(0, 20));
  assert.equal(p.next(), null);
  p.detach();
  shared.fill(0x41);
  frame.copy(shared, 0, 20);
  p.push(shared.subarray(0, frame.length - 20));
  assert.deepEqual(p.next(), ['SET', 'key', 'value-0123456789']);
});

test('property: an inline line parses as sdssplitargs splits it (fast path for plain words included)', () => {
  const alphabet = ['a', 'B', '7', ' ', ' ', '  ', '\t', '\x0b', '\x0c', '"', "'", '\\', '\xe9', '\xff', '\x01', 'x"', '"y z"', "'q'"];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }), fc.boolean(), (parts, crlf) => {
      const line = parts.join('');
      const expected = splitArgs(line);
      const got = parseAll(line + (crlf ? '\r\n' : '\n'));
      if (expected === null) assert.equal(got.error, 'Protocol error: unbalanced quotes in request');
      else {
        assert.equal(got.error, null);
        assert.deepEqual(got.reqs, expected.length === 0 ? [] : [expected]);
      }
    }),
    { numRuns: 2000 },
  );
});
