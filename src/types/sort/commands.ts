import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { parseInteger } from '../../protocol/number-format.js';
import { NOTIFY } from '../../keyspace/notify.js';
import { lookupRead } from '../../keyspace/lookup.js';
import { ListValue } from '../list/list-value.js';
import { SetValue } from '../set/set-value.js';
import { ZSetValue } from '../zset/zset-value.js';
import { binaryCompare, collate, lookupByPattern, sortWeight } from './pattern.js';
import { pqsort } from './pqsort.js';

const SCORE_ERROR = "ERR One or more scores can't be converted into double";

/** One element being sorted (redisSortObject): its weight, or its BY value for ALPHA. */
interface SortItem {
  readonly element: string;
  score: number;
  /** The BY value compared under ALPHA; null when the BY key or field is missing. */
  by: string | null;
}

/** Parsed SORT options. */
interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  /** The last BY pattern given, or null. */
  sortBy: string | null;
  /** Set by any BY without a '*' (and never cleared by a later BY, as in Redis). */
  dontSort: boolean;
  gets: string[];
  store: string | null;
}

/** Parses the options after the key; null after replying an error. */
function parseSortOptions(c: Client, argv: string[], readonly: boolean): SortOptions | null {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, sortBy: null, dontSort: false, gets: [], store: null };
  for (let j = 2; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const left = argv.length - j - 1;
    if (opt === 'asc') {
      o.desc = false;
    } else if (opt === 'desc') {
      o.desc = true;
    } else if (opt === 'alpha') {
      o.alpha = true;
    } else if (opt === 'limit' && left >= 2) {
      const start = parseInteger(argv[j + 1]!);
      const count = start === null ? null : parseInteger(argv[j + 2]!);
      if (start === null || count === null) {
        c.reply.error(ERR.notInteger);
        return null;
      }
      o.limitStart = start;
      o.limitCount = count;
      j += 2;
    } else if (!readonly && opt === 'store' && left >= 1) {
      o.store = argv[++j]!;
    } else if (opt === 'by' && left >= 1) {
      const p = argv[++j]!;
      o.sortBy = p;
      // strchr on a C string: a '*' after a NUL does not count.
      const z = p.indexOf('\0');
      if ((z >= 0 ? p.slice(0, z) : p).indexOf('*') < 0) o.dontSort = true;
    } else if (opt === 'get' && left >= 1) {
      o.gets.push(argv[++j]!);
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  return o;
}

/**
 * SORT and SORT_RO (sortCommandGeneric, Redis 7.0): sorts a list, set or sorted set by its
 * elements or by weights from other keys, optionally fetching GET patterns and storing the
 * result as a list.
 */
function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  const o = parseSortOptions(c, argv, readonly);
  if (o === null) return;
  const v = lookupRead(c, argv[1]!);
  if (v !== undefined && !(v instanceof ListValue || v instanceof SetValue || v instanceof ZSetValue)) {
    c.reply.error(ERR.wrongType);
    return;
  }
  let { alpha, dontSort, sortBy } = o;
  const desc = o.desc;
  // A set has no order of its own: stored results are sorted (ALPHA) so they replicate alike.
  if (dontSort && v instanceof SetValue && o.store !== null) {
    dontSort = false;
    alpha = true;
    sortBy = null;
  }
  // Redis converts a listpack sorted set for good before sorting it (zsetConvert).
  if (v instanceof ZSetValue) v.listpack = false;

  const total = v === undefined ? 0 : v instanceof ListValue ? v.length : v.size;
  // LIMIT sanity as in Redis, including the empty-range case start = len-1, end = len-2.
  let start = Math.min(Math.max(o.limitStart, 0), total);
  const count = Math.min(Math.max(o.limitCount, -1), total);
  let end = count < 0 ? total - 1 : start + count - 1;
  if (start >= total) {
    start = total - 1;
    end = total - 2;
  }
  if (end >= total) end = total - 1;

  let items: SortItem[];
  if (dontSort && (v instanceof ListValue || v instanceof ZSetValue)) {
    // Natural order (reversed for DESC), and only the range LIMIT asks for.
    items = end >= start ? naturalRange(v, start, end, desc) : [];
    if (end >= start || v instanceof ZSetValue) {
      end -= start;
      start = 0;
    }
  } else {
    items = [];
    const add = (e: string): void => {
      items.push({ element: e, score: 0, by: null });
    };
    if (v instanceof ListValue) for (let i = 0; i < v.length; i++) add(v.at(i));
    else if (v instanceof SetValue) for (const m of v.members()) add(m);
    else if (v instanceof ZSetValue) for (const m of v.dict.keysIter()) add(m);
  }

  let conversionError = false;
  if (!dontSort) {
    for (const it of items) {
      let byVal: string;
      if (sortBy !== null) {
        const found = lookupByPattern(c, sortBy, it.element);
        if (found === null) continue;
        byVal = found;
      } else {
        byVal = it.element;
      }
      if (alpha) {
        if (sortBy !== null) it.by = byVal;
      } else {
        const w = sortWeight(byVal);
        if (w === null) conversionError = true;
        else it.score = w;
      }
    }
    const cmp = comparator(alpha, sortBy !== null, o.store !== null, desc);
    // A partial sort only with BY and a LIMIT (pqsort); otherwise glibc's qsort, a stable merge sort.
    if (sortBy !== null && (start !== 0 || end !== items.length - 1)) pqsort(items, cmp, start, end);
    else items.sort(cmp);
  }

  const getCount = o.gets.length;
  const rows = end - start + 1;
  const outputLen = getCount ? getCount * rows : rows;
  if (conversionError) {
    c.reply.error(SCORE_ERROR);
    return;
  }
  if (o.store === null) {
    const r = c.reply;
    r.array(outputLen);
    for (let j = start; j <= end; j++) {
      const e = items[j]!.element;
      if (getCount === 0) r.bulk(e);
      for (const g of o.gets) r.bulkOrNull(lookupByPattern(c, g, e));
    }
    return;
  }
  const out: string[] = [];
  for (let j = start; j <= end; j++) {
    const e = items[j]!.element;
    if (getCount === 0) out.push(e);
    // A missing GET value is stored as an empty string.
    for (const g of o.gets) out.push(lookupByPattern(c, g, e) ?? '');
  }
  const db = c.db;
  if (outputLen > 0) {
    db.set(o.store, ListValue.from(out));
    c.server.notify(NOTIFY.list, 'sortstore', o.store, db.id);
    c.server.dirty += outputLen;
  } else if (db.delete(o.store)) {
    c.server.notify(NOTIFY.generic, 'del', o.store, db.id);
    c.server.dirty++;
  }
  c.reply.int(outputLen);
}

