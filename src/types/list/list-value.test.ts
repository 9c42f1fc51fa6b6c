import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ListValue } from './list-value.js';

type Op =
  | { op: 'pushHead' | 'pushTail'; v: string }
  | { op: 'popHead' | 'popTail' }
  | { op: 'set' | 'insert'; i: number; v: string }
  | { op: 'trimHead' | 'trimTail'; n: number }
  | { op: 'remove'; v: string; limit: number; fromTail: boolean };

const value = fc.constantFrom('a', 'b', 'c', '', '\x00', '\xff');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('pushHead' as const, 'pushTail' as const), v: value }),
  fc.record({ op: fc.constantFrom('pushHead' as const, 'pushTail' as const), v: value }),
  fc.record({ op: fc.constantFrom('popHead' as const, 'popTail' as const) }),
  fc.record({ op: fc.constantFrom('set' as const, 'insert' as const), i: fc.nat(), v: value }),
  fc.record({ op: fc.constantFrom('trimHead' as const, 'trimTail' as const), n: fc.nat() }),
  fc.record({ op: fc.constant('remove' as const), v: value, limit: fc.nat(4), fromTail: fc.boolean() }),
);

/** Applies an operation to the ring and to a plain array model; returns what a pop returned. */
function apply(l: ListValue, m: string[], o: Op): void {
  switch (o.op) {
    case 'pushHead':
      l.pushHead(o.v);
      m.unshift(o.v);
      break;
    case 'pushTail':
      l.pushTail(o.v);
      m.push(o.v);
      break;
    case 'popHead':
      assert.equal(l.popHead(), m.shift());
      break;
    case 'popTail':
      assert.equal(l.popTail(), m.pop());
      break;
    case 'set':
      if (m.length === 0) return;
      l.setAt(o.i % m.length, o.v);
      m[o.i % m.length] = o.v;
      break;
    case 'insert': {
      const i = o.i % (m.length + 1);
      l.insertAt(i, o.v);
      m.splice(i, 0, o.v);
      break;
    }
    case 'trimHead': {
      const n = o.n % (m.length + 1);
      l.trimHead(n);
      m.splice(0, n);
      break;
    }
    case 'trimTail': {
      const n = o.n % (m.length + 1);
      l.trimTail(n);
      m.splice(m.length - n, n);
      break;
    }
    case 'remove': {
      const idx = m.map((x, i) => (x === o.v ? i : -1)).filter((i) => i >= 0);
      const order = o.fromTail ? idx.reverse() : idx;
      const gone = new Set(o.limit === 0 ? order : order.slice(0, o.limit));
      assert.equal(l.removeMatching(o.v, o.limit, o.fromTail), gone.size);
      const kept = m.filter((_, i) => !gone.has(i));
      m.length = 0;
      m.push(...kept);
      break;
    }
  }
}

test('ListValue behaves as an array under any sequence of operations (wrap-around, growth, shrinking)', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
      const l = new ListValue();
      const m: string[] = [];
      for (const o of ops) {
        apply(l, m, o);
        assert.equal(l.length, m.length);
      }
      assert.deepEqual([...l], m);
      if (m.length) {
        assert.deepEqual(l.range(0, m.length - 1), m);
        assert.equal(l.at(m.length - 1), m[m.length - 1]);
      }
      assert.deepEqual([...l.clone()], m);
    }),
    { numRuns: 300 },
  );
});

test('a clone is independent of its original', () => {
  const a = ListValue.from(['x', 'y']);
  const b = a.clone();
  b.pushTail('z');
  b.setAt(0, 'X');
  assert.deepEqual([...a], ['x', 'y']);
  assert.deepEqual([...b], ['X', 'y', 'z']);
  assert.equal(a.encoding(), 'quicklist');
  assert.equal(a.type, 'list');
});

test('a list that grew large and emptied again still works from both ends', () => {
  const l = new ListValue();
  for (let i = 0; i < 10000; i++) l.pushTail(String(i));
  for (let i = 0; i < 9990; i++) assert.equal(l.popHead(), String(i));
  l.pushHead('h');
  assert.deepEqual([...l], ['h', ...Array.from({ length: 10 }, (_, i) => String(9990 + i))]);
  assert.equal(l.indexOf('9995'), 6);
  assert.equal(l.indexOf('nope'), -1);
});
