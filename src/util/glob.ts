/**
 * Redis's stringmatchlen: glob matching for KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET.
 * `*` any run, `?` one char, `[abc]`, `[^a-z]` classes, `\x` escapes x. Case-sensitive
 * unless nocase. Iterative with backtracking to the last star, so no pattern is exponential.
 */
export function stringMatch(pattern: string, s: string, nocase = false): boolean {
  if (nocase) {
    pattern = pattern.toLowerCase();
    s = s.toLowerCase();
  }
  return matchFrom(pattern, 0, s, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  let starP = -1;
  let starS = -1;
  while (si < s.length) {
    if (pi < p.length) {
      const ch = p[pi];
      if (ch === '*') {
        while (pi < p.length && p[pi] === '*') pi++;
        if (pi === p.length) return true;
        starP = pi;
        starS = si;
        continue;
      }
      const step = matchOne(p, pi, s[si]!);
      if (step > 0) {
        pi += step;
        si++;
        continue;
      }
    }
    if (starP < 0) return false;
    pi = starP;
    si = ++starS;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** Length of the pattern element at pi if it matches c, else 0. */
function matchOne(p: string, pi: number, c: string): number {
  const ch = p[pi];
  if (ch === '?') return 1;
  if (ch === '\\' && pi + 1 < p.length) return p[pi + 1] === c ? 2 : 0;
  if (ch === '[') {
    let i = pi + 1;
    const not = p[i] === '^';
    if (not) i++;
    let matched = false;
    while (i < p.length && p[i] !== ']') {
      if (p[i] === '\\' && i + 1 < p.length) {
        if (p[i + 1] === c) matched = true;
        i += 2;
      } else if (i + 2 < p.length && p[i + 1] === '-' && p[i + 2] !== ']') {
        let lo = p[i]!, hi = p[i + 2]!;
        if (lo > hi) [lo, hi] = [hi, lo];
        if (c >= lo && c <= hi) matched = true;
        i += 3;
      } else {
        if (p[i] === c) matched = true;
        i++;
      }
    }
    // An unterminated class ends the pattern, as in Redis.
    const end = i < p.length ? i + 1 : i;
    return matched !== not ? end - pi : 0;
  }
  return ch === c ? 1 : 0;
}
