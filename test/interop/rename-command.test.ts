/**
 * rename-command against real Redis 7.0.15, both started with the same `--rename-command`
 * lines: the old names answer the unknown-command error and the new ones run the commands
 * (plain, in MULTI, container subcommands, blocking), error texts and COMMAND, INFO
 * commandstats and CLIENT LIST name a renamed command by its own name, a removed one is gone,
 * CONFIG GET/SET ignore the directive and CONFIG REWRITE keeps it, the propagated effects are
 * the records Redis appends to its AOF, and start-up errors are Redis's.
 *
 * Without Redis: servers in one process keep their own tables, and Vellum reloads the AOF it
 * wrote under renames (where Redis refuses: test/known-differences.ts).
 */

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { Config, ConfigError } from '../../src/config/config.js';
import { commandsByName } from '../../src/commands/index.js';
import { scanAof } from '../../src/persistence/aof/loader.js';
import { startPair, type Pair } from '../helpers/differential.js';
import { recordEffects, type Effect } from '../helpers/propagation.js';
import { ErrorReply, type Reply, RespClient, Status } from '../helpers/resp-client.js';
import {
  freePort, redisSkip, spawnReady, startRedis, startVellum, stopChild, tempDir, waitBlocked,
} from '../helpers/servers.js';

/** A hardened configuration, plus renames of commands whose handlers or effects depend on them. */
const RENAMES: readonly (readonly [string, string])[] = [
  ['FLUSHALL', ''], ['SREM', ''], ['config', 'cfg_9f2a'], ['get', 'G'], ['G', 'gg'], ['MULTI', 'begin_tx'],
  ['EXEC', 'commit_tx'], ['INCRBYFLOAT', 'ibf'], ['EXPIRE', 'exp'], ['SADD', 'sa'], ['ZRANGE', 'zr'], ['BLPOP', 'bl'],
  ['SETEX', 'sx'], ['RPOP', 'rp'], ['HSET', 'hs'], ['OBJECT', 'obj'], ['XINFO', 'xi'], ['PUBSUB', 'ps'],
];
const ARGS = RENAMES.flatMap(([from, to]) => ['--rename-command', from, to]);
const REMOVED = RENAMES.filter(([, to]) => to === '').length;

/** `INFO commandstats` as name → counters, without the timings. */
function commandstats(info: Reply): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of String(info).matchAll(/^cmdstat_(\S+?):calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/gm)) {
    out.set(m[1]!, `calls=${m[2]} rejected=${m[3]} failed=${m[4]}`);
  }
  return out;
}

/** COMMAND INFO entries reduced to name, arity and subcommand names (key specs and tips are known differences). */
function infoNames(reply: Reply): unknown {
  return (reply as (Reply[] | null)[]).map((e) => e === null ? null : [e[0], e[1], (e[9] as Reply[][]).map((s) => s[0]).sort()]);
}

/** The records of an AOF after `offset`, SELECT left out and PEXPIREAT's clock reading masked. */
function aofRecords(path: string, offset: number): string[][] {
  const out: string[][] = [];
  scanAof(readFileSync(path), offset, (argv) => {
    if (argv[0]!.toUpperCase() !== 'SELECT') out.push(maskClock(argv));
  });
  return out;
}

function maskClock(argv: readonly string[]): string[] {
  return argv[0]!.toUpperCase() === 'PEXPIREAT' ? [argv[0]!, argv[1]!, '<ms>', ...argv.slice(3)] : [...argv];
}

/** Redis's current AOF incr file in `dir`. */
function redisIncrFile(dir: string): string {
  const aofDir = join(dir, 'appendonlydir');
  const manifest = readFileSync(join(aofDir, 'appendonly.aof.manifest'), 'latin1');
  return join(aofDir, [...manifest.matchAll(/^file (\S+) seq \d+ type i$/gm)].at(-1)![1]!);
}

