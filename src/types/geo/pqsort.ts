/**
 * Redis's pqsort.c (NetBSD's Bentley-McIlroy quicksort, cut short outside a range): GEOSEARCH
 * with COUNT sorts only the first `count` results with it. It is not stable, so which of several
 * equally distant points come first, and which make the cut, depend on its exact steps; this is
 * a step-for-step port over array indexes (byte pointers divided by the element size).
 * Redis 7.0's copy has no switch to insertion sort after a partition without swaps (the later
 * BSD code has one): redis-server 7.0.15 orders ties as this code does, not as that one.
 */

type Cmp<T> = (a: T, b: T) => number;

function med3<T>(arr: T[], a: number, b: number, c: number, cmp: Cmp<T>): number {
  return cmp(arr[a]!, arr[b]!) < 0
    ? cmp(arr[b]!, arr[c]!) < 0
      ? b
      : cmp(arr[a]!, arr[c]!) < 0
        ? c
        : a
    : cmp(arr[b]!, arr[c]!) > 0
      ? b
      : cmp(arr[a]!, arr[c]!) < 0
        ? a
        : c;
}

function swap<T>(arr: T[], i: number, j: number): void {
  const t = arr[i]!;
  arr[i] = arr[j]!;
  arr[j] = t;
}

function vecswap<T>(arr: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(arr, i + k, j + k);
}

function insertionSort<T>(arr: T[], a: number, n: number, cmp: Cmp<T>): void {
  for (let pm = a + 1; pm < a + n; pm++) {
    for (let pl = pm; pl > a && cmp(arr[pl - 1]!, arr[pl]!) > 0; pl--) swap(arr, pl, pl - 1);
  }
}

/**
 * _pqsort. Its recursion into the left part becomes a stack of pending parts: the parts are
 * disjoint, so the order they are sorted in does not change the result, and a deep recursion
 * cannot overflow V8's stack.
 */
function pqsortRange<T>(arr: T[], a0: number, n0: number, cmp: Cmp<T>, lrange: number, rrange: number): void {
  const pending: number[] = [a0, n0];
  while (pending.length) {
    const n1 = pending.pop()!;
    const a1 = pending.pop()!;
    partition(arr, a1, n1, cmp, lrange, rrange, pending);
  }
}

function partition<T>(arr: T[], a: number, n: number, cmp: Cmp<T>, lrange: number, rrange: number, pending: number[]): void {
  for (;;) {
    if (n < 7) {
      insertionSort(arr, a, n, cmp);
      return;
    }
    let pm = a + Math.floor(n / 2);
    if (n > 7) {
      let pl = a;
      let pn = a + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(arr, pl, pl + d, pl + 2 * d, cmp);
        pm = med3(arr, pm - d, pm, pm + d, cmp);
        pn = med3(arr, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = med3(arr, pl, pm, pn, cmp);
    }
    swap(arr, a, pm);
    let pa = a + 1;
    let pb = pa;
    let pc = a + n - 1;
    let pd = pc;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(arr[pb]!, arr[a]!)) <= 0) {
        if (r === 0) {
          swap(arr, pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(arr[pc]!, arr[a]!)) >= 0) {
        if (r === 0) {
          swap(arr, pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(arr, pb, pc);
      pb++;
      pc--;
    }
    const pn = a + n;
    let r = Math.min(pa - a, pb - pa);
    vecswap(arr, a, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    vecswap(arr, pb, pn - r, r);
    // Recurse into a part only when it overlaps the range that must end up sorted.
    if ((r = pb - pa) > 1) {
      const l = a;
      const rr = a + r - 1;
      if (!((lrange < l && rrange < l) || (lrange > rr && rrange > rr))) pending.push(a, r);
    }
    if ((r = pd - pc) > 1) {
      a = pn - r;
      n = r;
      const l = a;
      const rr = a + r - 1;
      if (!((lrange < l && rrange < l) || (lrange > rr && rrange > rr))) continue;
    }
    return;
  }
}

/** pqsort: sorts arr enough that positions lrange..rrange hold what a full sort puts there. */
export function pqsort<T>(arr: T[], cmp: Cmp<T>, lrange: number, rrange: number): void {
  pqsortRange(arr, 0, arr.length, cmp, lrange, rrange);
}
