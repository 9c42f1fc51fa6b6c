import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HashValue, type HashLimits } from './hash-value.js';

/** Binary field names and values from a small alphabet, so operations collide often. */
const FIELD = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\x00', '\xff'), maxLength: 3 });
const VALUE = fc.string({ unit: fc.constantFrom('x', 'y', '\r', '\n'), maxLength: 5 });

type Op = { op: 'set'; field: string; value: string } | { op: 'del'; field: string } | { op: 'get'; field: string };

const OP: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), field: FIELD, value: VALUE }),
  fc.record({ op: fc.constant('del' as const), field: FIELD }),
  fc.record({ op: fc.constant('get' as const), field: FIELD }),
);

/**
 * Random operation sequences against a Map model. While the hash is a listpack its entries come
 * out in the model's (insertion) order, as Redis's listpack does; once it converts (small limits
 * make that happen mid-sequence) the contents still match and the encoding never goes back.
 */
test('HashValue behaves as a map model, in insertion order while a listpack', () => {
  fc.assert(
    fc.property(fc.array(OP, { maxLength: 80 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 5 }), (ops, maxEntries, maxValue) => {
      const limits: HashLimits = { maxEntries, maxValue };
      const h = new HashValue();
      const model = new Map<string, string>();
      let converted = false;
      for (const o of ops) {
        if (o.op === 'set') {
          h.convertIfLong([o.field, o.value], 0, limits);
          const added = h.set(o.field, o.value, limits);
          assert.equal(added, !model.has(o.field));
          model.set(o.field, o.value);
        } else if (o.op === 'del') {
          assert.equal(h.delete(o.field), model.delete(o.field));
        } else {
          assert.equal(h.get(o.field), model.get(o.field));
          assert.equal(h.has(o.field), model.has(o.field));
        }
        assert.equal(h.size, model.size);
        if (converted) assert.equal(h.encoding(), 'hashtable', 'a hashtable never goes back to a listpack');
        converted = h.encoding() === 'hashtable';
        if (h.isListpack) {
          assert.ok(model.size <= maxEntries, 'a listpack holds at most hash-max-listpack-entries fields');
          assert.deepEqual([...h.entries()], [...model.entries()]);
        } else {
          assert.deepEqual([...h.entries()].sort(), [...model.entries()].sort());
        }
      }
      // A clone is equal and independent.
      const copy = h.clone();
      assert.deepEqual([...copy.entries()].sort(), [...model.entries()].sort());
      copy.set('new-field', 'v', limits);
      assert.equal(h.has('new-field'), model.has('new-field'));
    }),
  );
});

test('a full HSCAN of a hashtable visits every field once', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 300 }), (fields) => {
      const limits: HashLimits = { maxEntries: 0, maxValue: 64 };
      const h = new HashValue();
      for (const f of fields) h.set(f, 'v', limits);
      assert.equal(h.encoding(), 'hashtable');
      const seen: string[] = [];
      let cursor = 0;
      do cursor = h.scan(cursor, (f) => seen.push(f));
      while (cursor !== 0);
      assert.deepEqual(seen.sort(), [...fields].sort());
    }),
  );
});
