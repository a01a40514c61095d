/**
 * CONFIG against real Redis 7.0: the default of every directive in directives.ts (the
 * cross-check of the config table), CONFIG GET patterns, CONFIG SET's validation and
 * error texts, all-or-nothing multi-pair SET, RESETSTAT, and REWRITE keeping comments.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPair, type Pair } from '../helpers/differential.js';
import { redisSkip, startVellum, tempDir } from '../helpers/servers.js';
import { ErrorReply, Status, type Reply } from '../helpers/resp-client.js';
import { directives } from '../../src/config/directives.js';

/** CONFIG GET's flat reply as sorted [name, value] pairs. */
function pairsOf(r: Reply): [string, string][] {
  const flat = r as string[];
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Values that differ by construction: ports, paths, and what the harness sets. */
const PER_SERVER = new Set(['port', 'dir', 'bind', 'save', 'appendonly', 'loglevel', 'daemonize']);

describe('CONFIG matches Redis 7.0', { skip: redisSkip }, () => {
  let pair: Pair;
  before(async () => { pair = await startPair(); });
  after(async () => { await pair.stop(); });

  test('every directive and alias has Redis 7.0.15\'s default', async () => {
    const mismatches: string[] = [];
    for (const d of directives) {
      for (const name of [d.name, ...(d.aliases ?? [])]) {
        if (PER_SERVER.has(name)) continue;
        const [v, r] = await pair.both('CONFIG', 'GET', name);
        if (JSON.stringify(v) !== JSON.stringify(r)) mismatches.push(`${name}: Vellum ${JSON.stringify(v)} Redis ${JSON.stringify(r)}`);
      }
    }
    assert.deepStrictEqual(mismatches, []);
  });

  test('enum and bounds errors name the same values as Redis', async () => {
    const mismatches: string[] = [];
    for (const d of directives) {
      if (!d.mutable || PER_SERVER.has(d.name)) continue;
      const bad = d.type === 'bool' || d.type === 'enum' ? 'nosuch' : d.type === 'int' || d.type === 'memory' ? '-99999' : null;
      if (bad === null) continue;
      const [v, r] = await pair.both('CONFIG', 'SET', d.name, bad);
      if (JSON.stringify(v) !== JSON.stringify(r)) mismatches.push(`${d.name}: Vellum ${JSON.stringify(v)} Redis ${JSON.stringify(r)}`);
    }
    assert.deepStrictEqual(mismatches, []);
  });

  test('CONFIG GET patterns', async () => {
    for (const args of [['hash-max-*'], ['MAXCLIENTS'], ['maxclients', 'MAXCLIENTS'], ['nosuch'], ['*max-*-entries*', 'timeout'],
      ['list-max-*', 'list-max-ziplist-size'], ['?z']]) {
      const [v, r] = await pair.both('CONFIG', 'GET', ...args);
      assert.deepStrictEqual(pairsOf(v), pairsOf(r), args.join(' '));
    }
    await pair.same('CONFIG', 'GET');
  });

  test('CONFIG SET: errors, several pairs, all or nothing', async () => {
    await pair.sequence([
      ['CONFIG', 'SET', 'port'], ['CONFIG', 'SET', 'nosuch', '1'], ['CONFIG', 'SET', 'maxclients', 'abc'],
      ['CONFIG', 'SET', 'databases', '3'], ['CONFIG', 'SET', 'hz', '5', 'hz', '6'], ['CONFIG', 'SET', 'hz', '5', 'HZ', '6'],
      ['CONFIG', 'SET', 'maxclients', '10', 'timeout', '-1'], ['CONFIG', 'GET', 'maxclients'],
      ['CONFIG', 'SET', 'save', '1 a'], ['CONFIG', 'SET', 'save', '10 1 20'], ['CONFIG', 'SET', 'save', '10 1 20 2'],
      ['CONFIG', 'GET', 'save'], ['CONFIG', 'SET', 'save', ''], ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'hash-max-ziplist-entries', '100'], ['CONFIG', 'GET', 'hash-max-listpack-entries'],
      ['CONFIG', 'SET', 'maxmemory', '1gb'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '10MB'],
      ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '1x'], ['CONFIG', 'SET', 'maxmemory', '0'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Kx$'], ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Q'], ['CONFIG', 'SET', 'notify-keyspace-events', ''],
      ['CONFIG', 'SET', 'appendfsync', 'ALWAYS'], ['CONFIG', 'GET', 'appendfsync'], ['CONFIG', 'SET', 'appendfsync', 'everysec'],
      ['CONFIG', 'SET', 'timeout', '0', 'maxclients', '10000'], ['CONFIG', 'GET', 'timeout'],
      ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'YES'], ['CONFIG', 'GET', 'lazyfree-lazy-user-del'],
      ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no'],
      ['CONFIG', 'RESETSTAT', 'x'], ['CONFIG', 'RESETSTAT'], ['CONFIG', 'REWRITE'], ['CONFIG', 'NOSUCH'], ['CONFIG'],
    ]);
  });

  test('CONFIG SET hz keeps it within 1..500, in CONFIG GET and INFO', async () => {
    const hzLines = (info: Reply) => String((info as { text?: string }).text ?? info).split('\r\n').filter((l) => /^(configured_)?hz:/.test(l));
    for (const hz of ['1000', '0', '500', '1', '42']) {
      await pair.same('CONFIG', 'SET', 'hz', hz);
      await pair.same('CONFIG', 'GET', 'hz');
      const [v, r] = await pair.both('INFO', 'server');
      assert.deepStrictEqual(hzLines(v), hzLines(r), `hz ${hz}`);
    }
    await pair.same('CONFIG', 'SET', 'hz', '10');
  });

  test('multi-argument and special directives: parsing, rendering and errors', async () => {
    await pair.sequence([
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1kb 2mb 3'], ['CONFIG', 'GET', 'client-output-buffer-limit'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'Replica 1 2 3 pubsub 4 5 6'], ['CONFIG', 'GET', 'client-output-buffer-limit'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'master 1 2 3'], ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1x 2 3'], ['CONFIG', 'SET', 'client-output-buffer-limit', ''],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'],
      ['CONFIG', 'SET', 'oom-score-adj-values', '1 2'], ['CONFIG', 'SET', 'oom-score-adj-values', '1 2 3000'],
      ['CONFIG', 'SET', 'oom-score-adj-values', '-5 0 5'], ['CONFIG', 'GET', 'oom-score-adj-values'],
      ['CONFIG', 'SET', 'oom-score-adj-values', '0 200 800'],
      ['CONFIG', 'SET', 'oom-score-adj', 'relative'], ['CONFIG', 'GET', 'oom-score-adj'], ['CONFIG', 'SET', 'oom-score-adj', 'no'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '1.5 2e1 100'], ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '101'], ['CONFIG', 'SET', 'latency-tracking-info-percentiles', 'abc'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', ''], ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9'],
      ['CONFIG', 'SET', 'maxmemory-clients', '10%'], ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '101%'], ['CONFIG', 'SET', 'maxmemory-clients', '-5'],
      ['CONFIG', 'SET', 'maxmemory-clients', '1mb'], ['CONFIG', 'GET', 'maxmemory-clients'], ['CONFIG', 'SET', 'maxmemory-clients', '0'],
      ['CONFIG', 'SET', 'maxmemory', ''], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', 'kb'],
      ['CONFIG', 'SET', 'replicaof', 'no one'], ['CONFIG', 'SET', 'slaveof', 'no one'], ['CONFIG', 'GET', 'replicaof'],
      ['CONFIG', 'SET', 'MAXCLIENTS', 'abc'], ['CONFIG', 'SET', 'HASH-MAX-ZIPLIST-ENTRIES', 'abc'], ['CONFIG', 'SET', 'DATABASES', '3'],
      ['CONFIG', 'SET', 'maxclients', 'abc', 'nosuch', '1'], ['CONFIG', 'SET', 'timeout', '010'],
      ['CONFIG', 'SET', 'dir', '/tmp'], ['CONFIG', 'SET', 'dbfilename', 'x.rdb'], ['CONFIG', 'SET', 'enable-protected-configs', 'yes'],
      ['CONFIG', 'GET', 'rdb-key-save-delay'], ['CONFIG', 'GET', 'rdb-key-*'],
    ]);
    for (const pattern of ['slave-*', 'tls-*', 'repl*', 'cluster-*']) {
      const [v, r] = await pair.both('CONFIG', 'GET', pattern);
      assert.deepStrictEqual(pairsOf(v), pairsOf(r), pattern);
    }
  });

  test('CONFIG SET hz and loglevel take effect', async () => {
    await pair.same('CONFIG', 'SET', 'hz', '20');
    const info = await pair.vellum.call('INFO', 'server');
    assert.match(String((info as { text?: string }).text ?? info), /\r\nhz:20\r\n/);
    await pair.same('CONFIG', 'SET', 'hz', '10');
  });

  test('CONFIG RESETSTAT clears commandstats and counters', async () => {
    await pair.vellum.call('PING');
    await pair.vellum.call('CONFIG', 'RESETSTAT');
    const info = await pair.vellum.call('INFO', 'commandstats', 'stats');
    const s = String((info as { text?: string }).text ?? info);
    assert.doesNotMatch(s, /cmdstat_ping/);
    assert.match(s, /cmdstat_config\|resetstat:calls=1,/);
  });
});

