import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamValue, type NodeLimits } from './stream-value.js';
import { compareIds, formatId, MAX_ID, MIN_ID, norm, parseStreamId, U64_MAX, incrId, decrId, type StreamID } from './stream-id.js';

/** A plain sorted array of live entries: what the stream must hold. */
interface ModelEntry {
  id: StreamID;
  fv: string[];
}

type Op =
  | { op: 'add'; msStep: number; seqStep: number; fields: string[] }
  | { op: 'del'; pick: number; miss: boolean }
  | { op: 'maxlen'; n: number; approx: boolean; limit: number }
  | { op: 'minid'; pick: number; approx: boolean; limit: number }
  | { op: 'range'; a: number; b: number; rev: boolean; count: number };

const FIELD = fc.constantFrom('a', 'b', '1', '123456', 'xx\x00');
const OP: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), msStep: fc.integer({ min: 0, max: 3 }), seqStep: fc.integer({ min: 1, max: 3 }), fields: fc.array(FIELD, { minLength: 2, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), pick: fc.nat(), miss: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('maxlen' as const), n: fc.integer({ min: 0, max: 20 }), approx: fc.boolean(), limit: fc.integer({ min: 0, max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('minid' as const), pick: fc.nat(), approx: fc.boolean(), limit: fc.integer({ min: 0, max: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('range' as const), a: fc.nat(), b: fc.nat(), rev: fc.boolean(), count: fc.integer({ min: 0, max: 5 }) }) },
);

/** Starting IDs: small, around 2^53 (number/bigint boundary) and near 2^64. */
const BASE = fc.constantFrom<StreamID>({ ms: 1, seq: 0 }, { ms: norm(2n ** 53n - 2n), seq: norm(2n ** 53n - 3n) }, { ms: norm(U64_MAX - 40n), seq: 0 });

function advance(last: StreamID, msStep: number, seqStep: number): StreamID | null {
  if (msStep > 0) {
    const ms = BigInt(last.ms) + BigInt(msStep);
    return ms > U64_MAX ? null : { ms: norm(ms), seq: 0 };
  }
  const seq = BigInt(last.seq) + BigInt(seqStep);
  return seq > U64_MAX ? null : { ms: last.ms, seq: norm(seq) };
}

function contents(s: StreamValue): string[] {
  const out: string[] = [];
  s.forEachEntry((id, fv) => out.push(`${formatId(id)} ${fv.join(',')}`));
  return out;
}

function modelContents(m: ModelEntry[]): string[] {
  return m.map((e) => `${formatId(e.id)} ${e.fv.join(',')}`);
}

test('StreamValue behaves as a sorted array of entries (add, delete, trim, ranges)', () => {
  fc.assert(
    fc.property(fc.array(OP, { maxLength: 120 }), BASE, fc.integer({ min: 0, max: 5 }), fc.constantFrom(0, 40, 90, 4096), (ops, base, maxEntries, maxBytes) => {
      const limits: NodeLimits = { maxEntries, maxBytes };
      const s = new StreamValue();
      let model: ModelEntry[] = [];
      let last: StreamID = base;
      const all: StreamID[] = [];
      for (const o of ops) {
        if (o.op === 'add') {
          const id = advance(last, o.msStep, o.seqStep);
          if (id === null) continue;
          const fv = o.fields.length % 2 ? o.fields.slice(1) : o.fields;
          s.append(id, fv, limits);
          model.push({ id, fv });
          all.push(id);
          last = id;
        } else if (o.op === 'del') {
          if (all.length === 0) continue;
          const target = all[o.pick % all.length]!;
          const id = o.miss ? (incrId(target) ?? target) : target;
          const i = model.findIndex((e) => compareIds(e.id, id) === 0);
          assert.equal(s.deleteEntry(id), i >= 0);
          if (i >= 0) model.splice(i, 1);
        } else if (o.op === 'maxlen' || o.op === 'minid') {
          const minid = o.op === 'minid' && all.length ? all[o.pick % all.length]! : MIN_ID;
          const before = model.length;
          const n = s.trim(o.op, o.op === 'maxlen' ? o.n : 0, minid, o.approx, o.approx ? o.limit : 0);
          // Trimming removes a prefix of the live entries.
          const removed = model.slice(0, n);
          model = model.slice(n);
          assert.equal(s.length, before - n);
          if (o.op === 'maxlen') {
            if (!o.approx) assert.equal(model.length, Math.min(before, o.n));
            else assert.ok(model.length >= Math.min(before, o.n));
          } else {
            for (const e of removed) assert.ok(compareIds(e.id, minid) < 0);
            if (!o.approx) assert.ok(model.every((e) => compareIds(e.id, minid) >= 0));
          }
        } else {
          const ids = [MIN_ID, ...all, MAX_ID];
          let start = ids[o.a % ids.length]!;
          let end = ids[o.b % ids.length]!;
          if (compareIds(start, end) > 0) [start, end] = [end, start];
          const got: string[] = [];
          s.range(start, end, o.rev, (id, fv) => {
            got.push(`${formatId(id)} ${fv.join(',')}`);
            return o.count === 0 || got.length < o.count;
          });
          let want = model.filter((e) => compareIds(e.id, start) >= 0 && compareIds(e.id, end) <= 0);
          if (o.rev) want = want.reverse();
          if (o.count) want = want.slice(0, o.count);
          assert.deepEqual(got, modelContents(want));
        }
        assert.equal(s.length, model.length);
        assert.deepEqual(contents(s), modelContents(model));
        if (maxEntries > 0) for (const node of s.nodes) assert.ok(node.ids.length <= maxEntries);
        for (const node of s.nodes) assert.ok(node.live + node.deleted === node.ids.length);
        const first = model[0];
        assert.deepEqual(s.edgeId(true, true), first ? first.id : MAX_ID);
        const tail = model[model.length - 1];
        assert.deepEqual(s.edgeId(false, true), tail ? tail.id : MIN_ID);
        for (const e of model.slice(0, 3)) assert.deepEqual(s.get(e.id), e.fv);
      }
      const copy = s.clone();
      assert.deepEqual(contents(copy), contents(s));
      assert.equal(copy.raxNodeCount(), s.raxNodeCount());
    }),
    { numRuns: 300 },
  );
});

test('stream IDs: parsing as Redis (strtoull fallbacks), increments across the u64 range', () => {
  assert.deepEqual(parseStreamId('5', 0, true), { id: { ms: 5, seq: 0 }, seqGiven: true });
  assert.deepEqual(parseStreamId('5', U64_MAX, true)!.id, { ms: 5, seq: U64_MAX });
  assert.deepEqual(parseStreamId('00001-01', 0, true)!.id, { ms: 1, seq: 1 });
  assert.deepEqual(parseStreamId(' +3- 5', 0, true)!.id, { ms: 3, seq: 5 });
  assert.deepEqual(parseStreamId('7-*', 0, true, true), { id: { ms: 7, seq: 0 }, seqGiven: false });
  assert.equal(parseStreamId('7-*', 0, true), null);
  assert.equal(parseStreamId('-', 0, true), null);
  assert.deepEqual(parseStreamId('-', 0, false)!.id, MIN_ID);
  assert.deepEqual(parseStreamId('+', 0, false)!.id, MAX_ID);
  assert.equal(parseStreamId('-1', 0, true), null);
  assert.equal(parseStreamId('18446744073709551616', 0, true), null);
  assert.deepEqual(parseStreamId('18446744073709551615-18446744073709551615', 0, true)!.id, MAX_ID);
  assert.deepEqual(parseStreamId('9007199254740993', 0, true)!.id, { ms: 9007199254740993n, seq: 0 });
  assert.deepEqual(parseStreamId('1-2\x00junk', 0, true)!.id, { ms: 1, seq: 2 });
  assert.equal(parseStreamId('x'.repeat(128), 0, true), null);
  assert.equal(incrId(MAX_ID), null);
  assert.equal(decrId(MIN_ID), null);
  assert.deepEqual(incrId({ ms: 9007199254740991, seq: U64_MAX }), { ms: 9007199254740992n, seq: 0 });
  assert.deepEqual(decrId({ ms: 9007199254740992n, seq: 0 }), { ms: 9007199254740991, seq: U64_MAX });
  assert.equal(compareIds({ ms: 9007199254740992n, seq: 0 }, { ms: 9007199254740991, seq: 5 }), 1);
});
