/**
 * INFO against real Redis 7.0: the same sections, in the same order, with the same field
 * names, for every selector form (none, default, all, everything, named sections). Values
 * are per-server; those with a meaning Vellum keeps (counts of keys, clients, commands) are
 * checked against what the test did.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import { Verbatim, type Reply } from '../helpers/resp-client.js';

/** Fields Vellum adds to Redis's set, each with its reason. */
const EXTRA_FIELDS = new Set([
  'vellum_version', // which Vellum answers, beside the Redis version it emulates
  'vellum_bgsave_max_stall_usec', // the forkless BGSAVE's longest hold of the event loop (Redis: fork time)
  'vellum_bgsave_max_loop_delay_usec', // the worst event-loop delay while that BGSAVE ran
  'vellum_aof_rewrite_max_stall_usec', // the forkless AOF rewrite's longest hold of the event loop (Redis: fork time)
]);

/** Sections with their field names (values dropped), in order. */
function shape(reply: Reply): [string, string[]][] {
  const text = textOf(reply);
  const out: [string, string[]][] = [];
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) out.push([line.slice(2), []]);
    else if (line !== '') {
      const name = line.slice(0, line.indexOf(':'));
      if (!EXTRA_FIELDS.has(name)) out.at(-1)![1].push(name);
    }
  }
  return out;
}

function textOf(reply: Reply): string {
  return reply instanceof Verbatim ? reply.text : (reply as string);
}

function field(reply: Reply, name: string): string | undefined {
  const text = textOf(reply);
  return new RegExp(`\r\n${name}:([^\r]*)\r\n`).exec(text)?.[1];
}

/** Sections whose lines depend on what ran (commandstats) or are not implemented (latency, errors). */
const CONTENT_VARIES = new Set(['Commandstats', 'Latencystats', 'Errorstats', 'Keyspace']);

describe('INFO matches Redis 7.0', { skip: redisSkip }, () => {
  let pair: Pair;
  before(async () => { pair = await startPair(); });
  after(async () => { await pair.stop(); });

  test('sections and field names, for every selector', async () => {
    for (const args of [[], ['default'], ['all'], ['everything'], ['server'], ['SERVER', 'clients'], ['memory'],
      ['persistence'], ['stats'], ['replication'], ['cpu'], ['cluster'], ['keyspace'], ['modules'], ['nosuch'],
      ['default', 'commandstats'], ['clients', 'server']]) {
      const [v, r] = await pair.both('INFO', ...args);
      const vs = shape(v).map(([s, f]) => [s, CONTENT_VARIES.has(s) ? [] : f]);
      const rs = shape(r).map(([s, f]) => [s, CONTENT_VARIES.has(s) ? [] : f]);
      assert.deepStrictEqual(vs, rs, `INFO ${args.join(' ')}`);
    }
  });

  test('RESP3 answers with a verbatim string', async () => {
    const c = await pair.vellumServer.client();
    await c.call('HELLO', '3');
    const r = await c.call('INFO', 'server');
    assert.ok(r instanceof Verbatim && r.format === 'txt');
    c.close();
  });

  test('keyspace, clients and stats reflect the server', async () => {
    await pair.flush();
    await pair.both('SET', 'a', '1');
    await pair.both('SET', 'b', '1', 'EX', '100');
    await pair.both('SELECT', '2');
    await pair.both('SET', 'c', '1');
    await pair.both('SELECT', '0');
    const [v, r] = await pair.both('INFO', 'keyspace');
    assert.deepStrictEqual(v, r);
    assert.equal(field(await pair.vellum.call('INFO', 'server'), 'redis_version'), '7.0.15');
    assert.equal(field(await pair.vellum.call('INFO', 'server'), 'tcp_port'), String(pair.vellumServer.port));
    assert.equal(field(await pair.vellum.call('INFO', 'clients'), 'connected_clients'),
      String(pair.vellumServer.server!.clients.size));
    const before = Number(field(await pair.vellum.call('INFO', 'stats'), 'total_commands_processed'));
    await pair.vellum.call('PING');
    const after = Number(field(await pair.vellum.call('INFO', 'stats'), 'total_commands_processed'));
    assert.equal(after, before + 2);
    await pair.both('GET', 'a');
    await pair.both('GET', 'nosuch');
    for (const name of ['keyspace_hits', 'keyspace_misses']) {
      assert.ok(Number(field(await pair.vellum.call('INFO', 'stats'), name)) >= 1, name);
    }
    await pair.flush();
  });

  test('total_reads/writes_processed count socket events, total_net_output_bytes what was sent', async () => {
    const c = await pair.vellumServer.client();
    const field = (info: string, name: string) => Number(new RegExp(`\\r\\n${name}:(\\d+)`).exec(info)![1]);
    const before = (await c.call('INFO', 'stats')) as string;
    // Ten commands in one write arrive in one read event (or a few) and leave in one write.
    await c.pipeline(Array.from({ length: 10 }, () => ['PING']));
    const after = (await c.call('INFO', 'stats')) as string;
    const d = (name: string) => field(after, name) - field(before, name);
    assert.ok(d('total_commands_processed') >= 11, 'commands');
    assert.ok(d('total_reads_processed') >= 2 && d('total_reads_processed') <= 4, `reads: ${d('total_reads_processed')}`);
    assert.ok(d('total_writes_processed') >= 2 && d('total_writes_processed') <= 4, `writes: ${d('total_writes_processed')}`);
    // Ten "+PONG\r\n" and the first INFO reply left in between.
    assert.ok(d('total_net_output_bytes') >= 70 + before.length, 'output bytes');
  });

  test('commandstats: a pipeline of runs of fast and slow commands charges time to each (Vellum)', async () => {
    // Inside a batch the clock is read between runs of one fast command (dispatcher.ts,
    // Timing): each run's time must reach its own command, the last one's at the batch's end.
    const c = await pair.vellumServer.client();
    await c.call('CONFIG', 'RESETSTAT');
    await c.pipeline([
      ...Array.from({ length: 40 }, (_, i) => ['GET', `k${i}`]),
      ['KEYS', '*'],
      ...Array.from({ length: 5 }, (_, i) => ['SET', `k${i}`, 'v']),
    ]);
    const info = textOf(await c.call('INFO', 'commandstats'));
    for (const [name, calls] of [['get', 40], ['keys', 1], ['set', 5]] as const) {
      const m = new RegExp(`cmdstat_${name}:calls=(\\d+),usec=\\d+,usec_per_call=([\\d.]+),`).exec(info);
      assert.ok(m !== null, info);
      assert.equal(Number(m[1]), calls, name);
      assert.ok(Number(m[2]) > 0, `${name} has no time: ${m[0]}`);
    }
  });

  test('commandstats: counts calls, failures and rejections like Redis', async () => {
    for (const c of [pair.vellum, pair.redis]) {
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('SET', 'k', 'v');
      await c.call('SET', 'k', 'v', 'EX', 'x');
      await c.call('SET', 'k');
      await c.call('CLIENT', 'ID');
    }
    const pick = (reply: Reply) => textOf(reply).split('\r\n')
      .filter((l) => l.startsWith('cmdstat_'))
      .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
      .sort();
    const [v, r] = await pair.both('INFO', 'commandstats');
    assert.deepStrictEqual(pick(v), pick(r));
    assert.ok(pick(v).includes('cmdstat_set:calls=2,rejected_calls=1,failed_calls=1'), pick(v).join('\n'));
  });
});
