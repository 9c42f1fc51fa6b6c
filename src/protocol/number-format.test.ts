import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDouble, isIntegerEncodable, parseBigInteger, parseDouble, parseInteger } from './number-format.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

test('parseInteger accepts canonical int64 text only (string2ll)', () => {
  for (const [s, v] of [
    ['0', 0],
    ['1', 1],
    ['-1', -1],
    ['9007199254740991', 9007199254740991],
    ['-9223372036854775808', -9223372036854775808],
    ['9223372036854775807', 9223372036854775807],
  ] as const) {
    assert.equal(parseInteger(s), v, s);
  }
  for (const s of ['', '-', '+1', ' 1', '1 ', '01', '-0', '00', '1.0', '1e3', '9223372036854775808', '-9223372036854775809', '123456789012345678901', '1\0', '\x001', 'abc', '0x10']) {
    assert.equal(parseInteger(s), null, JSON.stringify(s));
  }
});

test('parseBigInteger is exact over the whole int64 range', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (b) => {
      assert.equal(parseBigInteger(String(b)), b);
      assert.equal(parseInteger(String(b)), Number(b));
    }),
  );
  fc.assert(
    fc.property(fc.bigInt({ min: INT64_MAX + 1n, max: 2n ** 80n }), (b) => {
      assert.equal(parseBigInteger(String(b)), null);
      assert.equal(parseBigInteger(String(-b - 1n)), null);
    }),
  );
});

test('parseInteger refuses leading zeros and signs on any number', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: INT64_MAX }), (b) => {
      assert.equal(parseInteger('0' + String(b)), null);
      assert.equal(parseInteger('+' + String(b)), null);
      assert.equal(parseInteger(' ' + String(b)), null);
    }),
  );
});

test('isIntegerEncodable follows tryObjectEncoding', () => {
  assert.equal(isIntegerEncodable('123'), true);
  assert.equal(isIntegerEncodable('-9223372036854775808'), true);
  assert.equal(isIntegerEncodable('12345678901234567890'), false);
  assert.equal(isIntegerEncodable('01'), false);
  assert.equal(isIntegerEncodable(''), false);
});

test('parseDouble follows string2d', () => {
  for (const [s, v] of [
    ['1', 1],
    ['-1.5', -1.5],
    ['.5', 0.5],
    ['1.', 1],
    ['+2', 2],
    ['1e3', 1000],
    ['1E-2', 0.01],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['+INF', Infinity],
    ['0x10', 16],
    ['0x1.8p1', 3],
    ['-0x.8', -0.5],
    ['4.9e-324', 5e-324],
    ['0e999999', 0],
    ['1.7976931348623157e308', 1.7976931348623157e308],
  ] as const) {
    assert.equal(parseDouble(s), v, s);
  }
  for (const s of ['', ' 1', '1 ', '\t1', 'nan', 'NaN', '-nan', '1e400', '-1e400', '1e-400', '0x1p-1080', '1\x00', '.', 'e3', '1e', '1e+', '0x', '0x1p', 'abc', '1,5', '--1']) {
    assert.equal(parseDouble(s), null, JSON.stringify(s));
  }
});

test('formatDouble prints as %.17g, ties to even like glibc', () => {
  for (const [d, s] of [
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-2.5, '-2.5'],
    [0.1, '0.10000000000000001'],
    [1 / 3, '0.33333333333333331'],
    [1e16, '10000000000000000'],
    [1e17, '1e+17'],
    [1e20, '1e+20'],
    [1e-5, '1.0000000000000001e-05'],
    [5e-324, '4.9406564584124654e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [2 ** -18, '3.814697265625e-06'],
    // Exact 18-digit values ending in 5: glibc rounds to even, toExponential would round up.
    [100001 / 2 ** 18, '0.38147354125976562'],
    [100003 / 2 ** 18, '0.38148117065429688'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ] as const) {
    assert.equal(formatDouble(d), s, String(d));
  }
});

test('formatDouble round-trips every finite double', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      const s = formatDouble(d);
      assert.ok(Object.is(Number(s), d), `${d} -> ${s}`);
    }),
  );
});
