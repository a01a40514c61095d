/**
 * CRC-64/Jones: the slicing-by-8 path must agree with the one-byte-at-a-time path (which
 * the tail uses) for every length and every split of the input into two updates.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc64, crc64Init, crc64Update, crc64Value } from '../../../src/persistence/rdb/crc64.js';

function bytewise(buf: Uint8Array): bigint {
  const s = crc64Init();
  for (let i = 0; i < buf.length; i++) crc64Update(s, buf, i, i + 1);
  return crc64Value(s);
}

test('Redis crc64.c test vector', () => {
  assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
});

test('slicing-by-8 equals byte at a time, for every length and split', () => {
  for (let n = 0; n <= 40; n++) {
    const buf = randomBytes(n);
    const expected = bytewise(buf);
    for (let cut = 0; cut <= n; cut++) {
      const s = crc64Init();
      crc64Update(s, buf, 0, cut);
      crc64Update(s, buf, cut, n);
      assert.equal(crc64Value(s), expected, `length ${n}, split at ${cut}`);
    }
  }
});
