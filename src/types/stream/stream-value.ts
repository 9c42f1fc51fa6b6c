import type { ObjectValue } from '../../keyspace/db.js';
import { IdMap } from './id-map.js';
import { LP_OVERHEAD, lpIntSize, lpStringSize } from './listpack-size.js';
import { compareIds, deltaI64, lowerBoundId, idEquals, incU64, MAX_ID, MIN_ID, type I64, type StreamID } from './stream-id.js';

/*
 * The stream type: Redis's rax of listpacks, as a sorted array of nodes.
 *
 * API for persistence (RDB save/load) — kept small and stable:
 *
 * Reading a stream completely (`s: StreamValue`):
 *   s.length                 live entries (XLEN)
 *   s.lastId                 last-id (StreamID {ms, seq}; each part a number, or a bigint >= 2^53)
 *   s.firstId                first live entry's ID (0-0 when empty), as Redis's first_id
 *   s.maxDeletedId           max-deleted-entry-id
 *   s.entriesAdded           entries-added (I64: number, or bigint beyond 2^53)
 *   s.forEachEntry((id, fv) => ...)   every live entry in ID order; fv = [field, value, field, value, ...]
 *   s.nodes                  the listpack-like nodes, in order, for a layout as Redis's:
 *                            node.master (master ID = rax key), node.masterFields, and per entry i
 *                            node.ids[i], node.fvs[i], node.isDeleted(i) (tombstones included)
 *   s.groups                 Map name -> ConsumerGroup (s.groupsInOrder() gives rax order):
 *     g.name, g.lastId, g.entriesRead (I64, -1 = unknown)
 *     g.pel: IdMap<PendingEntry>, walk with g.pel.entries(): [id, {id, deliveryTime, deliveryCount, consumer}]
 *     g.consumers: Map name -> Consumer (g.consumersInOrder() for rax order):
 *       consumer.name, consumer.seenTime, consumer.pel (the same PendingEntry objects, by ID)
 *
 * Building a stream (loading):
 *   const s = new StreamValue();
 *   s.loadNode(masterId, masterFields, entries)   once per listpack, in order; entries are
 *                                                 {id, fv, deleted}; or s.append(id, fv, limits)
 *                                                 per live entry when the layout does not matter
 *   s.lastId = ...; s.entriesAdded = ...; s.maxDeletedId = ...; (s.firstId is kept by both)
 *   const g = s.createGroup(name, lastId, entriesRead);
 *   const cons = g.createConsumer(name, seenTime);
 *   g.addPending(id, deliveryTime, deliveryCount, cons)   (after the consumers exist)
 */

/** stream-node-max-bytes / stream-node-max-entries (0: no limit). */
export interface NodeLimits {
  maxBytes: number;
  maxEntries: number;
}

/** STREAM_LISTPACK_MAX_SIZE: a listpack never grows past 1 GiB. */
export const LISTPACK_MAX_SIZE = 1 << 30;

/** One listpack: entries sharing a master ID (delta base) and master fields (SAMEFIELDS). */
export class StreamNode {
  readonly ids: StreamID[] = [];
  readonly fvs: (readonly string[])[] = [];
  private readonly flags: number[] = [];
  /** Live and tombstoned entries (the master entry's count and deleted fields). */
  live = 0;
  deleted = 0;
  /** Listpack bytes of everything but the count and deleted fields. */
  private bytes: number;

  constructor(
    readonly master: StreamID,
    readonly masterFields: readonly string[],
  ) {
    let b = LP_OVERHEAD + lpIntSize(masterFields.length) + lpIntSize(0);
    for (const f of masterFields) b += lpStringSize(f);
    this.bytes = b;
  }

  /** lpBytes of Redis's listpack for this node. */
  get lpBytes(): number {
    return this.bytes + lpIntSize(this.live) + lpIntSize(this.deleted);
  }

  /** The entry's listpack flags: 1 deleted, 2 same fields as the master entry. */
  flagsAt(i: number): number {
    return this.flags[i]!;
  }

  isDeleted(i: number): boolean {
    return (this.flags[i]! & 1) !== 0;
  }

