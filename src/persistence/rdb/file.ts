import { ByteReader, ByteWriter, RdbFormatError } from './bytes.js';
import { Crc64 } from './crc64.js';
import * as F from './format.js';
import { readLength, readString, readValue, loadLimits, type LoadLimits } from './reader.js';
import { valueType, writeLength, writeString, writeValue, type WriteOptions } from './writer.js';
import type { Server } from '../../server/server.js';
import type { Db, Value } from '../../keyspace/db.js';
import { lfuDecrAndReturn, lfuMinutes, lruClock, idleTimeMs, LRU_CLOCK_MAX, LFU_INIT_VAL } from '../../keyspace/db.js';
import { NODIS_VERSION } from '../../server/version.js';

/**
 * Whole RDB files: the header with its AUX fields, function libraries, each database's keys, EOF
 * and the CRC64. The writer is split in pieces (header, one key, trailer) so SAVE can run it in
 * one go and BGSAVE in slices; the loader likewise runs in steps between which the event loop
 * turns.
 */

/** Function libraries in RDB files (FUNCTION2): filled by the scripting module. */
export interface FunctionsCodec {
  /** The code of every library, to save. */
  dump(server: Server): string[];
  /** Loads one library's code; throws with the reason when it cannot. */
  load(server: Server, code: string): void;
}

let functionsCodec: FunctionsCodec | null = null;

export function setFunctionsCodec(codec: FunctionsCodec | null): void {
  functionsCodec = codec;
}

export function writeOptions(server: Server): WriteOptions {
  return { compression: server.config.bool('rdbcompression'), listFill: server.config.int('list-max-listpack-size') };
}

/** How LRU/LFU is saved: IDLE under an LRU policy, FREQ under an LFU one (rdbSaveKeyValuePair). */
export type LruMode = 'none' | 'lru' | 'lfu';

export function lruMode(server: Server): LruMode {
  const p = server.config.get('maxmemory-policy');
  return p.endsWith('lru') ? 'lru' : p.endsWith('lfu') ? 'lfu' : 'none';
}

function auxField(w: ByteWriter, key: string, value: string, opts: WriteOptions): void {
  w.byte(F.OP_AUX);
  writeString(w, key, opts);
  writeString(w, value, opts);
}

/** "REDIS0010", the AUX fields rdbSaveInfoAuxFields writes, and the function libraries. */
export function writeHeader(w: ByteWriter, server: Server, opts: WriteOptions, aofBase: boolean): void {
  w.latin1('REDIS' + String(F.RDB_VERSION).padStart(4, '0'));
  auxField(w, 'redis-ver', NODIS_VERSION, opts);
  auxField(w, 'redis-bits', '64', opts);
  auxField(w, 'ctime', String(Math.floor(Date.now() / 1000)), opts);
  auxField(w, 'used-mem', String(process.memoryUsage().heapUsed), opts);
  auxField(w, 'aof-base', aofBase ? '1' : '0', opts);
  if (functionsCodec) {
    for (const code of functionsCodec.dump(server)) {
      w.byte(F.OP_FUNCTION2);
      writeString(w, code, opts);
    }
  }
}

export function writeSelectDb(w: ByteWriter, db: number, size: number, expires: number): void {
  w.byte(F.OP_SELECTDB);
  writeLength(w, db);
  w.byte(F.OP_RESIZEDB);
  writeLength(w, size);
  writeLength(w, expires);
}

/** One key as rdbSaveKeyValuePair writes it; `valueBytes` when the value was serialized earlier. */
export function writeKey(
  w: ByteWriter,
  key: string,
  value: Value,
  expire: number | bigint,
  lru: number,
  mode: LruMode,
  now: number,
  decayTime: number,
  opts: WriteOptions,
  valueBytes?: Buffer,
): void {
  if (expire !== 0 && expire !== 0n) {
    w.byte(F.OP_EXPIRETIME_MS);
    w.i64le(BigInt(expire));
  }
  if (mode === 'lru') {
    w.byte(F.OP_IDLE);
    writeLength(w, Math.floor(idleTimeMs(lru, now) / 1000));
  } else if (mode === 'lfu') {
    w.byte(F.OP_FREQ);
    w.byte(lfuDecrAndReturn(lru, now, decayTime));
  }
  if (valueBytes !== undefined) {
    w.bytes(valueBytes);
    return;
  }
  w.byte(valueType(value));
  writeString(w, key, opts);
  writeValue(w, value, opts);
}

/**
 * The type byte, key and value of one key, serialized ahead of time (a BGSAVE copy-on-write:
 * the bytes stand in for the value as it was).
 */
