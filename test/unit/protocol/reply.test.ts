/**
 * ReplyBuffer's encodings on strings alone, against the plain RESP text: the cached bulk
 * headers and separators (lengths below and from 1024 on), the cached integers, arrays of
 * bulks of every shape, and binary bytes.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyBuffer } from '../../../src/protocol/reply.js';

function bulk(s: string): string {
  return `$${s.length}\r\n${s}\r\n`;
}

function encode(fill: (r: ReplyBuffer) => void): string {
  const r = new ReplyBuffer();
  fill(r);
  return r.out;
}

/** A latin1 string of `len` bytes covering every byte value. */
function bytes(len: number): string {
  return String.fromCharCode(...Array.from({ length: len }, (_, i) => (i * 31 + len) & 0xff));
}

describe('bulk replies', () => {
  test('addReplyBulk and addReplyBulkOrNull, cached and uncached header lengths', () => {
    for (const len of [0, 1, 16, 1023, 1024, 1025, 70000]) {
      const s = bytes(len);
      assert.equal(encode((r) => r.addReplyBulk(s)), bulk(s));
      assert.equal(encode((r) => r.addReplyBulkOrNull(s)), bulk(s));
    }
    assert.equal(encode((r) => r.addReplyBulkOrNull(undefined)), '$-1\r\n');
  });

  test('addReplyBulks: empty, one, and many elements of mixed lengths', () => {
    const shapes: string[][] = [
      [],
      [''],
      ['a'],
      [bytes(1024)],
      ['', '', ''],
      Array.from({ length: 100 }, () => 'x'.repeat(16)),
      [0, 5, 1023, 1024, 3000, 0, 1, 2000].map(bytes),
    ];
    for (const items of shapes) {
      assert.equal(encode((r) => r.addReplyBulks(items)), `*${items.length}\r\n` + items.map(bulk).join(''));
    }
  });

  test('replies append in order', () => {
    assert.equal(
      encode((r) => {
        r.addReplyOk();
        r.addReplyBulks(['a', 'bc']);
        r.addReplyBulk('d');
        r.addReplyInt(7);
      }),
      '+OK\r\n*2\r\n$1\r\na\r\n$2\r\nbc\r\n$1\r\nd\r\n:7\r\n',
    );
  });
});

describe('integer replies', () => {
  test('cached small integers and everything else print as Redis does', () => {
    for (const n of [0, 1, 42, 1023, 1024, 99999, -1, -1024, 2 ** 53, -(2 ** 53)]) {
      assert.equal(encode((r) => r.addReplyInt(n)), `:${n}\r\n`);
    }
    assert.equal(encode((r) => r.addReplyInt(-0)), ':0\r\n');
    assert.equal(encode((r) => r.addReplyInt(9223372036854775807n)), ':9223372036854775807\r\n');
    assert.equal(encode((r) => r.addReplyInt(5n)), ':5\r\n');
  });
});
