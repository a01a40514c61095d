/**
 * Stream commands against real Redis 7.0: every command with its options and errors, the
 * read counters and lag of consumer groups, approximate trimming with small node settings
 * (which only matches if the node layout does), keyspace events, the generic commands on a
 * stream, RESP3 shapes, random command sequences (fast-check), and the effect Vellum
 * propagates for each write. Times (idle, delivery and seen times) differ between two
 * servers by construction: those replies are compared with the times masked.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pairSuite } from '../helpers/differential.js';
import { rmSync } from 'node:fs';
import { redisSkip, startVellum, tempDir } from '../helpers/servers.js';
import { RespClient, RespMap, type Arg, type Reply } from '../helpers/resp-client.js';

const TIME = '<time>';

/** Replace the values of these map keys (flat RESP2 maps, at any depth) with a marker. */
function maskKeys(reply: Reply, keys: readonly string[]): Reply {
  if (!Array.isArray(reply)) return reply;
  const out = reply.map((r) => maskKeys(r, keys));
  for (let i = 0; i + 1 < out.length; i += 2) if (typeof out[i] === 'string' && keys.includes(out[i] as string)) out[i + 1] = TIME;
  return out;
}

/** XPENDING's extended form: [id, consumer, idle, deliveries] per entry. */
function maskPending(reply: Reply): Reply {
  return Array.isArray(reply) ? reply.map((e) => (Array.isArray(e) ? [e[0]!, e[1]!, TIME, e[3]!] : e)) : reply;
}

/** XINFO STREAM [FULL] and CONSUMERS: seen-time, idle, PEL delivery times. */
function maskInfo(reply: Reply): Reply {
  const masked = maskKeys(reply, ['seen-time', 'idle']);
  if (!Array.isArray(masked)) return masked;
  const at = masked.indexOf('groups');
  if (at < 0) return masked;
  const groups = masked[at + 1];
  if (!Array.isArray(groups)) return masked;
  for (const g of groups as Reply[][]) {
    const pending = g[g.indexOf('pending') + 1] as Reply[][];
    g[g.indexOf('pending') + 1] = pending.map((p) => [p[0]!, p[1]!, TIME, p[3]!]);
    for (const consumer of g[g.indexOf('consumers') + 1] as Reply[][]) {
      const i = consumer.indexOf('pending') + 1;
      consumer[i] = (consumer[i] as Reply[][]).map((p) => [p[0]!, TIME, p[2]!]);
    }
  }
  return masked;
}

