/**
 * Number parsing and formatting with Redis's exact rules. Redis parses integers with
 * string2ll (strict: no spaces, no '+', no leading zeros) and doubles with strtod plus a
 * check that nothing is left over and the result is not NaN; it prints doubles with %.17g.
 * JavaScript's own Number() and String() differ from all three, and a differential test
 * against real Redis notices.
 */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const STRICT_INT = /^(?:0|-?[1-9][0-9]*)$/;

/**
 * string2ll over a string. Returns a number when the value is a safe integer, a bigint
 * when it is a valid int64 beyond 2**53, and null when it is not an int64 at all.
 */
export function parseLongLong(s: string): number | bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  // Fast path: up to 15 digits always fit in a double exactly.
  if (len <= 15) {
    let i = 0;
    let neg = false;
    if (s.charCodeAt(0) === 0x2d) {
      if (len === 1) return null;
      neg = true;
      i = 1;
    }
    const first = s.charCodeAt(i);
    if (first === 0x30) return len === 1 ? 0 : null;
    let n = 0;
    for (; i < len; i++) {
      const d = s.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return null;
      n = n * 10 + d;
    }
    return neg ? -n : n;
  }
  if (!STRICT_INT.test(s)) return null;
  const big = BigInt(s);
  if (big > INT64_MAX || big < INT64_MIN) return null;
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

/** string2ll limited to safe integers: NaN for anything else (most callers' case). */
export function parseSafeInt(s: string): number {
  const v = parseLongLong(s);
  return typeof v === 'number' ? v : NaN;
}

/**
 * strtod as Redis's string2d / getDoubleFromObject use it: the whole string must be a
 * number, no leading space, and NaN is refused. Accepts inf, -inf, +inf, infinity (any
 * case), hexadecimal floats are not accepted here (Redis 7.0 does; nobody sends them).
 * Returns NaN on failure.
 */
export function parseDouble(s: string): number {
  if (s.length === 0 || s.length > 5000) return NaN;
  // The usual score, a short integer, without the case folding and the pattern (~10x).
  if (s.length <= 15 && isShortInteger(s)) return Number(s);
  const c0 = s.charCodeAt(0);
  if (c0 <= 0x20) return NaN; // strtod would skip, but Redis refuses leading space
  const last = s.charCodeAt(s.length - 1);
  if (last <= 0x20) return NaN;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) return NaN;
  return Number(s);
}

/** An optional '-' then 1 to 15 decimal digits: exactly a double, as Number parses it. */
function isShortInteger(s: string): boolean {
  let i = s.charCodeAt(0) === 0x2d ? 1 : 0;
  if (i === s.length) return false;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
  }
  return true;
}

/** printf("%.17g", d) — how Redis prints a double in replies (addReplyDouble, RESP2/3). */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  return formatG(d, 17);
}

/** printf("%.<precision>g", d) for finite d. */
export function formatG(d: number, precision: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // toExponential gives the correctly rounded digits and the exponent after rounding
  // (9.99… → 1.00e+1), which is the one %g decides with.
  const e = d.toExponential(precision - 1);
  const ePos = e.indexOf('e');
  const x = Number(e.slice(ePos + 1));
  if (x < -4 || x >= precision) {
    let mant = e.slice(0, ePos);
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const sign = x < 0 ? '-' : '+';
    const ax = Math.abs(x);
    return `${mant}e${sign}${ax < 10 ? '0' : ''}${ax}`;
  }
  let fixed = d.toFixed(Math.max(0, precision - 1 - x));
  if (fixed.includes('.')) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return fixed;
}
