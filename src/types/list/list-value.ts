import type { ObjectValue } from '../../keyspace/db.js';

/** The smallest ring a list keeps; below this, shrinking saves nothing worth the copy. */
const MIN_CAPACITY = 8;

/**
 * A Redis list: a growable ring buffer of binary strings (one char per byte). Pushing and popping
 * at either end is O(1) amortised with no shifting, and indexing is O(1), so LINDEX, LSET and
 * LRANGE cost only what they return. Inserting or removing in the middle shifts the shorter side.
 *
 * Redis 7.0 keeps every list as a quicklist (7.2 added the listpack encoding for small lists), so
 * OBJECT ENCODING always answers "quicklist", whatever list-max-listpack-size says.
 *
 * Other modules (SORT, the RDB writer) read lists through `length`, `at`, `range` and iteration.
 */
export class ListValue implements ObjectValue {
  readonly type = 'list' as const;
  /** Capacity is a power of two, so a position wraps with `& mask`. */
  private items: (string | undefined)[];
  private mask: number;
  private head = 0;
  private len = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.items = new Array<string | undefined>(cap);
    this.mask = cap - 1;
  }

  /** A list holding `elements`, head first. */
  static from(elements: Iterable<string>): ListValue {
    const arr = [...elements];
    const l = new ListValue(arr.length);
    for (let i = 0; i < arr.length; i++) l.items[i] = arr[i];
    l.len = arr.length;
    return l;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): ListValue {
    return ListValue.from(this);
  }

  get length(): number {
    return this.len;
  }

  /** The element at 0 <= index < length (head is 0). */
  at(index: number): string {
    return this.items[(this.head + index) & this.mask]!;
  }

  /** Replaces the element at 0 <= index < length. */
  setAt(index: number, value: string): void {
    this.items[(this.head + index) & this.mask] = value;
  }

  pushHead(value: string): void {
    if (this.len === this.items.length) this.resize(this.items.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = value;
    this.len++;
  }

  pushTail(value: string): void {
    if (this.len === this.items.length) this.resize(this.items.length * 2);
    this.items[(this.head + this.len) & this.mask] = value;
    this.len++;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const p = (this.head + this.len - 1) & this.mask;
    const v = this.items[p];
    this.items[p] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Elements start..end inclusive (0 <= start <= end < length), head to tail. */
  range(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.at(i);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.at(i);
  }

  /** Index of the first element equal to `value` from the head, or -1. */
  indexOf(value: string): number {
    for (let i = 0; i < this.len; i++) if (this.at(i) === value) return i;
    return -1;
  }

  /** Inserts before position 0 <= index <= length, shifting whichever side is shorter. */
  insertAt(index: number, value: string): void {
    if (index === 0) return this.pushHead(value);
    if (index === this.len) return this.pushTail(value);
    if (this.len === this.items.length) this.resize(this.items.length * 2);
    if (index < this.len - index) {
      // Move the first `index` elements one step towards the head.
      this.head = (this.head - 1) & this.mask;
      for (let i = 0; i < index; i++) this.setAt(i, this.at(i + 1));
    } else {
      for (let i = this.len; i > index; i--) this.items[(this.head + i) & this.mask] = this.at(i - 1);
    }
    this.len++;
    this.setAt(index, value);
  }

  /** Drops `count` elements from the head (count <= length). */
  trimHead(count: number): void {
    for (let i = 0; i < count; i++) this.items[(this.head + i) & this.mask] = undefined;
    this.head = (this.head + count) & this.mask;
    this.len -= count;
    this.maybeShrink();
  }

  /** Drops `count` elements from the tail (count <= length). */
  trimTail(count: number): void {
    for (let i = this.len - count; i < this.len; i++) this.items[(this.head + i) & this.mask] = undefined;
    this.len -= count;
    this.maybeShrink();
  }

  /**
   * LREM: removes up to `limit` elements equal to `value` (0: all), scanning from the head, or
   * from the tail when `fromTail`. Survivors are compacted in one pass. Returns how many went.
   */
  removeMatching(value: string, limit: number, fromTail: boolean): number {
    const n = this.len;
    let removed = 0;
    if (!fromTail) {
      let w = 0;
      for (let r = 0; r < n; r++) {
        const v = this.at(r);
        if (v === value && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) this.setAt(w, v);
        w++;
      }
      if (removed) this.trimTail(removed);
    } else {
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const v = this.at(r);
        if (v === value && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) this.setAt(w, v);
        w--;
      }
      if (removed) this.trimHead(removed);
    }
    return removed;
  }

  private maybeShrink(): void {
    const cap = this.items.length;
    if (cap > MIN_CAPACITY && this.len < cap / 4) this.resize(cap / 2);
  }

  /** Copies into a fresh ring of `cap` slots with the head at 0. */
  private resize(cap: number): void {
    const next = new Array<string | undefined>(cap);
    for (let i = 0; i < this.len; i++) next[i] = this.at(i);
    this.items = next;
    this.mask = cap - 1;
    this.head = 0;
  }
}
