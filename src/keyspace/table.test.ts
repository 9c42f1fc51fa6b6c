import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeyTable } from './table.js';

/** Every key of a table, through the slot iterator. */
function allKeys(t: KeyTable<string>): string[] {
  const out: string[] = [];
  for (const s of t.slots()) out.push(t.keyAt(s));
  return out.sort();
}

/** A full SCAN from cursor 0, with `between` run after each step (it may change the table). */
function fullScan(t: KeyTable<string>, between: (step: number) => void = () => {}): string[] {
  const seen: string[] = [];
  let cursor = 0;
  let step = 0;
  do {
    cursor = t.scan(cursor, (s) => seen.push(t.keyAt(s)));
    between(step++);
  } while (cursor !== 0);
  return seen;
}

describe('KeyTable', () => {
  test('insert, find, remove, and slot reuse through the free list', () => {
    const t = new KeyTable<string>();
    const slots = new Map<string, number>();
    for (let i = 0; i < 1000; i++) slots.set('k' + i, t.insert('k' + i, 'v' + i, 0));
    assert.equal(t.size, 1000);
    for (let i = 0; i < 1000; i++) {
      const s = t.find('k' + i);
      assert.equal(s, slots.get('k' + i));
      assert.equal(t.valueAt(s), 'v' + i);
    }
    assert.equal(t.find('nope'), -1);
    const freed = t.find('k10');
    t.removeAt(freed);
    assert.equal(t.find('k10'), -1);
    assert.equal(t.size, 999);
    // The next insert reuses the slot just freed.
    assert.equal(t.insert('new', 'x', 0), freed);
    assert.equal(t.valueAt(t.find('new')), 'x');
  });

  test('grows and shrinks its buckets and keeps every key findable', () => {
    const t = new KeyTable<string>();
    for (let i = 0; i < 5000; i++) t.insert('key:' + i, String(i), 0);
    for (let i = 0; i < 5000; i += 1) if (i % 50 !== 0) t.removeAt(t.find('key:' + i));
    assert.equal(t.size, 100);
    for (let i = 0; i < 5000; i++) assert.equal(t.find('key:' + i) >= 0, i % 50 === 0, 'key:' + i);
    assert.deepEqual(allKeys(t), Array.from({ length: 100 }, (_, j) => 'key:' + j * 50).sort());
  });

  test('binary keys, the empty key and "__proto__" are ordinary keys', () => {
    const t = new KeyTable<string>();
    for (const k of ['', '\x00', '\xff\x00', '__proto__', 'constructor']) t.insert(k, k, 0);
    for (const k of ['', '\x00', '\xff\x00', '__proto__', 'constructor']) assert.equal(t.valueAt(t.find(k)), k);
    assert.equal(t.find('\x00\x00'), -1);
  });

  test('the dense list of keys with a TTL follows set, clear and remove', () => {
    const t = new KeyTable<string>();
    for (let i = 0; i < 100; i++) {
      const s = t.insert('k' + i, 'v', 0);
      if (i % 2 === 0) t.setExpireAt(s, 1000 + i);
    }
    assert.equal(t.expiresCount, 50);
    t.setExpireAt(t.find('k0'), 0);
    t.removeAt(t.find('k2'));
    t.removeAt(t.find('k3'));
    assert.equal(t.expiresCount, 48);
    // A full round of the walk visits every volatile key exactly once.
    const seen = new Set<string>();
    for (let i = 0; i < t.expiresCount; i++) seen.add(t.keyAt(t.nextVolatile()));
    assert.equal(seen.size, 48);
    for (const k of seen) assert.ok(Number(k.slice(1)) % 2 === 0 && k !== 'k0' && k !== 'k2');
  });

  test('removing the key the expiry walk just returned does not skip the one moved into its place', () => {
    const t = new KeyTable<string>();
    for (let i = 0; i < 10; i++) t.setExpireAt(t.insert('k' + i, 'v', 0), 1);
    const seen = new Set<string>();
    // Delete every key as the walk returns it, as the active expiry cycle does.
    while (t.expiresCount > 0) {
      const s = t.nextVolatile();
      seen.add(t.keyAt(s));
      t.removeAt(s);
    }
    assert.equal(seen.size, 10);
    assert.equal(t.size, 0);
  });

  test('expiry times beyond 2^53 are kept exactly', () => {
    const t = new KeyTable<string>();
    const s = t.insert('k', 'v', 0);
    t.setExpireAt(s, 9223372036854775807n);
    assert.equal(t.expireExact(s), 9223372036854775807n);
    assert.equal(t.expireAt(s), 9223372036854775807);
    t.setExpireAt(s, 5000);
    assert.equal(t.expireExact(s), 5000);
    t.setExpireAt(s, 9007199254740993n);
    t.removeAt(s);
    const s2 = t.insert('k2', 'v', 0);
    assert.equal(s2, s);
    assert.equal(t.expireExact(s2), 0, 'a reused slot does not inherit the old exact time');
  });

  test('across several pages: values, LRU words, flags and TTLs stay with their keys through removes and reuse', () => {
    // 3 pages of 4096 slots and a bit; the first page grows by doubling before the others come.
    const n = 3 * 4096 + 100;
    const t = new KeyTable<string>();
    for (let i = 0; i < n; i++) {
      const s = t.insert('k' + i, 'v' + i, (i * 7919) & 0xffffff);
      t.setFlags(s, i & 255);
      if (i % 5 === 0) t.setExpireAt(s, 1000 + i);
    }
    for (let i = 0; i < n; i += 3) t.removeAt(t.find('k' + i));
    for (let i = 0; i < n; i += 3) t.insert('r' + i, 'w' + i, 5);
    for (let i = 0; i < n; i++) {
      const s = t.find('k' + i);
      if (i % 3 === 0) {
        assert.equal(s, -1);
        const r = t.find('r' + i);
        assert.equal(t.valueAt(r), 'w' + i);
        assert.equal(t.lruAt(r), 5);
        assert.equal(t.flagsAt(r), 0);
        assert.equal(t.expireAt(r), 0);
        continue;
      }
      assert.equal(t.keyAt(s), 'k' + i);
      assert.equal(t.valueAt(s), 'v' + i);
      assert.equal(t.lruAt(s), (i * 7919) & 0xffffff);
      assert.equal(t.flagsAt(s), i & 255);
      assert.equal(t.expireAt(s), i % 5 === 0 ? 1000 + i : 0);
    }
    assert.equal(t.size, n);
  });

  test('the LRU word (24 bits) and the flags share a record without disturbing each other', () => {
    const t = new KeyTable<string>();
    const s = t.insert('k', 'v', 0xffffff);
    t.setFlags(s, 255);
    assert.equal(t.lruAt(s), 0xffffff);
    t.setLru(s, 0x123456);
    assert.equal(t.flagsAt(s), 255);
    assert.equal(t.lruAt(s), 0x123456);
    t.setFlags(s, 2);
    assert.equal(t.lruAt(s), 0x123456);
    assert.equal(t.flagsAt(s), 2);
    t.setLru(s, 0);
    assert.equal(t.flagsAt(s), 2);
    assert.equal(t.lruAt(s), 0);
  });

  test('findAgain answers like find whatever happened since the last lookup', () => {
    const t = new KeyTable<string>();
    for (let i = 0; i < 100; i++) t.insert('k' + i, 'v', 0);
    const s = t.find('k5');
    assert.equal(t.findAgain('k5'), s);
    assert.equal(t.findAgain('k6'), t.find('k6'));
    // The slot found last is freed, then reused by another key.
    t.find('k7');
    t.removeAt(t.find('k7'));
    assert.equal(t.findAgain('k7'), -1);
    const reused = t.insert('other', 'v', 0);
    assert.equal(t.findAgain('k7'), -1);
    assert.equal(t.findAgain('other'), reused);
    // A key missed, then added by insert (which takes the hash kept from the miss).
    assert.equal(t.find('late'), -1);
    const late = t.insert('late', 'v', 0);
    assert.equal(t.findAgain('late'), late);
    assert.equal(t.find('late'), late);
    // Missed, then inserted under another key before findAgain.
    assert.equal(t.find('x1'), -1);
    t.insert('x2', 'v', 0);
    assert.equal(t.findAgain('x1'), -1);
    assert.equal(t.findAgain('x2'), t.find('x2'));
  });

  test('randomSlot returns live slots only', () => {
    const t = new KeyTable<string>();
    assert.equal(t.randomSlot(), -1);
    for (let i = 0; i < 200; i++) t.insert('k' + i, 'v', 0);
    for (let i = 0; i < 150; i++) t.removeAt(t.find('k' + i));
    for (let i = 0; i < 500; i++) {
      const k = t.keyAt(t.randomSlot());
      assert.ok(Number(k.slice(1)) >= 150);
    }
  });
});

