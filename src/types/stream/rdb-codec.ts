import type { Value } from '../../keyspace/db.js';
import { ByteReader, type ByteWriter } from '../../persistence/rdb/bytes.js';
import { encodeListpack, decodeListpack } from '../../persistence/rdb/compact.js';
import { customLoaders, readLength, readString, readStringBytes } from '../../persistence/rdb/reader.js';
import { customTypes, writeBlob, writeLength, writeString, type WriteOptions } from '../../persistence/rdb/writer.js';
import * as F from '../../persistence/rdb/format.js';
import { Consumer, ENTRIES_READ_INVALID, StreamValue, type StreamNode } from './stream-value.js';
import { deltaI64, norm, type I64, type StreamID } from './stream-id.js';
import { estimateDistance } from './group-ops.js';

/**
 * The stream's RDB encoding (rdbSaveObject / rdbLoadObject for OBJ_STREAM), registered with the
 * RDB codec's hooks. Nodis writes RDB_TYPE_STREAM_LISTPACKS_2 as Redis 7.0 does: each node as its
 * 128-bit master ID and a listpack laid out as Redis's (master entry, delta-encoded entries,
 * SAMEFIELDS and deleted flags), then the metadata and the consumer groups. It reads types 15
 * (Redis 5-6.2), 19 (7.0) and 21 (7.2, consumers with an active time).
 */

function idBytes(w: ByteWriter, id: StreamID): void {
  w.u64be(BigInt(id.ms));
  w.u64be(BigInt(id.seq));
}

/** The listpack elements of one node, as Redis's streamAppendItem lays them out. */
function nodeElements(node: StreamNode): string[] {
  const mf = node.masterFields;
  const out: string[] = [String(node.live), String(node.deleted), String(mf.length), ...mf, '0'];
  for (let i = 0; i < node.ids.length; i++) {
    const id = node.ids[i]!;
    const fv = node.fvs[i]!;
    const flags = node.flagsAt(i);
    const same = (flags & 2) !== 0;
    out.push(String(flags), String(deltaI64(id.ms, node.master.ms)), String(deltaI64(id.seq, node.master.seq)));
    const n = fv.length / 2;
    if (!same) out.push(String(n));
    for (let j = 0; j < fv.length; j++) if (!same || j % 2 === 1) out.push(fv[j]!);
    out.push(String(same ? n + 3 : 2 * n + 4));
  }
  return out;
}

/** rdbSaveLen of a signed counter stored as uint64 (entries-read -1 is 2^64-1). */
function writeCounter(w: ByteWriter, v: I64): void {
  writeLength(w, v < 0 ? BigInt.asUintN(64, BigInt(v)) : v);
}

function writeStream(w: ByteWriter, v: Value, opts: WriteOptions): void {
  if (!(v instanceof StreamValue)) throw new Error('not a stream');
  const s = v;
  writeLength(w, s.nodes.length);
  for (const node of s.nodes) {
    const key = Buffer.alloc(16);
    key.writeBigUInt64BE(BigInt(node.master.ms), 0);
    key.writeBigUInt64BE(BigInt(node.master.seq), 8);
    writeString(w, key.latin1Slice(0, 16), opts);
    writeBlob(w, encodeListpack(nodeElements(node)), opts);
  }
  writeLength(w, s.length);
  writeLength(w, s.lastId.ms);
  writeLength(w, s.lastId.seq);
  writeLength(w, s.firstId.ms);
  writeLength(w, s.firstId.seq);
  writeLength(w, s.maxDeletedId.ms);
  writeLength(w, s.maxDeletedId.seq);
  writeCounter(w, s.entriesAdded);
  const groups = s.groupsInOrder();
  writeLength(w, groups.length);
  for (const g of groups) {
    writeString(w, g.name, opts);
    writeLength(w, g.lastId.ms);
    writeLength(w, g.lastId.seq);
    writeCounter(w, g.entriesRead);
    writeLength(w, g.pel.size);
    for (const [id, nack] of g.pel.entries()) {
      idBytes(w, id);
      w.i64le(BigInt(nack.deliveryTime));
      writeCounter(w, nack.deliveryCount);
    }
    const consumers = g.consumersInOrder();
    writeLength(w, consumers.length);
    for (const cons of consumers) {
      writeString(w, cons.name, opts);
      w.i64le(BigInt(cons.seenTime));
      writeLength(w, cons.pel.size);
      for (const id of cons.pel.keys()) idBytes(w, id);
    }
  }
}

/** rdbLoadLen as an exact u64. */
function readU64(r: ByteReader): number | bigint {
  const b = r.buf[r.pos];
  if (b === F.LEN_64BIT) {
    r.pos++;
    return norm(r.u64be());
  }
  return readLength(r);
}

function readId(r: ByteReader): StreamID {
  const ms = readU64(r);
  return { ms, seq: readU64(r) };
}

function rawId(r: ByteReader): StreamID {
  return { ms: norm(r.u64be()), seq: norm(r.u64be()) };
}

