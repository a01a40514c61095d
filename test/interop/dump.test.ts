/**
 * DUMP / RESTORE against real Redis 7.0: payloads cross both ways (each server RESTOREs
 * the other's DUMP of every type and encoding and ends with the same data), replies and
 * errors match reply for reply, and RESTORE propagates its absolute form.
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/differential.js';
import { recordEffects } from '../helpers/propagation.js';
import { redisSkip } from '../helpers/servers.js';
import { datasetCommands, describeServer } from './rdb-dataset.js';

describe('DUMP / RESTORE interop with Redis 7.0', { skip: redisSkip }, () => {
  let pair: Pair;
  before(async () => {
    pair = await startPair();
  });
  after(async () => {
    await pair?.stop();
  });

  it('the DUMP of a string is the spec vector on both servers', async () => {
    await pair.flush();
    await pair.same('SET', 'k', 'v');
    const payload = await pair.same('DUMP', 'k');
    assert.equal(Buffer.from(payload as string, 'latin1').toString('hex'), '0001760a009108ceb219388ace');
    await pair.same('DUMP', 'missing');
  });

  it('each server RESTOREs the other\'s payload of every type and encoding', async () => {
    await pair.flush();
    await pair.vellum.pipeline(datasetCommands());
    await pair.redis.pipeline(datasetCommands());
    const expected = await describeServer(pair.redis);
    for (let db = 0; db < 16; db++) {
      await pair.both('SELECT', db);
      const keys = (await pair.vellum.call('KEYS', '*')) as string[];
      for (const key of keys) {
        const [fromVellum, fromRedis] = (await pair.both('DUMP', key)) as [string, string];
        const ttl = (await pair.redis.call('PEXPIRETIME', key)) as number;
        const ttlArgs = ttl > 0 ? [String(ttl), 'ABSTTL'] : ['0'];
        const [a, b] = await Promise.all([
          pair.redis.call('RESTORE', key, ttlArgs[0]!, fromVellum, 'REPLACE', ...ttlArgs.slice(1)),
          pair.vellum.call('RESTORE', key, ttlArgs[0]!, fromRedis, 'REPLACE', ...ttlArgs.slice(1)),
        ]);
        assert.deepEqual([a, b].map((r) => (r as { value: string }).value), ['OK', 'OK'], `RESTORE ${JSON.stringify(key)}`);
      }
    }
    await pair.both('SELECT', 0);
    assert.deepEqual(await describeServer(pair.redis), expected, 'Redis after restoring Vellum payloads');
    assert.deepEqual(await describeServer(pair.vellum), expected, 'Vellum after restoring Redis payloads');
  });

  it('replies and errors match Redis', async () => {
    await pair.flush();
    await pair.same('SET', 'k', 'v');
    const payload = (await pair.same('DUMP', 'k')) as string;
    await pair.same('RESTORE', 'k', '0', payload); // BUSYKEY
    await pair.same('RESTORE', 'n', 'x', payload);
    await pair.same('RESTORE', 'n', '-1', payload);
    await pair.same('RESTORE', 'n', '0', 'garbage');
    await pair.same('RESTORE', 'n', '0', payload, 'FOO');
    await pair.same('RESTORE', 'n', '0', payload, 'IDLETIME', '-1');
    await pair.same('RESTORE', 'n', '0', payload, 'FREQ', '256');
    await pair.same('RESTORE', 'n', '0', payload, 'IDLETIME', '1', 'FREQ', '1');
    await pair.same('RESTORE', 'n', '0', payload, 'FREQ', 'x');
    await pair.same('RESTORE', 'n');
    await pair.same('DUMP');
    // A corrupt value under a valid footer.
    const bad = Buffer.from([0x0b, 0x04, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00]);
    const { crc64 } = await import('../../src/persistence/rdb/crc64.js');
    const crc = Buffer.alloc(8);
    crc.writeBigUInt64LE(crc64(bad));
    await pair.same('RESTORE', 'n', '0', Buffer.concat([bad, crc]).toString('latin1'));
    await pair.same('RESTORE', 'n', '0', payload, 'IDLETIME', '5', 'REPLACE');
    await pair.same('GET', 'n');
    await pair.same('RESTORE', 'n', '1', payload, 'ABSTTL', 'REPLACE'); // already expired: deletes
    await pair.same('EXISTS', 'n');
    await pair.same('RESTORE', 'n', '100000', payload);
    const [tv, tr] = (await pair.both('PTTL', 'n')) as [number, number];
    assert.ok(Math.abs(tv - tr) < 2000 && tv > 90000);
  });

  it('RESTORE propagates an absolute deadline, and DEL when REPLACE meets a past deadline', async () => {
    await pair.flush();
    await pair.vellum.call('SET', 'k', 'v');
    const payload = (await pair.vellum.call('DUMP', 'k')) as string;
    const effects = recordEffects(pair.vellumServer.server!);
    const before = Date.now();
    await pair.vellum.call('RESTORE', 'a', '5000', payload);
    await pair.vellum.call('RESTORE', 'b', '0', payload);
    await pair.vellum.call('RESTORE', 'k', '1', payload, 'ABSTTL', 'REPLACE');
    assert.equal(effects.length, 3);
    const [first, second, third] = effects;
    assert.deepEqual(first!.argv.slice(0, 2).concat(first!.argv.slice(3)), ['RESTORE', 'a', payload, 'ABSTTL']);
    const at = Number(first!.argv[2]);
    assert.ok(at >= before + 5000 && at <= Date.now() + 5000);
    assert.deepEqual(second!.argv, ['RESTORE', 'b', '0', payload]);
    assert.deepEqual(third!.argv, ['DEL', 'k']);
  });

  it('DEBUG is refused with Redis\'s text when enable-debug-command is no', async () => {
    await pair.same('DEBUG', 'RELOAD');
    await pair.same('DEBUG');
  });
});