describe('KeyTable.scan', () => {
  test('a scan of a quiet table returns every key exactly once', () => {
    const t = new KeyTable<string>();
    for (let i = 0; i < 3000; i++) t.insert('k' + i, 'v', 0);
    const seen = fullScan(t);
    assert.equal(seen.length, 3000);
    assert.equal(new Set(seen).size, 3000);
  });

  test('keys present for the whole scan are returned while the table grows between calls', () => {
    const t = new KeyTable<string>();
    for (let i = 0; i < 100; i++) t.insert('stay' + i, 'v', 0);
    let n = 0;
    const seen = new Set(
      fullScan(t, () => {
        // Grow fast enough to rehash several times during the scan.
        // (bounded, or the scan would chase the growth forever).
        for (let j = 0; j < 50 && n < 20000; j++) t.insert('new' + n++, 'v', 0);
      }),
    );
    for (let i = 0; i < 100; i++) assert.ok(seen.has('stay' + i), 'stay' + i);
  });

  test('keys present for the whole scan are returned while the table shrinks between calls', () => {
    const t = new KeyTable<string>();
    for (let i = 0; i < 100; i++) t.insert('stay' + i, 'v', 0);
    for (let i = 0; i < 20000; i++) t.insert('gone' + i, 'v', 0);
    let n = 0;
    const seen = new Set(
      fullScan(t, () => {
        // Delete fast enough to shrink the bucket array several times.
        for (let j = 0; j < 2000 && n < 20000; j++) t.removeAt(t.find('gone' + n++));
      }),
    );
    for (let i = 0; i < 100; i++) assert.ok(seen.has('stay' + i), 'stay' + i);
  });

  test('property: under random inserts and deletes between steps, no stable key is missed', () => {
    const op = fc.record({ inserts: fc.nat(300), deletes: fc.nat(300) });
    fc.assert(
      fc.property(fc.nat(2000), fc.array(op, { maxLength: 200 }), (initial, ops) => {
        const t = new KeyTable<string>();
        const stable: string[] = [];
        for (let i = 0; i < initial; i++) {
          const k = 's' + i;
          t.insert(k, 'v', 0);
          if (i % 3 === 0) stable.push(k);
        }
        // Volatile keys: the initial ones not in `stable`, plus everything inserted later.
        const volatile: string[] = [];
        for (let i = 0; i < initial; i++) if (i % 3 !== 0) volatile.push('s' + i);
        let fresh = 0;
        const seen = new Set(
          fullScan(t, (step) => {
            // Changes stop after the listed steps, so the scan always ends.
            const o = ops[step];
            if (!o) return;
            for (let j = 0; j < o.inserts; j++) {
              const k = 'n' + fresh++;
              t.insert(k, 'v', 0);
              volatile.push(k);
            }
            for (let j = 0; j < o.deletes && volatile.length > 0; j++) {
              const k = volatile.pop()!;
              t.removeAt(t.find(k));
            }
          }),
        );
        for (const k of stable) assert.ok(seen.has(k), `missed ${k}`);
      }),
      { numRuns: 150 },
    );
  });
});