/** A counter saved as uint64: back to its signed value. */
function signed(v: number | bigint): I64 {
  return typeof v === 'number' ? v : norm(BigInt.asIntN(64, v));
}

function addWrap(a: number | bigint, d: string): number | bigint {
  return norm(BigInt.asUintN(64, BigInt(a) + BigInt(d)));
}

function int(r: ByteReader, s: string | undefined): number {
  const n = Number(s);
  if (s === undefined || !Number.isSafeInteger(n)) r.fail('bad stream listpack');
  return n;
}

/** One node's listpack back into entries (tombstones kept). */
function loadNode(r: ByteReader, s: StreamValue, master: StreamID, lp: string[]): void {
  let p = 0;
  const next = (): string => {
    const v = lp[p++];
    if (v === undefined) r.fail('truncated stream listpack');
    return v;
  };
  int(r, next());
  int(r, next());
  const nf = int(r, next());
  const masterFields: string[] = [];
  for (let i = 0; i < nf; i++) masterFields.push(next());
  if (next() !== '0') r.fail('bad stream master entry terminator');
  const entries: { id: StreamID; fv: string[]; deleted: boolean }[] = [];
  while (p < lp.length) {
    const flags = int(r, next());
    const id = { ms: addWrap(master.ms, next()), seq: addWrap(master.seq, next()) };
    const fv: string[] = [];
    if (flags & 2) {
      for (const f of masterFields) fv.push(f, next());
    } else {
      const n = int(r, next());
      for (let i = 0; i < n * 2; i++) fv.push(next());
    }
    next(); // lp-count
    entries.push({ id, fv, deleted: (flags & 1) !== 0 });
  }
  if (entries.length === 0) r.fail('empty keys in a stream listpack');
  s.loadNode(master, masterFields, entries);
}

function loadStream(r: ByteReader, type: number): Value | null {
  const s = new StreamValue();
  const nodes = readLength(r);
  for (let i = 0; i < nodes; i++) {
    const key = readStringBytes(r);
    if (key.length !== 16) r.fail('stream node key entry is not the size of a stream ID');
    const master = { ms: norm(key.readBigUInt64BE(0)), seq: norm(key.readBigUInt64BE(8)) };
    const blob = readStringBytes(r);
    loadNode(r, s, master, decodeListpack(new ByteReader(blob, 0, blob.length, r.base)));
  }
  const length = readU64(r);
  if (Number(length) !== s.length) r.fail('stream length does not match its entries');
  s.lastId = readId(r);
  if (type !== F.T_STREAM_LISTPACKS) {
    s.firstId = readId(r);
    s.maxDeletedId = readId(r);
    s.entriesAdded = signed(readU64(r));
  } else {
    // Redis 5-6.2 kept no counters: what 7.0 derives on load.
    s.entriesAdded = s.length;
  }
  const ngroups = readLength(r);
  for (let i = 0; i < ngroups; i++) {
    const name = readString(r);
    const lastId = readId(r);
    const entriesRead = type !== F.T_STREAM_LISTPACKS ? signed(readU64(r)) : estimateDistance(s, lastId);
    if (s.groups.has(name)) r.fail('duplicated consumer group name');
    const g = s.createGroup(name, lastId, entriesRead === ENTRIES_READ_INVALID ? ENTRIES_READ_INVALID : entriesRead);
    const nobody = new Consumer('', 0);
    const pending = readLength(r);
    for (let j = 0; j < pending; j++) {
      const id = rawId(r);
      const time = r.i64le();
      const count = signed(readU64(r));
      if (g.pel.has(id)) r.fail('duplicated global PEL entry loading stream consumer group');
      g.pel.set(id, { id, deliveryTime: norm(time), deliveryCount: count, consumer: nobody });
    }
    const nconsumers = readLength(r);
    for (let j = 0; j < nconsumers; j++) {
      const cname = readString(r);
      const seen = Number(r.i64le());
      if (type === F.T_STREAM_LISTPACKS_3) r.i64le(); // active-time (7.2)
      if (g.consumers.has(cname)) r.fail('duplicated consumer name');
      const cons = g.createConsumer(cname, seen);
      const n = readLength(r);
      for (let k = 0; k < n; k++) {
        const id = rawId(r);
        const nack = g.pel.get(id);
        if (nack === undefined) r.fail('consumer PEL entry not found in the group PEL');
        nack.consumer = cons;
        cons.pel.set(id, nack);
      }
    }
    for (const [, nack] of g.pel.entries()) if (nack.consumer === nobody) r.fail('stream group PEL entry without a consumer');
  }
  return s;
}

customTypes.set('stream', { type: () => F.T_STREAM_LISTPACKS_2, write: writeStream });
for (const t of [F.T_STREAM_LISTPACKS, F.T_STREAM_LISTPACKS_2, F.T_STREAM_LISTPACKS_3]) customLoaders.set(t, loadStream);