  /** Appends an entry (deleted: a tombstone, when loading). */
  push(id: StreamID, fv: readonly string[], deleted = false): void {
    const mf = this.masterFields;
    let same = fv.length === mf.length * 2;
    for (let i = 0; same && i < mf.length; i++) if (fv[i * 2] !== mf[i]) same = false;
    let b = lpIntSize(same ? 2 : 0) + lpIntSize(deltaI64(id.ms, this.master.ms)) + lpIntSize(deltaI64(id.seq, this.master.seq));
    const n = fv.length / 2;
    if (!same) b += lpIntSize(n);
    for (let i = 0; i < fv.length; i++) if (!same || i % 2 === 1) b += lpStringSize(fv[i]!);
    b += lpIntSize(same ? n + 3 : 2 * n + 4);
    this.bytes += b;
    this.ids.push(id);
    this.fvs.push(fv);
    this.flags.push((same ? 2 : 0) | (deleted ? 1 : 0));
    if (deleted) this.deleted++;
    else this.live++;
  }

  /** Flags entry i deleted; false if it already was. */
  markDeleted(i: number): boolean {
    const f = this.flags[i]!;
    if (f & 1) return false;
    this.flags[i] = f | 1;
    this.live--;
    this.deleted++;
    return true;
  }

  /** Index of the first entry with ID >= id (tombstones included). */
  lowerBound(id: StreamID): number {
    return lowerBoundId(this.ids, id);
  }

  clone(): StreamNode {
    const n = new StreamNode(this.master, this.masterFields);
    n.ids.push(...this.ids);
    n.fvs.push(...this.fvs);
    n.flags.push(...this.flags);
    n.live = this.live;
    n.deleted = this.deleted;
    n.bytes = this.bytes;
    return n;
  }
}

/** A pending (delivered, unacknowledged) entry: Redis's streamNACK. */
export interface PendingEntry {
  readonly id: StreamID;
  /** Unix ms of the last delivery. */
  deliveryTime: I64;
  deliveryCount: I64;
  consumer: Consumer;
}

export class Consumer {
  readonly pel = new IdMap<PendingEntry>();
  constructor(
    readonly name: string,
    /** Unix ms of the consumer's last interaction (XINFO CONSUMERS idle). */
    public seenTime: number,
  ) {}
}

/** SCG_INVALID_ENTRIES_READ. */
export const ENTRIES_READ_INVALID = -1;

export class ConsumerGroup {
  readonly pel = new IdMap<PendingEntry>();
  readonly consumers = new Map<string, Consumer>();

  constructor(
    readonly name: string,
    public lastId: StreamID,
    public entriesRead: I64,
  ) {}

  createConsumer(name: string, seenTime: number): Consumer {
    const cons = new Consumer(name, seenTime);
    this.consumers.set(name, cons);
    return cons;
  }

  /** Consumers in rax order (byte order of the names). */
  consumersInOrder(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  addPending(id: StreamID, deliveryTime: I64, deliveryCount: I64, consumer: Consumer): PendingEntry {
    const nack: PendingEntry = { id, deliveryTime, deliveryCount, consumer };
    this.pel.set(id, nack);
    consumer.pel.set(id, nack);
    return nack;
  }
}

export type EntryFn = (id: StreamID, fv: readonly string[]) => boolean | void;

export class StreamValue implements ObjectValue {
  readonly type = 'stream' as const;
  nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamID = MIN_ID;
  firstId: StreamID = MIN_ID;
  maxDeletedId: StreamID = MIN_ID;
  entriesAdded: I64 = 0;
  readonly groups = new Map<string, ConsumerGroup>();

  encoding(): string {
    return 'stream';
  }

