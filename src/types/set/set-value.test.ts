import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SetValue, compareIntStrings, isIntsetMember } from './set-value.js';

const INT64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });

test('compareIntStrings orders canonical int64 text exactly as the integers', () => {
  fc.assert(
    fc.property(INT64, INT64, (a, b) => {
      const want = a < b ? -1 : a > b ? 1 : 0;
      assert.equal(compareIntStrings(String(a), String(b)), want);
    }),
  );
  // Neighbours past 2^53 that a double cannot tell apart.
  assert.equal(compareIntStrings('9007199254740993', '9007199254740992'), 1);
  assert.equal(compareIntStrings('-9007199254740993', '-9007199254740992'), -1);
});

test('isIntsetMember is string2ll: canonical int64 only', () => {
  for (const s of ['0', '-1', '9223372036854775807', '-9223372036854775808', '42']) assert.ok(isIntsetMember(s), s);
  for (const s of ['', '-0', '007', '+1', ' 1', '1 ', '1.0', '9223372036854775808', '-9223372036854775809', 'a', '-']) assert.ok(!isIntsetMember(s), s);
});

test('an intset stays sorted and exact, and converts on a string member or past the limit', () => {
  fc.assert(
    fc.property(fc.array(INT64, { maxLength: 60 }), (values) => {
      const s = new SetValue();
      const model = new Set<bigint>();
      for (const v of values) assert.equal(s.add(String(v), 512), !model.has(v) && model.add(v) !== undefined);
      assert.equal(s.encoding(), 'intset');
      assert.deepEqual(Array.from(s.members()), Array.from(model).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String));
      for (const v of values) assert.ok(s.has(String(v)));
    }),
  );
  const s = new SetValue();
  for (let i = 0; i < 4; i++) s.add(String(i), 4);
  assert.equal(s.encoding(), 'intset');
  s.add('4', 4);
  assert.equal(s.encoding(), 'hashtable');
  s.remove('4');
  assert.equal(s.encoding(), 'hashtable', 'never back to an intset');
  const t = SetValue.forMember('x');
  assert.equal(t.encoding(), 'hashtable');
  const u = new SetValue();
  u.add('1', 512);
  u.add('-0', 512);
  assert.equal(u.encoding(), 'hashtable');
  assert.ok(u.has('1') && u.has('-0') && !u.has('0'));
});

test('add/remove/has agree with a model set in both encodings', () => {
  const member = fc.oneof(fc.integer({ min: -20, max: 20 }).map(String), fc.constantFrom('a', '-0', '01', '', '\x00', '\xff'));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), member), { maxLength: 200 }), fc.integer({ min: 0, max: 16 }), (ops, max) => {
      const s = new SetValue();
      const model = new Set<string>();
      for (const [add, m] of ops) {
        if (add) assert.equal(s.add(m, max), !model.has(m));
        else assert.equal(s.remove(m), model.has(m));
        if (add) model.add(m);
        else model.delete(m);
        assert.equal(s.size, model.size);
      }
      assert.deepEqual(new Set(s.members()), model);
      if (s.isIntset) assert.ok(s.size <= max);
      const copy = s.clone();
      copy.add('clone-only', max);
      assert.ok(!s.has('clone-only'));
      assert.equal(copy.encoding(), 'hashtable');
      if (s.size > 0) assert.ok(model.has(s.random()));
      // pop drains either encoding, a member at a time, keeping the encoding.
      const enc = s.encoding();
      while (s.size > 0) {
        const m = s.pop();
        assert.ok(model.delete(m), m);
        assert.ok(!s.has(m));
        assert.equal(s.size, model.size);
      }
      assert.equal(s.encoding(), enc);
    }),
  );
});

test('scan of a hashtable visits every member once across calls; an intset comes whole with cursor 0', () => {
  const s = SetValue.forMember('m0');
  for (let i = 0; i < 1000; i++) s.add('m' + i, 512);
  const seen: string[] = [];
  let cursor = 0;
  do cursor = s.scan(cursor, (m) => seen.push(m));
  while (cursor !== 0);
  assert.equal(seen.length, 1000);
  assert.equal(new Set(seen).size, 1000);
  const i = new SetValue();
  for (const v of ['3', '1', '2']) i.add(v, 512);
  const got: string[] = [];
  assert.equal(i.scan(12345, (m) => got.push(m)), 0);
  assert.deepEqual(got, ['1', '2', '3']);
});
