/**
 * Redis's zskiplist (t_zset.c): a skip list ordered by (score, member bytes) whose forward links
 * carry spans, so rank lookups and rank ranges are O(log n) too. Level 0 is doubly linked
 * (backward) for reverse iteration. Members are binary strings, compared as memcmp would.
 */

const MAX_LEVEL = 32;
const P = 0.25;

export class SkipNode {
  /** forward[i] is the next node at level i; span[i] counts the level-0 steps it skips. */
  readonly forward: (SkipNode | null)[];
  readonly span: number[];
  backward: SkipNode | null = null;
  constructor(
    readonly member: string,
    public score: number,
    level: number,
  ) {
    this.forward = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }

  /** The next node in order (level 0). */
  get next(): SkipNode | null {
    return this.forward[0] ?? null;
  }
}

/** memcmp-then-length order of binary strings (sdscmp). JS compares UTF-16 units; ours are bytes. */
export function compareMembers(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether (score, member) a sorts before (bScore, bMember). */
function before(aScore: number, aMember: string, bScore: number, bMember: string): boolean {
  return aScore < bScore || (aScore === bScore && aMember < bMember);
}

/**
 * Scratch for insert() and path(): the update vector and the ranks crossed. Shared by every list,
 * which is safe because no caller keeps one across another skip-list call (handlers are
 * synchronous, and updateScore is done with path()'s vector before it calls insert()).
 * Allocating two 32-slot arrays per insert cost more than the walk on small sets.
 */
const UPDATE = new Array<SkipNode>(MAX_LEVEL);
const RANK = new Array<number>(MAX_LEVEL).fill(0);

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

/** A score interval, each end open or closed (zrangespec). */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lex bound: "-" (below everything), "+" (above everything) or a string. */
export interface LexBound {
  inf: -1 | 0 | 1;
  s: string;
}

/** A lex interval (zlexrangespec); "-" and "+" are always open, as Redis parses them. */
export interface LexRange {
  min: LexBound;
  max: LexBound;
  minex: boolean;
  maxex: boolean;
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** sdscmplex of a member against a bound. */
function cmpLex(v: string, b: LexBound): number {
  if (b.inf !== 0) return -b.inf;
  return v < b.s ? -1 : v > b.s ? 1 : 0;
}

/** sdscmplex of two bounds. */
function cmpBounds(a: LexBound, b: LexBound): number {
  if (a.inf === b.inf && (a.inf !== 0 || a.s === b.s)) return 0;
  if (a.inf === -1 || b.inf === 1) return -1;
  if (a.inf === 1 || b.inf === -1) return 1;
  return a.s < b.s ? -1 : 1;
}

export function lexGteMin(v: string, r: LexRange): boolean {
  const c = cmpLex(v, r.min);
  return r.minex ? c > 0 : c >= 0;
}

export function lexLteMax(v: string, r: LexRange): boolean {
  const c = cmpLex(v, r.max);
  return r.maxex ? c < 0 : c <= 0;
}

/** Whether a lex range can hold nothing whatever the set (zslIsInLexRange's first test). */
export function lexRangeEmpty(r: LexRange): boolean {
  const c = cmpBounds(r.min, r.max);
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

/** Whether a score range can hold nothing whatever the set. */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

export class SkipList {
  private readonly header = new SkipNode('', 0, MAX_LEVEL);
  tail: SkipNode | null = null;
  length = 0;
  private level = 1;

  get first(): SkipNode | null {
    return this.header.forward[0] ?? null;
  }

  insert(score: number, member: string): SkipNode {
    const update = UPDATE;
    const rank = RANK;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      for (let f = x.forward[i]; f && before(f.score, f.member, score, member); f = x.forward[i]) {
        rank[i]! += x.span[i]!;
        x = f;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new SkipNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      node.forward[i] = u.forward[i]!;
      u.forward[i] = node;
      node.span[i] = u.span[i]! - (rank[0]! - rank[i]!);
      u.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.header ? null : update[0]!;
    const n0 = node.forward[0];
    if (n0) n0.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  private deleteNode(x: SkipNode, update: SkipNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (u.forward[i] === x) {
        u.span[i]! += x.span[i]! - 1;
        u.forward[i] = x.forward[i]!;
      } else {
        u.span[i]!--;
      }
    }
    const n0 = x.forward[0];
    if (n0) n0.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && !this.header.forward[this.level - 1]) this.level--;
    this.length--;
  }

  /** The update vector for the position just before (score, member). */
  private path(score: number, member: string): SkipNode[] {
    const update = UPDATE;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f && before(f.score, f.member, score, member); f = x.forward[i]) x = f;
      update[i] = x;
    }
    return update;
  }

  delete(score: number, member: string): boolean {
    const update = this.path(score, member);
    const x = update[0]!.forward[0];
    if (x && x.score === score && x.member === member) {
      this.deleteNode(x, update);
      return true;
    }
    return false;
  }

  /**
   * zslUpdateScore: moves an element to a new score, in place when its neighbours still
   * bracket it (the common case of a small increment).
   */
  updateScore(curScore: number, member: string, newScore: number): SkipNode {
    const update = this.path(curScore, member);
    const x = update[0]!.forward[0]!;
    const prev = x.backward;
    const next = x.forward[0] ?? null;
    if ((prev === null || prev.score < newScore || (prev.score === newScore && prev.member < member)) && (next === null || next.score > newScore || (next.score === newScore && next.member > member))) {
      x.score = newScore;
      return x;
    }
    this.deleteNode(x, update);
    return this.insert(newScore, member);
  }

  /** 1-based rank of an element, 0 when absent (zslGetRank). */
  rank(score: number, member: string): number {
    let r = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f && (f.score < score || (f.score === score && f.member <= member)); f = x.forward[i]) {
        r += x.span[i]!;
        x = f;
      }
      if (x !== this.header && x.member === member) return r;
    }
    return 0;
  }

  /** The element at a 1-based rank, or null (zslGetElementByRank). */
  byRank(rank: number): SkipNode | null {
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f && traversed + x.span[i]! <= rank; f = x.forward[i]) {
        traversed += x.span[i]!;
        x = f;
      }
      if (traversed === rank) return x === this.header ? null : x;
    }
    return null;
  }

  private inScoreRange(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !scoreGteMin(t.score, r)) return false;
    const f = this.first;
    return f !== null && scoreLteMax(f.score, r);
  }

  firstInScoreRange(r: ScoreRange): SkipNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f && !scoreGteMin(f.score, r); f = x.forward[i]) x = f;
    }
    const n = x.forward[0]!;
    return scoreLteMax(n.score, r) ? n : null;
  }

  lastInScoreRange(r: ScoreRange): SkipNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f && scoreLteMax(f.score, r); f = x.forward[i]) x = f;
    }
    return scoreGteMin(x.score, r) ? x : null;
  }

  private inLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !lexGteMin(t.member, r)) return false;
    const f = this.first;
    return f !== null && lexLteMax(f.member, r);
  }

  firstInLexRange(r: LexRange): SkipNode | null {
    if (!this.inLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f && !lexGteMin(f.member, r); f = x.forward[i]) x = f;
    }
    const n = x.forward[0]!;
    return lexLteMax(n.member, r) ? n : null;
  }

  lastInLexRange(r: LexRange): SkipNode | null {
    if (!this.inLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f && lexLteMax(f.member, r); f = x.forward[i]) x = f;
    }
    return lexGteMin(x.member, r) ? x : null;
  }

  /**
   * Deletes the run of elements starting at the first one `skip` says not to skip, while
   * `keep` holds; calls `removed` for each. Shared by the three ZREMRANGEBY* deletions.
   */
  private deleteRun(skip: (n: SkipNode) => boolean, keep: (n: SkipNode) => boolean, removed: (n: SkipNode) => void): number {
    const update = new Array<SkipNode>(MAX_LEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f && skip(f); f = x.forward[i]) x = f;
      update[i] = x;
    }
    let n = x.forward[0] ?? null;
    let count = 0;
    while (n && keep(n)) {
      const next = n.forward[0] ?? null;
      this.deleteNode(n, update);
      removed(n);
      count++;
      n = next;
    }
    return count;
  }

  deleteRangeByScore(r: ScoreRange, removed: (n: SkipNode) => void): number {
    return this.deleteRun(
      (n) => (r.minex ? n.score <= r.min : n.score < r.min),
      (n) => scoreLteMax(n.score, r),
      removed,
    );
  }

  deleteRangeByLex(r: LexRange, removed: (n: SkipNode) => void): number {
    return this.deleteRun(
      (n) => !lexGteMin(n.member, r),
      (n) => lexLteMax(n.member, r),
      removed,
    );
  }

  /** Deletes 1-based ranks start..end inclusive. */
  deleteRangeByRank(start: number, end: number, removed: (n: SkipNode) => void): number {
    const update = new Array<SkipNode>(MAX_LEVEL);
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = x.forward[i]; f && traversed + x.span[i]! < start; f = x.forward[i]) {
        traversed += x.span[i]!;
        x = f;
      }
      update[i] = x;
    }
    traversed++;
    let n = x.forward[0] ?? null;
    let count = 0;
    while (n && traversed <= end) {
      const next = n.forward[0] ?? null;
      this.deleteNode(n, update);
      removed(n);
      count++;
      traversed++;
      n = next;
    }
    return count;
  }
}
