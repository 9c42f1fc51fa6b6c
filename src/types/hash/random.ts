import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { parseInteger } from '../../protocol/number-format.js';
import { readHash } from './access.js';
import type { HashValue } from './hash-value.js';

/** LONG_MAX as a double rounds up to 2^63, so the range checks below are done on the text. */
const LONG_MAX_TEXT = '9223372036854775807';
const LONG_MAX_RANGE_ERROR = `ERR value is out of range, value must between -${LONG_MAX_TEXT} and ${LONG_MAX_TEXT}`;
/** -LONG_MAX/2 in C (integer division): the most negative count WITHVALUES accepts. */
const HALF_LONG_MAX = 4611686018427387903n;
/** Redis's HRANDFIELD_SUB_STRATEGY_MUL: above count*3 > size, copy-and-remove is cheaper. */
const SUB_STRATEGY_MUL = 3;

/**
 * HRANDFIELD key [count [WITHVALUES]] (hrandfieldCommand). Without a count: one random field or
 * null. With a count: see hrandfieldWithCount.
 */
function hrandfield(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const s = argv[2]!;
    const n = parseInteger(s);
    if (n === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    // getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX): only LONG_MIN is out.
    if (s === '-9223372036854775808') {
      c.reply.error(LONG_MAX_RANGE_ERROR);
      return;
    }
    if (argv.length > 4 || (argv.length === 4 && argv[3]!.toLowerCase() !== 'withvalues')) {
      c.reply.error(ERR.syntax);
      return;
    }
    const withValues = argv.length === 4;
    if (withValues) {
      const b = BigInt(s);
      if (b < -HALF_LONG_MAX || b > HALF_LONG_MAX) {
        c.reply.error('ERR value is out of range');
        return;
      }
    }
    hrandfieldWithCount(c, argv[1]!, n, withValues);
    return;
  }
  const h = readHash(c, argv[1]!);
  if (h === null) return;
  if (h === undefined) {
    c.reply.null();
    return;
  }
  c.reply.bulk(h.random()[0]);
}

/**
 * hrandfieldWithCountCommand. A negative count may repeat fields and comes in random order; a
 * positive one gives distinct fields: the whole hash (in its order) when the count reaches the
 * size, else a sample. A listpack's sample keeps listpack order, as lpRandomPairsUnique does.
 * WITHVALUES pairs are flat in RESP2 and two-element arrays in RESP3.
 */
function hrandfieldWithCount(c: Client, key: string, l: number, withValues: boolean): void {
  const h = readHash(c, key);
  if (h === null) return;
  const r = c.reply;
  if (h === undefined) {
    r.array(0);
    return;
  }
  const uniq = l >= 0;
  const count = Math.abs(l);
  if (count === 0) {
    r.array(0);
    return;
  }
  const nested = withValues && r.resp === 3;
  const emit = (f: string, v: string): void => {
    if (nested) r.array(2);
    r.bulk(f);
    if (withValues) r.bulk(v);
  };
  const header = (n: number): void => r.array(withValues && r.resp === 2 ? n * 2 : n);

  if (!uniq || count === 1) {
    header(count);
    for (let i = 0; i < count; i++) {
      const [f, v] = h.random();
      emit(f, v);
    }
    return;
  }
  const size = h.size;
  if (count >= size) {
    header(size);
    for (const [f, v] of h.entries()) emit(f, v);
    return;
  }
  header(count);
  if (h.isListpack || count * SUB_STRATEGY_MUL > size) {
    for (const [f, v] of sampleInOrder(h, count)) emit(f, v);
    return;
  }
  // Few fields of a big hashtable: pick at random until enough distinct ones are found.
  const picked = new Map<string, string>();
  while (picked.size < count) {
    const [f, v] = h.random();
    picked.set(f, v);
  }
  for (const [f, v] of picked) emit(f, v);
}

/** Knuth's selection sampling: `count` distinct pairs, each subset equally likely, in hash order. */
function* sampleInOrder(h: HashValue, count: number): IterableIterator<[string, string]> {
  let left = h.size;
  let need = count;
  for (const e of h.entries()) {
    if (need === 0) return;
    if (Math.random() * left < need) {
      need--;
      yield e;
    }
    left--;
  }
}

export const hrandfieldCommands: CommandDef[] = [{ name: 'hrandfield', handler: hrandfield }];
