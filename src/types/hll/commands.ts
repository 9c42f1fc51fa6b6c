import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import type { Value } from '../../keyspace/db.js';
import { ERR, cstr, oneLine } from '../../errors.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { LOOKUP_NONE, lookupKeySlot, lookupRead } from '../../keyspace/lookup.js';
import { STR_RAW } from '../../keyspace/db.js';
import { writeSlot } from '../string/write-slot.js';
import {
  HLL_DENSE,
  HLL_REGISTERS,
  HLL_SPARSE,
  type Hll,
  cacheValid,
  cachedCardinality,
  cardinalityBytes,
  denseRegisters,
  estimate,
  hllAdd,
  hllCreate,
  hllEncoding,
  hllFromString,
  hllSetRegister,
  hllToString,
  invalidateCache,
  isHllString,
  rawHistogram,
  sparseDecode,
  sparseToDense,
} from './hll.js';
import { denseAddToString, hllCountString, hllMergeString, isDenseString } from './dense-string.js';
import { pfselftest } from './selftest.js';

/** The HyperLogLog commands' error texts (hyperloglog.c). */
export const HLL_ERR = {
  invalid: 'INVALIDOBJ Corrupted HLL object detected',
  notHll: 'WRONGTYPE Key is not a valid HyperLogLog string value.',
  noKey: 'ERR The specified key does not exist',
  notSparse: 'ERR HLL encoding is not sparse',
} as const;

function maxSparseBytes(c: Client): number {
  return c.server.config.int('hll-sparse-max-bytes');
}

/**
 * isHLLObjectOrReply: the value as an HLL string, or null after replying: WRONGTYPE for another
 * type, Redis's HLL-specific WRONGTYPE text for a string that is not an HLL.
 */
function hllStringOrReply(c: Client, v: Value): string | null {
  if (typeof v !== 'string') {
    c.reply.error(ERR.wrongType);
    return null;
  }
  if (!isHllString(v)) {
    c.reply.error(HLL_ERR.notHll);
    return null;
  }
  return v;
}

/** PFADD key [element ...]: 1 when a register changed (or the key was created), else 0. */
function pfadd(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const db = c.db;
  const slot = writeSlot(c, key);
  let h: Hll;
  let updated = 0;
  if (slot < 0) {
    h = hllCreate();
    updated++;
  } else {
    const s = hllStringOrReply(c, db.table.valueAt(slot));
    if (s === null) return;
    // dbUnshareStringValue: the value is raw from now on, changed or not.
    db.table.setFlags(slot, STR_RAW);
    if (isDenseString(s)) {
      // The common case of a big HLL: read in place, copied only when a register rises.
      const r = denseAddToString(s, argv, 2);
      if (r.updated) {
        db.replaceValue(slot, r.value, STR_RAW);
        c.server.notify(NOTIFY.string, 'pfadd', key, db.id);
        c.server.dirty += r.updated;
      }
      c.reply.int(r.updated ? 1 : 0);
      return;
    }
    h = hllFromString(s);
  }
  const maxBytes = maxSparseBytes(c);
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(h, argv[j]!, maxBytes);
    if (r === 1) updated++;
    else if (r === -1) {
      // Redis changed its value in place up to the corrupt spot, without telling anyone.
      if (slot >= 0) db.table.setValueAt(slot, hllToString(h));
      c.reply.error(HLL_ERR.invalid);
      return;
    }
  }
  if (updated) {
    invalidateCache(h);
    if (slot < 0) db.add(key, hllToString(h), STR_RAW);
    else db.replaceValue(slot, hllToString(h), STR_RAW);
    c.server.notify(NOTIFY.string, 'pfadd', key, db.id);
    c.server.dirty += updated;
  }
  c.reply.int(updated ? 1 : 0);
}

/**
 * PFCOUNT key [key ...]. One key: the cached cardinality, or a fresh count written back into the
 * header (which changes the value: signalled and dirty, so it propagates). Several keys: the
 * count of their union, computed on the side without writing anything.
 */
function pfcount(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const v = lookupRead(c, argv[j]!);
      if (v === undefined) continue;
      const s = hllStringOrReply(c, v);
      if (s === null) return;
      if (!hllMergeString(max, s)) {
        c.reply.error(HLL_ERR.invalid);
        return;
      }
    }
    const reghisto = new Int32Array(64);
    rawHistogram(max, reghisto);
    c.reply.int(estimate(reghisto));
    return;
  }
  const key = argv[1]!;
  const db = c.db;
  const slot = lookupKeySlot(c, key, LOOKUP_NONE);
  if (slot < 0) {
    c.reply.int(0);
    return;
  }
  const s = hllStringOrReply(c, db.table.valueAt(slot));
  if (s === null) return;
  db.table.setFlags(slot, STR_RAW);
  if (cacheValid(s)) {
    c.reply.int(cachedCardinality(s));
    return;
  }
  const card = hllCountString(s);
  if (card === null) {
    c.reply.error(HLL_ERR.invalid);
    return;
  }
  db.replaceValue(slot, s.slice(0, 8) + cardinalityBytes(card) + s.slice(16), STR_RAW);
  c.server.dirty++;
  c.reply.int(card);
}

