import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import type { ObjectValue } from '../../keyspace/db.js';
import { ERR } from '../../errors.js';
import { parseDouble, parseInteger } from '../../protocol/number-format.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { ZSetValue, zsetLimits } from './zset-value.js';
import { storeResult } from './range.js';

/** What a plain set offers here (the set family's SetValue): its members count with score 1. */
interface SetLike extends ObjectValue {
  readonly size: number;
  has(member: string): boolean;
  members(): IterableIterator<string>;
}

function isSetLike(v: ObjectValue): v is SetLike {
  return v.type === 'set' && 'members' in v && typeof v.members === 'function' && 'has' in v && typeof v.has === 'function';
}

/** One input of a set operation (zsetopsrc): a sorted set, a set, or a missing key. */
interface Source {
  z: ZSetValue | null;
  s: SetLike | null;
  weight: number;
}

function sourceSize(src: Source): number {
  return src.z ? src.z.size : src.s ? src.s.size : 0;
}

function* sourceEntries(src: Source): IterableIterator<[string, number]> {
  if (src.z) yield* src.z.entries();
  else if (src.s) for (const m of src.s.members()) yield [m, 1];
}

function sourceFind(src: Source, member: string): number | undefined {
  if (src.z) return src.z.score(member);
  if (src.s) return src.s.has(member) ? 1 : undefined;
  return undefined;
}

type Aggregate = 'sum' | 'min' | 'max';

/** zunionInterAggregate: under SUM, inf + -inf (NaN) counts as 0. */
function aggregate(target: number, val: number, how: Aggregate): number {
  if (how === 'sum') {
    const t = target + val;
    return Number.isNaN(t) ? 0 : t;
  }
  if (how === 'min') return val < target ? val : target;
  return val > target ? val : target;
}

type Op = 'union' | 'inter' | 'diff';

/**
 * zunionInterDiffGenericCommand: ZUNION/ZINTER/ZDIFF, their STORE forms, and ZINTERCARD
 * (cardinalityOnly). `dst` is the destination key of the STORE forms.
 */
function zsetOpGeneric(c: Client, argv: string[], dst: string | null, numkeysIndex: number, op: Op, cardinalityOnly: boolean, cmdName: string): void {
  const setnum = parseInteger(argv[numkeysIndex]!);
  if (setnum === null) {
    c.reply.error(ERR.notInteger);
    return;
  }
  if (setnum < 1) {
    c.reply.error(`ERR at least 1 input key is needed for '${cmdName}' command`);
    return;
  }
  if (setnum > argv.length - (numkeysIndex + 1)) {
    c.reply.error(ERR.syntax);
    return;
  }
  const src: Source[] = [];
  let j = numkeysIndex + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = lookupRead(c, argv[j]!);
    const s: Source = { z: null, s: null, weight: 1 };
    if (v !== undefined) {
      if (v instanceof ZSetValue) s.z = v;
      else if (typeof v !== 'string' && isSetLike(v)) s.s = v;
      else {
        c.reply.error(ERR.wrongType);
        return;
      }
    }
    src.push(s);
  }
  let how: Aggregate = 'sum';
  let withscores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const opt = argv[j]!.toLowerCase();
    if (op !== 'diff' && !cardinalityOnly && remaining >= setnum + 1 && opt === 'weights') {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseDouble(argv[j]!);
        if (w === null) {
          c.reply.error('ERR weight value is not a float');
          return;
        }
        src[i]!.weight = w;
      }
    } else if (op !== 'diff' && !cardinalityOnly && remaining >= 2 && opt === 'aggregate') {
      const a = argv[j + 1]!.toLowerCase();
      if (a !== 'sum' && a !== 'min' && a !== 'max') {
        c.reply.error(ERR.syntax);
        return;
      }
      how = a;
      j += 2;
    } else if (dst === null && !cardinalityOnly && opt === 'withscores') {
      withscores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && opt === 'limit') {
      const l = parseInteger(argv[j + 1]!);
      if (l === null || l < 0) {
        c.reply.error("ERR LIMIT can't be negative");
        return;
      }
      limit = l;
      j += 2;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  // Smallest inputs first, as Redis sorts them (which also decides the order of SUM's additions).
  if (op !== 'diff') src.sort((a, b) => sourceSize(a) - sourceSize(b));

  const limits = zsetLimits(c.server.config);
  const result = new ZSetValue(false);
  let cardinality = 0;
  if (op === 'inter') {
    const first = src[0]!;
    if (sourceSize(first) > 0) {
      for (const [member, s0] of sourceEntries(first)) {
        let score = first.weight * s0;
        if (Number.isNaN(score)) score = 0;
        let k = 1;
        for (; k < src.length; k++) {
          const other = src[k]!;
          // The same key given twice: its score is the one being iterated.
          const found = (other.z !== null && other.z === first.z) || (other.s !== null && other.s === first.s) ? s0 : sourceFind(other, member);
          if (found === undefined) break;
          score = aggregate(score, found * other.weight, how);
        }
        if (k !== src.length) continue;
        if (cardinalityOnly) {
          cardinality++;
          if (limit && cardinality >= limit) break;
        } else {
          result.insertNew(score, member, limits);
        }
      }
    }
  } else if (op === 'union') {
    const acc = new Map<string, number>();
    for (const s of src) {
      if (sourceSize(s) === 0) continue;
      for (const [member, v] of sourceEntries(s)) {
        let score = s.weight * v;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(member);
        acc.set(member, cur === undefined ? score : aggregate(cur, score, how));
      }
    }
    for (const [m, s] of acc) result.insertNew(s, m, limits);
  } else {
    const first = src[0]!;
    if (sourceSize(first) > 0) {
      outer: for (const [member, s0] of sourceEntries(first)) {
        for (let k = 1; k < src.length; k++) if (sourceFind(src[k]!, member) !== undefined) continue outer;
        result.insertNew(s0, member, limits);
      }
    }
  }

  if (dst !== null) {
    storeResult(c, dst, result, op === 'union' ? 'zunionstore' : op === 'inter' ? 'zinterstore' : 'zdiffstore');
  } else if (cardinalityOnly) {
    c.reply.int(cardinality);
  } else {
    const r = c.reply;
    const pairs = withscores && r.resp > 2;
    r.array(withscores && !pairs ? result.size * 2 : result.size);
    for (let n = result.first; n; n = n.next) {
      if (pairs) r.array(2);
      r.bulk(n.member);
      if (withscores) r.double(n.score);
    }
  }
}

export const zsetOpCommands: readonly CommandDef[] = [
  { name: 'zunionstore', handler: (c, argv) => zsetOpGeneric(c, argv, argv[1]!, 2, 'union', false, 'zunionstore') },
  { name: 'zinterstore', handler: (c, argv) => zsetOpGeneric(c, argv, argv[1]!, 2, 'inter', false, 'zinterstore') },
  { name: 'zdiffstore', handler: (c, argv) => zsetOpGeneric(c, argv, argv[1]!, 2, 'diff', false, 'zdiffstore') },
  { name: 'zunion', handler: (c, argv) => zsetOpGeneric(c, argv, null, 1, 'union', false, 'zunion') },
  { name: 'zinter', handler: (c, argv) => zsetOpGeneric(c, argv, null, 1, 'inter', false, 'zinter') },
  { name: 'zdiff', handler: (c, argv) => zsetOpGeneric(c, argv, null, 1, 'diff', false, 'zdiff') },
  { name: 'zintercard', handler: (c, argv) => zsetOpGeneric(c, argv, null, 1, 'inter', true, 'zintercard') },
];
