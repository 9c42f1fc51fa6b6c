import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dict } from './dict.js';

const OP = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: fc.string({ maxLength: 3 }), v: fc.integer() }),
  fc.record({ op: fc.constant('delete' as const), key: fc.string({ maxLength: 3 }) }),
  fc.record({ op: fc.constant('pop' as const) }),
);

test('Dict agrees with a Map under set, delete and popRandomKey, across grow and shrink', () => {
  fc.assert(
    fc.property(fc.array(OP, { maxLength: 300 }), (ops) => {
      const d = new Dict<number>();
      const model = new Map<string, number>();
      for (const o of ops) {
        if (o.op === 'set') {
          assert.equal(d.set(o.key, o.v), !model.has(o.key));
          model.set(o.key, o.v);
        } else if (o.op === 'delete') {
          assert.equal(d.delete(o.key), model.delete(o.key));
        } else if (model.size > 0) {
          const k = d.popRandomKey();
          assert.ok(model.delete(k), `popped ${JSON.stringify(k)}, not a key`);
        }
        assert.equal(d.size, model.size);
        if (model.size > 0) assert.ok(model.has(d.randomKey()));
      }
      assert.deepEqual(new Map(d.entries()), model);
      for (const [k, v] of model) assert.equal(d.get(k), v);
    }),
  );
});

test('popRandomKey empties a large dict, each key once, and the dict still works after', () => {
  const d = new Dict<null>();
  for (let i = 0; i < 5000; i++) d.set('k' + i, null);
  const seen = new Set<string>();
  while (d.size > 0) {
    const k = d.popRandomKey();
    assert.ok(!seen.has(k));
    assert.ok(!d.has(k));
    seen.add(k);
  }
  assert.equal(seen.size, 5000);
  assert.ok(d.set('again', null));
  assert.equal(d.randomKey(), 'again');
});
