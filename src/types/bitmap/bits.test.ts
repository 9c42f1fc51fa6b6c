import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BFOVERFLOW_FAIL, BFOVERFLOW_SAT, BFOVERFLOW_WRAP, BITOP_AND, BITOP_NOT, BITOP_OR, BITOP_XOR, bitfieldSum, bitop, bitposIn, getSignedBits, getUnsignedBits, popcount, replaceByte, setBits } from './bits.js';

const bytes = fc.uint8Array({ maxLength: 40 });
const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
/** The string's bits, most significant first, as the model. */
const bitsOf = (b: Uint8Array): number[] => [...b].flatMap((x) => [7, 6, 5, 4, 3, 2, 1, 0].map((i) => (x >> i) & 1));

test('popcount and bitposIn agree with a bit array', () => {
  fc.assert(
    fc.property(bytes, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 1 }), (b, s0, c0, bit) => {
      const start = b.length ? s0 % b.length : 0;
      const count = b.length ? c0 % (b.length - start + 1) : 0;
      const bits = bitsOf(b.subarray(start, start + count));
      assert.equal(popcount(str(b), start, count), bits.filter((x) => x === 1).length);
      const i = bits.indexOf(bit);
      assert.equal(bitposIn(str(b), start, count, bit), i >= 0 ? i : bit ? -1 : count * 8);
    }),
  );
});

test('bitfields read and write 1..64 bits at any offset like a bit array', () => {
  fc.assert(
    fc.property(bytes, fc.nat(300), fc.integer({ min: 1, max: 64 }), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), (b, offset, bits, v) => {
      const p = new Uint8Array(Math.max(b.length, Math.ceil((offset + bits) / 8)));
      p.set(b);
      const model = bitsOf(p);
      const u = BigInt.asUintN(bits, v);
      setBits(p, offset, bits, v);
      for (let j = 0; j < bits; j++) model[offset + j] = Number((u >> BigInt(bits - 1 - j)) & 1n);
      assert.deepEqual(bitsOf(p), model);
      assert.equal(getUnsignedBits(p, offset, bits), u);
      assert.equal(getSignedBits(p, offset, bits), BigInt.asIntN(bits, u));
    }),
  );
});

test('bitfield reads past the end of the bytes read zeros', () => {
  assert.equal(getUnsignedBits(new Uint8Array([0xff]), 4, 8), 0xf0n);
  assert.equal(getSignedBits(new Uint8Array([]), 100, 64), 0n);
});

test('bitfieldSum: in-range sums as they are, overflow wrapped, saturated or refused', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 64 }), fc.boolean(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (bits0, signed, a, incr) => {
      const bits = signed ? bits0 : Math.min(bits0, 63);
      const value = signed ? BigInt.asIntN(bits, a) : BigInt.asUintN(bits, a);
      const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
      const min = signed ? -max - 1n : 0n;
      const sum = value + incr;
      const fits = sum >= min && sum <= max;
      assert.equal(bitfieldSum(value, incr, bits, signed, BFOVERFLOW_FAIL), fits ? sum : null);
      assert.equal(bitfieldSum(value, incr, bits, signed, BFOVERFLOW_SAT), fits ? sum : sum > max ? max : min);
      assert.equal(bitfieldSum(value, incr, bits, signed, BFOVERFLOW_WRAP), signed ? BigInt.asIntN(bits, sum) : BigInt.asUintN(bits, sum));
    }),
  );
});

test("bitfieldSum keeps Redis's int64 wrap-around quirks for SET", () => {
  // i43 SET -2^63 with SAT: Redis's "max - value" overflows, and the value saturates to the maximum.
  assert.equal(bitfieldSum(-(2n ** 63n), 0n, 43, true, BFOVERFLOW_SAT), 2n ** 42n - 1n);
  // u8 SET -1 arrives as 2^64 - 1: an overflow, the maximum under SAT.
  assert.equal(bitfieldSum(2n ** 64n - 1n, 0n, 8, false, BFOVERFLOW_SAT), 255n);
  assert.equal(bitfieldSum(2n ** 64n - 1n, 0n, 8, false, BFOVERFLOW_WRAP), 255n);
});

test('bitop pads shorter sources with zeros', () => {
  fc.assert(
    fc.property(fc.array(bytes, { minLength: 1, maxLength: 4 }), fc.constantFrom(BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT), (srcs, op) => {
      const list = op === BITOP_NOT ? srcs.slice(0, 1) : srcs;
      const maxlen = Math.max(...list.map((s) => s.length));
      const want = new Uint8Array(maxlen);
      for (let j = 0; j < maxlen; j++) {
        let out = list[0]![j] ?? 0;
        if (op === BITOP_NOT) out = ~out & 255;
        for (const s of list.slice(1)) {
          const x = s[j] ?? 0;
          out = op === BITOP_AND ? out & x : op === BITOP_OR ? out | x : out ^ x;
        }
        want[j] = out;
      }
      assert.equal(bitop(op, list.map(str)), str(want));
    }),
  );
});

test('replaceByte on small and large strings', () => {
  assert.equal(replaceByte('abc', 1, 0x41), 'aAc');
  const big = 'x'.repeat(100000);
  const out = replaceByte(big, 99999, 0xff);
  assert.equal(out.length, 100000);
  assert.equal(out.charCodeAt(99999), 0xff);
  assert.equal(out.slice(0, 99999), big.slice(0, 99999));
  // The scratch buffer is reused: an earlier result is not disturbed.
  const again = replaceByte(big, 0, 0x41);
  assert.equal(out.charCodeAt(0), 0x78);
  assert.equal(again.charCodeAt(0), 0x41);
});
