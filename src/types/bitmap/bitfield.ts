import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR, cstr } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { STR_RAW } from '../../keyspace/db.js';
import { parseBigInteger, parseInteger } from '../../protocol/number-format.js';
import '../../protocol/buffer-ext.js';
import { BFOVERFLOW_FAIL, BFOVERFLOW_SAT, BFOVERFLOW_WRAP, bitfieldSum, getSignedBits, getUnsignedBits, setBits } from './bits.js';
import { BIT_ERR, openBitTarget, parseBitOffset } from './bit-target.js';

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;

/** One parsed BITFIELD operation (struct bitfieldOp). */
interface BitfieldOp {
  opcode: number;
  offset: number;
  bits: number;
  signed: boolean;
  owtype: number;
  /** SET's value or INCRBY's increment. */
  value: bigint;
}

/**
 * getBitfieldTypeFromArgument: "i1".."i64" or "u1".."u63". The width is read as a C string, so
 * it ends at a NUL byte.
 */
function parseBitfieldType(c: Client, arg: string): { signed: boolean; bits: number } | null {
  const sign = arg.charCodeAt(0);
  const bits = sign === 105 || sign === 117 ? parseInteger(cstr(arg.slice(1), Infinity)) : null;
  if (bits === null || bits < 1 || (sign === 105 && bits > 64) || (sign === 117 && bits > 63)) {
    c.reply.error(BIT_ERR.bitfieldType);
    return null;
  }
  return { signed: sign === 105, bits };
}

const OVERFLOW_TYPES = new Map([
  ['wrap', BFOVERFLOW_WRAP],
  ['sat', BFOVERFLOW_SAT],
  ['fail', BFOVERFLOW_FAIL],
]);

/** Parses every operation first, as Redis does, so a bad one fails the call before any work. */
function parseBitfieldOps(c: Client, argv: string[]): { ops: BitfieldOp[]; readonly: boolean; highest: number } | null {
  const ops: BitfieldOp[] = [];
  let owtype = BFOVERFLOW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const remargs = argv.length - j - 1;
    const sub = argv[j]!.toLowerCase();
    let opcode: number;
    if (sub === 'get' && remargs >= 2) opcode = OP_GET;
    else if (sub === 'set' && remargs >= 3) opcode = OP_SET;
    else if (sub === 'incrby' && remargs >= 3) opcode = OP_INCRBY;
    else if (sub === 'overflow' && remargs >= 1) {
      const t = OVERFLOW_TYPES.get(argv[++j]!.toLowerCase());
      if (t === undefined) {
        c.reply.error(BIT_ERR.overflowType);
        return null;
      }
      owtype = t;
      continue;
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
    const type = parseBitfieldType(c, argv[j + 1]!);
    if (type === null) return null;
    const offset = parseBitOffset(c, argv[j + 2]!, true, type.bits);
    if (offset === null) return null;
    let value = 0n;
    if (opcode !== OP_GET) {
      readonly = false;
      if (highest < offset + type.bits - 1) highest = offset + type.bits - 1;
      const v = parseBigInteger(argv[j + 3]!);
      if (v === null) {
        c.reply.error(ERR.notInteger);
        return null;
      }
      value = v;
    }
    ops.push({ opcode, offset, bits: type.bits, signed: type.signed, owtype, value });
    j += opcode === OP_GET ? 2 : 3;
  }
  return { ops, readonly, highest };
}

/** The value of a GET: at most 9 bytes are needed, copied zero padded as Redis does. */
function getField(src: string | Uint8Array, op: BitfieldOp): bigint {
  const byte = Math.floor(op.offset / 8);
  const buf = new Uint8Array(9);
  const len = src.length;
  for (let i = 0; i < 9 && byte + i < len; i++) buf[i] = typeof src === 'string' ? src.charCodeAt(byte + i) : src[byte + i]!;
  const bitOffset = op.offset - byte * 8;
  return op.signed ? getSignedBits(buf, bitOffset, op.bits) : getUnsignedBits(buf, bitOffset, op.bits);
}

/**
 * bitfieldGeneric: BITFIELD, and BITFIELD_RO (readonly: GET only). Writes work on a Buffer copy
 * of the value, stored back once; the key is signalled, notified ("setbit") and counted dirty
 * once per call, by the number of operations that changed something.
 */
function bitfieldGeneric(c: Client, argv: string[], roCommand: boolean): void {
  const parsed = parseBitfieldOps(c, argv);
  if (parsed === null) return;
  const { ops } = parsed;
  const key = argv[1]!;
  if (parsed.readonly) {
    const v = lookupRead(c, key);
    if (v !== undefined && typeof v !== 'string') {
      c.reply.error(ERR.wrongType);
      return;
    }
    c.reply.array(ops.length);
    for (const op of ops) c.reply.int(getField(v ?? '', op));
    return;
  }
  if (roCommand) {
    c.reply.error(BIT_ERR.readonly);
    return;
  }
  const t = openBitTarget(c, key, parsed.highest);
  if (t === null) return;
  const p = Buffer.from(t.value, 'latin1');
  let changes = 0;
  c.reply.array(ops.length);
  for (const op of ops) {
    if (op.opcode === OP_GET) {
      c.reply.int(getField(p, op));
      continue;
    }
    const old = op.signed ? getSignedBits(p, op.offset, op.bits) : getUnsignedBits(p, op.offset, op.bits);
    let next: bigint | null;
    if (op.opcode === OP_INCRBY) {
      next = bitfieldSum(old, op.value, op.bits, op.signed, op.owtype);
    } else {
      // An unsigned SET takes the value as C's uint64_t conversion makes it.
      next = bitfieldSum(op.signed ? op.value : BigInt.asUintN(64, op.value), 0n, op.bits, op.signed, op.owtype);
    }
    // FAIL on overflow: nothing written, a null reply.
    if (next === null) {
      c.reply.null();
      continue;
    }
    c.reply.int(op.opcode === OP_INCRBY ? next : old);
    setBits(p, op.offset, op.bits, next);
    if (t.grown || old !== next) changes++;
  }
  const db = c.db;
  if (changes > 0) {
    db.replaceValue(t.slot, p.latin1Slice(0, p.length), STR_RAW);
    c.server.notify(NOTIFY.string, 'setbit', key, db.id);
    c.server.dirty += changes;
  }
}

export const bitfieldCommands: CommandDef[] = [
  { name: 'bitfield', handler: (c, argv) => bitfieldGeneric(c, argv, false) },
  { name: 'bitfield_ro', handler: (c, argv) => bitfieldGeneric(c, argv, true) },
];