/** The elements from start to end (0-based, counted from the tail for DESC) in natural order. */
function naturalRange(v: ListValue | ZSetValue, start: number, end: number, desc: boolean): SortItem[] {
  const out: SortItem[] = [];
  const n = end - start + 1;
  if (v instanceof ListValue) {
    const len = v.length;
    for (let k = 0; k < n; k++) out.push({ element: v.at(desc ? len - start - 1 - k : start + k), score: 0, by: null });
    return out;
  }
  let node = desc ? v.at(v.size - 1 - start) : v.at(start);
  for (let k = 0; k < n && node !== null; k++) {
    out.push({ element: node.member, score: 0, by: null });
    node = desc ? node.backward : node.next;
  }
  return out;
}

/**
 * sortCompare. Numeric: by weight, equal weights by the elements' bytes. ALPHA: by the BY values
 * (a missing one first) or the elements, in strcoll order, or byte order when storing.
 */
function comparator(alpha: boolean, byPattern: boolean, storing: boolean, desc: boolean): (a: SortItem, b: SortItem) => number {
  const strCmp = storing ? binaryCompare : collate;
  let cmp: (a: SortItem, b: SortItem) => number;
  if (!alpha) {
    cmp = (a, b) => (a.score > b.score ? 1 : a.score < b.score ? -1 : binaryCompare(a.element, b.element));
  } else if (byPattern) {
    cmp = (a, b) => {
      if (a.by === null || b.by === null) return a.by === b.by ? 0 : a.by === null ? -1 : 1;
      return strCmp(a.by, b.by);
    };
  } else {
    cmp = (a, b) => strCmp(a.element, b.element);
  }
  return desc ? (a, b) => -cmp(a, b) : cmp;
}

export const sortCommands: CommandDef[] = [
  { name: 'sort', handler: (c, argv) => sortGeneric(c, argv, false) },
  { name: 'sort_ro', handler: (c, argv) => sortGeneric(c, argv, true) },
];
