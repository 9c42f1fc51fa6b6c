import { KeyTable } from './table.js';
import { NOTIFY } from './notify.js';

/** A non-string value: lists, hashes, sets, sorted sets, streams. */
export interface ObjectValue {
  readonly type: 'list' | 'hash' | 'set' | 'zset' | 'stream';
  /** OBJECT ENCODING's answer. */
  encoding(): string;
  /** A deep copy (COPY, and copy-on-write snapshots later). */
  clone(): ObjectValue;
}

/** Strings are binary strings (one char per byte); everything else is an ObjectValue. */
export type Value = string | ObjectValue;

/** String flags: Redis would hold this string "raw" (after APPEND, SETRANGE, ...). */
export const STR_RAW = 1;
/** String flags: not integer-encoded even if it looks like one (INCRBYFLOAT results). */
export const STR_NOINT = 2;

export function typeName(v: Value): string {
  return typeof v === 'string' ? 'string' : v.type;
}

/** Redis's LRU clock: seconds, 24 bits. */
export const LRU_CLOCK_MAX = (1 << 24) - 1;

export function lruClock(nowMs: number): number {
  return Math.floor(nowMs / 1000) & LRU_CLOCK_MAX;
}

/** Redis's LFU_INIT_VAL: a new key's logarithmic access counter. */
export const LFU_INIT_VAL = 5;

/** LFUGetTimeInMinutes: the 16-bit minute clock kept in the top bits of an LFU word. */
export function lfuMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 65535;
}

/** LFUDecrAndReturn: the counter of an LFU word (ldt << 8 | counter), decayed by idle minutes. */
export function lfuDecrAndReturn(word: number, nowMs: number, decayTime: number): number {
  const ldt = word >>> 8;
  let counter = word & 255;
  const now = lfuMinutes(nowMs);
  const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const periods = decayTime ? Math.floor(elapsed / decayTime) : 0;
  if (periods) counter = periods > counter ? 0 : counter - periods;
  return counter;
}

/** LFULogIncr: bumps the counter with a probability falling as it grows. */
export function lfuLogIncr(counter: number, logFactor: number): number {
  if (counter === 255) return 255;
  const base = Math.max(0, counter - LFU_INIT_VAL);
  const p = 1 / (base * logFactor + 1);
  return Math.random() < p ? counter + 1 : counter;
}

/** Redis's estimateObjectIdleTime in ms, from a 24-bit LRU clock value. */
export function idleTimeMs(lru: number, nowMs: number): number {
  const clock = lruClock(nowMs);
  return (clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)) * 1000;
}

/** Hooks a database calls back into the server with (stats, notifications, WATCH). */
export interface KeyspaceEvents {
  /** Time snapshot of the command being run, in ms. */
  readonly now: number;
  /** A dataset is being loaded (keyIsExpired answers no). */
  readonly loading: boolean;
  /** A key was changed (WATCH, client tracking). */
  keyModified(db: Db, key: string): void;
  /** A key expired and was removed. */
  keyExpired(db: Db, key: string): void;
  /** notifyKeyspaceEvent (dbAdd fires "new"). */
  notify(type: number, event: string, key: string, dbid: number): void;
  /**
   * maxmemory-policy decides whether objects keep an LRU clock or an LFU counter; `generation`
   * moves on every config change (Config's), so the answer can be kept between changes.
   */
  readonly config: { get(name: string): string; int(name: string): number; readonly generation: number };
}

export class Db {
  table = new KeyTable<Value>();
  /**
   * Set while a background save runs (src/persistence/snapshot.ts): called with the value of
   * every key a command reaches, before the command can change it, so the snapshot copies it first.
   */
  cowGuard: ((v: Value) => void) | null = null;
  /** lfuPolicy's answer, for config generation lfuGeneration (every key access asks). */
  private lfu = false;
  private lfuGeneration = -1;
  /** Whether LRU is updated on access (off during CLIENT NO-TOUCH and OBJECT). */
  constructor(
    readonly id: number,
    private readonly events: KeyspaceEvents,
  ) {}

  get size(): number {
    return this.table.size;
  }

  /** Slot of a live key (deleting it first if its TTL has passed), or -1. */
  findSlot(key: string): number {
    const s = this.table.find(key);
    return s < 0 ? -1 : this.liveSlot(s);
  }

  /** findSlot for a key that was probably the last one found (SET finds it in writeSlot first). */
  private findSlotAgain(key: string): number {
    const s = this.table.findAgain(key);
    return s < 0 ? -1 : this.liveSlot(s);
  }

  /** The slot of a key found in the table, or -1 when its TTL has passed (it is deleted then). */
  private liveSlot(s: number): number {
    const t = this.table;
    const e = t.expireAt(s);
    // keyIsExpired: a key lives through the very millisecond it expires at; nothing expires
    // while a dataset is loading (an AOF replays commands on keys that may be past their TTL).
    if (e !== 0 && e < this.events.now && !this.events.loading) {
      this.expireSlot(s);
      return -1;
    }
    if (this.cowGuard !== null) this.cowGuard(t.valueAt(s));
    return s;
  }

