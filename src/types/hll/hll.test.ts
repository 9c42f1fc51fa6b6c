import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HASH, hllPatLen, hllPatLenU64, murmurHash64A } from './murmur.js';
import { HLL_REGISTERS, type Hll, cachedCardinality, cardinalityBytes, denseRegisters, estimate, hllCount, hllCreate, hllFromString, hllMerge, hllSetRegister, hllToString, isHllString, sparseDecode, sparseToDense } from './hll.js';

const hex = (): string => HASH[0]!.toString(16).padStart(8, '0') + HASH[1]!.toString(16).padStart(8, '0');

test('MurmurHash64A gives the C implementation results (seed 0xadc83b19)', () => {
  // Vectors from Redis's C code compiled with gcc on x86-64.
  murmurHash64A('', 0xadc83b19);
  assert.equal(hex(), 'd8dfea6585bc9732');
  murmurHash64A('e1-xyzzy919', 0xadc83b19);
  assert.equal(hex(), 'ef9765d958480b2a');
  murmurHash64A('e2-xyzzy838', 0xadc83b19);
  assert.equal(hex(), '6fd9e4c2b4802999');
});

test('hllPatLenU64 hashes the 8 bytes of a uint64 as hllPatLen hashes them as a string', () => {
  for (const [hi, lo] of [[0, 0], [1, 2], [0xffffffff, 0xfffffffe], [0xdeadbeef, 0x12345678]] as const) {
    const s = String.fromCharCode(lo & 255, (lo >>> 8) & 255, (lo >>> 16) & 255, lo >>> 24, hi & 255, (hi >>> 8) & 255, (hi >>> 16) & 255, hi >>> 24);
    assert.equal(hllPatLenU64(hi, lo), hllPatLen(s));
  }
});

test('hllPatLen packs a register index and a run length of 1..51', () => {
  for (let i = 0; i < 2000; i++) {
    const p = hllPatLen('x' + i);
    assert.ok(p >> 6 < HLL_REGISTERS);
    assert.ok((p & 63) >= 1 && (p & 63) <= 51);
  }
});

test('a new HLL is the 18 bytes Redis creates', () => {
  assert.equal(hllToString(hllCreate()), 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff');
  assert.equal(sparseDecode(hllCreate()), 'Z:16384');
  assert.equal(estimate(new Int32Array(64).fill(0).map((_, i) => (i === 0 ? HLL_REGISTERS : 0))), 0);
});

test('register updates (sparse, then dense) keep the registers a plain array would hold, and count as the dense form does', () => {
  // Counts up to 32 keep it sparse; one above turns it dense on the way.
  for (const maxCount of [32, 40]) {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(HLL_REGISTERS - 1), fc.integer({ min: 1, max: maxCount })), { maxLength: 300 }), (sets) => {
        const model = new Array<number>(HLL_REGISTERS).fill(0);
        const h: Hll = hllCreate();
        for (const [index, count] of sets) {
          const changed = count > model[index]!;
          if (changed) model[index] = count;
          assert.equal(hllSetRegister(h, index, count, 1 << 20), changed ? 1 : 0);
        }
        const sparseCount = hllCount(h);
        assert.ok(isHllString(hllToString(h)));
        const dense = hllFromString(hllToString(h));
        assert.ok(sparseToDense(dense));
        assert.deepEqual(denseRegisters(dense), model);
        assert.equal(hllCount(dense), sparseCount);
        const max = new Uint8Array(HLL_REGISTERS);
        assert.ok(hllMerge(max, h));
        assert.deepEqual([...max], model);
      }),
      { numRuns: 50 },
    );
  }
});

test('cached cardinality bytes round-trip', () => {
  for (const n of [0, 1, 255, 256, 123456789, 2 ** 53 - 1]) {
    const s = 'HYLL\x01\x00\x00\x00' + cardinalityBytes(n) + '\x7f\xff';
    assert.equal(cachedCardinality(s), n);
  }
  assert.equal(cachedCardinality('HYLL\x01\x00\x00\x00' + cardinalityBytes(2n ** 62n + 1n)), 2n ** 62n + 1n);
});
