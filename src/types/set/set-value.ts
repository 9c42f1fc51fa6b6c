import type { ObjectValue } from '../../keyspace/db.js';
import { Dict } from '../dict.js';
import { parseInteger } from '../../protocol/number-format.js';

/**
 * Whether a member can live in an intset: Redis's isSdsRepresentableAsLongLong (string2ll), so
 * "-0", "007", "+1" and anything beyond int64 are strings, not integers.
 */
export function isIntsetMember(s: string): boolean {
  return parseInteger(s) !== null;
}

/**
 * Numeric order of two canonical int64 decimal strings, exact over the whole range (no double
 * rounding past 2^53): canonical strings have no leading zeros, so a longer magnitude is bigger
 * and equal lengths compare as text.
 */
export function compareIntStrings(a: string, b: string): number {
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  let r: number;
  if (a.length !== b.length) r = a.length < b.length ? -1 : 1;
  else r = a < b ? -1 : a > b ? 1 : 0;
  // 0 - r, not -r: equal negatives must compare as +0, not -0.
  return an ? 0 - r : r;
}

/** Index of `v` in a sorted intset, or -(insertion point) - 1 (intsetSearch). */
function searchInts(ints: readonly string[], v: string): number {
  let lo = 0;
  let hi = ints.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareIntStrings(ints[mid]!, v);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/**
 * A Redis set with 7.0's two encodings. "intset": every member an int64 in canonical form and
 * at most set-max-intset-entries of them, kept sorted ascending (the order SMEMBERS, SSCAN and
 * the set algebra show). "hashtable": a Dict, for good once converted, as in Redis. Members are
 * binary strings; intset members are kept as their canonical decimal text, which is exactly what
 * Redis prints for them.
 */
export class SetValue implements ObjectValue {
  readonly type = 'set' as const;
  /** Sorted canonical integers while intset-encoded, null once a hashtable. */
  private ints: string[] | null = [];
  private dict: Dict<null> | null = null;

  /** A new set the way setTypeCreate makes it: a hashtable from the start unless `first` is an integer. */
  static forMember(first: string): SetValue {
    const s = new SetValue();
    if (!isIntsetMember(first)) s.convertToHashtable();
    return s;
  }

  get size(): number {
    return this.ints !== null ? this.ints.length : this.dict!.size;
  }

  get isIntset(): boolean {
    return this.ints !== null;
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  has(member: string): boolean {
    if (this.ints === null) return this.dict!.has(member);
    return isIntsetMember(member) && searchInts(this.ints, member) >= 0;
  }

  /**
   * setTypeAdd: adds a member, converting an intset to a hashtable on a non-integer member or
   * when it grows past `maxIntsetEntries`. Returns true when the member was new.
   */
  add(member: string, maxIntsetEntries: number): boolean {
    const ints = this.ints;
    if (ints === null) return this.dict!.set(member, null);
    if (!isIntsetMember(member)) {
      this.convertToHashtable();
      this.dict!.set(member, null);
      return true;
    }
    const at = searchInts(ints, member);
    if (at >= 0) return false;
    ints.splice(-at - 1, 0, member);
    if (ints.length > maxIntsetEntries) this.convertToHashtable();
    return true;
  }

  /** setTypeRemove: returns true when the member was there. A hashtable stays a hashtable. */
  remove(member: string): boolean {
    const ints = this.ints;
    if (ints === null) return this.dict!.delete(member);
    if (!isIntsetMember(member)) return false;
    const at = searchInts(ints, member);
    if (at < 0) return false;
    ints.splice(at, 1);
    return true;
  }

  /** Every member in Redis's iteration order (ascending for an intset). Do not modify while iterating. */
  members(): IterableIterator<string> {
    return this.ints !== null ? this.ints.values() : this.dict!.keysIter();
  }

  /** A random member (setTypeRandomElement); the set must not be empty. */
  random(): string {
    if (this.ints !== null) return this.ints[(Math.random() * this.ints.length) | 0]!;
    return this.dict!.randomKey();
  }

  /** Removes a random member and returns it (the set must not be empty): random() then remove(), in one step. */
  pop(): string {
    const ints = this.ints;
    if (ints === null) return this.dict!.popRandomKey();
    const at = (Math.random() * ints.length) | 0;
    const m = ints[at]!;
    ints.splice(at, 1);
    return m;
  }

  /**
   * One SSCAN step. A hashtable is walked with Redis's reverse-binary cursor; an intset is
   * returned whole with cursor 0, whatever the cursor, as scanGenericCommand does.
   */
  scan(cursor: number, visit: (member: string) => void): number {
    if (this.ints !== null) {
      for (const m of this.ints) visit(m);
      return 0;
    }
    return this.dict!.scan(cursor, (k) => visit(k));
  }

  /** setTypeConvert to a hashtable (one-way, as in Redis). */
  convertToHashtable(): void {
    if (this.ints === null) return;
    const d = new Dict<null>();
    for (const m of this.ints) d.set(m, null);
    this.dict = d;
    this.ints = null;
  }

  clone(): SetValue {
    const s = new SetValue();
    if (this.ints !== null) {
      s.ints = this.ints.slice();
    } else {
      s.ints = null;
      s.dict = this.dict!.clone();
    }
    return s;
  }
}
