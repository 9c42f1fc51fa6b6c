import { compareIds, idKey, lowerBoundId, type StreamID } from './stream-id.js';

/**
 * A map from stream IDs to values kept in ID order: the consumer groups' PELs (Redis uses a rax
 * keyed by the big-endian ID). A Map answers lookups; a sorted array of IDs answers ranges by
 * binary search. New IDs nearly always arrive in increasing order (XREADGROUP ">"), which appends.
 */
export class IdMap<V> {
  private readonly byKey = new Map<string, V>();
  private ids: StreamID[] = [];

  get size(): number {
    return this.ids.length;
  }

  get(id: StreamID): V | undefined {
    return this.byKey.get(idKey(id));
  }

  has(id: StreamID): boolean {
    return this.byKey.has(idKey(id));
  }

  /** Index of the first ID >= id. */
  lowerBound(id: StreamID): number {
    return lowerBoundId(this.ids, id);
  }

  set(id: StreamID, v: V): void {
    const k = idKey(id);
    if (!this.byKey.has(k)) {
      const ids = this.ids;
      const last = ids[ids.length - 1];
      if (last === undefined || compareIds(last, id) < 0) ids.push(id);
      else ids.splice(this.lowerBound(id), 0, id);
    }
    this.byKey.set(k, v);
  }

  delete(id: StreamID): boolean {
    if (!this.byKey.delete(idKey(id))) return false;
    this.ids.splice(this.lowerBound(id), 1);
    return true;
  }

  idAt(i: number): StreamID | undefined {
    return this.ids[i];
  }

  valueAt(i: number): V {
    return this.byKey.get(idKey(this.ids[i]!))!;
  }

  first(): StreamID | undefined {
    return this.ids[0];
  }

  last(): StreamID | undefined {
    return this.ids[this.ids.length - 1];
  }

  /** IDs in order (a copy: callers may delete while walking). */
  keys(): StreamID[] {
    return this.ids.slice();
  }

  *entries(): IterableIterator<[StreamID, V]> {
    for (const id of this.ids) yield [id, this.byKey.get(idKey(id))!];
  }
}
