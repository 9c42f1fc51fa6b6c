import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ZSetValue, ZADD_IN_INCR, zsetLimits } from './zset-value.js';
import { Config } from '../../server/config.js';
import type { ScoreRange } from './skiplist.js';
import { parseScore } from './args.js';
import { parseDouble } from '../../protocol/number-format.js';

const LIMITS = { maxEntries: 128, maxValue: 64 };

/** The model: a plain sorted array in (score, member) order. */
function modelOrder(m: Map<string, number>): [string, number][] {
  return [...m].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

type Op = { t: 'add'; m: string; s: number } | { t: 'incr'; m: string; s: number } | { t: 'rem'; m: string } | { t: 'remScore'; r: ScoreRange } | { t: 'remRank'; a: number; b: number };

const member = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', '', '\x00', '\xff', 'aa', 'ab');
const score = fc.constantFrom(0, 1, 1, 2, -1, 0.5, Infinity, -Infinity);
const range = fc.record({ min: score, max: score, minex: fc.boolean(), maxex: fc.boolean() });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('add' as const), m: member, s: score }),
  fc.record({ t: fc.constant('incr' as const), m: member, s: score }),
  fc.record({ t: fc.constant('rem' as const), m: member }),
  fc.record({ t: fc.constant('remScore' as const), r: range }),
  fc.record({ t: fc.constant('remRank' as const), a: fc.nat(12), b: fc.nat(12) }),
);

function inRange(s: number, r: ScoreRange): boolean {
  return (r.minex ? s > r.min : s >= r.min) && (r.maxex ? s < r.max : s <= r.max);
}

test('ZSetValue agrees with a sorted-array model: order, ranks, rank lookup, counts', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), fc.array(range, { minLength: 1, maxLength: 4 }), (ops, queries) => {
      const z = new ZSetValue();
      const model = new Map<string, number>();
      for (const o of ops) {
        if (o.t === 'add') {
          z.add(o.s, o.m, 0, LIMITS);
          model.set(o.m, o.s);
        } else if (o.t === 'incr') {
          const r = z.add(o.s, o.m, ZADD_IN_INCR, LIMITS);
          const cur = model.get(o.m);
          const next = cur === undefined ? o.s : cur + o.s;
          if (Number.isNaN(next)) assert.ok(r.flags !== 0, 'NaN is refused');
          else model.set(o.m, next);
        } else if (o.t === 'rem') {
          assert.equal(z.remove(o.m), model.delete(o.m));
        } else if (o.t === 'remScore') {
          const n = z.deleteRangeByScore(o.r);
          let expect = 0;
          for (const [m, s] of [...model]) {
            if (inRange(s, o.r)) {
              model.delete(m);
              expect++;
            }
          }
          assert.equal(n, expect);
        } else {
          const order = modelOrder(model);
          const [a, b] = [Math.min(o.a, o.b), Math.min(Math.max(o.a, o.b), order.length - 1)];
          if (a <= b) {
            assert.equal(z.deleteRangeByRank(a, b), b - a + 1);
            for (const [m] of order.slice(a, b + 1)) model.delete(m);
          }
        }
      }
      const order = modelOrder(model);
      assert.deepEqual([...z.entries()], order);
      assert.equal(z.size, order.length);
      order.forEach(([m], i) => {
        assert.equal(z.rank(m, false), i);
        assert.equal(z.rank(m, true), order.length - 1 - i);
        assert.equal(z.at(i)!.member, m);
      });
      for (const q of queries) assert.equal(z.countInScoreRange(q), order.filter(([, s]) => inRange(s, q)).length);
      // Walking back from the tail gives the reverse order.
      const back: string[] = [];
      for (let n = z.last; n; n = n.backward) back.push(n.member);
      assert.deepEqual(back, order.map(([m]) => m).reverse());
    }),
    { numRuns: 300 },
  );
});

test('encoding: listpack until 129 members or a member over 64 bytes, never back', () => {
  const z = new ZSetValue();
  for (let i = 0; i < 128; i++) z.add(i, 'm' + i, 0, LIMITS);
  assert.equal(z.encoding(), 'listpack');
  z.add(1000, 'one-more', 0, LIMITS);
  assert.equal(z.encoding(), 'skiplist');
  z.remove('one-more');
  assert.equal(z.encoding(), 'skiplist');
  const y = new ZSetValue();
  y.add(1, 'x'.repeat(64), 0, LIMITS);
  assert.equal(y.encoding(), 'listpack');
  y.add(1, 'x'.repeat(65), 0, LIMITS);
  assert.equal(y.encoding(), 'skiplist');
});

test('clone is deep and keeps the encoding', () => {
  const z = new ZSetValue();
  z.add(1, 'a', 0, LIMITS);
  z.add(2, 'b', 0, LIMITS);
  const c = z.clone();
  c.add(3, 'c', 0, LIMITS);
  c.remove('a');
  assert.deepEqual([...z.entries()], [['a', 1], ['b', 2]]);
  assert.deepEqual([...c.entries()], [['b', 2], ['c', 3]]);
  assert.equal(c.encoding(), z.encoding());
});

test('parseScore agrees with parseDouble on integers, near-integers and everything else', () => {
  const cases = ['0', '-0', '00', '007', '-007', '1', '-1', '123456789012345', '-123456789012345', '1234567890123456', '9007199254740993', '-', '', '+1', '1.', '.5', '1e3', '12a', 'a', ' 1', '1 ', '0x10', 'inf', '-inf', 'nan', '1\x00', '\x80', '--1', '-+1'];
  for (let i = 0; i < 2000; i++) {
    const len = 1 + (i % 18);
    let s = i % 3 === 0 ? '-' : '';
    for (let k = 0; k < len; k++) s += String.fromCharCode(48 + ((i * 7 + k * 13) % 10));
    cases.push(s);
  }
  for (const s of cases) {
    const want = parseDouble(s);
    const got = parseScore(s);
    assert.ok(Object.is(got, want), `${JSON.stringify(s)}: ${got} vs ${want}`);
  }
});

test('zsetLimits follows CONFIG SET (its cached object is remade when the config moves)', () => {
  const config = new Config();
  const a = zsetLimits(config);
  assert.deepEqual(a, { maxEntries: 128, maxValue: 64 });
  assert.equal(zsetLimits(config), a);
  config.set('zset-max-listpack-entries', ['2'], false);
  assert.deepEqual(zsetLimits(config), { maxEntries: 2, maxValue: 64 });
  config.set('zset-max-listpack-value', ['5'], false);
  assert.deepEqual(zsetLimits(config), { maxEntries: 2, maxValue: 5 });
  // Another server's config in the same process has its own values.
  assert.deepEqual(zsetLimits(new Config()), { maxEntries: 128, maxValue: 64 });
  const z = ZSetValue.create(zsetLimits(config), 1);
  for (const m of ['a', 'b']) z.add(1, m, 0, zsetLimits(config));
  assert.equal(z.encoding(), 'listpack');
  z.add(1, 'c', 0, zsetLimits(config));
  assert.equal(z.encoding(), 'skiplist');
});
