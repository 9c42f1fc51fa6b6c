import type { CommandDef } from '../../commands/table.js';
import type { Client } from '../../server/client.js';
import { ERR } from '../../errors.js';
import { parseInteger } from '../../protocol/number-format.js';
import { lookupRead } from '../../keyspace/lookup.js';

const UINT32_MAX = 4294967295;

/** One matching range of IDX: [aStart, aEnd] in the first string, [bStart, bEnd] in the second. */
interface LcsRange {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/** The full LCS length table, LCS(i, j) at j + i * (blen + 1), as Redis builds it. */
function lcsTable(a: string, b: string): Uint32Array | Uint16Array {
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  // Entries never exceed the shorter length: 16 bits halve the memory when that suffices.
  const size = (alen + 1) * w;
  const t = Math.min(alen, blen) < 65536 ? new Uint16Array(size) : new Uint32Array(size);
  for (let i = 1; i <= alen; i++) {
    const ai = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === b.charCodeAt(j - 1)) t[row + j] = t[prev + j - 1]! + 1;
      else {
        const l1 = t[prev + j]!;
        const l2 = t[row + j - 1]!;
        t[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  return t;
}

/** The LCS length alone, in two rows instead of the whole table. */
function lcsLength(a: string, b: string): number {
  const blen = b.length;
  let prev = new Uint32Array(blen + 1);
  let cur = new Uint32Array(blen + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= blen; j++) {
      if (ai === b.charCodeAt(j - 1)) cur[j] = prev[j - 1]! + 1;
      else cur[j] = prev[j]! > cur[j - 1]! ? prev[j]! : cur[j - 1]!;
    }
    [prev, cur] = [cur, prev];
  }
  return prev[blen]!;
}

/**
 * Walks the table back from the end as Redis's lcsCommand does (same tie-breaking), returning the
 * LCS string and the ranges in the order Redis emits them (from the end of the strings).
 */
function lcsBacktrack(a: string, b: string, t: Uint32Array | Uint16Array, minMatchLen: number): { lcs: string; ranges: LcsRange[] } {
  const alen = a.length;
  const w = b.length + 1;
  let idx = t[alen * w + b.length]!;
  const out: string[] = new Array<string>(idx);
  const ranges: LcsRange[] = [];
  // arangeStart === alen means "no range open".
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = b.length;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      out[idx - 1] = a[i - 1]!;
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        // Contiguous with the open range: extend it backwards.
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      // A match at the first byte of either string ends the walk: emit now.
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = t[(i - 1) * w + j]!;
      const l2 = t[i * w + j - 1]!;
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) ranges.push({ aStart, aEnd, bStart, bEnd });
      aStart = alen;
    }
  }
  return { lcs: out.join(''), ranges };
}

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]. */
function lcs(c: Client, argv: string[]): void {
  const va = lookupRead(c, argv[1]!);
  const vb = lookupRead(c, argv[2]!);
  // Checked before the options: a bad key wins over a syntax error.
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
    c.reply.error(ERR.lcsNotString);
    return;
  }
  const a = va ?? '';
  const b = vb ?? '';
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const moreArgs = argv.length - 1 - j;
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withMatchLen = true;
    else if (opt === 'minmatchlen' && moreArgs > 0) {
      const n = parseInteger(argv[j + 1]!);
      if (n === null) {
        c.reply.error(ERR.notInteger);
        return;
      }
      minMatchLen = n < 0 ? 0 : n;
      j++;
    } else {
      c.reply.error(ERR.syntax);
      return;
    }
  }
  if (getIdx && getLen) {
    c.reply.error(ERR.lcsLenAndIdx);
    return;
  }
  if (a.length >= UINT32_MAX - 1 || b.length >= UINT32_MAX - 1) {
    c.reply.error(ERR.lcsTooLong);
    return;
  }
  // Redis allocates (alen+1)*(blen+1) uint32 cells whatever the options, and refuses beyond this.
  if ((a.length + 1) * (b.length + 1) * 4 > c.server.config.int('proto-max-bulk-len')) {
    c.reply.error(ERR.lcsTooBig);
    return;
  }
  if (getLen) {
    c.reply.int(lcsLength(a, b));
    return;
  }
  const t = lcsTable(a, b);
  const { lcs: common, ranges } = lcsBacktrack(a, b, t, minMatchLen);
  if (!getIdx) {
    c.reply.bulk(common);
    return;
  }
  c.reply.map(2);
  c.reply.bulk('matches');
  c.reply.array(ranges.length);
  for (const r of ranges) {
    c.reply.array(withMatchLen ? 3 : 2);
    c.reply.array(2);
    c.reply.int(r.aStart);
    c.reply.int(r.aEnd);
    c.reply.array(2);
    c.reply.int(r.bStart);
    c.reply.int(r.bEnd);
    if (withMatchLen) c.reply.int(r.aEnd - r.aStart + 1);
  }
  c.reply.bulk('len');
  c.reply.int(t[a.length * (b.length + 1) + b.length]!);
}

export const lcsCommands: CommandDef[] = [{ name: 'lcs', handler: lcs }];
