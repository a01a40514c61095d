/**
 * Differential tests of MONITOR against real Redis 7.0: the line format (timestamp, db,
 * client address, escaped arguments), which commands are shown (after they ran, EXEC's
 * commands one by one; never admin or refused ones), and what a monitor client may still
 * run.
 */

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import { type Arg, type Reply, RespClient, Status } from '../helpers/resp-client.js';

const LINE = /^(\d+)\.(\d{6}) \[(\d+) 127\.0\.0\.1:(\d+)\] (.*)$/;

/** Read monitor lines until one shows `ECHO <marker>`; lines lose timestamp and port. */
async function linesUntil(m: RespClient, marker: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const r = await m.next();
    assert.ok(r instanceof Status, `monitor line is a status reply: ${JSON.stringify(r)}`);
    const match = LINE.exec(r.value);
    assert.ok(match !== null, `monitor line format: ${r.value}`);
    const now = Date.now() / 1000;
    assert.ok(Math.abs(Number(match[1]) - now) < 60, 'timestamp is the current unix time');
    if (match[5] === `"ECHO" "${marker}"`) return out;
    out.push(`[${match[3]}] ${match[5]}`);
  }
}

describe('MONITOR matches Redis 7.0', { skip: redisSkip }, () => {
  let pair: Pair;
  let monitors: [RespClient, RespClient];
  before(async () => { pair = await startPair(); });
  after(async () => { await pair.stop(); });
  beforeEach(async () => {
    monitors = [await pair.vellumServer.client(), await pair.redisServer.client()];
    await pair.both('RESET');
    await pair.flush();
  });

  async function watched(commands: Arg[][]): Promise<[Reply[], string[]]> {
    const results = await Promise.all([0, 1].map(async (i) => {
      const m = monitors[i]!;
      const c = i === 0 ? pair.vellum : pair.redis;
      assert.deepStrictEqual(await m.call('MONITOR'), new Status('OK'));
      const replies: Reply[] = [];
      for (const cmd of commands) replies.push(await c.call(...cmd));
      await c.call('ECHO', 'end');
      const lines = await linesUntil(m, 'end');
      m.close();
      return [replies, lines] as [Reply[], string[]];
    }));
    assert.deepStrictEqual(results[0], results[1]);
    return results[0];
  }

  test('commands, escaping, db numbers and transactions as Redis shows them', async () => {
    const [, lines] = await watched([
      ['SET', 'k', 'v'], ['GET', 'k'], ['SET', 'bin', 'a "q" \\ \n\r\t\x07\b\x01\xff'],
      ['SELECT', '3'], ['SET', 'in3', '1'], ['SELECT', '0'],
      ['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['EXEC'],
      ['MULTI'], ['NOPE'], ['EXEC'],
      ['SET', 'e', 'v', 'EX', '100'],
    ]);
    assert.ok(lines.includes('[3] "SET" "in3" "1"'));
    assert.ok(lines.includes('[0] "SET" "e" "v" "EX" "100"'), 'arguments as sent, not the propagated form');
  });

  test('admin and refused commands are not shown', async () => {
    const [, lines] = await watched([
      ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '0'], ['NOSUCH'], ['GET'], ['SET', 'k', 'v', 'XX', 'NX'], ['PING'],
    ]);
    assert.deepStrictEqual(lines, ['[0] "SET" "k" "v" "XX" "NX"', '[0] "PING"']);
  });

  test('a monitor client may not touch the keyspace; connection commands still run', async () => {
    const results = await Promise.all([pair.vellumServer, pair.redisServer].map(async (srv) => {
      const m = await srv.client();
      const out: Reply[] = [await m.call('MONITOR'), await m.call('GET', 'k'), await m.call('SET', 'k', 'v'),
        await m.call('PUBLISH', 'ch', 'x'), await m.call('PING')];
      // The monitor sees its own PING after the reply.
      const line = await m.next();
      assert.ok(line instanceof Status);
      out.push(line.value.replace(/^\S+ \[(\d+) [^\]]+\]/, '[$1]'));
      out.push(await m.call('RESET'), await m.call('GET', 'k'));
      m.close();
      return out;
    }));
    assert.deepStrictEqual(results[0], results[1]);
  });

  test('MONITOR inside MULTI fails inside EXEC', async () => {
    await pair.sequence([['MULTI'], ['MONITOR'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a']]);
    for (const m of monitors) m.close();
  });
});