describe('stream commands match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();

  async function sameMasked(mask: (r: Reply) => Reply, ...cmd: Arg[]): Promise<Reply> {
    const [v, r] = await suite.pair.both(...cmd);
    assert.deepStrictEqual(mask(v), mask(r), `${cmd.join(' ')}: Vellum ≠ Redis`);
    return v;
  }

  async function bothConfig(name: string, value: string): Promise<void> {
    await suite.pair.same('CONFIG', 'SET', name, value);
  }

  test('XADD: ID forms, options and errors', async () => {
    await suite.pair.sequence([
      ['XADD', 's', '1-1', 'a', '1'], ['XADD', 's', '1-2', 'b', '2'], ['XADD', 's', '1-*', 'c', '3'],
      ['XADD', 's', '1', 'x', 'y'], ['XADD', 's', '2', 'x', 'y'], ['XADD', 's', '0-0', 'a', 'b'], ['XADD', 'new', '0-*', 'a', 'b'],
      ['XADD', 'n', 'NOMKSTREAM', '*', 'a', 'b'], ['EXISTS', 'n'], ['XADD', 's', 'NOMKSTREAM', '3-0', 'a', 'b'],
      ['XADD', 's', 'MAXLEN', '2', '5-0', 'a', '1'], ['XADD', 's', 'MAXLEN', '=', '2', '6-0', 'a', '1'], ['XLEN', 's'],
      ['XADD', 's', 'MINID', '6', '7-0', 'a', '1'], ['XADD', 's', 'MINID', '~', '7', 'LIMIT', '0', '8-0', 'a', '1'],
      ['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '*', 'a', 'b'], ['XADD', 's', 'MAXLEN', '-1', '*', 'a', 'b'],
      ['XADD', 's', 'MAXLEN', 'x', '*', 'a', 'b'], ['XADD', 's', 'MAXLEN', '~', '*', 'a', 'b'],
      ['XADD', 's', 'LIMIT', '5', '*', 'a', 'b'], ['XADD', 's', 'MAXLEN', '5', 'LIMIT', '5', '*', 'a', 'b'],
      ['XADD', 's', 'MAXLEN', '~', '5', 'LIMIT', '-1', '*', 'a', 'b'], ['XADD', 's', 'MINID', 'x', '*', 'a', 'b'],
      ['XADD', 's', 'MINID', '+', '*', 'a', 'b'],
      ['XADD', 's', '*', 'a'], ['XADD', 's', '*'], ['XADD', 's', 'a', 'b'], ['XADD', 's', '9-x', 'a', 'b'],
      ['XADD', 's', '-', 'a', 'b'], ['XADD', 's', '9-*-1', 'a', 'b'],
      // string2ull: leading zeros, '+', and a negated value wrapping modulo 2^64.
      ['XADD', 't', '0001-01', 'a', 'b'], ['XADD', 't', '+2-0', 'a', 'b'], ['XADD', 't', '3--01', 'a', 'b'],
      ['XADD', 't', '4--1', 'a', 'b'], ['XADD', 't', '18446744073709551616-0', 'a', 'b'], ['XRANGE', 't', '-', '+'],
      // The end of the ID space.
      ['XADD', 'e', '5-18446744073709551615', 'a', '1'], ['XADD', 'e', '5-*', 'a', '1'],
      ['XADD', 'e', '18446744073709551615-18446744073709551615', 'a', 'b'], ['XADD', 'e', '*', 'a', 'b'],
      ['XLEN', 'e'], ['SET', 'str', 'x'], ['XADD', 'str', '*', 'a', 'b'], ['XLEN', 'str'], ['XLEN', 'none'],
      ['XADD', 'bin', '1-1', '\x00\xff', '\r\n'], ['XRANGE', 'bin', '-', '+'],
    ]);
    // '*' uses the clock but never goes backwards: compare shapes.
    const id = String(await suite.pair.vellum.call('XADD', 'clock', '*', 'a', 'b'));
    assert.match(id, /^\d{13}-0$/);
    await suite.pair.vellum.call('XSETID', 'clock', '99999999999999-7');
    assert.equal(await suite.pair.vellum.call('XADD', 'clock', '*', 'a', 'b'), '99999999999999-8');
  });

  test('XRANGE and XREVRANGE: inclusive and exclusive bounds, COUNT, errors', async () => {
    for (let i = 1; i <= 6; i++) await suite.pair.same('XADD', 's', `${i}-${i % 3}`, 'f', String(i));
    await suite.pair.same('XDEL', 's', '3-0');
    await suite.pair.sequence([
      ['XRANGE', 's', '-', '+'], ['XREVRANGE', 's', '+', '-'], ['XRANGE', 's', '2', '5'], ['XRANGE', 's', '2-2', '5-1'],
      ['XRANGE', 's', '(2-2', '(5-2'], ['XREVRANGE', 's', '(5-2', '(2-2'], ['XRANGE', 's', '(-', '+'], ['XRANGE', 's', '-', '(+'],
      ['XRANGE', 's', '(0-0', '+'], ['XRANGE', 's', '-', '(0-0'], ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'],
      ['XRANGE', 's', '(', '+'], ['XRANGE', 's', '((1', '+'],
      ['XRANGE', 's', '-', '+', 'COUNT', '2'], ['XREVRANGE', 's', '+', '-', 'COUNT', '2'], ['XRANGE', 's', '-', '+', 'COUNT', '0'],
      ['XRANGE', 's', '-', '+', 'COUNT', '-1'], ['XRANGE', 's', '-', '+', 'COUNT'], ['XRANGE', 's', '-', '+', 'COUNT', 'x'],
      ['XRANGE', 's', '-', '+', 'LIMIT', '1'], ['XRANGE', 's', 'x', '+'], ['XRANGE', 's', '-', 'y'], ['XRANGE', 's', '5', '2'],
      ['XRANGE', 'none', '-', '+'], ['XRANGE', 'none', '-', '+', 'COUNT', '0'], ['XRANGE', 's'], ['SET', 'str', 'x'],
      ['XRANGE', 'str', '-', '+'], ['XREVRANGE', 'str', '+', '-'],
    ]);
  });

  test('XDEL and exact XTRIM; the stream survives empty', async () => {
    for (let i = 1; i <= 10; i++) await suite.pair.same('XADD', 's', `${i}-0`, 'f', String(i));
    await suite.pair.sequence([
      ['XDEL', 's', '2-0', '3-0', '99-0', '2-0'], ['XDEL', 's', '4-0', 'x'], ['XLEN', 's'], ['XDEL', 'none', '1-0'],
      ['XDEL', 's', '1-0'], ['XTRIM', 's', 'MAXLEN', '5'], ['XRANGE', 's', '-', '+'], ['XTRIM', 's', 'MINID', '8'],
      ['XTRIM', 's', 'MINID', '=', '9-0'], ['XRANGE', 's', '-', '+'], ['XTRIM', 's', 'MAXLEN', '10'], ['XTRIM', 'none', 'MAXLEN', '0'],
      ['XTRIM', 's'], ['XTRIM', 's', 'FOO', '1'], ['XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '1'], ['XTRIM', 's', 'LIMIT', '1', 'x'],
      ['XTRIM', 's', 'MAXLEN', '~'], ['XTRIM', 's', 'MINID', '-'], ['XTRIM', 's', 'NOMKSTREAM', 'MAXLEN', '1'],
      ['XTRIM', 's', 'MAXLEN', '0'], ['EXISTS', 's'], ['XLEN', 's'], ['TYPE', 's'], ['XRANGE', 's', '-', '+'],
      ['XDEL', 's', '10-0'], ['XADD', 's', '10-0', 'a', 'b'], ['XADD', 's', '11-0', 'a', 'b'],
    ]);
    await sameMasked(maskInfo, 'XINFO', 'STREAM', 's');
  });

  test('approximate trimming removes whole nodes, as Redis lays them out', async () => {
    const values = ['1', '127', '128', '-5000', '4294967296', 'x', 'yy'.repeat(30), 'z'.repeat(200), '007', '-0', '9223372036854775808'];
    for (const [maxBytes, maxEntries] of [['4096', '100'], ['120', '0'], ['300', '5'], ['0', '3'], ['1mb', '50']] as const) {
      await suite.pair.flush();
      await bothConfig('stream-node-max-bytes', maxBytes);
      await bothConfig('stream-node-max-entries', maxEntries);
      let ms = 1;
      for (let i = 0; i < 400; i++) {
        ms += i % 7 === 0 ? 1 + (i % 5) * 1000003 : 0;
        const fields = i % 3 === 0 ? ['f', values[i % values.length]!] : [`f${i % 4}`, values[(i * 7) % values.length]!, 'g', values[i % 5]!];
        const trim = i % 10 === 9 ? ['MAXLEN', '~', String(200 - (i % 50))] : [];
        await suite.pair.same('XADD', 's', ...trim, `${ms}-*`, ...fields);
        if (i % 13 === 0) await suite.pair.same('XDEL', 's', `${ms}-0`, `${ms - 1}-1`);
      }
      await suite.pair.sequence([
        ['XLEN', 's'], ['XTRIM', 's', 'MAXLEN', '~', '100'], ['XTRIM', 's', 'MAXLEN', '~', '10', 'LIMIT', '30'],
        ['XTRIM', 's', 'MINID', '~', `${ms - 3}`], ['XLEN', 's'], ['XRANGE', 's', '-', '+', 'COUNT', '3'],
      ]);
      await sameMasked(maskInfo, 'XINFO', 'STREAM', 's');
    }
    await bothConfig('stream-node-max-bytes', '4096');
    await bothConfig('stream-node-max-entries', '100');
  });

  test('CONFIG GET/SET of the stream node directives', async () => {
    // A pattern lists matches in Redis's dict order, which Vellum does not reproduce.
    await suite.pair.sameUnordered('CONFIG', 'GET', 'stream-node-*');
    await suite.pair.sequence([
      ['CONFIG', 'GET', 'stream-node-max-bytes'], ['CONFIG', 'GET', 'stream-node-max-entries'],
      ['CONFIG', 'SET', 'stream-node-max-bytes', '1k'], ['CONFIG', 'GET', 'stream-node-max-bytes'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '-1'], ['CONFIG', 'SET', 'stream-node-max-entries', 'x'],
      ['CONFIG', 'SET', 'stream-node-max-bytes', '-1'], ['CONFIG', 'SET', 'stream-node-max-entries', '0'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '1000000000000'], ['CONFIG', 'GET', 'stream-node-max-entries'],
      ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'], ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
      ['CONFIG', 'GET', 'stream-node-max-bytes'], ['CONFIG', 'GET', 'stream-node-max-entries'],
    ]);
  });

  test('XGROUP subcommands, their options and errors', async () => {
    await suite.pair.sequence([
      ['XADD', 's', '1-0', 'a', '1'], ['XADD', 's', '2-0', 'b', '2'],
      ['XGROUP', 'CREATE', 's', 'g', '0'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['XGROUP', 'CREATE', 's', 'g2', '$', 'ENTRIESREAD', '5'],
      ['XGROUP', 'CREATE', 's', 'g3', '-'], ['XGROUP', 'CREATE', 's', 'g3', 'x'], ['XGROUP', 'CREATE', 's', 'g3', '1-0', 'FOO'],
      ['XGROUP', 'CREATE', 's', 'g3', '1-0', 'ENTRIESREAD', '-2'], ['XGROUP', 'CREATE', 's', 'g3', '1-0', 'ENTRIESREAD', '-1'],
      ['XGROUP', 'CREATE', 's', 'g4', '1-0', 'ENTRIESREAD', 'x'], ['XGROUP', 'CREATE', 's', 'g4', '0', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'none', 'g', '0'], ['XGROUP', 'CREATE', 'none', 'g', '$', 'MKSTREAM'], ['XLEN', 'none'], ['TYPE', 'none'],
      ['XGROUP', 'CREATE', 'none2', 'g', 'x', 'MKSTREAM'], ['EXISTS', 'none2'],
      ['XGROUP', 'SETID', 's', 'g', '1-0'], ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD', '2'], ['XGROUP', 'SETID', 's', 'g', '-'],
      ['XGROUP', 'SETID', 's', 'g', '+'], ['XGROUP', 'SETID', 's', 'nog', '0'], ['XGROUP', 'SETID', 's', 'g', '0', 'MKSTREAM'],
      ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD'], ['XGROUP', 'SETID', 'none3', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'],
      ['XGROUP', 'CREATECONSUMER', 's', 'nog', 'alice'], ['XGROUP', 'DELCONSUMER', 's', 'g', 'bob'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice'], ['XGROUP', 'DELCONSUMER', 's', 'nog', 'alice'],
      ['XGROUP', 'DESTROY', 's', 'g2'], ['XGROUP', 'DESTROY', 's', 'g2'], ['XGROUP', 'DESTROY', 'none3', 'g2'],
      ['XGROUP', 'HELP'], ['XGROUP', 'HELP', 'x'], ['XGROUP', 'FOO'], ['XGROUP'], ['XGROUP', 'CREATE', 's', 'g'],
      ['XGROUP', 'DESTROY', 's', 'g', 'x'], ['SET', 'str', 'x'], ['XGROUP', 'CREATE', 'str', 'g', '0'],
      ['XGROUP', 'CREATE', 'str', 'g', '0', 'FOO'], ['XINFO', 'GROUPS', 's'],
    ]);
  });

  test('XREADGROUP delivers, keeps pending lists and history; XACK', async () => {
    await suite.pair.sequence([
      ['XADD', 's', '1-1', 'a', '1'], ['XADD', 's', '2-1', 'b', '2'], ['XADD', 's', '3-1', 'c', '3'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'], ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '1', 'STREAMS', 's', '1-1'],
      ['XPENDING', 's', 'g'], ['XACK', 's', 'g', '2-1', '9-9', '2-1'], ['XPENDING', 's', 'g'], ['XDEL', 's', '3-1'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '0'], ['XADD', 's', '4-1', 'd', '4'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'NOACK', 'STREAMS', 's', '>'], ['XPENDING', 's', 'g'],
      // The group's last ID set back: delivered again to a new owner.
      ['XGROUP', 'SETID', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'dave', 'COUNT', '10', 'STREAMS', 's', '>'], ['XPENDING', 's', 'g'],
      ['XADD', 't', '1-0', 'x', 'y'], ['XGROUP', 'CREATE', 't', 'g', '$'],
      ['XREADGROUP', 'GROUP', 'g', 'erin', 'STREAMS', 's', 't', '>', '>'], ['XADD', 't', '2-0', 'x', 'y'],
      ['XREADGROUP', 'GROUP', 'g', 'erin', 'STREAMS', 's', 't', '0', '>'], ['XREADGROUP', 'GROUP', 'g', 'erin', 'STREAMS', 't', 't', '0', '0'],
      ['XACK', 's', 'g', 'x'], ['XACK', 's', 'nog', 'x'], ['XACK', 'none', 'g', '1-1'], ['XACK', 's', 'g'],
      ['XREADGROUP', 'GROUP', 'nog', 'a', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 'none', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '$'], ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', 'x'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's'], ['XREADGROUP', 'GROUP', 'g', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'COUNT', '1', 'STREAMS', 's', '>', 'x'], ['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', 'x', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'FOO', 'STREAMS', 's', '>'], ['SET', 'str', 'x'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 'str', '>'], ['XACK', 'str', 'g', '1-1'],
    ]);
    await sameMasked(maskInfo, 'XINFO', 'STREAM', 's', 'FULL');
  });

  test('XREAD: IDs, $, COUNT, several keys, errors', async () => {
    await suite.pair.sequence([
      ['XADD', 'a', '1-1', 'f', '1'], ['XADD', 'a', '2-1', 'f', '2'], ['XADD', 'b', '5-0', 'g', '1'],
      ['XREAD', 'STREAMS', 'a', '0'], ['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '0', '0'], ['XREAD', 'STREAMS', 'a', 'b', '1-1', '5'],
      ['XREAD', 'STREAMS', 'a', '$'], ['XREAD', 'STREAMS', 'none', 'a', '0', '1'], ['XREAD', 'COUNT', '-5', 'STREAMS', 'a', '0'],
      ['XREAD', 'STREAMS', 'a', '>'], ['XREAD', 'STREAMS', 'a', 'x'], ['XREAD', 'STREAMS', 'a', '0', '1'], ['XREAD', 'STREAMS', 'a'],
      ['XREAD', 'COUNT', 'x', 'STREAMS', 'a', '0'], ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'], ['XREAD', 'NOACK', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'], ['XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'], ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '0'],
      ['XREAD', 'FOO', 'STREAMS', 'a', '0'], ['XREAD', 'COUNT', '1', 'a', '0'], ['SET', 'str', 'x'], ['XREAD', 'STREAMS', 'a', 'str', '0', '0'],
      ['XDEL', 'a', '2-1'], ['XREAD', 'STREAMS', 'a', '1-1'], ['XREAD', 'STREAMS', 'a', '-'], ['XREAD', 'STREAMS', 'a', '+'],
    ]);
  });

  test('read counters and lag follow Redis 7.0 (entries-read, tombstones, SETID)', async () => {
    const groups = () => suite.pair.same('XINFO', 'GROUPS', 'x');
    for (let i = 1; i <= 5; i++) await suite.pair.same('XADD', 'x', `${i}-0`, 'data', String(i));
    await suite.pair.same('XGROUP', 'CREATE', 'x', 'g1', '0');
    await suite.pair.same('XGROUP', 'CREATE', 'x', 'g2', '0', 'ENTRIESREAD', '0');
    await suite.pair.same('XGROUP', 'CREATE', 'x', 'g3', '$');
    await groups();
    await suite.pair.same('XREADGROUP', 'GROUP', 'g1', 'c', 'COUNT', '1', 'STREAMS', 'x', '>');
    await suite.pair.same('XREADGROUP', 'GROUP', 'g2', 'c', 'COUNT', '2', 'STREAMS', 'x', '>');
    await groups();
    await suite.pair.same('XDEL', 'x', '4-0');
    await groups();
    await suite.pair.same('XREADGROUP', 'GROUP', 'g1', 'c', 'COUNT', '2', 'STREAMS', 'x', '>');
    await groups();
    await suite.pair.same('XREADGROUP', 'GROUP', 'g2', 'c', 'STREAMS', 'x', '>');
    await groups();
    await suite.pair.same('XDEL', 'x', '1-0');
    await suite.pair.same('XGROUP', 'SETID', 'x', 'g1', '0');
    await groups();
    await suite.pair.same('XTRIM', 'x', 'MAXLEN', '1');
    await groups();
    await suite.pair.same('XGROUP', 'SETID', 'x', 'g3', '$', 'ENTRIESREAD', '3');
    await suite.pair.same('XADD', 'x', '6-0', 'data', '6');
    await groups();
    await suite.pair.same('XSETID', 'x', '9-0', 'ENTRIESADDED', '20', 'MAXDELETEDID', '7-0');
    await groups();
    await suite.pair.same('XREADGROUP', 'GROUP', 'g1', 'c', 'STREAMS', 'x', '>');
    await groups();
    await sameMasked(maskInfo, 'XINFO', 'STREAM', 'x', 'FULL');
    // A group on a stream that never had an entry, then the first ones.
    await suite.pair.same('XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM');
    await suite.pair.same('XINFO', 'GROUPS', 'e');
    await suite.pair.same('XADD', 'e', '1-0', 'a', 'b');
    await suite.pair.same('XINFO', 'GROUPS', 'e');
  });

  test('XPENDING summary and extended forms', async () => {
    for (let i = 1; i <= 4; i++) await suite.pair.same('XADD', 's', `${i}-0`, 'f', String(i));
    await suite.pair.same('XGROUP', 'CREATE', 's', 'g', '0');
    await suite.pair.same('XPENDING', 's', 'g');
    await suite.pair.same('XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 's', '>');
    await suite.pair.same('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    await suite.pair.same('XPENDING', 's', 'g');
    for (const args of [
      ['-', '+', '10'], ['-', '+', '2'], ['(1-0', '+', '10'], ['-', '(3-0', '10'], ['2', '3', '10'], ['-', '+', '10', 'bob'],
      ['-', '+', '10', 'nobody'], ['IDLE', '0', '-', '+', '10'], ['IDLE', '100000', '-', '+', '10'], ['-', '+', '0'], ['-', '+', '-3'],
    ]) {
      await sameMasked(maskPending, 'XPENDING', 's', 'g', ...args);
    }
    await suite.pair.sequence([
      ['XPENDING', 's', 'g', '-', '+'], ['XPENDING', 's', 'g', '-'], ['XPENDING', 's', 'g', 'IDLE', '5', '-', '+'],
      ['XPENDING', 's', 'g', 'IDLE', 'x', '-', '+', '1'], ['XPENDING', 's', 'g', '-', '+', 'x'], ['XPENDING', 's', 'g', 'x', '+', '1'],
      ['XPENDING', 's', 'g', '(18446744073709551615-18446744073709551615', '+', '1'], ['XPENDING', 's', 'g', '-', '(0-0', '1'],
      ['XPENDING', 's', 'g', '-', '+', '1', 'a', 'b', 'c', 'd'], ['XPENDING', 's', 'nog'], ['XPENDING', 'none', 'g'],
      ['SET', 'str', 'x'], ['XPENDING', 'str', 'g'],
    ]);
  });

  test('XCLAIM: idle filter, FORCE, JUSTID, RETRYCOUNT, LASTID, deleted entries, errors', async () => {
    for (let i = 1; i <= 5; i++) await suite.pair.same('XADD', 's', `${i}-0`, 'f', String(i));
    await suite.pair.same('XGROUP', 'CREATE', 's', 'g', '0');
    await suite.pair.same('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '4', 'STREAMS', 's', '>');
    await suite.pair.sequence([
      ['XCLAIM', 's', 'g', 'bob', '0', '1-0', '2-0', 'JUSTID'], ['XCLAIM', 's', 'g', 'bob', '0', '1-0'],
      ['XCLAIM', 's', 'g', 'bob', '0', '1-0', 'RETRYCOUNT', '7', 'IDLE', '5000'], ['XCLAIM', 's', 'g', 'bob', '1000000', '3-0'],
      ['XCLAIM', 's', 'g', 'bob', '-5', '3-0', 'TIME', '1'], ['XCLAIM', 's', 'g', 'bob', '0', '9-9', 'FORCE'],
      ['XCLAIM', 's', 'g', 'bob', '0', '5-0'], ['XCLAIM', 's', 'g', 'bob', '0', '5-0', 'FORCE', 'JUSTID'],
      ['XDEL', 's', '4-0'], ['XCLAIM', 's', 'g', 'carol', '0', '4-0'], ['XPENDING', 's', 'g'],
      ['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'LASTID', '10-0', 'JUSTID'], ['XINFO', 'GROUPS', 's'],
      ['XCLAIM', 's', 'g', 'carol', '0', '8-0', 'LASTID', '11-0'], ['XINFO', 'GROUPS', 's'],
      ['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'FOO'], ['XCLAIM', 's', 'g', 'carol', '0', '1-0', '2-0', 'x', '3-0'],
      ['XCLAIM', 's', 'g', 'carol', 'x', '1-0'], ['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'IDLE', 'x'],
      ['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'TIME', 'x'], ['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'RETRYCOUNT', 'x'],
      ['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'LASTID', 'x'], ['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'IDLE'],
      ['XCLAIM', 's', 'nog', 'carol', '0', '1-0'], ['XCLAIM', 'none', 'g', 'carol', '0', '1-0'], ['XCLAIM', 's', 'g', 'carol', '0'],
      ['SET', 'str', 'x'], ['XCLAIM', 'str', 'g', 'c', '0', '1-0'], ['XPENDING', 's', 'g'],
    ]);
    await sameMasked(maskPending, 'XPENDING', 's', 'g', '-', '+', '10');
    await sameMasked(maskPending, 'XPENDING', 's', 'g', 'IDLE', '4000', '-', '+', '10');
  });

  test('XAUTOCLAIM: cursor, COUNT, JUSTID, deleted entries reported, errors', async () => {
    for (let i = 1; i <= 6; i++) await suite.pair.same('XADD', 's', `${i}-0`, 'f', String(i));
    await suite.pair.same('XGROUP', 'CREATE', 's', 'g', '0');
    await suite.pair.same('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    await suite.pair.sequence([
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '2'], ['XAUTOCLAIM', 's', 'g', 'bob', '0', '3-0', 'COUNT', '2', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '(4-0'], ['XAUTOCLAIM', 's', 'g', 'bob', '1000000', '0'],
      ['XDEL', 's', '2-0', '3-0', '5-0'], ['XAUTOCLAIM', 's', 'g', 'carol', '0', '0', 'COUNT', '1'],
      ['XAUTOCLAIM', 's', 'g', 'carol', '0', '0'], ['XPENDING', 's', 'g'], ['XINFO', 'CONSUMERS', 's', 'nog'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '0'], ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', 'x'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '576460752303423488'], ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '-1'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'FOO'],
      ['XAUTOCLAIM', 's', 'g', 'c', 'x', '0'], ['XAUTOCLAIM', 's', 'g', 'c', '0', 'x'], ['XAUTOCLAIM', 's', 'g', 'c', '0', '(18446744073709551615-18446744073709551615'],
      ['XAUTOCLAIM', 's', 'nog', 'c', '0', '0'], ['XAUTOCLAIM', 'none', 'g', 'c', '0', '0'], ['SET', 'str', 'x'],
      ['XAUTOCLAIM', 'str', 'g', 'c', '0', '0'],
    ]);
    // The idle filter spends attempts (COUNT × 10) on entries it skips.
    for (let i = 7; i <= 40; i++) await suite.pair.same('XADD', 's', `${i}-0`, 'f', String(i));
    await suite.pair.same('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    await suite.pair.same('XCLAIM', 's', 'g', 'alice', '0', '30-0', '31-0', 'IDLE', '100000', 'JUSTID');
    await suite.pair.same('XAUTOCLAIM', 's', 'g', 'dave', '50000', '0', 'COUNT', '2', 'JUSTID');
    await suite.pair.same('XAUTOCLAIM', 's', 'g', 'dave', '50000', '0', 'COUNT', '3', 'JUSTID');
  });

  test('XINFO STREAM, GROUPS, CONSUMERS and HELP', async () => {
    await suite.pair.same('XGROUP', 'CREATE', 'empty', 'g', '$', 'MKSTREAM');
    await sameMasked(maskInfo, 'XINFO', 'STREAM', 'empty');
    await sameMasked(maskInfo, 'XINFO', 'STREAM', 'empty', 'FULL');
    for (let i = 1; i <= 15; i++) await suite.pair.same('XADD', 's', `${i}-0`, 'f', String(i), 'n', 'v');
    await suite.pair.same('XGROUP', 'CREATE', 's', 'g2', '0');
    await suite.pair.same('XGROUP', 'CREATE', 's', 'g1', '$');
    await suite.pair.same('XGROUP', 'CREATE', 's', 'G', '0');
    await suite.pair.same('XREADGROUP', 'GROUP', 'g2', 'zed', 'COUNT', '12', 'STREAMS', 's', '>');
    await suite.pair.same('XREADGROUP', 'GROUP', 'g2', 'amy', 'STREAMS', 's', '>');
    await suite.pair.same('XGROUP', 'CREATECONSUMER', 's', 'g2', 'Bo');
    await suite.pair.same('XDEL', 's', '15-0');
    for (const args of [[], ['FULL'], ['FULL', 'COUNT', '3'], ['FULL', 'COUNT', '0'], ['FULL', 'COUNT', '-1']]) {
      await sameMasked(maskInfo, 'XINFO', 'STREAM', 's', ...args);
    }
    await sameMasked(maskInfo, 'XINFO', 'CONSUMERS', 's', 'g2');
    await suite.pair.sequence([
      ['XINFO', 'GROUPS', 's'], ['XINFO', 'CONSUMERS', 's', 'g1'], ['XINFO', 'CONSUMERS', 's', 'nog'], ['XINFO', 'HELP'],
      ['XINFO', 'HELP', 'x'], ['XINFO', 'FOO'], ['XINFO', 'STREAM'], ['XINFO', 'STREAM', 'none'], ['XINFO', 'GROUPS', 'none'],
      ['XINFO', 'CONSUMERS', 'none', 'g'], ['XINFO', 'STREAM', 's', 'FOO'], ['XINFO', 'STREAM', 's', 'FULL', 'COUNT'],
      ['XINFO', 'STREAM', 's', 'FULL', 'LIMIT', '1'], ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'], ['XINFO', 'STREAM', 'none', 'FOO'],
      ['XINFO', 'GROUPS', 's', 'x'], ['SET', 'str', 'x'], ['XINFO', 'STREAM', 'str'], ['XINFO', 'GROUPS', 'str'],
    ]);
  });

  test('XSETID: last ID, ENTRIESADDED, MAXDELETEDID and their errors', async () => {
    await suite.pair.sequence([
      ['XSETID', 'none', '1-0'], ['XADD', 's', '5-0', 'a', 'b'], ['XSETID', 's', '4-0'], ['XSETID', 's', '5-0'],
      ['XSETID', 's', '6-0', 'ENTRIESADDED', '0'], ['XSETID', 's', '6-0', 'ENTRIESADDED', '-1'], ['XSETID', 's', '6-0', 'ENTRIESADDED', 'x'],
      ['XSETID', 's', '6-0', 'MAXDELETEDID', '7-0'], ['XSETID', 's', '6-0', 'MAXDELETEDID', 'x'], ['XSETID', 's', '6-0', 'FOO', '1'],
      ['XSETID', 's', '6-0', 'ENTRIESADDED'], ['XSETID', 's', 'x'], ['XSETID', 's', '+'],
      ['XSETID', 's', '6-0', 'ENTRIESADDED', '9223372036854775807', 'MAXDELETEDID', '3-0'],
      ['XADD', 's', '7-*', 'a', 'b'], ['XDEL', 's', '5-0'], ['XLEN', 's'], ['XSETID', 's', '1-0'],
      ['XSETID', 's', '18446744073709551615-18446744073709551615'], ['XADD', 's', '*', 'a', 'b'],
      ['SET', 'str', 'x'], ['XSETID', 'str', '1-0'],
    ]);
    await sameMasked(maskInfo, 'XINFO', 'STREAM', 's');
  });

  test('keyspace events of every stream write', async () => {
    await suite.pair.sameKeyspaceEvents([
      ['XADD', 's', '1-0', 'a', '1'], ['XADD', 's', 'MAXLEN', '1', '2-0', 'a', '2'], ['XADD', 's', 'MAXLEN', '5', '3-0', 'a', '3'],
      ['XDEL', 's', '3-0'], ['XDEL', 's', '9-0'], ['XTRIM', 's', 'MAXLEN', '0'], ['XTRIM', 's', 'MAXLEN', '0'],
      ['XGROUP', 'CREATE', 's', 'g', '0'], ['XGROUP', 'CREATE', 'new', 'g', '0', 'MKSTREAM'], ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'], ['XGROUP', 'DELCONSUMER', 's', 'g', 'c'], ['XADD', 's', '4-0', 'a', '4'],
      ['XREADGROUP', 'GROUP', 'g', 'd', 'STREAMS', 's', '>'], ['XCLAIM', 's', 'g', 'e', '0', '4-0'], ['XAUTOCLAIM', 's', 'g', 'f', '0', '0'],
      ['XACK', 's', 'g', '4-0'], ['XSETID', 's', '9-0'], ['XGROUP', 'DESTROY', 's', 'g'], ['XADD', 'n', 'NOMKSTREAM', '*', 'a', 'b'],
      ['DEL', 's'],
    ]);
  });

  test('generic commands on a stream: TYPE, OBJECT ENCODING, SCAN TYPE, COPY, RENAME, DEL', async () => {
    await suite.pair.sequence([
      ['XADD', 's', '1-0', 'a', '1'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
      ['SET', 'str', 'x'], ['TYPE', 's'], ['OBJECT', 'ENCODING', 's'], ['SCAN', '0', 'TYPE', 'stream'], ['SCAN', '0', 'TYPE', 'STREAM'],
      ['COPY', 's', 'c'], ['XADD', 's', '2-0', 'b', '2'], ['XACK', 's', 'g', '1-0'], ['XRANGE', 'c', '-', '+'], ['XPENDING', 'c', 'g'],
      ['XINFO', 'GROUPS', 'c'], ['XRANGE', 's', '-', '+'], ['RENAME', 'c', 'r'], ['XLEN', 'r'], ['EXISTS', 'c'],
      ['DEL', 's'], ['XLEN', 's'], ['UNLINK', 'r'], ['EXISTS', 'r'],
    ]);
  });

  test('RESP3: XREAD replies with a map, XINFO with maps', async () => {
    const clients: RespClient[] = [await suite.pair.vellumServer.client(), await suite.pair.redisServer.client()];
    const both = async (...cmd: Arg[]) => Promise.all(clients.map((c) => c.call(...cmd)));
    await both('HELLO', '3');
    await both('XADD', 's', '1-0', 'a', '1');
    await both('XGROUP', 'CREATE', 's', 'g', '0');
    for (const cmd of [
      ['XREAD', 'STREAMS', 's', '0'], ['XREAD', 'STREAMS', 's', '$'], ['XRANGE', 's', '-', '+', 'COUNT', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], ['XINFO', 'GROUPS', 's'], ['XPENDING', 's', 'nog'],
      ['XPENDING', 'new', 'g'], ['XINFO', 'STREAM', 's'], ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'JUSTID'],
    ]) {
      const [v, r] = await both(...cmd);
      assert.deepStrictEqual(v, r, cmd.join(' '));
    }
    const [v] = await both('XREAD', 'STREAMS', 's', '0');
    assert.ok(v instanceof RespMap);
  });

  test('random sequences of stream commands match Redis', async () => {
    const key = fc.constantFrom('s', 't');
    const id = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 3 })).map(([ms, seq]) => `${ms}-${seq}`);
    const addId = fc.oneof(id, fc.integer({ min: 0, max: 6 }).map((ms) => `${ms}-*`));
    const range = fc.oneof(id, fc.constantFrom('-', '+', '0', '3'), id.map((i) => `(${i}`));
    const group = fc.constantFrom('g1', 'g2');
    const consumer = fc.constantFrom('alice', 'bob', 'carol');
    const value = fc.constantFrom('1', 'x', '128', 'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv');
    const command: fc.Arbitrary<string[]> = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(key, addId, value, fc.boolean()).map(([k, i, v, two]) => ['XADD', k, i, 'f', v, ...(two ? ['g', v] : [])]) },
      fc.tuple(key, fc.integer({ min: 0, max: 6 }), fc.boolean(), addId).map(([k, n, approx, i]) => ['XADD', k, 'MAXLEN', approx ? '~' : '=', String(n), i, 'f', '1']),
      fc.tuple(key, fc.array(id, { minLength: 1, maxLength: 3 })).map(([k, ids]) => ['XDEL', k, ...ids]),
      fc.tuple(key, fc.integer({ min: 0, max: 6 }), fc.boolean()).map(([k, n, approx]) => ['XTRIM', k, 'MAXLEN', ...(approx ? ['~'] : []), String(n)]),
      fc.tuple(key, id, fc.boolean()).map(([k, i, approx]) => ['XTRIM', k, 'MINID', ...(approx ? ['~'] : []), i]),
      fc.tuple(key, range, range, fc.option(fc.integer({ min: -1, max: 4 }))).map(([k, a, b, n]) => ['XRANGE', k, a, b, ...(n === null ? [] : ['COUNT', String(n)])]),
      fc.tuple(key, range, range).map(([k, a, b]) => ['XREVRANGE', k, a, b]),
      key.map((k) => ['XLEN', k]),
      fc.tuple(key, group, fc.oneof(id, fc.constant('$')), fc.boolean()).map(([k, g, i, mk]) => ['XGROUP', 'CREATE', k, g, i, ...(mk ? ['MKSTREAM'] : [])]),
      fc.tuple(key, group, fc.oneof(id, fc.constant('$')), fc.option(fc.integer({ min: -1, max: 8 }))).map(([k, g, i, n]) => ['XGROUP', 'SETID', k, g, i, ...(n === null ? [] : ['ENTRIESREAD', String(n)])]),
      fc.tuple(key, group).map(([k, g]) => ['XGROUP', 'DESTROY', k, g]),
      fc.tuple(key, group, consumer).map(([k, g, c]) => ['XGROUP', 'CREATECONSUMER', k, g, c]),
      fc.tuple(key, group, consumer).map(([k, g, c]) => ['XGROUP', 'DELCONSUMER', k, g, c]),
      { weight: 4, arbitrary: fc.tuple(key, group, consumer, fc.option(fc.integer({ min: 1, max: 3 })), fc.boolean(), fc.oneof(fc.constant('>'), id))
        .map(([k, g, c, n, noack, i]) => ['XREADGROUP', 'GROUP', g, c, ...(n === null ? [] : ['COUNT', String(n)]), ...(noack ? ['NOACK'] : []), 'STREAMS', k, i]) },
      fc.tuple(key, group, fc.array(id, { minLength: 1, maxLength: 3 })).map(([k, g, ids]) => ['XACK', k, g, ...ids]),
      fc.tuple(key, group, consumer, fc.array(id, { minLength: 1, maxLength: 2 }), fc.subarray(['FORCE', 'JUSTID'])).map(([k, g, c, ids, opts]) => ['XCLAIM', k, g, c, '0', ...ids, ...opts]),
      fc.tuple(key, group, consumer, range, fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([k, g, c, s, n, justid]) => ['XAUTOCLAIM', k, g, c, '0', s, 'COUNT', String(n), ...(justid ? ['JUSTID'] : [])]),
      fc.tuple(key, group).map(([k, g]) => ['XPENDING', k, g]),
      fc.tuple(key, group).map(([k]) => ['XINFO', 'GROUPS', k]),
      key.map((k) => ['XINFO', 'STREAM', k, 'FULL']),
      fc.tuple(key, group, range, range, fc.option(consumer)).map(([k, g, a, b, c]) => ['XPENDING', k, g, a, b, '10', ...(c === null ? [] : [c])]),
      fc.tuple(key, id).map(([k, i]) => ['XSETID', k, i]),
      fc.tuple(key, key, fc.constantFrom('0', '$'), fc.constantFrom('0', '2-0')).map(([a, b, x, y]) => ['XREAD', 'STREAMS', a, b, x, y]),
    );
    const masked = (cmd: string[]) => (cmd[0] === 'XINFO' ? maskInfo : cmd[0] === 'XPENDING' && cmd.length > 3 ? maskPending : (r: Reply) => r);
    await fc.assert(fc.asyncProperty(fc.boolean(), fc.array(command, { minLength: 1, maxLength: 30 }), async (smallNodes, cmds) => {
      await suite.pair.flush();
      await bothConfig('stream-node-max-entries', smallNodes ? '3' : '100');
      for (const cmd of cmds) await sameMasked(masked(cmd), ...cmd);
      for (const k of ['s', 't']) {
        await suite.pair.same('XRANGE', k, '-', '+');
        await sameMasked(maskInfo, 'XINFO', 'STREAM', k);
      }
    }), { numRuns: 80 });
    await bothConfig('stream-node-max-entries', '100');
  });
});

describe('stream writes propagate what Redis 7.0 propagates', { skip: redisSkip }, () => {
  const suite = pairSuite();
  const v = (...cmd: Arg[]) => suite.pair.vellum.call(...cmd);

  test('XADD: generated IDs and approximate trims go out in their exact form', async () => {
    await v('XADD', 's', '1-1', 'a', '1');
    await v('XADD', 's', '1-*', 'a', '2');
    const id = String(await v('XADD', 's', '*', 'a', '3'));
    await v('XADD', 's', 'NOMKSTREAM', 'MAXLEN', '~', '1', '*', 'a', '4');
    await v('XADD', 'n', 'NOMKSTREAM', '*', 'a', '5');
    await v('XADD', 's', '1-0', 'a', '6');
    const effects = suite.taken();
    assert.deepEqual(effects.slice(0, 3), [['XADD', 's', '1-1', 'a', '1'], ['XADD', 's', '1-2', 'a', '2'], ['XADD', 's', id, 'a', '3']]);
    // One node holds all four: `~ 1` removes nothing and goes out as `= 4`.
    assert.equal(effects.length, 4);
    const last = effects[3]!;
    assert.deepEqual(last.slice(0, 5), ['XADD', 's', 'NOMKSTREAM', 'MAXLEN', '=']);
    assert.equal(last[5], '4');
    assert.match(last[6]!, /^\d+-\d+$/);

    await v('CONFIG', 'SET', 'stream-node-max-entries', '2');
    for (let i = 1; i <= 5; i++) await v('XADD', 'm', `${i}-0`, 'f', 'v');
    suite.taken();
    await v('XADD', 'm', 'MINID', '~', '4', 'LIMIT', '10', '6-0', 'f', 'v');
    await v('XTRIM', 'm', 'MAXLEN', '~', '1');
    await v('XTRIM', 'm', 'MAXLEN', '~', '1');
    await v('XTRIM', 'm', 'MINID', '6');
    await v('XTRIM', 'm', 'MINID', '~', '999');
    await v('CONFIG', 'SET', 'stream-node-max-entries', '100');
    assert.deepEqual(suite.taken(), [
      ['XADD', 'm', 'MINID', '=', '3-0', 'LIMIT', '10', '6-0', 'f', 'v'],
      ['XTRIM', 'm', 'MAXLEN', '=', '2'],
      ['XTRIM', 'm', 'MINID', '6'],
      ['XTRIM', 'm', 'MINID', '=', '18446744073709551615-18446744073709551615'],
    ]);
  });

  test('group reads propagate XCLAIM, XGROUP SETID and CREATECONSUMER; history reads nothing', async () => {
    for (let i = 1; i <= 3; i++) await v('XADD', 's', `${i}-0`, 'f', String(i));
    await v('XGROUP', 'CREATE', 's', 'g', '0');
    suite.taken();
    await v('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>');
    let effects = suite.taken();
    assert.equal(effects.length, 4);
    assert.deepEqual([effects[0], effects[3]], [['MULTI'], ['EXEC']]);
    for (const [i, e] of [effects[1]!, effects[2]!].entries()) {
      assert.deepEqual([...e.slice(0, 7), ...e.slice(8)], ['XCLAIM', 's', 'g', 'alice', '0', `${i + 1}-0`, 'TIME', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', `${i + 1}-0`]);
      assert.match(e[7]!, /^\d+$/);
    }
    await v('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0');
    assert.deepEqual(suite.taken(), []);
    await v('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>');
    assert.deepEqual(suite.taken(), [
      ['MULTI'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob'], ['XGROUP', 'SETID', 's', 'g', '3-0', 'ENTRIESREAD', '3'], ['EXEC'],
    ]);
    await v('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>');
    assert.deepEqual(suite.taken(), []);
  });

  test('XCLAIM and XAUTOCLAIM propagate the XCLAIM form; XACK, XGROUP, XSETID, XDEL as sent', async () => {
    for (let i = 1; i <= 3; i++) await v('XADD', 's', `${i}-0`, 'f', String(i));
    await v('XGROUP', 'CREATE', 's', 'g', '0');
    await v('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    suite.taken();
    await v('XCLAIM', 's', 'g', 'bob', '0', '0001-0', 'TIME', '12345', 'JUSTID');
    assert.deepEqual(suite.taken(), [
      ['XCLAIM', 's', 'g', 'bob', '0', '0001-0', 'TIME', '12345', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '3-0'],
    ]);
    await v('XCLAIM', 's', 'g', 'bob', '0', '7-0', 'LASTID', '9-0');
    assert.deepEqual(suite.taken(), [['XGROUP', 'SETID', 's', 'g', '9-0', 'ENTRIESREAD', '3']]);
    await v('XCLAIM', 's', 'g', 'bob', '0', '7-0');
    assert.deepEqual(suite.taken(), []);
    await v('XDEL', 's', '2-0');
    await v('XAUTOCLAIM', 's', 'g', 'carol', '0', '0', 'COUNT', '1', 'JUSTID');
    const effects = suite.taken();
    assert.deepEqual(effects[0], ['XDEL', 's', '2-0']);
    assert.equal(effects.length, 2);
    assert.deepEqual(effects[1]!.slice(0, 6), ['XCLAIM', 's', 'g', 'carol', '0', '1-0']);
    assert.deepEqual(effects[1]!.slice(8), ['RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '9-0']);
    // Claims and the drop of a deleted entry's pending entry, in PEL order, in one unit.
    await v('XAUTOCLAIM', 's', 'g', 'carol', '0', '0', 'COUNT', '5');
    const [multi, claim1, drop, claim3, exec] = suite.taken();
    assert.deepEqual([multi, exec], [['MULTI'], ['EXEC']]);
    assert.deepEqual(claim1!.slice(0, 6), ['XCLAIM', 's', 'g', 'carol', '0', '1-0']);
    assert.deepEqual(drop!.slice(0, 6), ['XCLAIM', 's', 'g', 'alice', '0', '2-0']);
    assert.deepEqual(claim3!.slice(0, 6), ['XCLAIM', 's', 'g', 'carol', '0', '3-0']);
    assert.deepEqual(claim3!.slice(8), ['RETRYCOUNT', '2', 'FORCE', 'JUSTID', 'LASTID', '9-0']);
    await v('XACK', 's', 'g', '3-0', '8-0');
    await v('XACK', 's', 'g', '3-0');
    await v('XGROUP', 'SETID', 's', 'g', '$');
    await v('XGROUP', 'CREATECONSUMER', 's', 'g', 'dan');
    await v('XGROUP', 'CREATECONSUMER', 's', 'g', 'dan');
    await v('XGROUP', 'DELCONSUMER', 's', 'g', 'dan');
    await v('XGROUP', 'DELCONSUMER', 's', 'g', 'dan');
    await v('XSETID', 's', '10-0');
    await v('XGROUP', 'DESTROY', 's', 'g');
    await v('XGROUP', 'DESTROY', 's', 'g');
    await v('XGROUP', 'CREATE', 'm', 'g', '$', 'MKSTREAM');
    assert.deepEqual(suite.taken(), [
      ['XACK', 's', 'g', '3-0', '8-0'], ['XGROUP', 'SETID', 's', 'g', '$'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'dan'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'dan'], ['XSETID', 's', '10-0'], ['XGROUP', 'DESTROY', 's', 'g'],
      ['XGROUP', 'CREATE', 'm', 'g', '$', 'MKSTREAM'],
    ]);
  });

  test('Vellum restarted on its AOF replays to the same stream, trims with LIMIT included', async () => {
    const dir = tempDir();
    const options = { dir, appendonly: 'yes', appendfsync: 'always', 'stream-node-max-entries': '4' };
    let server = await startVellum(options);
    try {
      let c = await server.client();
      for (let i = 0; i < 30; i++) await c.call('XADD', 's', 'MAXLEN', '~', '9', '*', 'f', String(i));
      await c.call('XGROUP', 'CREATE', 's', 'g', '0');
      await c.call('XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '3', 'STREAMS', 's', '>');
      await c.call('XREADGROUP', 'GROUP', 'g', 'b', 'NOACK', 'COUNT', '2', 'STREAMS', 's', '>');
      await c.call('XTRIM', 's', 'MAXLEN', '~', '2', 'LIMIT', '4');
      await c.call('XDEL', 's', (await c.call('XRANGE', 's', '-', '+', 'COUNT', '1') as string[][])[0]![0]!);
      const before = maskKeys(await c.call('XINFO', 'STREAM', 's', 'FULL'), ['seen-time']);
      await server.stop();
      server = await startVellum(options);
      c = await server.client();
      // Consumers come back seen at load time, in Redis too.
      assert.deepStrictEqual(maskKeys(await c.call('XINFO', 'STREAM', 's', 'FULL'), ['seen-time']), before);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a replay of the propagated effects rebuilds the same stream on real Redis', async () => {
    await v('CONFIG', 'SET', 'stream-node-max-entries', '4');
    for (let i = 0; i < 30; i++) await v('XADD', 's', 'MAXLEN', '~', '9', '*', 'f', String(i));
    await v('XGROUP', 'CREATE', 's', 'g', '0');
    await v('XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '3', 'STREAMS', 's', '>');
    await v('XREADGROUP', 'GROUP', 'g', 'b', 'NOACK', 'COUNT', '2', 'STREAMS', 's', '>');
    await v('XCLAIM', 's', 'g', 'c', '0', (await v('XRANGE', 's', '-', '+', 'COUNT', '1') as string[][])[0]![0]!);
    await v('XTRIM', 's', 'MINID', '~', '0');
    await v('CONFIG', 'SET', 'stream-node-max-entries', '100');
    const effects = suite.taken().filter((e) => e[0] !== 'CONFIG');
    await suite.pair.redis.call('CONFIG', 'SET', 'stream-node-max-entries', '4');
    for (const e of effects) await suite.pair.redis.call(...e);
    await suite.pair.redis.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
    await suite.pair.same('XRANGE', 's', '-', '+');
    await suite.pair.same('XINFO', 'GROUPS', 's');
    await suite.pair.same('XPENDING', 's', 'g');
  });
});