describe('rename-command matches Redis 7.0.15', { skip: redisSkip }, () => {
  let pair: Pair;
  let effects: Effect[];
  before(async () => {
    // Redis logs its effects to an AOF, synced before each reply, for the propagation test.
    pair = await startPair({ args: ARGS }, [...ARGS, '--appendonly', 'yes', '--appendfsync', 'always']);
    effects = recordEffects(pair.vellumServer.server!);
  });
  after(async () => { await pair.stop(); });
  beforeEach(async () => {
    await pair.both('FLUSHDB');
    effects.length = 0;
  });

  test('old names answer the unknown-command error; new names run the command, in any case', async () => {
    await pair.sequence([
      ['SET', 'k', 'v'], ['GET', 'k'], ['G', 'k'], ['gg', 'k'], ['GG', 'k'], ['gG', 'k'],
      ['FLUSHALL'], ['flushall', 'ASYNC'], ['SREM', 's', 'a'], ['MULTI'], ['EXEC'], ['INCRBYFLOAT', 'f', '1'],
      ['EXPIRE', 'k', '10'], ['SADD', 's', 'a'], ['ZRANGE', 'z', '0', '-1'], ['BLPOP', 'l', '0'],
      ['CONFIG', 'GET', 'timeout'], ['config', 'SET', 'timeout', '0'],
      ['cfg_9f2a', 'GET', 'timeout'], ['CFG_9F2A', 'get', 'maxmemory-policy'], ['cfg_9f2a', 'SET', 'timeout', '0'],
      ['sa', 's', 'a', 'b'], ['SCARD', 's'], ['ibf', 'f', '1.5'], ['ibf', 'f', 'x'], ['gg', 'f'],
      ['exp', 'k', '100'], ['TTL', 'k'], ['exp', 'k', 'abc'], ['exp', 'nokey', '5'], ['EXISTS', 'k', 's', 'f'],
    ]);
  });

  test('arity and subcommand errors name the command by its own name; HELP by the name sent', async () => {
    await pair.sequence([
      ['gg'], ['gg', 'a', 'b'], ['cfg_9f2a'], ['cfg_9f2a', 'get'], ['cfg_9f2a', 'set', 'timeout'],
      ['cfg_9f2a', 'set', 'timeout', '0', 'hz'], ['cfg_9f2a', 'nosuch'], ['Cfg_9F2a', 'nosuch', 'x'],
      ['cfg_9f2a', 'HELP'], ['ibf', 'f'], ['exp', 'k'], ['sa', 's'], ['zr', 'z', '0'], ['bl', 'l'],
    ]);
  });

  test('handlers name a renamed command by its own name in errors, HELP titles by the name sent', async () => {
    await pair.sequence([
      ['sx', 'k', '-5', 'v'], ['SET', 'k', 'v', 'EX', '0'], ['exp', 'k', '99999999999999999999'], ['rp', 'l', '1', '2'],
      ['hs', 'h', 'f'], ['obj', 'HELP'], ['xi', 'HELP'], ['ps', 'HELP'],
    ]);
  });

  test('a renamed ZRANGE keeps its BYSCORE, BYLEX, REV and LIMIT options', async () => {
    await pair.sequence([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['zr', 'z', '0', '-1', 'WITHSCORES'], ['zr', 'z', '(1', '3', 'BYSCORE'],
      ['zr', 'z', '0', '-1', 'REV'], ['zr', 'z', '[a', '[b', 'BYLEX'], ['zr', 'z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '0', '2'],
      ['ZRANGESTORE', 'dst', 'z', '0', '1', 'REV'], ['zr', 'dst', '0', '-1'], ['ZREVRANGE', 'z', '0', '0'],
    ]);
  });

  test('transactions under the renamed MULTI and EXEC', async () => {
    await pair.sequence([
      ['begin_tx'], ['SET', 'a', '1'], ['gg', 'a'], ['cfg_9f2a', 'GET', 'timeout'], ['ibf', 'n', '2'], ['sa', 's', 'x'], ['commit_tx'],
      ['commit_tx'], ['begin_tx'], ['begin_tx'], ['MULTI'], ['EXEC'], ['commit_tx'],
      ['begin_tx'], ['gg'], ['SET', 'b', '1'], ['commit_tx'], ['EXISTS', 'b'],
      ['begin_tx'], ['SET', 'c', '1'], ['DISCARD'], ['EXISTS', 'c'],
    ]);
  });

  test('COMMAND INFO, DOCS, GETKEYS and LIST find commands by their new names and show their own', async () => {
    const info = await pair.both('COMMAND', 'INFO', 'config', 'cfg_9f2a', 'CFG_9F2A', 'get', 'gg', 'flushall', 'srem', 'sa',
      'cfg_9f2a|get', 'config|get', 'CFG_9F2A|SET', 'gg|x');
    assert.deepStrictEqual(infoNames(info[0]), infoNames(info[1]));
    assert.deepStrictEqual(infoNames(info[0]),
      [null, ['config', -2, ['config|get', 'config|help', 'config|resetstat', 'config|rewrite', 'config|set']],
        ['config', -2, ['config|get', 'config|help', 'config|resetstat', 'config|rewrite', 'config|set']],
        null, ['get', 2, []], null, null, ['sadd', -3, []], ['config|get', -3, []], null, ['config|set', -4, []], null]);
    const docs = await pair.both('COMMAND', 'DOCS', 'gg', 'cfg_9f2a', 'config', 'flushall');
    const docNames = (r: Reply) => (r as Reply[]).filter((_, i) => i % 2 === 0);
    assert.deepStrictEqual(docNames(docs[0]), docNames(docs[1]));
    await pair.sequence([
      ['COMMAND', 'GETKEYS', 'gg', 'k'], ['COMMAND', 'GETKEYS', 'GET', 'k'], ['COMMAND', 'GETKEYS', 'sa', 's', 'm'],
      ['COMMAND', 'GETKEYS', 'cfg_9f2a', 'get', 'x'], ['COMMAND', 'GETKEYS', 'CONFIG', 'GET', 'x'], ['COMMAND', 'GETKEYS', 'SREM', 's', 'm'],
    ]);
    for (const pattern of ['config*', 'cfg*', 'flush*', 'srem', 'sadd', 'sa', 'get', 'gg', 'multi', 'begin_tx', '*exec*']) {
      await pair.sameUnordered('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', pattern);
    }
    const [vList, rList] = (await pair.both('COMMAND', 'LIST')) as [string[], string[]];
    for (const list of [vList, rList]) {
      for (const name of ['config', 'config|get', 'get', 'sadd', 'exec']) assert.ok(list.includes(name), name);
      for (const name of ['flushall', 'srem', 'cfg_9f2a', 'gg', 'sa', 'begin_tx']) assert.ok(!list.includes(name), name);
    }
  });

  test('COMMAND and COMMAND COUNT leave the removed commands out', async () => {
    const plainRedis = await startRedis();
    let redisAll: number;
    try {
      redisAll = (await (await plainRedis.client()).call('COMMAND', 'COUNT')) as number;
    } finally {
      await plainRedis.stop();
    }
    const [vCount, rCount] = (await pair.both('COMMAND', 'COUNT')) as [number, number];
    assert.equal(rCount, redisAll - REMOVED);
    assert.equal(vCount, commandsByName.size - REMOVED);
    const [vAll, rAll] = (await pair.both('COMMAND')) as [Reply[][], Reply[][]];
    assert.equal(vAll.length, vCount);
    assert.equal(rAll.length, rCount);
    for (const all of [vAll, rAll]) {
      const names = all.map((e) => e[0]);
      assert.ok(names.includes('config') && names.includes('get') && !names.includes('flushall') && !names.includes('gg'));
    }
  });

  test('INFO commandstats counts renamed commands under their own names', async () => {
    await pair.same('cfg_9f2a', 'RESETSTAT');
    await pair.sequence([
      ['SET', 'k', 'v'], ['gg', 'k'], ['gg', 'k'], ['gg'], ['GET', 'k'], ['cfg_9f2a', 'GET', 'timeout'], ['cfg_9f2a', 'nosuch'],
      ['cfg_9f2a', 'get'], ['cfg_9f2a'], ['sa', 's', 'a'], ['zr', 's', '0', '-1'], ['ibf', 'k', '1'], ['begin_tx'], ['gg', 'k'], ['commit_tx'],
    ]);
    const [v, r] = await pair.both('INFO', 'commandstats');
    assert.deepStrictEqual(commandstats(v), commandstats(r));
    assert.equal(commandstats(v).get('get'), 'calls=3 rejected=1 failed=0');
  });

  test('CONFIG GET does not report rename-command and CONFIG SET refuses it', async () => {
    await pair.sequence([
      ['cfg_9f2a', 'GET', 'rename-command'], ['cfg_9f2a', 'SET', 'rename-command', 'get'],
      ['cfg_9f2a', 'SET', 'rename-command', 'get', 'x'], ['gg', 'k'],
    ]);
    await pair.sameUnordered('cfg_9f2a', 'GET', '*command*');
  });

  test('the RESP2 pub/sub context and CLIENT LIST name the command by its own name', async () => {
    const [v, r] = await pair.each(async (c, server) => {
      const sub = await server.client();
      const other = await server.client();
      try {
        await sub.call('SUBSCRIBE', 'ch');
        const refused = [await sub.call('gg', 'k'), await sub.call('cfg_9f2a', 'GET', 'timeout'), await sub.call('GET', 'k')];
        const id = await other.call('CLIENT', 'ID');
        await other.call('cfg_9f2a', 'GET', 'timeout');
        const listed = /cmd=(\S+)/.exec(String(await c.call('CLIENT', 'LIST', 'ID', String(id))))![1];
        return [refused, listed];
      } finally {
        sub.close();
        other.close();
      }
    });
    assert.deepStrictEqual(v, r);
    assert.equal((v as unknown[])[1], 'config|get');
  });

  test('a renamed blocking command blocks and is served', async () => {
    const [v, r] = await pair.each(async (c, server) => {
      const other = await server.client();
      try {
        const popped = other.call('bl', 'list', '0');
        await waitBlocked(c, 1);
        await c.call('RPUSH', 'list', 'x');
        return [await popped, await c.call('EXISTS', 'list')];
      } finally {
        other.close();
      }
    });
    assert.deepStrictEqual(v, r);
    assert.deepStrictEqual(v, [['list', 'x'], 0]);
  });

  test('effects are propagated as Redis appends them to its AOF: as sent, or rewritten under their own names', async () => {
    const incr = redisIncrFile(pair.redisServer.dir);
    const offset = statSync(incr).size;
    await pair.sequence([
      ['SET', 'k', 'v'], ['sa', 's', 'a', 'b'], ['sa', 'one', 'x'], ['SPOP', 'one'], ['ibf', 'f', '1.5'], ['exp', 'k', '100'],
      ['exp', 'k', 'abc'], ['cfg_9f2a', 'SET', 'timeout', '0'], ['gg', 'k'],
      ['begin_tx'], ['SET', 't', '1'], ['sa', 's', 'c'], ['gg', 't'], ['commit_tx'],
      ['begin_tx'], ['sa', 's', 'd'], ['commit_tx'],
      ['RPUSH', 'l', 'x', 'y'], ['bl', 'l', '0'],
    ]);
    const vellum = effects.map((e) => maskClock(e.argv));
    assert.deepStrictEqual(vellum, aofRecords(incr, offset));
    assert.deepStrictEqual(vellum.map((argv) => argv[0]), [
      'SET', 'sa', 'sa', 'SREM', 'SET', 'PEXPIREAT', 'MULTI', 'SET', 'sa', 'EXEC', 'sa', 'RPUSH', 'LPOP',
    ]);
  });

  test('start-up errors are Redis\'s: line, text and reason', () => {
    const dir = tempDir('vellum-rename-conf-');
    try {
      const bad = [
        'rename-command nosuch x', 'rename-command get ""\nrename-command get x', 'rename-command get set',
        'rename-command get SET', 'rename-command get', 'rename-command get a b', 'rename-command get x\nrename-command set X',
      ];
      for (const [i, text] of bad.entries()) {
        const path = join(dir, `bad${i}.conf`);
        writeFileSync(path, `save ""\n${text}\n`);
        const redis = spawnSync('redis-server', [path], { encoding: 'latin1' });
        assert.notEqual(redis.status, 0, text);
        const where = (out: string) => /at line (\d+)\n(>>> .*)\n(.*)/.exec(out)?.slice(1);
        let vellum = '';
        try {
          Config.fromArgs([path], {}, [...commandsByName.keys()]);
        } catch (err) {
          assert.ok(err instanceof ConfigError);
          vellum = err.message;
        }
        assert.deepStrictEqual(where(vellum), where(redis.stderr + redis.stdout), text);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('CONFIG REWRITE keeps the file\'s rename-command lines, as Redis does', async () => {
    const lines = ['# hardened', 'rename-command FLUSHALL ""', 'rename-command config "cfg_9f2a"', 'timeout 0', 'rename-command get G'];
    const dirs = [tempDir('vellum-rename-rw-'), tempDir('redis-rename-rw-')];
    const files = dirs.map((d) => join(d, 'redis.conf'));
    for (const f of files) writeFileSync(f, ['save ""', ...lines, ''].join('\n'));
    const vellum = await startVellum({ dir: dirs[0], args: [files[0]!, '--rename-command', 'keys', 'k2'] });
    const port = await freePort();
    const redis = await spawnReady('redis-server',
      [files[1]!, '--port', String(port), '--bind', '127.0.0.1', '--dir', dirs[1]!, '--rename-command', 'keys', 'k2']);
    const clients = [await vellum.client(), await RespClient.connect(port)];
    try {
      for (const c of clients) {
        assert.deepStrictEqual(await c.call('cfg_9f2a', 'SET', 'timeout', '7'), new Status('OK'));
        assert.deepStrictEqual(await c.call('cfg_9f2a', 'REWRITE'), new Status('OK'));
      }
      const [v, r] = files.map((f) => readFileSync(f, 'latin1').split('\n').filter((l) => /rename-command|timeout/.test(l)));
      assert.deepStrictEqual(v, r);
      assert.deepStrictEqual(v, ['rename-command FLUSHALL ""', 'rename-command config "cfg_9f2a"', 'timeout 7', 'rename-command get G']);
    } finally {
      for (const c of clients) c.close();
      await vellum.stop();
      await stopChild(redis.child);
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('rename-command in Vellum alone', () => {
  test('servers in one process keep their own tables', async () => {
    const hardened = await startVellum({ args: ['--rename-command', 'CONFIG', '', '--rename-command', 'GET', 'x'] });
    const other = await startVellum({ args: ['--rename-command', 'GET', '', '--rename-command', 'SET', 'GET'] });
    const plain = await startVellum();
    try {
      const [h, o, p] = [await hardened.client(), await other.client(), await plain.client()];
      // The server without CONFIG answers COMMAND LIST first: the others must still list config|get.
      assert.deepStrictEqual(await h.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config*'), []);
      for (const c of [o, p]) {
        assert.ok(((await c.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config*')) as string[]).includes('config|get'));
      }
      const ok = new Status('OK');
      assert.deepStrictEqual(await p.call('CONFIG', 'GET', 'timeout'), ['timeout', '0']);
      assert.match((await h.call('CONFIG', 'GET', 'timeout') as ErrorReply).message, /unknown command 'CONFIG'/);
      assert.deepStrictEqual(await p.call('SET', 'k', 'v'), ok);
      assert.equal(await p.call('GET', 'k'), 'v');
      assert.match((await h.call('GET', 'k') as ErrorReply).message, /unknown command 'GET'/);
      assert.deepStrictEqual(await h.call('SET', 'k', 'w'), ok);
      assert.equal(await h.call('x', 'k'), 'w');
      // On `other`, SET answers to GET, and neither GET nor SET's own name is left.
      assert.deepStrictEqual(await o.call('GET', 'k', 'z'), ok);
      assert.match((await o.call('SET', 'k', 'y') as ErrorReply).message, /unknown command 'SET'/);
      assert.match((await o.call('x', 'k') as ErrorReply).message, /unknown command 'x'/);
      assert.equal(await o.call('COMMAND', 'COUNT'), commandsByName.size - 1);
      assert.equal(await p.call('COMMAND', 'COUNT'), commandsByName.size);
    } finally {
      await Promise.all([hardened.stop(), other.stop(), plain.stop()]);
    }
  });

  test('Vellum reloads the AOF it wrote under the same renames, records under own and new names alike', async () => {
    const dir = tempDir('vellum-rename-aof-');
    const options = { dir, port: 0, save: '', loglevel: 'warning', appendonly: 'yes', appendfsync: 'always', args: ARGS };
    try {
      let h = await startServer(options);
      let c = await RespClient.connect(h.port!);
      for (const cmd of [
        ['sa', 's', 'a', 'b'], ['sa', 'one', 'x'], ['SPOP', 'one'], ['ibf', 'f', '1.5'], ['SET', 'k', 'v'], ['exp', 'k', '1000'],
        ['begin_tx'], ['SET', 't', '1'], ['sa', 's', 'c'], ['commit_tx'], ['RPUSH', 'l', 'x', 'y'], ['bl', 'l', '0'],
      ]) await c.call(...cmd);
      c.close();
      await h.close();
      const aof = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
      assert.match(aof, /\r\nsa\r\n/);
      assert.match(aof, /\r\nSREM\r\n/);
      h = await startServer(options);
      c = await RespClient.connect(h.port!);
      try {
        assert.deepStrictEqual(((await c.call('SMEMBERS', 's')) as string[]).sort(), ['a', 'b', 'c']);
        assert.equal(await c.call('EXISTS', 'one'), 0);
        assert.equal(await c.call('gg', 'f'), '1.5');
        assert.ok((await c.call('TTL', 'k')) as number > 990);
        assert.equal(await c.call('gg', 't'), '1');
        assert.deepStrictEqual(await c.call('LRANGE', 'l', '0', '-1'), ['y']);
      } finally {
        c.close();
        await h.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
