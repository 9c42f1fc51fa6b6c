import type { ObjectValue } from '../../keyspace/db.js';
import { Dict } from '../dict.js';
import { cachedByGeneration } from '../../server/config-cache.js';

/** The limits that decide a hash's encoding (hash-max-listpack-entries / -value). */
export interface HashLimits {
  readonly maxEntries: number;
  readonly maxValue: number;
}

/**
 * A Redis hash. Small hashes are "listpack" encoded in Redis: a flat list in insertion order,
 * updated in place. A Map keeps exactly that order, so HGETALL, HKEYS, HSCAN ... list fields as
 * Redis does. Past the limits the hash becomes a "hashtable" (a Dict, so HSCAN has a real
 * cursor) and, as in Redis 7.0, never goes back.
 */
export class HashValue implements ObjectValue {
  readonly type = 'hash';
  /** The listpack encoding, or null once converted. */
  private lp: Map<string, string> | null = new Map();
  private ht: Dict<string> | null = null;

  encoding(): string {
    return this.lp !== null ? 'listpack' : 'hashtable';
  }

  get isListpack(): boolean {
    return this.lp !== null;
  }

  get size(): number {
    return this.lp !== null ? this.lp.size : this.ht!.size;
  }

  get(field: string): string | undefined {
    return this.lp !== null ? this.lp.get(field) : this.ht!.get(field);
  }

  has(field: string): boolean {
    return this.lp !== null ? this.lp.has(field) : this.ht!.has(field);
  }

  /** Every field and value: listpack order, or the dict's bucket order. */
  entries(): IterableIterator<[string, string]> {
    return this.lp !== null ? this.lp.entries() : this.ht!.entries();
  }

  /**
   * hashTypeTryConversion: converts before a write when any of the strings it will store is
   * longer than hash-max-listpack-value.
   */
  convertIfLong(strings: readonly string[], from: number, limits: HashLimits): void {
    if (this.lp === null) return;
    for (let i = from; i < strings.length; i++) {
      if (strings[i]!.length > limits.maxValue) {
        this.toHashtable();
        return;
      }
    }
  }

  /**
   * hashTypeSet: sets a field, converting first if the field or value is too long for a
   * listpack, and after if the hash now has too many fields. True when the field was added.
   */
  set(field: string, value: string, limits: HashLimits): boolean {
    if (this.lp !== null && (field.length > limits.maxValue || value.length > limits.maxValue)) this.toHashtable();
    const lp = this.lp;
    if (lp !== null) {
      // Added when the map grew: one lookup instead of has() then set().
      const before = lp.size;
      lp.set(field, value);
      const size = lp.size;
      if (size > limits.maxEntries) this.toHashtable();
      return size > before;
    }
    return this.ht!.set(field, value);
  }

  /** Removes a field; true when it was there. A hashtable stays a hashtable. */
  delete(field: string): boolean {
    return this.lp !== null ? this.lp.delete(field) : this.ht!.delete(field);
  }

  /** A random field and value (the hash must not be empty). */
  random(): [string, string] {
    if (this.lp === null) return this.ht!.random()!;
    return this.at(Math.floor(Math.random() * this.lp.size));
  }

  /** The i-th pair of a listpack hash (listpacks are small: a walk is what Redis does too). */
  private at(i: number): [string, string] {
    let k = i;
    for (const e of this.lp!.entries()) if (k-- === 0) return e;
    throw new Error('HashValue.at: index out of range');
  }

  /**
   * One step of HSCAN over a hashtable hash (see Dict.scan); a listpack hash is visited whole
   * and the cursor is 0, as Redis does.
   */
  scan(cursor: number, visit: (field: string, value: string) => void): number {
    if (this.lp !== null) {
      for (const [f, v] of this.lp) visit(f, v);
      return 0;
    }
    return this.ht!.scan(cursor, visit);
  }

  clone(): HashValue {
    const h = new HashValue();
    if (this.lp !== null) {
      h.lp = new Map(this.lp);
    } else {
      h.lp = null;
      h.ht = this.ht!.clone();
    }
    return h;
  }

  /** hashTypeConvert(OBJ_ENCODING_HT). */
  toHashtable(): void {
    if (this.lp === null) return;
    const d = new Dict<string>();
    for (const [f, v] of this.lp) d.set(f, v);
    this.ht = d;
    this.lp = null;
  }
}

/** The listpack limits in force, remade only when the config changed (every HSET reads them). Callers never modify the object. */
export const hashLimits = cachedByGeneration<HashLimits>((config) => ({ maxEntries: config.int('hash-max-listpack-entries'), maxValue: config.int('hash-max-listpack-value') }));