  /**
   * streamAppendItem's storage part; the caller has checked that id > lastId. A new node starts
   * when the tail's listpack would reach stream-node-max-bytes or holds stream-node-max-entries
   * entries (tombstones count), exactly where Redis 7.0 starts one.
   */
  append(id: StreamID, fv: readonly string[], limits: NodeLimits): void {
    let tail = this.nodes[this.nodes.length - 1];
    if (tail !== undefined) {
      let maxBytes = limits.maxBytes;
      if (maxBytes <= 0 || maxBytes > LISTPACK_MAX_SIZE) maxBytes = LISTPACK_MAX_SIZE;
      let total = 0;
      for (const s of fv) total += s.length;
      if (tail.lpBytes + total >= maxBytes) tail = undefined;
      else if (limits.maxEntries > 0 && tail.live + tail.deleted >= limits.maxEntries) tail = undefined;
    }
    if (tail === undefined) {
      const fields: string[] = [];
      for (let i = 0; i < fv.length; i += 2) fields.push(fv[i]!);
      tail = new StreamNode(id, fields);
      this.nodes.push(tail);
    }
    tail.push(id, fv);
    this.length++;
    this.entriesAdded = typeof this.entriesAdded === 'number' && this.entriesAdded < Number.MAX_SAFE_INTEGER ? this.entriesAdded + 1 : incU64(this.entriesAdded);
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Loads one listpack as it was saved (RDB): tombstones and the master entry kept. */
  loadNode(master: StreamID, masterFields: readonly string[], entries: readonly { id: StreamID; fv: readonly string[]; deleted: boolean }[]): void {
    const node = new StreamNode(master, masterFields);
    for (const e of entries) node.push(e.id, e.fv, e.deleted);
    // A node whose entries were all flagged by a trim is saved, and loaded, as Redis keeps it.
    this.nodes.push(node);
    this.length += node.live;
    this.firstId = this.edgeId(true, true);
  }

  /** Index of the node that may hold `id` (the last whose master ID <= id), or 0. */
  private nodeFor(id: StreamID): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(nodes[mid]!.master, id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? lo - 1 : 0;
  }

  /**
   * Live entries with start <= ID <= end, forward or (rev) backward, until `fn` returns false.
   * O(log n) to find the start, then O(1) an entry.
   */
  range(start: StreamID, end: StreamID, rev: boolean, fn: EntryFn): void {
    const nodes = this.nodes;
    if (nodes.length === 0 || compareIds(start, end) > 0) return;
    if (!rev) {
      for (let ni = this.nodeFor(start); ni < nodes.length; ni++) {
        const node = nodes[ni]!;
        for (let i = node.lowerBound(start); i < node.ids.length; i++) {
          const id = node.ids[i]!;
          if (compareIds(id, end) > 0) return;
          if (node.isDeleted(i)) continue;
          if (fn(id, node.fvs[i]!) === false) return;
        }
      }
    } else {
      for (let ni = this.nodeFor(end); ni >= 0; ni--) {
        const node = nodes[ni]!;
        let i = node.lowerBound(end);
        if (i < node.ids.length && compareIds(node.ids[i]!, end) === 0) i++;
        for (i--; i >= 0; i--) {
          const id = node.ids[i]!;
          if (compareIds(id, start) < 0) return;
          if (node.isDeleted(i)) continue;
          if (fn(id, node.fvs[i]!) === false) return;
        }
      }
    }
  }

  forEachEntry(fn: (id: StreamID, fv: readonly string[]) => void): void {
    for (const node of this.nodes) for (let i = 0; i < node.ids.length; i++) if (!node.isDeleted(i)) fn(node.ids[i]!, node.fvs[i]!);
  }

  /** The fields and values of a live entry, or undefined. */
  get(id: StreamID): readonly string[] | undefined {
    const node = this.nodes[this.nodeFor(id)];
    if (!node) return undefined;
    const i = node.lowerBound(id);
    if (i >= node.ids.length || !idEquals(node.ids[i]!, id) || node.isDeleted(i)) return undefined;
    return node.fvs[i];
  }

  /**
   * streamGetEdgeID: the first (or last) entry's ID, tombstones skipped or not; an empty stream
   * answers MAX_ID for the first and 0-0 for the last, as Redis.
   */
  edgeId(first: boolean, skipTombstones: boolean): StreamID {
    const nodes = this.nodes;
    if (first) {
      for (const node of nodes) for (let i = 0; i < node.ids.length; i++) if (!skipTombstones || !node.isDeleted(i)) return node.ids[i]!;
      return MAX_ID;
    }
    for (let ni = nodes.length - 1; ni >= 0; ni--) {
      const node = nodes[ni]!;
      for (let i = node.ids.length - 1; i >= 0; i--) if (!skipTombstones || !node.isDeleted(i)) return node.ids[i]!;
    }
    return MIN_ID;
  }

  /**
   * streamDeleteItem: flags the entry deleted; a node left without live entries goes. Returns
   * whether a live entry was deleted. XDEL keeps first-id and max-deleted-id itself.
   */
  deleteEntry(id: StreamID): boolean {
    const ni = this.nodeFor(id);
    const node = this.nodes[ni];
    if (!node) return false;
    const i = node.lowerBound(id);
    if (i >= node.ids.length || !idEquals(node.ids[i]!, id)) return false;
    if (!node.markDeleted(i)) return false;
    if (node.live === 0) this.nodes.splice(ni, 1);
    this.length--;
    return true;
  }

  /**
   * streamTrim (Redis 7.0): removes whole nodes from the head while allowed, then (unless
   * approximate) flags entries of the next node. `limit` 0 means no limit. Returns the count.
   */
  trim(strategy: 'maxlen' | 'minid', maxlen: number, minid: StreamID, approx: boolean, limit: number): number {
    let deleted = 0;
    let removeNodes = 0;
    const nodes = this.nodes;
    for (let ni = 0; ni < nodes.length; ni++) {
      if (strategy === 'maxlen' && this.length <= maxlen) break;
      const node = nodes[ni]!;
      const entries = node.live;
      if (limit && deleted + entries > limit) break;
      const removeNode = strategy === 'maxlen' ? this.length - entries >= maxlen : compareIds(node.ids[node.ids.length - 1]!, minid) < 0;
      if (removeNode) {
        removeNodes++;
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      for (let i = 0; i < node.ids.length; i++) {
        const stop = strategy === 'maxlen' ? this.length <= maxlen : compareIds(node.ids[i]!, minid) >= 0;
        if (stop) break;
        if (node.markDeleted(i)) {
          this.length--;
          deleted++;
        }
      }
      break;
    }
    if (removeNodes > 0) nodes.splice(0, removeNodes);
    // A node whose entries were all flagged stays, as in Redis (its master entry is kept).
    if (this.length === 0) this.firstId = MIN_ID;
    else if (deleted) this.firstId = this.edgeId(true, true);
    return deleted;
  }

  createGroup(name: string, lastId: StreamID, entriesRead: I64): ConsumerGroup {
    const g = new ConsumerGroup(name, lastId, entriesRead);
    this.groups.set(name, g);
    return g;
  }

  groupsInOrder(): ConsumerGroup[] {
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** XINFO's radix-tree-nodes: the nodes of Redis's rax holding the nodes' 128-bit keys. */
  raxNodeCount(): number {
    const keys = this.nodes.map((n) => encodeIdKey(n.master));
    if (keys.length === 0) return 1;
    return raxNodes(keys, 0, keys.length, 0);
  }

  clone(): StreamValue {
    const s = new StreamValue();
    s.nodes = this.nodes.map((n) => n.clone());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    for (const g of this.groups.values()) {
      const ng = s.createGroup(g.name, g.lastId, g.entriesRead);
      const map = new Map<Consumer, Consumer>();
      for (const c of g.consumers.values()) map.set(c, ng.createConsumer(c.name, c.seenTime));
      for (const [id, nack] of g.pel.entries()) ng.addPending(id, nack.deliveryTime, nack.deliveryCount, map.get(nack.consumer)!);
    }
    return s;
  }
}

function u64Bytes(v: number | bigint): string {
  let b = BigInt(v);
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = String.fromCharCode(Number(b & 255n)) + out;
    b >>= 8n;
  }
  return out;
}

/** streamEncodeID: the ID as a 16-byte big-endian key. */
export function encodeIdKey(id: StreamID): string {
  return u64Bytes(id.ms) + u64Bytes(id.seq);
}

/**
 * Nodes of a canonical rax holding sorted distinct 16-byte keys [lo, hi) that share their first
 * `d` bytes: a compressed node for a common run, a branching node where they differ, a leaf
 * node where a key ends.
 */
function raxNodes(keys: string[], lo: number, hi: number, d: number): number {
  if (d === 16) return 1;
  const a = keys[lo]!;
  const b = keys[hi - 1]!;
  let l = 0;
  while (d + l < 16 && a.charCodeAt(d + l) === b.charCodeAt(d + l)) l++;
  if (l > 0) return 1 + raxNodes(keys, lo, hi, d + l);
  let n = 1;
  let i = lo;
  while (i < hi) {
    const ch = keys[i]!.charCodeAt(d);
    let j = i + 1;
    while (j < hi && keys[j]!.charCodeAt(d) === ch) j++;
    n += raxNodes(keys, i, j, d + 1);
    i = j;
  }
  return n;
}
