/**
 * Redis's stringmatchlen: glob-style matching of binary strings with `*`, `?`, `[...]` (ranges,
 * `^` negation) and `\` escapes, used by KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE and ACL.
 */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return matchAt(pattern, 0, str, 0, nocase, 0);
}

function lower(c: string): string {
  return c.toLowerCase();
}

function matchAt(p: string, pi: number, s: string, si: number, nocase: boolean, nesting: number): boolean {
  // Redis caps recursion to avoid stack abuse by patterns like "a*a*a*...".
  if (nesting > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si <= slen) {
    const c = p[pi]!;
    switch (c) {
      case '*': {
        while (pi + 1 < plen && p[pi + 1] === '*') pi++;
        if (pi + 1 === plen) return true;
        for (let k = si; k <= slen; k++) {
          if (matchAt(p, pi + 1, s, k, nocase, nesting + 1)) return true;
        }
        return false;
      }
      case '?':
        if (si >= slen) return false;
        si++;
        break;
      case '[': {
        if (si >= slen) return false;
        pi++;
        const not = p[pi] === '^';
        if (not) pi++;
        let match = false;
        for (;;) {
          if (pi >= plen) {
            pi--;
            break;
          }
          const pc = p[pi]!;
          if (pc === '\\' && pi + 2 <= plen - 1 + 1 && pi + 1 < plen) {
            pi++;
            if (p[pi] === s[si]) match = true;
          } else if (pc === ']') {
            break;
          } else if (pi + 2 < plen && p[pi + 1] === '-') {
            let start = p.charCodeAt(pi);
            let end = p.charCodeAt(pi + 2);
            let ch = s.charCodeAt(si);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(String.fromCharCode(start)).charCodeAt(0);
              end = lower(String.fromCharCode(end)).charCodeAt(0);
              ch = lower(String.fromCharCode(ch)).charCodeAt(0);
            }
            pi += 2;
            if (ch >= start && ch <= end) match = true;
          } else if (nocase ? lower(pc) === lower(s[si]!) : pc === s[si]) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      default: {
        if (c === '\\' && pi + 1 < plen) pi++;
        if (si >= slen) return false;
        const pc = p[pi]!;
        if (nocase ? lower(pc) !== lower(s[si]!) : pc !== s[si]) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p[pi] === '*') pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}
