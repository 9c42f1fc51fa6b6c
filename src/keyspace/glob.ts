/**
 * Redis's stringmatchlen (util.c, 7.0.15), ported line by line: glob-style matching of binary
 * strings with `*`, `?`, `[...]` (ranges, `^` negation, `\` escapes) and `\` escapes, used by
 * KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE and ACL patterns.
 *
 * The C quirks are kept on purpose, since clients see them: reading one past the end yields the
 * NUL terminator, bytes are signed chars in range comparisons ("[\x00-\xff]" is the range
 * -1..0), `tolower` only folds A-Z (the C locale), an unclosed `[` ends at the end of the
 * pattern, a trailing `\` matches itself, and an empty string never matches a non-empty pattern
 * (so "*" does not match "", which KEYS and SCAN side-step by treating a lone "*" as match-all).
 */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  const state = { skipLongerMatches: false };
  return matchImpl(pattern, 0, str, 0, nocase, state, 0);
}

/** The byte at i, or 0 past the end (the sds NUL terminator). */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/** A byte read through a signed `char`. */
function signed(b: number): number {
  return b >= 128 ? b - 256 : b;
}

/** tolower in the C locale. */
function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

function matchImpl(
  p: string,
  pi: number,
  s: string,
  si: number,
  nocase: boolean,
  state: { skipLongerMatches: boolean },
  nesting: number,
): boolean {
  // Protection against abusive patterns (CVE-2022-36021).
  if (nesting > 1000) return false;
  const pend = p.length;
  const send = s.length;
  while (pi < pend && si < send) {
    switch (p.charCodeAt(pi)) {
      case 42: {
        // '*'
        while (pi < pend && at(p, pi + 1) === 42) pi++;
        if (pend - pi === 1) return true;
        while (si < send) {
          if (matchImpl(p, pi + 1, s, si, nocase, state, nesting + 1)) return true;
          if (state.skipLongerMatches) return false;
          si++;
        }
        // The rest of the pattern matches nowhere in the rest of the string, so no earlier
        // '*' can help by swallowing more: stop every pending attempt.
        state.skipLongerMatches = true;
        return false;
      }
      case 63: // '?'
        si++;
        break;
      case 91: {
        // '['
        pi++;
        const not = at(p, pi) === 94;
        if (not) pi++;
        let match = false;
        const c0 = s.charCodeAt(si);
        for (;;) {
          const pc = at(p, pi);
          if (pc === 92 && pend - pi >= 2) {
            pi++;
            if (at(p, pi) === c0) match = true;
          } else if (pc === 93) {
            break;
          } else if (pi >= pend) {
            pi--;
            break;
          } else if (pend - pi >= 3 && at(p, pi + 1) === 45) {
            let start = signed(pc);
            let end = signed(at(p, pi + 2));
            let c = signed(c0);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = lower(start);
              end = lower(end);
              c = lower(c);
            }
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else if (nocase ? lower(pc) === lower(c0) : pc === c0) {
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
        // '\\' escapes the next byte, unless it is the last one (then it matches itself).
        if (p.charCodeAt(pi) === 92 && pend - pi >= 2) pi++;
        const pc = p.charCodeAt(pi);
        const sc = s.charCodeAt(si);
        if (nocase ? lower(pc) !== lower(sc) : pc !== sc) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === send) {
      while (at(p, pi) === 42) pi++;
      break;
    }
  }
  return pi === pend && si === send;
}
