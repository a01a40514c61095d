/**
 * The x87 80-bit long double, exactly, for INCRBYFLOAT (t_string.c). Redis parses the value
 * and the increment with strtold, adds them in long double and prints the sum with
 * "%.17Lf", trailing zeros removed (util.c ld2string, LD_STR_HUMAN). A JS double gives
 * other digits as soon as a result is inexact (0.1 + 0.1 + 0.1 prints 0.3 in Redis,
 * 0.30000000000000004 in doubles), and replicas of real Redis, AOF files and clients
 * compare those digits, so this file reproduces the arithmetic instead of approximating it.
 *
 * A finite value is sign * mant * 2^exp with mant < 2^64 (the 64-bit significand) and
 * exp >= -16445 (the smallest subnormal); parsing, adding and printing are exact BigInt
 * arithmetic with round-half-even, as glibc's strtold and printf do. Cost: a few BigInt
 * operations on ~70-bit numbers for ordinary values; only exponents far from zero (1e400 is
 * valid in a long double) make the numbers longer.
 */

export interface LongDouble {
  readonly neg: boolean;
  /** Significand, < 2^64; 0n for zero. Ignored when inf. */
  readonly mant: bigint;
  readonly exp: number;
  readonly inf: boolean;
}

/** Smallest exponent of the last significand bit (subnormal 2^-16445). */
const MIN_EXP = -16445;
/** Values at or above 2^16384 overflow to infinity. */
const MAX_BITS = 16384;
const MANT_BITS = 64;
const MAX_CHARS = 5 * 1024; // MAX_LONG_DOUBLE_CHARS: string2ld refuses longer input
const DECIMAL = /^([+-]?)(?:([0-9]+)\.?([0-9]*)|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?$/;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

const ZERO: LongDouble = { neg: false, mant: 0n, exp: 0, inf: false };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * Round the exact value mant * 2^exp (plus a nonzero tail below it when `sticky`) to a long
 * double, nearest-even. Returns infinity on overflow.
 */
function round(neg: boolean, mant: bigint, exp: number, sticky: boolean): LongDouble {
  if (mant === 0n) return { neg, mant: 0n, exp: 0, inf: false };
  const shift = Math.max(bitLength(mant) - MANT_BITS, MIN_EXP - exp);
  if (shift > 0) {
    const big = BigInt(shift);
    let q = mant >> big;
    const r = mant - (q << big);
    const half = 1n << (big - 1n);
    if (r > half || (r === half && (sticky || (q & 1n) === 1n))) q++;
    mant = q;
    exp += shift;
  }
  if (mant !== 0n && bitLength(mant) + exp > MAX_BITS) return { neg, mant: 0n, exp: 0, inf: true };
  return { neg, mant, exp, inf: false };
}

/**
 * string2ld: the whole string must be a number strtold accepts (decimal, hexadecimal,
 * inf/infinity), with no leading space; NaN, overflow to infinity and underflow to zero are
 * refused. Returns null when Redis would answer "value is not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= MAX_CHARS) return null;
  let m = DECIMAL.exec(s);
  if (m !== null) return parseDecimal(m[1] === '-', (m[2] ?? '') + (m[3] ?? m[4] ?? ''), (m[3] ?? m[4] ?? '').length, m[5]);
  m = HEX.exec(s);
  if (m !== null) {
    const frac = m[3] ?? m[4] ?? '';
    const mant = BigInt('0x' + ((m[2] ?? '') + frac || '0'));
    const e = clampExponent(m[5]) - 4 * frac.length;
    if (mant === 0n) return ZERO;
    // Far outside the range either way; avoid building huge numbers.
    if (e + bitLength(mant) > MAX_BITS + 1) return null;
    if (e + bitLength(mant) < MIN_EXP - 1) return null;
    const v = round(m[1] === '-', mant, e, false);
    return v.inf || v.mant === 0n ? null : v;
  }
  m = INFINITY.exec(s);
  if (m !== null) return { neg: m[1] === '-', mant: 0n, exp: 0, inf: true };
  return null;
}

function clampExponent(e: string | undefined): number {
  if (e === undefined) return 0;
  const n = Number(e);
  return n > 1e9 ? 1e9 : n < -1e9 ? -1e9 : n;
}

function parseDecimal(neg: boolean, digits: string, fracDigits: number, expText: string | undefined): LongDouble | null {
  let d = BigInt(digits);
  if (d === 0n) return neg ? { neg, mant: 0n, exp: 0, inf: false } : ZERO;
  const e10 = clampExponent(expText) - fracDigits;
  const magnitude = d.toString().length + e10; // value < 10^magnitude
  if (magnitude > 4934) return null; // > LDBL_MAX (1.19e4932): overflow
  if (magnitude < -4952) return null; // < half the smallest subnormal (3.6e-4951): zero
  let v: LongDouble;
  if (e10 >= 0) {
    v = round(neg, d * 10n ** BigInt(e10), 0, false);
  } else {
    const den = 10n ** BigInt(-e10);
    // Scale so the quotient keeps at least 66 significant bits: the rounding bit and a
    // guard, with the remainder as the sticky bit.
    const k = Math.max(0, MANT_BITS + 2 + bitLength(den) - bitLength(d));
    d <<= BigInt(k);
    const q = d / den;
    v = round(neg, q, -k, q * den !== d);
  }
  return v.inf || v.mant === 0n ? null : v;
}

/** a + b in long double; null for NaN (inf + -inf). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null;
    return a.inf ? a : b;
  }
  if (b.mant === 0n) return a.mant === 0n ? { neg: a.neg && b.neg, mant: 0n, exp: 0, inf: false } : a;
  if (a.mant === 0n) return b;
  const e = Math.min(a.exp, b.exp);
  const x = a.mant << BigInt(a.exp - e);
  const y = b.mant << BigInt(b.exp - e);
  const sum = (a.neg ? -x : x) + (b.neg ? -y : y);
  return sum < 0n ? round(true, -sum, e, false) : round(false, sum, e, false);
}

/**
 * ld2string in LD_STR_HUMAN mode: "%.17Lf", trailing zeros and a trailing '.' removed,
 * "-0" printed as "0". Infinity prints "inf"/"-inf" (never stored: INCRBYFLOAT refuses it).
 */
export function formatLongDouble(v: LongDouble): string {
  if (v.inf) return v.neg ? '-inf' : 'inf';
  let digits: string;
  if (v.exp >= 0) {
    digits = (v.mant << BigInt(v.exp)).toString() + '00000000000000000';
  } else {
    const shift = BigInt(-v.exp);
    const n = v.mant * 100000000000000000n;
    let q = n >> shift;
    const r = n - (q << shift);
    const half = 1n << (shift - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q++;
    digits = q.toString().padStart(18, '0');
  }
  const point = digits.length - 17;
  let end = digits.length;
  while (end > point && digits.charCodeAt(end - 1) === 0x30) end--;
  const s = end === point ? digits.slice(0, point) : digits.slice(0, point) + '.' + digits.slice(point, end);
  return v.neg && s !== '0' ? '-' + s : s;
}