/**
 * PFMERGE destkey [sourcekey ...]: destkey's registers become the maximum over itself and the
 * sources. The result is dense when any input was.
 */
function pfmerge(c: Client, argv: string[]): void {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  // The destination is one of the inputs (argv[1] first).
  for (let j = 1; j < argv.length; j++) {
    const v = lookupRead(c, argv[j]!);
    if (v === undefined) continue;
    const s = hllStringOrReply(c, v);
    if (s === null) return;
    if (isDenseString(s)) useDense = true;
    if (!hllMergeString(max, s)) {
      c.reply.error(HLL_ERR.invalid);
      return;
    }
  }
  const key = argv[1]!;
  const db = c.db;
  const slot = writeSlot(c, key);
  let h: Hll;
  if (slot < 0) {
    h = hllCreate();
  } else {
    // Checked as an input above.
    h = hllFromString(db.table.valueAt(slot) as string);
    db.table.setFlags(slot, STR_RAW);
  }
  if (useDense && !sparseToDense(h)) {
    c.reply.error(HLL_ERR.invalid);
    return;
  }
  const maxBytes = maxSparseBytes(c);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] !== 0) hllSetRegister(h, j, max[j]!, maxBytes);
  }
  invalidateCache(h);
  if (slot < 0) db.add(key, hllToString(h), STR_RAW);
  else db.replaceValue(slot, hllToString(h), STR_RAW);
  // Redis fires "pfadd" for a merge: in effect it adds many elements.
  c.server.notify(NOTIFY.string, 'pfadd', key, db.id);
  c.server.dirty++;
  c.reply.ok();
}

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key: the key is checked before the subcommand. */
function pfdebug(c: Client, argv: string[]): void {
  const cmd = argv[1]!;
  const key = argv[2]!;
  const db = c.db;
  const slot = writeSlot(c, key);
  if (slot < 0) {
    c.reply.error(HLL_ERR.noKey);
    return;
  }
  const s = hllStringOrReply(c, db.table.valueAt(slot));
  if (s === null) return;
  db.table.setFlags(slot, STR_RAW);
  const h = hllFromString(s);
  switch (cmd.toLowerCase()) {
    case 'getreg': {
      if (!toDenseInPlace(c, slot, h)) return;
      const regs = denseRegisters(h);
      c.reply.array(regs.length);
      for (const r of regs) c.reply.int(r);
      return;
    }
    case 'decode':
      if (hllEncoding(h) !== HLL_SPARSE) c.reply.error(HLL_ERR.notSparse);
      else c.reply.bulk(sparseDecode(h));
      return;
    case 'encoding':
      c.reply.simple(hllEncoding(h) === HLL_DENSE ? 'dense' : 'sparse');
      return;
    case 'todense': {
      const wasSparse = hllEncoding(h) === HLL_SPARSE;
      if (!toDenseInPlace(c, slot, h)) return;
      c.reply.int(wasSparse ? 1 : 0);
      return;
    }
    default:
      c.reply.error(oneLine(`ERR Unknown PFDEBUG subcommand '${cstr(cmd, Infinity)}'`));
  }
}

/**
 * Turns a sparse HLL value dense where it is stored. Like Redis (which converts the object in
 * place) nothing is signalled, but it counts as dirty so the conversion propagates.
 */
function toDenseInPlace(c: Client, slot: number, h: Hll): boolean {
  if (hllEncoding(h) !== HLL_SPARSE) return true;
  if (!sparseToDense(h)) {
    c.reply.error(HLL_ERR.invalid);
    return false;
  }
  c.db.table.setValueAt(slot, hllToString(h));
  c.server.dirty++;
  return true;
}

/** HyperLogLog (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST). */
export const hllCommands: CommandDef[] = [
  { name: 'pfadd', handler: pfadd },
  { name: 'pfcount', handler: pfcount },
  { name: 'pfmerge', handler: pfmerge },
  { name: 'pfdebug', handler: pfdebug },
  { name: 'pfselftest', handler: pfselftest },
];
