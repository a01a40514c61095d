/**
 * CRC16 and key hash slots (src/store/crc16.ts, key-hash.ts) against Redis Cluster: the
 * published check value, the hash-tag rules of the cluster specification, and CLUSTER
 * KEYSLOT answered by a real cluster-enabled redis-server for keys with bytes >= 0x80; and
 * the key-table hash taken in the same pass.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc16, SLOT_COUNT } from '../../../src/store/crc16.js';
import { hashKey, keyHashSlot, lastTableHash } from '../../../src/store/key-hash.js';
import { redisSkip, startRedis, type RunningServer } from '../../helpers/servers.js';
import type { RespClient } from '../../helpers/resp-client.js';

/** hashKey's second result for `key`. */
function keyTableHash(key: string): number {
  hashKey(key);
  return lastTableHash;
}

const latin1 = (bytes: number[]) => Buffer.from(bytes).toString('latin1');

describe('crc16 and keyHashSlot', () => {
  test('CRC16/XMODEM check value and the cluster spec example', () => {
    assert.equal(crc16('123456789'), 0x31c3);
    assert.equal(crc16(''), 0);
    assert.equal(keyHashSlot('123456789'), 0x31c3 % SLOT_COUNT);
  });

  test('hash tags as the cluster specification defines them', () => {
    assert.equal(keyHashSlot('{user1000}.following'), keyHashSlot('{user1000}.followers'));
    assert.equal(keyHashSlot('{user1000}.following'), keyHashSlot('user1000'));
    assert.equal(keyHashSlot('foo{}{bar}'), crc16('foo{}{bar}') & 16383); // empty tag: whole key
    assert.equal(keyHashSlot('foo{{bar}}zap'), keyHashSlot('{bar')); // first '{' to first '}'
    assert.equal(keyHashSlot('foo{bar}{zap}'), keyHashSlot('bar'));
    assert.equal(keyHashSlot('{'), crc16('{') & 16383);
    assert.equal(keyHashSlot('}{'), crc16('}{') & 16383);
  });

  test('bytes >= 0x80 hash as bytes, not as UTF-8', () => {
    const key = latin1([0xe9, 0xff, 0x80]);
    // Table-free bitwise CRC16/XMODEM over the same bytes.
    let crc = 0;
    for (const b of [0xe9, 0xff, 0x80]) {
      crc ^= b << 8;
      for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    assert.equal(crc16(key), crc);
    assert.notEqual(crc16(key), crc16(Buffer.from(key, 'utf8').toString('latin1')));
  });
});

describe('the key-table hash hashKey takes with the slot', () => {
  test('covers the whole key, hash tag included, and does not depend on the call before', () => {
    const a = keyTableHash('{user1000}.following');
    const b = keyTableHash('{user1000}.followers');
    assert.equal(keyHashSlot('{user1000}.following'), keyHashSlot('{user1000}.followers'));
    assert.notEqual(a, b);
    const tagSlot = keyHashSlot('user1000');
    assert.equal(hashKey('{user1000}.following'), tagSlot);
    assert.equal(lastTableHash, a);
    keyTableHash('other');
    assert.equal(keyTableHash('{user1000}.following'), a);
  });

  test('is -1 for a key a table keeps in `others`: longer than 255 bytes, or a code unit above 0xff', () => {
    assert.ok(keyTableHash('k'.repeat(255)) >= 0);
    assert.equal(keyTableHash('k'.repeat(256)), -1);
    assert.equal(keyTableHash('wide\u0100'), -1);
    assert.ok(keyTableHash('latin1 \u00ff') >= 0);
    // The slot is still the CRC of the key's bytes.
    assert.equal(hashKey('k'.repeat(256)), crc16('k'.repeat(256)) & (SLOT_COUNT - 1));
  });
});

describe('the four-bytes-a-step loop', () => {
  /** Table-free bitwise CRC16/XMODEM of a latin1 string's bytes. */
  function bitwise(s: string): number {
    let crc = 0;
    for (let j = 0; j < s.length; j++) {
      crc ^= s.charCodeAt(j) << 8;
      for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
  }

  test('crc16 and keyHashSlot agree with the bitwise CRC and the tag rule at every length and tag position', () => {
    let seed = 7;
    const byte = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
    for (let len = 0; len <= 40; len++) {
      for (let trial = 0; trial < 20; trial++) {
        const codes = Array.from({ length: len }, byte);
        // Braces at random places (often none, sometimes several).
        for (const brace of [0x7b, 0x7d]) if (len > 0 && trial % 3 !== 0) codes[byte() % len] = brace;
        const key = String.fromCharCode(...codes);
        assert.equal(crc16(key), bitwise(key));
        const open = key.indexOf('{');
        const close = open < 0 ? -1 : key.indexOf('}', open + 1);
        const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
        assert.equal(keyHashSlot(key), bitwise(hashed) & (SLOT_COUNT - 1), JSON.stringify(key));
        if (len >= 2) assert.equal(crc16(key, 1, len - 1), bitwise(key.slice(1, len - 1)));
      }
    }
  });
});

describe('keyHashSlot agrees with CLUSTER KEYSLOT of real Redis', { skip: redisSkip }, () => {
  let redis: RunningServer;
  let client: RespClient;
  before(async () => {
    redis = await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']);
    client = await redis.client();
  });
  after(async () => { await redis.stop(); });

  test('fixed and random keys, with tags and high bytes', async () => {
    const keys = ['', 'a', 'foo', '123456789', '{user1000}.following', 'foo{}{bar}', 'foo{{bar}}zap', 'foo{bar}{zap}',
      latin1([0x80]), latin1([0xff, 0xfe, 0x00, 0x7b, 0xe9, 0x7d]), latin1([0x7b, 0xc3, 0xa9, 0x7d, 0x41])];
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 200; i++) {
      const len = rand() % 12;
      keys.push(latin1(Array.from({ length: len }, () => (rand() % 7 === 0 ? 0x7b + (rand() % 3) * 2 : rand() % 256))));
    }
    const replies = await client.pipeline(keys.map((k) => ['CLUSTER', 'KEYSLOT', Buffer.from(k, 'latin1')]));
    keys.forEach((k, i) => assert.equal(keyHashSlot(k), replies[i], `key ${JSON.stringify(k)}`));
  });
});