  /** Removes a key whose TTL has passed, with the side effects Redis has for it. */
  expireSlot(slot: number): void {
    const key = this.table.keyAt(slot);
    this.table.removeAt(slot);
    this.events.keyExpired(this, key);
  }

  /** Whether maxmemory-policy is an LFU one (then the LRU word holds an LFU counter). */
  lfuPolicy(): boolean {
    const cfg = this.events.config;
    if (cfg.generation !== this.lfuGeneration) {
      this.lfu = cfg.get('maxmemory-policy').endsWith('lfu');
      this.lfuGeneration = cfg.generation;
    }
    return this.lfu;
  }

  /** The LRU word a new object starts with (createObject): the LRU clock, or LFU_INIT_VAL now. */
  newLru(): number {
    const now = this.events.now;
    return this.lfuPolicy() ? (lfuMinutes(now) << 8) | LFU_INIT_VAL : lruClock(now);
  }

  /** Records an access (lookupKey without NOTOUCH): LRU clock, or Redis's updateLFU. */
  touchSlot(slot: number): void {
    const t = this.table;
    const now = this.events.now;
    if (this.lfuPolicy()) {
      const cfg = this.events.config;
      const counter = lfuLogIncr(lfuDecrAndReturn(t.lruAt(slot), now, cfg.int('lfu-decay-time')), cfg.int('lfu-log-factor'));
      t.setLru(slot, (lfuMinutes(now) << 8) | counter);
    } else {
      t.setLru(slot, lruClock(now));
    }
  }

  /** The live value of a key, touching its LRU clock. */
  get(key: string, touch = true): Value | undefined {
    const s = this.findSlot(key);
    if (s < 0) return undefined;
    if (touch) this.touchSlot(s);
    return this.table.valueAt(s);
  }

  has(key: string): boolean {
    return this.findSlot(key) >= 0;
  }

  /**
   * Sets a key (Redis's setKey): creates or overwrites; the TTL is dropped unless keepTtl.
   * Signals the modification. Returns the slot.
   */
  set(key: string, v: Value, keepTtl = false, flags = 0): number {
    const t = this.table;
    let s = this.findSlotAgain(key);
    if (s < 0) {
      s = t.insert(key, v, this.newLru());
      this.events.notify(NOTIFY.newKey, 'new', key, this.id);
    } else {
      t.setValueAt(s, v);
      // dbOverwrite keeps the old LFU counter; under LRU the new object is fresh.
      if (!this.lfuPolicy()) t.setLru(s, lruClock(this.events.now));
      if (!keepTtl && t.expireAt(s) !== 0) t.setExpireAt(s, 0);
    }
    t.setFlags(s, flags);
    this.events.keyModified(this, key);
    return s;
  }

  /**
   * Adds a key known to be absent (no TTL), as Redis's dbAdd: fires "new". `lru` carries an
   * existing object's access clock over (RENAME and MOVE move the object itself).
   */
  add(key: string, v: Value, flags = 0, lru = this.newLru()): number {
    const s = this.table.insert(key, v, lru);
    this.table.setFlags(s, flags);
    this.events.notify(NOTIFY.newKey, 'new', key, this.id);
    this.events.keyModified(this, key);
    return s;
  }

  /**
   * Redis's signalModifiedKey for a value changed in place (LPUSH onto an existing list, HSET,
   * ...): WATCH, client tracking and clients blocked on the key hear of it.
   */
  signalModified(key: string): void {
    this.events.keyModified(this, key);
  }

  /** Replaces the value of an existing key in place, keeping its TTL. */
  replaceValue(slot: number, v: Value, flags = 0): void {
    this.table.setValueAt(slot, v);
    this.table.setFlags(slot, flags);
    this.events.keyModified(this, this.table.keyAt(slot));
  }

  delete(key: string): boolean {
    const s = this.findSlot(key);
    if (s < 0) return false;
    this.table.removeAt(s);
    this.events.keyModified(this, key);
    return true;
  }

  deleteSlot(slot: number): void {
    const key = this.table.keyAt(slot);
    this.table.removeAt(slot);
    this.events.keyModified(this, key);
  }

  /** Absolute expiry in ms, or 0 when the key has no TTL. Key must be live. */
  expireOf(slot: number): number {
    return this.table.expireAt(slot);
  }

  /** The expiry to the last digit (a bigint only beyond 2^53 ms), or 0. */
  expireExact(slot: number): number | bigint {
    return this.table.expireExact(slot);
  }

  /** Sets (or with 0 removes) a key's absolute expiry in ms. */
  setExpire(slot: number, whenMs: number | bigint): void {
    this.table.setExpireAt(slot, whenMs);
  }

  flush(): number {
    const n = this.table.size;
    this.table = new KeyTable<Value>();
    return n;
  }
}
