/**
 * Redis's pqsort.c (NetBSD's qsort, Bentley & McIlroy, changed to sort only what a range needs)
 * ported step for step. SORT ... BY ... LIMIT uses it, and it is not stable: where the comparator
 * finds two elements equal (ALPHA with equal or missing BY values) the order they come out in is
 * this algorithm's, so only an exact port gives Redis's replies.
 *
 * Sorts `a` in place so that positions lrange..rrange hold what a full sort would put there.
 */
export function pqsort<T>(a: T[], cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  pqsortPart(a, 0, a.length, cmp, lrange, rrange);
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Swaps the n elements at i with the n at j. */
function vecswap<T>(a: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(a, i + k, j + k);
}

function med3<T>(a: T[], i: number, j: number, k: number, cmp: (x: T, y: T) => number): number {
  return cmp(a[i]!, a[j]!) < 0
    ? cmp(a[j]!, a[k]!) < 0
      ? j
      : cmp(a[i]!, a[k]!) < 0
        ? k
        : i
    : cmp(a[j]!, a[k]!) > 0
      ? j
      : cmp(a[i]!, a[k]!) < 0
        ? i
        : k;
}

function insertionSort<T>(a: T[], lo: number, n: number, cmp: (x: T, y: T) => number): void {
  for (let pm = lo + 1; pm < lo + n; pm++) {
    for (let pl = pm; pl > lo && cmp(a[pl - 1]!, a[pl]!) > 0; pl--) swap(a, pl, pl - 1);
  }
}

/**
 * _pqsort on the n elements from lo. The C code compares byte addresses; with whole elements
 * the tests "the range lies entirely left/right of this part" read the same on indices.
 */
function pqsortPart<T>(a: T[], lo: number, n: number, cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  for (;;) {
    let swapped = false;
    if (n < 7) {
      insertionSort(a, lo, n, cmp);
      return;
    }
    let pm = lo + Math.floor(n / 2);
    if (n > 7) {
      let pl = lo;
      let pn = lo + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(a, pl, pl + d, pl + 2 * d, cmp);
        pm = med3(a, pm - d, pm, pm + d, cmp);
        pn = med3(a, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = med3(a, pl, pm, pn, cmp);
    }
    swap(a, lo, pm);
    let pa = lo + 1;
    let pb = pa;
    let pc = lo + n - 1;
    let pd = pc;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(a[pb]!, a[lo]!)) <= 0) {
        if (r === 0) {
          swapped = true;
          swap(a, pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(a[pc]!, a[lo]!)) >= 0) {
        if (r === 0) {
          swapped = true;
          swap(a, pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(a, pb, pc);
      swapped = true;
      pb++;
      pc--;
    }
    if (!swapped) {
      // Already partitioned without a swap: insertion sort finishes it.
      insertionSort(a, lo, n, cmp);
      return;
    }
    const pn = lo + n;
    let r = Math.min(pa - lo, pb - pa);
    vecswap(a, lo, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    vecswap(a, pb, pn - r, r);
    r = pb - pa;
    if (r > 1 && overlaps(lo, r, lrange, rrange)) pqsortPart(a, lo, r, cmp, lrange, rrange);
    r = pd - pc;
    if (r <= 1) return;
    // Iterate rather than recurse on the right part.
    lo = pn - r;
    n = r;
    if (!overlaps(lo, n, lrange, rrange)) return;
  }
}

/** Whether the range is not entirely left or entirely right of the part [lo, lo+n). */
function overlaps(lo: number, n: number, lrange: number, rrange: number): boolean {
  const hi = lo + n - 1;
  return !((lrange < lo && rrange < lo) || (lrange > hi && rrange > hi));
}