describe('CONFIG REWRITE', () => {
  test('rewrites in place, keeping comments and unknown-to-us order, appending the rest', async () => {
    const dir = tempDir();
    const file = join(dir, 'vellum.conf');
    writeFileSync(file, [
      '# top comment', 'port 0', '', '# timeouts', 'timeout 10', 'save 900 1', 'save 300 10',
      'hash-max-ziplist-entries 64', '  # indented comment', 'maxclients 100', '',
    ].join('\n'));
    const server = await startVellum({ args: [file], dir });
    const c = await server.client();
    try {
      assert.deepStrictEqual(await c.call('CONFIG', 'SET', 'timeout', '20', 'save', '60 5', 'maxmemory', '2mb'), new Status('OK'));
      assert.deepStrictEqual(await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '32', 'requirepass', 'has space'), new Status('OK'));
      assert.deepStrictEqual(await c.call('CONFIG', 'REWRITE'), new Status('OK'));
      const text = readFileSync(file, 'latin1');
      const lines = text.split('\n');
      assert.equal(lines[0], '# top comment');
      assert.equal(lines[3], '# timeouts');
      assert.equal(lines[4], 'timeout 20');
      assert.equal(lines[5], 'save 60 5');
      assert.ok(!text.includes('save 300 10'));
      assert.ok(lines.includes('hash-max-ziplist-entries 32') || lines.includes('hash-max-listpack-entries 32'), text);
      assert.ok(lines.includes('  # indented comment'));
      assert.ok(lines.includes('maxclients 100'));
      assert.ok(lines.includes('maxmemory 2097152') || lines.includes('maxmemory 2mb'), text);
      assert.ok(lines.includes('requirepass "has space"'), text);
      // The rewritten file loads back to the same values.
      const again = await startVellum({ args: [file, '--port', '0'], dir: tempDir() });
      const c2 = await again.client();
      await c2.call('AUTH', 'has space');
      for (const name of ['timeout', 'maxmemory', 'hash-max-listpack-entries', 'maxclients']) {
        assert.deepStrictEqual(await c2.call('CONFIG', 'GET', name), await c.call('CONFIG', 'GET', name), name);
      }
      await again.stop();
    } finally {
      await server.stop();
    }
  });

  test('without a config file it fails with Redis\'s error', async () => {
    const server = await startVellum();
    const c = await server.client();
    assert.deepStrictEqual(await c.call('CONFIG', 'REWRITE'), new ErrorReply('ERR The server is running without a config file'));
    await server.stop();
  });
});
