import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LONG_DOUBLE_ZERO, addLongDouble, formatLongDoubleHuman, longDoubleFromBigInt, parseLongDouble, type LongDouble } from './long-double.js';

function parse(s: string): LongDouble {
  const v = parseLongDouble(s);
  assert.ok(v !== null, `should parse ${JSON.stringify(s)}`);
  return v;
}

/** INCRBYFLOAT from a missing key, step by step, re-parsing the stored text as Redis does. */
function incrbyfloat(...steps: string[]): string {
  let stored: string | null = null;
  for (const s of steps) {
    const sum = addLongDouble(stored === null ? LONG_DOUBLE_ZERO : parse(stored), parse(s));
    assert.ok(sum !== null && !sum.inf);
    stored = formatLongDoubleHuman(sum);
  }
  return stored ?? '';
}

/** The exact value of a long double as a fraction n / 2^k (k >= 0). */
function exact(v: LongDouble): [bigint, number] {
  const m = v.neg ? -v.mant : v.mant;
  return v.exp >= 0 ? [m << BigInt(v.exp), 0] : [m, -v.exp];
}

test('replies recorded from redis-server 7.0.15 on x86-64', () => {
  assert.equal(incrbyfloat('0.1', '0.2'), '0.3');
  assert.equal(incrbyfloat('0.1'), '0.1');
  assert.equal(incrbyfloat('10.5', '-10.5'), '0');
  assert.equal(incrbyfloat('3.0'), '3');
  assert.equal(incrbyfloat('5.0e3', '2.0e-3'), '5000.00199999999999978');
  assert.equal(incrbyfloat('0.000003814697265625'), '0.00000381469726562');
  assert.equal(incrbyfloat('1e30'), '1000000000000000000024696061952');
  assert.equal(
    incrbyfloat('1e308'),
    '99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048',
  );
  assert.equal(incrbyfloat('1e-4940'), '0');
  assert.equal(incrbyfloat('-1e-18'), '0');
  assert.equal(incrbyfloat('0x1.8p1'), '3');
});

test('strtold syntax and string2ld refusals', () => {
  for (const s of ['', ' 1', '1 ', '\t1', '1\x00', '\x00', '.', 'e5', '1e', '1e+', '0x', '0xg', '0x1p', 'nan', '-nan', 'NaN(1)', 'infx', '+', '-', '1,5', '1e5000', '-1e5000', '1e-5000', '1e-4952', '0x1p16384', '0x1p-16446', 'x'.repeat(10)]) {
    assert.equal(parseLongDouble(s), null, JSON.stringify(s));
  }
  assert.equal(parseLongDouble('1'.repeat(5120)), null);
  assert.ok(parseLongDouble('1'.repeat(4000)) !== null);
  for (const s of ['1.', '.5', '+.5', '-0', '1E2', '1e-0005', '0x10', '0X1P-3', 'inf', '-Infinity', '0e99999999999', '1e-4940', '3.6e-4951', '0x1p-16445', '0x1p16383']) {
    assert.ok(parseLongDouble(s) !== null, JSON.stringify(s));
  }
  assert.equal(parse('inf').inf, true);
});

test('denormals round to nearest at the bottom of the range', () => {
  const min = parse('0x1p-16445');
  assert.equal(min.mant, 1n);
  assert.equal(min.exp, -16445);
  // Half the smallest denormal is a tie, rounded to even (zero): ERANGE, refused.
  assert.equal(parseLongDouble('0x1p-16446'), null);
  assert.deepEqual(parse('0x1.8p-16446'), min);
});

test('inf - inf is NaN, inf + x is inf', () => {
  assert.equal(addLongDouble(parse('inf'), parse('-inf')), null);
  assert.equal(addLongDouble(parse('inf'), parse('1'))?.inf, true);
  const max = parse('0x1.fffffffffffffffep16383');
  assert.equal(addLongDouble(max, max)?.inf, true);
});

test('every double converts exactly (hex input)', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, d);
      const bits = view.getBigUint64(0);
      const neg = bits >> 63n === 1n;
      const biased = Number((bits >> 52n) & 0x7ffn);
      const frac = bits & ((1n << 52n) - 1n);
      const hex = (neg ? '-' : '') + (biased === 0 ? '0x0.' : '0x1.') + frac.toString(16).padStart(13, '0') + 'p' + (biased === 0 ? -1022 : biased - 1023);
      const v = parse(hex);
      const [n, k] = exact(v);
      const m = biased === 0 ? frac : frac | (1n << 52n);
      const e = biased === 0 ? -1074 : biased - 1075;
      const want = neg ? -m : m;
      // n / 2^k === want * 2^e
      if (e >= 0) assert.equal(n, (want << BigInt(e)) << BigInt(k));
      else assert.equal(n << BigInt(-e), want << BigInt(k));
    }),
  );
});

test('integers up to 64 bits are exact and print as themselves', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }), (b) => {
      assert.equal(formatLongDoubleHuman(longDoubleFromBigInt(b)), String(b));
      assert.equal(formatLongDoubleHuman(parse(String(b))), String(b));
    }),
  );
});

test('integer sums within 64 bits are exact', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), (a, b) => {
      const sum = addLongDouble(longDoubleFromBigInt(a), longDoubleFromBigInt(b));
      assert.ok(sum !== null);
      assert.equal(formatLongDoubleHuman(sum), String(a + b));
    }),
  );
});

test('decimals of up to 18 significant digits round-trip through %.17Lf', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 9 }), fc.bigInt({ min: 0n, max: 10n ** 17n - 1n }), fc.boolean(), (i, f, neg) => {
      const frac = String(f).padStart(17, '0').replace(/0+$/, '');
      const text = (neg ? '-' : '') + String(i) + (frac === '' ? '' : '.' + frac);
      const want = text === '-0' ? '0' : text;
      assert.equal(formatLongDoubleHuman(parse(text)), want);
    }),
  );
});

test('addition commutes and 0 is neutral', () => {
  const arb = fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.integer({ min: -60, max: 60 }), fc.boolean()).map(([d, e, n]) => `${n ? '-' : ''}${d}e${e}`);
  fc.assert(
    fc.property(arb, arb, (x, y) => {
      const a = parse(x);
      const b = parse(y);
      assert.deepEqual(addLongDouble(a, b), addLongDouble(b, a));
      assert.deepEqual(addLongDouble(a, LONG_DOUBLE_ZERO), a);
    }),
  );
});
