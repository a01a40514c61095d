/**
 * Bit commands against real Redis 7.0: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
 * BITFIELD_RO with their errors and edge cases (BIT/BYTE ranges, masks at range edges, huge
 * offsets, signed and unsigned fields at every width, overflow modes), random sequences
 * compared reply by reply (fast-check), and the propagated effect of each write.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pairSuite } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';

const BIN = Buffer.from([0, 0xff, 0x80, 0x01, 0x7f, 0xaa, 0x55, 0x0f]).toString('latin1');

describe('bit commands match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();


  test('arity and wrong type errors', async () => {
    await suite.pair.sequence([
      ['SETBIT', 'k', '1'], ['GETBIT', 'k'], ['BITCOUNT'], ['BITPOS', 'k'], ['BITOP', 'AND', 'd'], ['BITFIELD'], ['BITFIELD_RO'],
      ['RPUSH', 'l', 'x'], ['SETBIT', 'l', '1', '1'], ['GETBIT', 'l', '1'], ['BITCOUNT', 'l'], ['BITCOUNT', 'l', 'x', 'y'],
      ['BITPOS', 'l', '1'], ['BITOP', 'AND', 'd', 'l'], ['BITOP', 'OR', 'l', 'nokey'], ['BITOP', 'NOT', 'd', 'l'],
      ['BITFIELD', 'l', 'GET', 'u8', '0'], ['BITFIELD', 'l', 'SET', 'u8', '0', '1'], ['BITFIELD_RO', 'l', 'GET', 'u8', '0'],
      ['BITFIELD', 'l'], ['LLEN', 'l'],
    ]);
  });

  test('SETBIT and GETBIT', async () => {
    await suite.pair.sequence([
      ['SETBIT', 'b', '7', '1'], ['GET', 'b'], ['SETBIT', 'b', '7', '1'], ['SETBIT', 'b', '7', '0'], ['SETBIT', 'b', '100', '0'],
      ['STRLEN', 'b'], ['SETBIT', 'b', '0', '1'], ['GET', 'b'], ['GETBIT', 'b', '0'], ['GETBIT', 'b', '1'], ['GETBIT', 'b', '7'],
      ['GETBIT', 'b', '100000'], ['GETBIT', 'nokey', '5'], ['SETBIT', 'b', '-1', '1'], ['SETBIT', 'b', 'x', '1'],
      ['SETBIT', 'b', '1', '2'], ['SETBIT', 'b', '1', '-1'], ['SETBIT', 'b', '1', 'x'], ['SETBIT', 'b', '1', '01'],
      ['SETBIT', 'b', '1', ''], ['SETBIT', 'b', '4294967296', '1'], ['SETBIT', 'b', '9223372036854775807', '1'],
      ['GETBIT', 'b', '-1'], ['GETBIT', 'b', 'x'], ['GETBIT', 'b', '4294967295'], ['GETBIT', 'b', '4294967296'],
      ['GETBIT', 'b', '9223372036854775808'], ['SETBIT', 'nokey', '4294967296', '1'], ['EXISTS', 'nokey'],
      ['SET', 'i', '7'], ['GETBIT', 'i', '2'], ['GETBIT', 'i', '3'], ['SETBIT', 'i', '6', '0'], ['GET', 'i'], ['INCR', 'i'],
      ['SET', 'z', BIN], ['SETBIT', 'z', '13', '0'], ['SETBIT', 'z', '63', '0'], ['GET', 'z'], ['SETBIT', 'z', '70', '1'], ['GET', 'z'],
    ]);
    await suite.pair.same('SET', 't', 'v', 'EX', '100');
    await suite.pair.same('SETBIT', 't', '3', '1');
    const [v, r] = await suite.pair.both('PTTL', 't');
    assert.ok((v as number) > 0 && (r as number) > 0);
  });

  test('BITCOUNT with BYTE and BIT ranges', async () => {
    await suite.pair.sequence([['SET', 'b', BIN], ['SET', 's', 'foobar'], ['SET', 'e', ''], ['SET', 'i', '1234567']]);
    const ranges = [[], ['0', '0'], ['1', '1'], ['0', '-1'], ['-2', '-1'], ['-1', '-2'], ['5', '3'], ['-100', '100'],
      ['100', '200'], ['-9223372036854775808', '9223372036854775807'], ['x', '1'], ['1', 'x'], ['0']];
    for (const key of ['b', 's', 'e', 'i', 'nokey']) {
      for (const r of ranges) await suite.pair.same('BITCOUNT', key, ...r);
      for (const unit of ['BIT', 'byte', 'Bit', 'foo']) {
        for (const r of [['0', '0'], ['1', '1'], ['5', '30'], ['3', '3'], ['7', '8'], ['-1', '-1'], ['-13', '-3'], ['-3', '-13'],
          ['0', '-1'], ['9', '62'], ['100', '-100'], ['-100', '100']]) {
          await suite.pair.same('BITCOUNT', key, ...r, unit);
        }
      }
    }
    await suite.pair.sequence([['BITCOUNT', 'b', '0', '1', 'BIT', 'extra'], ['BITCOUNT', 'nokey', 'x', 'y'], ['BITCOUNT', 'b', '0', '1', '2']]);
  });

  test('BITPOS with BYTE and BIT ranges', async () => {
    const values = ['', '\xff\xf0\x00', '\x00\xff\xf0', '\x00\x00\x00', '\xff\xff\xff', BIN, '\x00\x00\x01', '\xfe', '1'];
    for (const [n, value] of values.entries()) {
      const key = `v${n}`;
      await suite.pair.same('SET', key, value);
      for (const bit of ['0', '1']) {
        await suite.pair.same('BITPOS', key, bit);
        for (const start of ['0', '1', '2', '-1', '-2', '100', '-100']) {
          await suite.pair.same('BITPOS', key, bit, start);
          for (const end of ['0', '1', '-1', '2', '100', '-100']) {
            await suite.pair.same('BITPOS', key, bit, start, end);
            await suite.pair.same('BITPOS', key, bit, start, end, 'BYTE');
          }
        }
        for (const [start, end] of [['0', '0'], ['1', '6'], ['7', '9'], ['3', '20'], ['-5', '-1'], ['-1', '-5'], ['8', '15'],
          ['0', '100'], ['12', '12'], ['5', '-1'], ['9', '13'], ['-10', '-3']]) {
          await suite.pair.same('BITPOS', key, bit, start, end, 'bit');
        }
      }
    }
    await suite.pair.sequence([
      ['BITPOS', 'nokey', '0'], ['BITPOS', 'nokey', '1'], ['BITPOS', 'nokey', '1', 'x'], ['BITPOS', 'v1', '2'],
      ['BITPOS', 'v1', 'x'], ['BITPOS', 'v1', '-1'], ['BITPOS', 'v1', '1', 'x'], ['BITPOS', 'v1', '1', '0', 'x'],
      ['BITPOS', 'v1', '1', '0', '1', 'foo'], ['BITPOS', 'v1', '1', '0', 'x', 'foo'], ['BITPOS', 'v1', '1', '0', '1', 'BIT', 'x'],
    ]);
  });

  test('BITOP', async () => {
    await suite.pair.sequence([
      ['SET', 'a', 'foobar'], ['SET', 'b', 'abcdef'], ['SET', 'c', BIN], ['SET', 'e', ''],
      ['BITOP', 'AND', 'd', 'a', 'b'], ['GET', 'd'], ['BITOP', 'or', 'd', 'a', 'c'], ['GET', 'd'],
      ['BITOP', 'XOR', 'd', 'a', 'b', 'c'], ['GET', 'd'], ['BITOP', 'NOT', 'd', 'c'], ['GET', 'd'],
      ['BITOP', 'AND', 'd', 'a', 'nokey'], ['GET', 'd'], ['BITOP', 'OR', 'd', 'nokey', 'c'], ['GET', 'd'],
      ['BITOP', 'AND', 'd', 'c', 'a'], ['GET', 'd'], ['BITOP', 'XOR', 'd', 'a'], ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a', 'b'], ['BITOP', 'NAND', 'd', 'a'], ['BITOP', 'AND', 'd', 'nokey', 'e'], ['EXISTS', 'd'],
      ['BITOP', 'NOT', 'e2', 'e'], ['EXISTS', 'e2'], ['SET', 'i', '123'], ['BITOP', 'AND', 'd', 'i', 'a'], ['GET', 'd'],
      ['BITOP', 'OR', 'a', 'a', 'c'], ['GET', 'a'], ['RPUSH', 'l', 'x'], ['BITOP', 'AND', 'l', 'a'], ['TYPE', 'l'],
    ]);
    await suite.pair.same('SET', 'long1', 'x'.repeat(100) + BIN);
    await suite.pair.same('SET', 'long2', BIN.repeat(20));
    for (const op of ['AND', 'OR', 'XOR']) {
      await suite.pair.same('BITOP', op, 'd', 'long1', 'long2', 'a');
      await suite.pair.same('GET', 'd');
    }
  });

  test('BITFIELD GET, SET, INCRBY and overflow modes', async () => {
    await suite.pair.sequence([
      ['BITFIELD', 'f', 'SET', 'i8', '0', '100', 'GET', 'i8', '0', 'GET', 'u8', '0', 'GET', 'u4', '0', 'GET', 'i4', '4'],
      ['BITFIELD', 'f', 'INCRBY', 'i8', '0', '100'], ['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100'],
      ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '1', 'GET', 'i8', '0'],
      ['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '-1000', 'OVERFLOW', 'WRAP', 'INCRBY', 'i8', '0', '-1'],
      ['BITFIELD', 'f', 'SET', 'u8', '#1', '255', 'INCRBY', 'u8', '#1', '1', 'OVERFLOW', 'sat', 'INCRBY', 'u8', '#1', '-5'],
      ['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'SET', 'u8', '8', '-1', 'OVERFLOW', 'FAIL', 'SET', 'u8', '8', '-1', 'SET', 'u8', '8', '256'],
      ['BITFIELD', 'f', 'OVERFLOW', 'WRAP', 'SET', 'u8', '8', '-1', 'SET', 'u8', '8', '257', 'SET', 'i8', '8', '200'],
      ['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'SET', 'i8', '8', '200', 'SET', 'i8', '8', '-200', 'GET', 'i8', '8'],
      ['BITFIELD', 'f', 'SET', 'i64', '3', '-9223372036854775808', 'INCRBY', 'i64', '3', '-1', 'GET', 'u63', '3'],
      ['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '3', '-9223372036854775808', 'INCRBY', 'i64', '3', '9223372036854775807'],
      ['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '3', '9223372036854775807', 'INCRBY', 'i64', '3', '1'],
      ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '3', '1', 'INCRBY', 'i64', '3', '-9223372036854775808'],
      ['BITFIELD', 'f', 'OVERFLOW', 'WRAP', 'INCRBY', 'i64', '3', '9223372036854775807', 'INCRBY', 'u63', '0', '9223372036854775807'],
      ['BITFIELD', 'f', 'SET', 'u63', '1', '9223372036854775807', 'INCRBY', 'u63', '1', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '1', '-9223372036854775808'],
      ['BITFIELD', 'f', 'SET', 'i1', '0', '1', 'GET', 'i1', '0', 'SET', 'u1', '0', '1', 'INCRBY', 'i1', '0', '1', 'GET', 'u1', '0'],
      ['BITFIELD', 'f', 'GET', 'i5', '3', 'GET', 'u13', '#2', 'SET', 'i17', '#3', '-12345', 'GET', 'i17', '#3', 'GET', 'u31', '37'],
      ['GET', 'f'], ['BITFIELD', 'f'], ['BITFIELD', 'nokey', 'GET', 'u8', '0', 'GET', 'i64', '1000'], ['EXISTS', 'nokey'],
      ['BITFIELD', 'nokey2', 'OVERFLOW', 'FAIL', 'SET', 'u2', '100', '8'], ['GET', 'nokey2'],
      ['SET', 'i', '12345'], ['BITFIELD', 'i', 'GET', 'u16', '0', 'INCRBY', 'u8', '0', '1'], ['GET', 'i'],
    ]);
  });

  test('BITFIELD and BITFIELD_RO errors', async () => {
    await suite.pair.sequence([
      ['BITFIELD', 'f', 'GET', 'u64', '0'], ['BITFIELD', 'f', 'GET', 'i65', '0'], ['BITFIELD', 'f', 'GET', 'i0', '0'],
      ['BITFIELD', 'f', 'GET', 'I8', '0'], ['BITFIELD', 'f', 'GET', 'x8', '0'], ['BITFIELD', 'f', 'GET', 'u08', '0'],
      ['BITFIELD', 'f', 'GET', 'u', '0'], ['BITFIELD', 'f', 'GET', 'u8', '-1'], ['BITFIELD', 'f', 'GET', 'u8', '#'],
      ['BITFIELD', 'f', 'GET', 'u8', '#-1'], ['BITFIELD', 'f', 'GET', 'u8', 'x'], ['BITFIELD', 'f', 'GET', 'u8', '4294967296'],
      ['BITFIELD', 'f', 'GET', 'u8', '#536870912'], ['BITFIELD', 'f', 'GET', 'u8', '4294967288'],
      ['BITFIELD', 'f', 'SET', 'u8', '0', 'x'], ['BITFIELD', 'f', 'SET', 'u8', '0', '9223372036854775808'],
      ['BITFIELD', 'f', 'INCRBY', 'u8', '0'], ['BITFIELD', 'f', 'GET', 'u8'], ['BITFIELD', 'f', 'OVERFLOW'],
      ['BITFIELD', 'f', 'OVERFLOW', 'foo'], ['BITFIELD', 'f', 'FOO'], ['BITFIELD', 'f', 'SET', 'u8', '0', '1', 'GET', 'u8'],
      ['EXISTS', 'f'], ['BITFIELD_RO', 'f', 'GET', 'u8', '0'], ['BITFIELD_RO', 'f', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'f', 'INCRBY', 'u8', '0', '1'], ['BITFIELD_RO', 'f', 'OVERFLOW', 'SAT'], ['BITFIELD_RO', 'f'],
      ['BITFIELD_RO', 'f', 'SET', 'u8', '0', 'x'], ['EXISTS', 'f'], ['SET', 'f', BIN],
      ['BITFIELD_RO', 'f', 'GET', 'i8', '0', 'GET', 'u7', '#3', 'GET', 'i64', '3', 'GET', 'u63', '#1'],
    ]);
    assert.deepStrictEqual(suite.taken(), [['SET', 'f', BIN]]);
  });

  test('keyspace events', async () => {
    const events = await suite.pair.sameKeyspaceEvents([
      ['SETBIT', 'b', '3', '1'], ['SETBIT', 'b', '3', '1'], ['SETBIT', 'b', '30', '0'], ['BITOP', 'NOT', 'n', 'b'],
      ['BITOP', 'AND', 'n', 'nokey'], ['BITOP', 'AND', 'n', 'nokey'], ['BITFIELD', 'f', 'SET', 'u8', '0', '1'],
      ['BITFIELD', 'f', 'SET', 'u8', '0', '1'], ['BITFIELD', 'f', 'INCRBY', 'u8', '0', '1', 'INCRBY', 'u8', '8', '1'],
      ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '1000'], ['SET', 'end', '1'],
    ]);
    assert.equal(events.length, 14);
  });

  test('propagated effects of every write', async () => {
    const v = suite.pair.vellum;
    await v.call('SETBIT', 'b', '7', '1');
    await v.call('SETBIT', 'b', '7', '1'); // no change: nothing propagated
    await v.call('SETBIT', 'b', '20', '0'); // grows the value: propagated
    await v.call('SETBIT', 'b', 'x', '0');
    await v.call('GETBIT', 'b', '7');
    await v.call('BITCOUNT', 'b');
    await v.call('BITPOS', 'b', '1');
    await v.call('BITOP', 'NOT', 'n', 'b');
    await v.call('BITOP', 'AND', 'n', 'nokey'); // deletes n
    await v.call('BITOP', 'AND', 'n', 'nokey'); // nothing to delete
    await v.call('BITFIELD', 'f', 'SET', 'u8', '0', '5', 'GET', 'u8', '0');
    await v.call('BITFIELD', 'f', 'SET', 'u8', '0', '5'); // same value: no change
    await v.call('BITFIELD', 'f', 'GET', 'u8', '0');
    await v.call('BITFIELD_RO', 'f', 'GET', 'u8', '0');
    await v.call('BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1000');
    assert.deepStrictEqual(suite.taken(), [
      ['SETBIT', 'b', '7', '1'], ['SETBIT', 'b', '20', '0'], ['BITOP', 'NOT', 'n', 'b'], ['BITOP', 'AND', 'n', 'nokey'],
      ['BITFIELD', 'f', 'SET', 'u8', '0', '5', 'GET', 'u8', '0'],
    ]);
  });

  test('random sequences of bit commands match Redis', async () => {
    const key = fc.constantFrom('a', 'b', 'c');
    const bitOffset = fc.oneof(fc.integer({ min: 0, max: 80 }).map(String), fc.constantFrom('-1', 'x'));
    const index = fc.integer({ min: -20, max: 20 }).map(String);
    const unit = fc.constantFrom([], ['BIT'], ['BYTE']);
    const type = fc.oneof(
      fc.integer({ min: 1, max: 64 }).map((n) => `i${n}`),
      fc.integer({ min: 1, max: 63 }).map((n) => `u${n}`),
      fc.constantFrom('u64', 'x8'),
    );
    const fieldOffset = fc.oneof(fc.integer({ min: 0, max: 70 }).map(String), fc.integer({ min: 0, max: 4 }).map((n) => `#${n}`));
    const int64 = fc.oneof(
      fc.integer({ min: -300, max: 300 }).map(String),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    );
    const subcommand: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(type, fieldOffset).map(([t, o]) => ['GET', t, o]),
      fc.tuple(type, fieldOffset, int64).map(([t, o, v]) => ['SET', t, o, v]),
      fc.tuple(type, fieldOffset, int64).map(([t, o, v]) => ['INCRBY', t, o, v]),
      fc.constantFrom('WRAP', 'SAT', 'FAIL').map((m) => ['OVERFLOW', m]),
    );
    const command: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(key, bitOffset, fc.constantFrom('0', '1')).map(([k, o, b]) => ['SETBIT', k, o, b]),
      fc.tuple(key, bitOffset).map(([k, o]) => ['GETBIT', k, o]),
      fc.tuple(key, fc.constantFrom('', 'foobar', BIN, '\xff\xff', '12')).map(([k, v]) => ['SET', k, v]),
      fc.tuple(key, index, index, unit).map(([k, s, e, u]) => ['BITCOUNT', k, s, e, ...u]),
      fc.tuple(key, fc.constantFrom('0', '1'), fc.option(fc.tuple(index, fc.option(fc.tuple(index, unit)))))
        .map(([k, b, r]) => ['BITPOS', k, b, ...(r === null ? [] : [r[0], ...(r[1] === null ? [] : [r[1][0], ...r[1][1]])])]),
      fc.tuple(fc.constantFrom('AND', 'OR', 'XOR'), key, key, key).map(([op, d, a, b]) => ['BITOP', op, d, a, b]),
      fc.tuple(key, key).map(([d, a]) => ['BITOP', 'NOT', d, a]),
      fc.tuple(key, fc.array(subcommand, { maxLength: 4 })).map(([k, subs]) => ['BITFIELD', k, ...subs.flat()]),
      fc.tuple(key, fc.array(subcommand, { maxLength: 3 })).map(([k, subs]) => ['BITFIELD_RO', k, ...subs.flat()]),
      key.map((k) => ['GET', k]),
      key.map((k) => ['APPEND', k, 'x']),
    );
    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (cmds) => {
      await suite.pair.flush();
      for (const cmd of cmds) await suite.pair.same(...cmd);
    }), { numRuns: 80 });
  });
});
