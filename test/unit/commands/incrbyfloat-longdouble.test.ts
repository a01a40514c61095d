/**
 * INCRBYFLOAT's long double arithmetic (src/util/longdouble.ts) on vectors recorded from
 * real Redis 7.0.15 on x86_64: value, increment, and the reply (null for an error). These
 * run without redis-server; test/interop/strings.test.ts compares random operands live.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../../../src/util/longdouble.js';

/** What INCRBYFLOAT replies for a key holding `value`, or null for either error. */
function incrbyfloat(value: string, incr: string): string | null {
  const a = parseLongDouble(value);
  const b = parseLongDouble(incr);
  if (a === null || b === null) return null;
  const sum = addLongDouble(a, b);
  return sum === null || sum.inf ? null : formatLongDouble(sum);
}

const VECTORS: [string, string, string | null][] = [
  ['0', '0.1', '0.1'], ['0.1', '0.1', '0.2'], ['0.2', '0.1', '0.3'], ['0.3', '-0.3', '0'],
  ['1', '1e30', '1000000000000000000024696061952'], ['3.0e3', '0', '3000'],
  ['0', '1.23456789012345678901234', '1.23456789012345679'], ['10.50', '0', '10.5'], ['0', '-1e-20', '0'],
  ['0', '1e-4940', '0'], ['9223372036854775807', '1', '9223372036854775808'],
  ['9223372036854775807', '0.5', '9223372036854775807.5'], ['0', '0x1p-3', '0.125'], ['0', '0X1.8P1', '3'],
  ['1.5', '.5', '2'], ['5.', '+2', '7'], ['-0', '0', '0'], ['0', '1e-17', '0.00000000000000001'],
  ['0', '123456789.987654321', '123456789.98765432099753525'], ['0', '0.7', '0.7'], ['1.1', '2.2', '3.3'],
  ['0.1', '-0.1', '0'], ['3.3', '3.3', '6.6'], ['-2.5', '1', '-1.5'], ['0', '9007199254740993', '9007199254740993'],
  ['0', '0.30000000000000004', '0.30000000000000004'], ['100', '-99.99', '0.01'],
  // Errors: not a float, NaN, overflow to infinity, underflow to zero, stray characters.
  ['0', '1e-5000', null], ['0', '1e5000', null], ['0', 'inf', null], ['0', 'nan', null], ['0', ' 1', null],
  ['0', '1 ', null], ['0', '1e', null], ['0', '', null], ['x', '1', null], ['inf', '1', null], ['1e4932', '1e4932', null],
];

describe('INCRBYFLOAT long double arithmetic', () => {
  test('matches recorded Redis 7.0 replies', () => {
    for (const [value, incr, expected] of VECTORS) {
      assert.equal(incrbyfloat(value, incr), expected, `${value} + ${incr}`);
    }
  });

  test('values beyond the double range print every digit, as %.17Lf does', () => {
    const r = incrbyfloat('0', '1e400')!;
    assert.equal(r.length, 401);
    assert.ok(r.startsWith('10000000000000000000281880683947586514586453433629052038625910693539685534'));
    assert.ok(r.endsWith('734806343732497430221946880'));
    const s = incrbyfloat('1e308', '1e308')!;
    assert.ok(s.startsWith('199999999999999999993371759311691291321120199694831134415594095989843469737676'));
    assert.equal(s.length, 309);
  });

  test('repeated 0.1 increments stay short, unlike doubles', () => {
    let v = '0';
    for (let i = 1; i <= 10; i++) v = incrbyfloat(v, '0.1')!;
    assert.equal(v, '1');
    assert.notEqual(String(0.1 + 0.2), incrbyfloat('0.1', '0.2'));
  });

  test('inputs strtold refuses or Redis rejects', () => {
    for (const s of ['', '.', '-', '+', 'e5', '1e+', '0x', '0x1p', 'infin', 'nan', '1,5', '1.2.3', '\t1', '1\n', '0x1p99999']) {
      assert.equal(parseLongDouble(s), null, JSON.stringify(s));
    }
    assert.equal(parseLongDouble('x'.repeat(6000)), null);
    assert.ok(parseLongDouble('-Infinity')!.inf);
    assert.equal(addLongDouble(parseLongDouble('inf')!, parseLongDouble('-inf')!), null);
  });
});