export function serializeEntry(key: string, value: Value, opts: WriteOptions): Buffer {
  const w = new ByteWriter(256);
  w.byte(valueType(value));
  writeString(w, key, opts);
  writeValue(w, value, opts);
  return Buffer.from(w.result());
}

/** EOF and the checksum (zero when rdbchecksum is off). */
export function writeTrailer(w: ByteWriter, crc: Crc64 | null): void {
  w.byte(F.OP_EOF);
  if (crc) {
    crc.update(w.buf, 0, w.pos);
    w.bytes(crc.bytes());
  } else {
    w.bytes(Buffer.alloc(8));
  }
}

/** The whole dataset as one RDB file, synchronously (SAVE, SHUTDOWN, the AOF's preamble). */
export function encodeDataset(server: Server, aofBase = false): Buffer {
  const opts = writeOptions(server);
  const w = new ByteWriter(1 << 16);
  writeHeader(w, server, opts, aofBase);
  const mode = lruMode(server);
  const now = Date.now();
  const decay = server.config.int('lfu-decay-time');
  for (const db of server.dbs) {
    const t = db.table;
    if (t.size === 0) continue;
    writeSelectDb(w, db.id, t.size, t.expiresCount);
    for (const s of t.slots()) writeKey(w, t.keyAt(s), t.valueAt(s), t.expireExact(s), t.lruAt(s), mode, now, decay, opts);
  }
  const crc = server.config.bool('rdbchecksum') ? new Crc64() : null;
  writeTrailer(w, crc);
  return w.result();
}

/** A file that cannot be loaded: the message names the file, the offset and what was found. */
export class RdbLoadError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface LoadOptions {
  /** The RDB preamble of an AOF base: keys already expired are kept (the AOF decides). */
  readonly aofPreamble?: boolean;
  /** DEBUG RELOAD MERGE (RDBFLAGS_ALLOW_DUP): a key already present is replaced, not an error. */
  readonly allowDup?: boolean;
}

/**
 * rdbLoad in steps: `step()` loads keys until its time budget is used up and answers whether the
 * file is done. Errors are RdbLoadErrors naming the source and the offset.
 */
export class RdbLoader {
  readonly r: ByteReader;
  version = 0;
  keysLoaded = 0;
  keysExpired = 0;
  private db: Db | null = null;
  private readonly limits: LoadLimits;
  private readonly now = Date.now();
  private readonly lfu: boolean;
  private done = false;

  constructor(
    private readonly server: Server,
    readonly data: Buffer,
    readonly source: string,
    private readonly options: LoadOptions = {},
  ) {
    this.r = new ByteReader(data);
    this.limits = loadLimits(server.config);
    this.lfu = lruMode(server) === 'lfu';
  }

  get position(): number {
    return this.r.pos;
  }

  get finished(): boolean {
    return this.done;
  }

  private fail(e: unknown): never {
    if (e instanceof RdbFormatError) {
      const truncated = e.offset >= this.data.length || e.message.startsWith('unexpected end');
      const what = truncated ? `the file ends early (truncated at ${this.data.length} bytes): ${e.message}` : e.message;
      throw new RdbLoadError(`Bad RDB file ${this.source} at offset ${e.offset}: ${what}`, e.offset);
    }
    throw e;
  }

  /**
   * Loads until `deadline` (ms, Date.now() terms) has passed or `maxKeys` more keys are in;
   * true when the file is done.
   */
  step(deadline = Infinity, maxKeys = Infinity): boolean {
    try {
      if (this.r.pos === 0) this.header();
      let n = 0;
      const stopAt = this.keysLoaded + maxKeys;
      while (!this.done) {
        this.entry();
        if (this.keysLoaded >= stopAt) break;
        if ((++n & 63) === 0 && Date.now() >= deadline) break;
      }
    } catch (e) {
      this.fail(e);
    }
    return this.done;
  }

  private header(): void {
    const r = this.r;
    if (this.data.length < 9 || this.data.latin1Slice(0, 5) !== 'REDIS') r.fail('wrong signature trying to load DB from file (no "REDIS" magic)', 0);
    const v = this.data.latin1Slice(5, 9);
    if (!/^\d{4}$/.test(v)) r.fail(`bad RDB version "${v}"`, 5);
    this.version = Number(v);
    if (this.version < 1 || this.version > F.RDB_MAX_READ_VERSION) r.fail(`Can't handle RDB format version ${this.version}`, 5);
    r.pos = 9;
  }

