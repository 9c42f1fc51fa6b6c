import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { STR_RAW } from '../../keyspace/db.js';
import { parseBigInteger, parseInteger } from '../../protocol/number-format.js';
import { BITOP_AND, BITOP_NOT, BITOP_OR, BITOP_XOR, bitop, bitposByte, bitposIn, popcount, popcount8, replaceByte } from './bits.js';
import { BIT_ERR, openBitTarget, parseBitOffset } from './bit-target.js';
import { bitfieldCommands } from './bitfield.js';

/** SETBIT key offset value: replies the bit's old value. */
function setbit(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const offset = parseBitOffset(c, argv[2]!, false, 0);
  if (offset === null) return;
  const on = parseInteger(argv[3]!);
  if (on !== 0 && on !== 1) {
    c.reply.error(BIT_ERR.bit);
    return;
  }
  const t = openBitTarget(c, key, offset);
  if (t === null) return;
  const byte = Math.floor(offset / 8);
  const old = t.value.charCodeAt(byte);
  const mask = 1 << (7 - (offset % 8));
  const was = (old & mask) !== 0 ? 1 : 0;
  // Setting a bit to what it was changes nothing (no event, not dirty) unless the string grew.
  if (t.grown || was !== on) {
    const db = c.db;
    db.replaceValue(t.slot, replaceByte(t.value, byte, on ? old | mask : old & ~mask), STR_RAW);
    c.server.notify(NOTIFY.string, 'setbit', key, db.id);
    c.server.dirty++;
  }
  c.reply.int(was);
}

function getbit(c: Client, argv: string[]): void {
  const offset = parseBitOffset(c, argv[2]!, false, 0);
  if (offset === null) return;
  const v = lookupRead(c, argv[1]!);
  if (v === undefined) {
    c.reply.int(0);
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(ERR.wrongType);
    return;
  }
  const byte = Math.floor(offset / 8);
  const bit = byte < v.length ? (v.charCodeAt(byte) >> (7 - (offset % 8))) & 1 : 0;
  c.reply.int(bit);
}

/** A BYTE or BIT range argument: 1 for BIT, 0 for BYTE, null after a syntax error. */
function parseRangeUnit(c: Client, arg: string): number | null {
  const u = arg.toLowerCase();
  if (u === 'bit') return 1;
  if (u === 'byte') return 0;
  c.reply.error(ERR.syntax);
  return null;
}

/**
 * A start/end range resolved against a length (in bytes, or bits when isbit), as Redis does:
 * negative indexes from the end, clamped into the string. Exact in bigint: the arguments are
 * any int64. For a bit range the byte bounds come with masks of the edge bits outside it.
 */
interface ByteRange {
  start: number;
  end: number;
  /** Bits of the first byte left of the range (BIT unit), else 0. */
  firstMask: number;
  /** Bits of the last byte right of the range (BIT unit), else 0. */
  lastMask: number;
}

function resolveRange(start: bigint, end: bigint, strlen: number, isbit: boolean): ByteRange {
  const totlen = BigInt(isbit ? strlen * 8 : strlen);
  if (start < 0n) start += totlen;
  if (end < 0n) end += totlen;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= totlen) end = totlen - 1n;
  let firstMask = 0;
  let lastMask = 0;
  if (isbit && start <= end) {
    const s = Number(start);
    const e = Number(end);
    firstMask = ~((1 << (8 - (s & 7))) - 1) & 0xff;
    lastMask = (1 << (7 - (e & 7))) - 1;
    return { start: Math.floor(s / 8), end: Math.floor(e / 8), firstMask, lastMask };
  }
  // start may be far beyond the string: only its order against end matters then.
  return { start: start > end ? 1 : Number(start), end: start > end ? 0 : Number(end), firstMask, lastMask };
}