  /** One opcode, or one key with its prefixes (expire, LRU, LFU). */
  private entry(): void {
    const r = this.r;
    let expire: number | bigint = 0;
    let idle = -1;
    let freq = -1;
    for (;;) {
      const at = r.pos;
      const op = r.u8();
      switch (op) {
        case F.OP_EXPIRETIME:
          expire = r.u32le() * 1000;
          continue;
        case F.OP_EXPIRETIME_MS: {
          const e = r.i64le();
          expire = Number.isSafeInteger(Number(e)) ? Number(e) : e;
          continue;
        }
        case F.OP_IDLE:
          idle = readLength(r);
          continue;
        case F.OP_FREQ:
          freq = r.u8();
          continue;
        case F.OP_SELECTDB: {
          const id = readLength(r);
          const dbs = this.server.dbs;
          if (id >= dbs.length) {
            r.fail(`FATAL: Data file was created with a Redis server configured to handle more than ${dbs.length} databases`, at);
          }
          this.db = dbs[id]!;
          return;
        }
        case F.OP_RESIZEDB:
          readLength(r);
          readLength(r);
          return;
        case F.OP_AUX:
          this.aux(readString(r), readString(r));
          return;
        case F.OP_FUNCTION2: {
          const code = readString(r);
          const codec = functionsCodec;
          if (!codec) return r.fail('a function library (FUNCTION2), and this server has no function engine to load it', at);
          try {
            codec.load(this.server, code);
          } catch (e) {
            r.fail(`a function library that failed to load: ${(e as Error).message}`, at);
          }
          return;
        }
        case F.OP_FUNCTION_PRE_GA:
          return r.fail('a pre-release function library (opcode 246), which Redis 7 does not load either', at);
        case F.OP_MODULE_AUX:
          return r.fail('module auxiliary data (opcode 247): Nodis has no modules', at);
        case F.OP_EOF:
          this.trailer();
          return;
        default: {
          if (!F.isValueType(op)) r.fail(`unknown RDB opcode/type 0x${op.toString(16)}`, at);
          this.key(op, expire, idle, freq);
          return;
        }
      }
    }
  }

  private aux(key: string, value: string): void {
    const log = this.server.log;
    if (key === 'redis-ver') log.notice(`Loading RDB produced by version ${value}`);
    else if (key === 'ctime') {
      const age = Math.floor(Date.now() / 1000) - Number(value);
      log.notice(`RDB age ${age < 0 ? 0 : age} seconds`);
    } else if (key === 'used-mem') log.notice(`RDB memory usage when created ${(Number(value) / (1024 * 1024)).toFixed(2)} Mb`);
  }

  private key(type: number, expire: number | bigint, idle: number, freq: number): void {
    const r = this.r;
    const keyAt = r.pos;
    const key = readString(r);
    const value = readValue(r, type, this.limits);
    const db = this.db ?? this.server.dbs[0]!;
    if (value === null) {
      this.server.log.warning(`rdbLoadObject skipping empty key: ${key}`);
      return;
    }
    if (!this.options.aofPreamble && expire !== 0 && expire < this.now) {
      this.keysExpired++;
      return;
    }
    const t = db.table;
    const existing = t.find(key);
    if (existing >= 0) {
      if (!this.options.allowDup) r.fail(`duplicated key "${key.slice(0, 64)}" in DB ${db.id}`, keyAt);
      db.deleteSlot(existing);
    }
    let lru: number;
    if (this.lfu) lru = (lfuMinutes(this.now) << 8) | (freq >= 0 ? freq : LFU_INIT_VAL);
    else {
      const clock = lruClock(this.now);
      lru = clock;
      if (idle >= 0) {
        let abs = clock - idle;
        if (abs < 0) abs = (clock + Math.floor(LRU_CLOCK_MAX / 2)) % LRU_CLOCK_MAX;
        lru = abs;
      }
    }
    const s = t.insert(key, value, lru);
    if (expire !== 0) t.setExpireAt(s, expire);
    this.keysLoaded++;
  }

  private trailer(): void {
    const r = this.r;
    if (this.version >= 5) {
      const end = r.pos;
      const stored = r.slice(8);
      if (this.server.config.bool('rdbchecksum') && !stored.equals(Buffer.alloc(8))) {
        const crc = new Crc64();
        crc.update(this.data, 0, end);
        if (!crc.bytes().equals(stored)) {
          r.fail(`wrong RDB checksum: expected ${crc.bytes().readBigUInt64LE(0).toString(16)}, the file has ${stored.readBigUInt64LE(0).toString(16)}`, end);
        }
      } else if (this.server.config.bool('rdbchecksum')) {
        this.server.log.notice('RDB file was saved with checksum disabled: no check performed.');
      }
    }
    this.done = true;
  }
}