/** BITCOUNT key [start end [BYTE|BIT]] (7.0 order: the key is looked up before the range is parsed). */
function bitcount(c: Client, argv: string[]): void {
  const v = lookupRead(c, argv[1]!);
  if (v === undefined) {
    c.reply.int(0);
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(ERR.wrongType);
    return;
  }
  let r: ByteRange;
  if (argv.length === 4 || argv.length === 5) {
    const start = parseBigInteger(argv[2]!);
    const end = start === null ? null : parseBigInteger(argv[3]!);
    if (start === null || end === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    if (start < 0n && end < 0n && start > end) {
      c.reply.int(0);
      return;
    }
    let isbit = 0;
    if (argv.length === 5) {
      const u = parseRangeUnit(c, argv[4]!);
      if (u === null) return;
      isbit = u;
    }
    r = resolveRange(start, end, v.length, isbit === 1);
  } else if (argv.length === 2) {
    r = { start: 0, end: v.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    c.reply.error(ERR.syntax);
    return;
  }
  if (r.start > r.end) {
    c.reply.int(0);
    return;
  }
  let count = popcount(v, r.start, r.end - r.start + 1);
  // Bits of the edge bytes outside a BIT range were counted: take them off.
  if (r.firstMask) count -= popcount8(v.charCodeAt(r.start) & r.firstMask);
  if (r.lastMask) count -= popcount8(v.charCodeAt(r.end) & r.lastMask);
  c.reply.int(count);
}

/** BITPOS key bit [start [end [BYTE|BIT]]] */
function bitpos(c: Client, argv: string[]): void {
  const bit = parseInteger(argv[2]!);
  if (bit === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  if (bit !== 0 && bit !== 1) {
    c.reply.error(BIT_ERR.bitArg);
    return;
  }
  // A missing key is an endless run of zeros.
  const v = lookupRead(c, argv[1]!);
  if (v === undefined) {
    c.reply.int(bit ? -1 : 0);
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(ERR.wrongType);
    return;
  }
  let r: ByteRange;
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const start = parseBigInteger(argv[3]!);
    if (start === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    let isbit = false;
    if (argv.length === 6) {
      const u = parseRangeUnit(c, argv[5]!);
      if (u === null) return;
      isbit = u === 1;
    }
    let end: bigint;
    if (argv.length >= 5) {
      const e = parseBigInteger(argv[4]!);
      if (e === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      end = e;
      endGiven = true;
    } else {
      end = BigInt(v.length - 1);
    }
    r = resolveRange(start, end, v.length, isbit);
  } else if (argv.length === 3) {
    r = { start: 0, end: v.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    c.reply.error(ERR.syntax);
    return;
  }
  // An empty range holds neither a 0 nor a 1.
  if (r.start > r.end) {
    c.reply.int(-1);
    return;
  }
  c.reply.int(bitposRange(v, r, bit, endGiven));
}

/** The search of bitposCommand over a resolved range, edge bytes masked for BIT ranges. */
function bitposRange(v: string, r: ByteRange, bit: number, endGiven: boolean): number {
  let start = r.start;
  let bytes = r.end - r.start + 1;
  let pos: number;
  found: {
    if (r.firstMask) {
      let b = v.charCodeAt(start);
      b = bit ? b & ~r.firstMask : b | r.firstMask;
      // A range inside one byte: mask its right edge too.
      if (r.lastMask && bytes === 1) b = bit ? b & ~r.lastMask : b | r.lastMask;
      pos = bitposByte(b, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break found;
      start++;
      bytes--;
    }
    // The last byte is searched on its own when it holds bits right of the range.
    const cur = bytes - (r.lastMask ? 1 : 0);
    if (cur > 0) {
      pos = bitposIn(v, start, cur, bit);
      if (bytes === cur || (pos !== -1 && pos !== cur * 8)) break found;
      start += cur;
      bytes -= cur;
    }
    const b = v.charCodeAt(r.end);
    pos = bitposByte(bit ? b & ~r.lastMask : b | r.lastMask, bit);
  }
  // Looking for 0 in an explicit range, the zero padding right of it does not count.
  if (endGiven && bit === 0 && pos === bytes * 8) return -1;
  return pos === -1 ? -1 : pos + start * 8;
}

const BITOP_NAMES = new Map([
  ['and', BITOP_AND],
  ['or', BITOP_OR],
  ['xor', BITOP_XOR],
  ['not', BITOP_NOT],
]);

/** BITOP op destkey srckey...: replies the result's length; an empty result deletes destkey. */
function bitopCommand(c: Client, argv: string[]): void {
  const op = BITOP_NAMES.get(argv[1]!.toLowerCase());
  if (op === undefined) {
    c.reply.error(ERR.syntax);
    return;
  }
  if (op === BITOP_NOT && argv.length !== 4) {
    c.reply.error(BIT_ERR.notSingle);
    return;
  }
  const srcs: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const v = lookupRead(c, argv[j]!);
    if (v === undefined) srcs.push('');
    else if (typeof v === 'string') srcs.push(v);
    else {
      c.reply.error(ERR.wrongType);
      return;
    }
  }
  const res = bitop(op, srcs);
  const dest = argv[2]!;
  const db = c.db;
  if (res.length > 0) {
    // createObject(OBJ_STRING, sds): stored raw whatever its length.
    db.set(dest, res, false, STR_RAW);
    c.server.notify(NOTIFY.string, 'set', dest, db.id);
    c.server.dirty++;
  } else if (db.delete(dest)) {
    c.server.notify(NOTIFY.generic, 'del', dest, db.id);
    c.server.dirty++;
  }
  c.reply.int(res.length);
}

/** Bitmaps (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD). */
export const bitmapCommands: CommandDef[] = [
  { name: 'setbit', handler: setbit },
  { name: 'getbit', handler: getbit },
  { name: 'bitcount', handler: bitcount },
  { name: 'bitpos', handler: bitpos },
  { name: 'bitop', handler: bitopCommand },
  ...bitfieldCommands,
];
