/**
 * Streams cross between Vellum and real Redis 7.0 in every persistence form: real Redis
 * fills streams of every shape (small, empty three ways, deleted entries and a deleted
 * node, many nodes cut by count and by bytes, integer and binary values, u64 edge IDs,
 * consumer groups with PELs over several consumers, idle consumers, unknown entries-read,
 * XSETID counters, a TTL) and:
 *  - Vellum loads its dump.rdb: XINFO STREAM FULL and XRANGE answer as Redis's (times
 *    compared exactly: they are loaded values), DUMP payloads are byte-equal to Redis's
 *    where no entry was ever deleted (same node layout), and every payload, RESTOREd into
 *    Redis under sanitize-dump-payload yes (Redis's deep checks), reads as the original;
 *  - nodes are cut as Redis cuts them under other stream-node-max-entries/-bytes;
 *  - Vellum's own dump.rdb passes redis-check-rdb and real Redis loads the same data;
 *  - a type 15 record (Redis 5-6) gets 7.0's derived counters, compared on Redis itself;
 *  - corrupt payloads are refused as Redis refuses them;
 *  - an RDB-preamble AOF base made while streams change loads in real Redis;
 *  - the RESP AOF base (aof-use-rdb-preamble no) has Redis's commands key for key, real
 *    Redis loads it with the data Redis's own rewrite gives, and so does Vellum's loader.
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertRedisAcceptsAof, redisSkip, startRedis, startVellum, tempDir, type RunningServer } from '../helpers/servers.js';
import { ErrorReply, parseReply, Status, type Arg, type Reply, type RespClient } from '../helpers/resp-client.js';
import { aofOf } from '../../src/persistence/aof/index.js';
import { crc64 } from '../../src/persistence/rdb/crc64.js';
import { encodeStreamNode } from '../../src/persistence/rdb/stream.js';
import { streamIdFromParts } from '../../src/store/stream.js';
import { noise, stripFields } from './rdb-dataset.js';

const OK = new Status('OK');
const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

/** Streams whose entries were never deleted: their node layout is Redis's, so DUMP is equal. */
const UNDELETED = ['x:small', 'x:big', 'x:wide', 'x:ints', 'x:groups', 'x:mk', 'x:ttl', 'x:edge', 'x:auto'];

/** Commands that fill streams of every shape (real Redis runs them). */
function streamCommands(): Arg[][] {
  const cmds: Arg[][] = [];
  cmds.push(['XADD', 'x:small', '1-1', 'f', 'v'], ['XADD', 'x:small', '1-2', 'f', 'w', 'g', '7']);
  for (let i = 0; i < 250; i++) {
    cmds.push(['XADD', 'x:big', `${1000 + i}-${i % 4}`, 'field', String(i * 37 - 500), i % 9 === 0 ? 'else' : 'other', i % 5 === 0 ? 'x'.repeat(i) : `v${i}`]);
  }
  for (let i = 0; i < 12; i++) cmds.push(['XADD', 'x:wide', `5-${i}`, 'blob', noise(1500, i + 1)]);
  cmds.push(['XADD', 'x:ints', '7-0', 'n', '12345', 'neg', '-7', 'max', '9223372036854775807', 'min', '-9223372036854775808',
    'over', '9223372036854775808', 's', '007', 'z', '-0', ALL_BYTES, ALL_BYTES]);
  for (let i = 1; i <= 230; i++) cmds.push(['XADD', 'x:del', `${i}-1`, 'a', String(i)]);
  const gone = ['1-1', '50-1', '51-1'];
  for (let i = 101; i <= 200; i++) gone.push(`${i}-1`); // the whole second node
  cmds.push(['XDEL', 'x:del', ...gone]);
  cmds.push(['XGROUP', 'CREATE', 'x:mk', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATECONSUMER', 'x:mk', 'g', 'idle']);
  cmds.push(['XADD', 'x:gone', '3-3', 'a', 'b'], ['XDEL', 'x:gone', '3-3']);
  cmds.push(['XADD', 'x:trimmed', '9-1', 'a', 'b'], ['XADD', 'x:trimmed', '9-2', 'a', 'c'], ['XTRIM', 'x:trimmed', 'MAXLEN', '0']);
  for (let i = 1; i <= 20; i++) cmds.push(['XADD', 'x:groups', `${i}-0`, 'k', String(i)]);
  cmds.push(
    ['XGROUP', 'CREATE', 'x:groups', 'g1', '0'],
    ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '3', 'STREAMS', 'x:groups', '>'],
    ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '4', 'STREAMS', 'x:groups', '>'],
    ['XACK', 'x:groups', 'g1', '2-0'],
    ['XCLAIM', 'x:groups', 'g1', 'carol', '0', '5-0', 'TIME', '1700000000123', 'RETRYCOUNT', '9'],
    ['XGROUP', 'CREATECONSUMER', 'x:groups', 'g1', 'dave'],
    ['XGROUP', 'CREATE', 'x:groups', 'g2', '10-0'],
    ['XGROUP', 'CREATE', 'x:groups', 'g0', '$'],
    ['XGROUP', 'CREATE', 'x:groups', '\x00\xffbin', '0'],
    ['XREADGROUP', 'GROUP', '\x00\xffbin', 'z\x00', 'COUNT', '2', 'STREAMS', 'x:groups', '>'],
    ['XSETID', 'x:groups', '100-5', 'ENTRIESADDED', '500', 'MAXDELETEDID', '0-0'],
  );
  cmds.push(['XADD', 'x:ttl', '1-1', 'a', 'b'], ['PEXPIRE', 'x:ttl', '500000000']);
  cmds.push(['XADD', 'x:edge', '1-18446744073709551615', 'a', 'b'], ['XADD', 'x:edge', '9007199254740993-0', 'a', 'c'],
    ['XADD', 'x:edge', '18446744073709551615-18446744073709551614', 'b', 'd'], ['XADD', 'x:edge', '18446744073709551615-18446744073709551615', 'b', 'e']);
  for (let i = 0; i < 5; i++) cmds.push(['XADD', 'x:auto', '*', 'i', String(i)]);
  return cmds;
}

async function fill(c: RespClient): Promise<void> {
  for (const reply of await c.pipeline(streamCommands())) {
    assert.ok(!(reply instanceof ErrorReply), `fill failed: ${JSON.stringify(reply)}`);
  }
}

/**
 * XINFO STREAM FULL of every key (all entries and PELs), XRANGE, and its deadline bucket.
 * radix-tree-nodes (the rax's inner nodes: Vellum has none) is dropped, and radix-tree-keys
 * (the node count) where the layout may differ: streams that lost entries (a reader keeps
 * no tombstones), or everywhere with `anyLayout`.
 */
async function describeStreams(c: RespClient, opts: { anyLayout?: boolean; noSeenTime?: boolean } = {}): Promise<Reply[]> {
  const keys = ((await c.call('KEYS', '*')) as string[]).sort();
  const out: Reply[] = [];
  for (const key of keys) {
    const fields = opts.anyLayout === true || !UNDELETED.includes(key) ? ['radix-tree-keys', 'radix-tree-nodes'] : ['radix-tree-nodes'];
    if (opts.noSeenTime === true) fields.push('seen-time');
    const info = stripFields(await c.call('XINFO', 'STREAM', key, 'FULL', 'COUNT', '0'), fields);
    const range = await c.call('XRANGE', key, '-', '+');
    const pttl = (await c.call('PTTL', key)) as number;
    out.push([key, info, range, pttl < 0 ? pttl : Math.round((Date.now() + pttl) / 1_000_000)]);
  }
  return out;
}

function checkRdb(path: string): void {
  const r = spawnSync('redis-check-rdb', [path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `redis-check-rdb rejected ${path}:\n${r.stdout}${r.stderr}`);
}

/** A DUMP payload around `body` (type byte + value): version 10, CRC-64. */
function payload(body: Buffer): Buffer {
  const withVersion = Buffer.concat([body, Buffer.from([10, 0])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(withVersion));
  return Buffer.concat([withVersion, crc]);
}

describe('stream persistence interop with Redis 7.0', { skip: redisSkip }, () => {
  let redis: RunningServer;
  let rc: RespClient;
  let original: Reply[];
  let keys: string[];

  before(async () => {
    redis = await startRedis(['--sanitize-dump-payload', 'yes']);
    rc = await redis.client();
    await fill(rc);
    original = await describeStreams(rc);
    keys = ((await rc.call('KEYS', '*')) as string[]).sort();
  });
  after(async () => {
    await redis?.stop();
  });

  /** Put `payloads` into Redis as `copy:<key>` (deeply sanitised) and check they read as the originals. */
  async function assertRedisReadsAsOriginal(payloads: Map<string, string>): Promise<void> {
    for (const [key, p] of payloads) {
      const ttl = (await rc.call('PEXPIRETIME', key)) as number;
      const reply = await rc.call('RESTORE', `copy:${key}`, ttl > 0 ? String(ttl) : '0', p, 'REPLACE', ...(ttl > 0 ? ['ABSTTL'] : []));
      assert.deepEqual(reply, OK, `RESTORE of ${JSON.stringify(key)}: ${JSON.stringify(reply)}`);
    }
    for (const key of payloads.keys()) {
      const fields = UNDELETED.includes(key) ? [] : ['radix-tree-keys', 'radix-tree-nodes'];
      assert.deepEqual(stripFields(await rc.call('XINFO', 'STREAM', `copy:${key}`, 'FULL', 'COUNT', '0'), fields),
        stripFields(await rc.call('XINFO', 'STREAM', key, 'FULL', 'COUNT', '0'), fields), `XINFO STREAM ${JSON.stringify(key)} FULL`);
      await rc.call('DEL', `copy:${key}`);
    }
  }

  it('Vellum loads Redis\'s dump.rdb: DUMP equals Redis\'s where no entry was deleted, and every payload reads as the original in Redis', async () => {
    assert.deepEqual(await rc.call('SAVE'), OK);
    const dir = tempDir('vellum-streams-');
    copyFileSync(join(redis.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
    const check = spawnSync(process.execPath, [join(process.cwd(), 'dist/src/cli/vellum-check-rdb.js'), join(dir, 'dump.rdb')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout);
    assert.match(check.stdout, new RegExp(`\\[info\\] ${keys.length} keys read`));
    const v = await startVellum({ dir });
    try {
      const vc = await v.client();
      assert.deepEqual(((await vc.call('KEYS', '*')) as string[]).sort(), keys);
      const payloads = new Map<string, string>();
      for (const key of keys) {
        const mine = (await vc.call('DUMP', key)) as string;
        if (UNDELETED.includes(key)) {
          assert.equal(Buffer.from(mine, 'latin1').toString('hex'), Buffer.from((await rc.call('DUMP', key)) as string, 'latin1').toString('hex'),
            `DUMP ${key}`);
        }
        payloads.set(key, mine);
      }
      await assertRedisReadsAsOriginal(payloads);
      assert.deepEqual(await describeStreams(vc), original, 'Vellum\'s XINFO STREAM FULL and XRANGE');
      assert.equal(await vc.call('PTTL', 'x:edge'), -1);
      assert.ok(((await vc.call('PTTL', 'x:ttl')) as number) > 400_000_000);
    } finally {
      await v.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nodes are cut by stream-node-max-entries and -bytes as Redis cuts them: DUMP equal under other limits', async () => {
    const v = await startVellum();
    const limits = [['7', '300'], ['0', '0'], ['1', '4096'], ['200', '100000']];
    try {
      const vc = await v.client();
      for (const [entries, bytes] of limits) {
        for (const c of [vc, rc]) {
          assert.deepEqual(await c.call('CONFIG', 'SET', 'stream-node-max-entries', entries!, 'stream-node-max-bytes', bytes!), OK);
        }
        await rc.call('DEL', 'cfg');
        const adds: Arg[][] = [];
        for (let i = 0; i < 300; i++) adds.push(['XADD', 'cfg', `${i >> 2}-${i}`, 'f', i % 7 === 0 ? noise(40 + i, i + 1) : String(i * 1000), ...(i % 11 === 0 ? ['g', 'h'] : [])]);
        await rc.pipeline(adds);
        const theirs = (await rc.call('DUMP', 'cfg')) as string;
        assert.deepEqual(await vc.call('RESTORE', 'cfg', '0', theirs, 'REPLACE'), OK);
        assert.equal(Buffer.from((await vc.call('DUMP', 'cfg')) as string, 'latin1').toString('hex'), Buffer.from(theirs, 'latin1').toString('hex'),
          `limits ${entries} entries, ${bytes} bytes`);
      }
    } finally {
      await rc.call('CONFIG', 'SET', 'stream-node-max-entries', '100', 'stream-node-max-bytes', '4096');
      await rc.call('DEL', 'cfg');
      await v.stop();
    }
  });

  it('real Redis loads Vellum\'s dump.rdb with the same data, and redis-check-rdb accepts it', async () => {
    const v = await startVellum();
    try {
      const vc = await v.client();
      for (const key of keys) {
        const ttl = (await rc.call('PEXPIRETIME', key)) as number;
        await vc.call('RESTORE', key, ttl > 0 ? String(ttl) : '0', (await rc.call('DUMP', key)) as string, ...(ttl > 0 ? ['ABSTTL'] : []));
      }
      assert.deepEqual(await vc.call('SAVE'), OK);
      checkRdb(join(v.dir, 'dump.rdb'));
      const rdir = tempDir('redis-streams-');
      copyFileSync(join(v.dir, 'dump.rdb'), join(rdir, 'dump.rdb'));
      const loaded = await startRedis([], rdir);
      try {
        assert.deepEqual(await describeStreams(await loaded.client()), original);
      } finally {
        await loaded.stop();
      }
    } finally {
      await v.stop();
    }
  });

  it('a type 15 record (Redis 5-6) gets the counters 7.0 derives: same XINFO on Redis after a round trip through Vellum', async () => {
    // Entries 1-1 … 1-3; groups before the first entry, at it, in the middle, at the last, past it.
    const id = (ms: number, seq: number) => streamIdFromParts(BigInt(ms), BigInt(seq));
    const entries: [string, string[]][] = [[id(1, 1), ['f', 'a']], [id(1, 2), ['f', 'b']], [id(1, 3), ['g', '1']]];
    const lp = encodeStreamNode(entries, 0, 3);
    const group = (name: string, ms: number, seq: number) => Buffer.from([name.length, ...Buffer.from(name), ms, seq, 0, 0]);
    const body = Buffer.concat([Buffer.from([15, 1, 16]), Buffer.from(entries[0]![0], 'latin1'), Buffer.from([lp.length]), lp,
      Buffer.from([3, 1, 3, 5]), group('before', 0, 0), group('first', 1, 1), group('mid', 1, 2), group('last', 1, 3), group('past', 9, 9)]);
    const v15 = payload(body).toString('latin1');
    const v = await startVellum();
    try {
      const vc = await v.client();
      assert.deepEqual(await vc.call('RESTORE', 'v15', '0', v15), OK);
      assert.deepEqual(await rc.call('RESTORE', 'r15', '0', v15), OK);
      assert.deepEqual(await rc.call('RESTORE', 'copy:v15', '0', (await vc.call('DUMP', 'v15')) as string), OK);
      assert.deepEqual(await rc.call('XINFO', 'STREAM', 'copy:v15', 'FULL'), await rc.call('XINFO', 'STREAM', 'r15', 'FULL'));
    } finally {
      await rc.call('DEL', 'r15', 'copy:v15');
      await v.stop();
    }
  });

  it('corrupt payloads are refused as Redis refuses them (sanitize-dump-payload yes)', async () => {
    const v = await startVellum();
    try {
      const vc = await v.client();
      const good = Buffer.from((await rc.call('DUMP', 'x:small')) as string, 'latin1');
      const body = good.subarray(0, good.length - 10);
      const cases: [string, Buffer][] = [
        ['node key of 15 bytes', Buffer.concat([body.subarray(0, 2), Buffer.from([15]), body.subarray(4)])],
        ['truncated', body.subarray(0, body.length - 3)],
      ];
      // The listpack follows its 1-byte RDB length at 19 (uncompressed: LZF would not pay).
      const lpStart = 20;
      assert.equal(body.readUInt32LE(lpStart), body[19], 'x:small\'s listpack is stored raw');
      // The first entry's lp-count (4) is followed by the second entry's flags (0).
      const firstLpCount = body.indexOf(Buffer.from([0x04, 0x01, 0x00, 0x01]), lpStart);
      const badCount = Buffer.from(body);
      badCount[firstLpCount] = 0x05;
      cases.push(['lp-count 5 instead of 4', badCount]);
      await rc.call('XADD', 'tmp:pel', '1-1', 'f', 'v');
      await rc.call('XGROUP', 'CREATE', 'tmp:pel', 'g', '0');
      await rc.call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'tmp:pel', '>');
      const g = Buffer.from((await rc.call('DUMP', 'tmp:pel')) as string, 'latin1');
      await rc.call('DEL', 'tmp:pel');
      const gBody = Buffer.from(g.subarray(0, g.length - 10));
      gBody[gBody.length - 1] = 2; // alice's PEL names 1-2, which the group PEL does not hold
      cases.push(['consumer PEL ID missing from the group PEL', gBody]);
      for (const [what, bad] of cases) {
        const p = payload(bad).toString('latin1');
        const [mine, theirs] = [await vc.call('RESTORE', 'bad', '0', p), await rc.call('RESTORE', 'bad', '0', p)];
        assert.deepEqual(mine, new ErrorReply('ERR Bad data format'), what);
        assert.deepEqual(theirs, mine, `${what}: Redis`);
      }
    } finally {
      await v.stop();
    }
  });

  it('an RDB-preamble AOF base written by the snapshot engine while streams change, plus its incr file, loads in real Redis', async () => {
    const dir = tempDir('vellum-stream-preamble-');
    const v = await startVellum({ dir, appendonly: 'yes' });
    try {
      const vc = await v.client();
      for (const key of keys) {
        const ttl = (await rc.call('PEXPIRETIME', key)) as number;
        await vc.call('RESTORE', key, ttl > 0 ? String(ttl) : '0', (await rc.call('DUMP', key)) as string, ...(ttl > 0 ? ['ABSTTL'] : []));
      }
      // The writes after BGREWRITEAOF go to the new incr file: base + incr is the dataset after them.
      const [started] = await vc.pipeline([['BGREWRITEAOF'], ['XADD', 'x:small', '2-0', 'late', '1'], ['XDEL', 'x:big', '1100-0'],
        ['XGROUP', 'DESTROY', 'x:groups', 'g1'], ['DEL', 'x:edge']]);
      assert.deepEqual(started, new Status('Background append only file rewriting started'));
      await aofOf(v.server!).waitRewrite();
      const expected = await describeStreams(vc, { anyLayout: true });
      await assertRedisAcceptsAof(dir, expected, (c) => describeStreams(c, { anyLayout: true }));
    } finally {
      await v.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the RESP AOF base has Redis\'s stream commands, and real Redis loads it as Redis\'s own rewrite', async () => {
    const aofArgs = ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no'];
    const r = await startRedis(aofArgs);
    const dir = tempDir('vellum-stream-aof-');
    let v = await startVellum({ dir, appendonly: 'yes', 'aof-use-rdb-preamble': 'no' });
    try {
      const [vc, rr] = [await v.client(), await r.client()];
      for (const key of keys) {
        const ttl = (await rc.call('PEXPIRETIME', key)) as number;
        const p = (await rc.call('DUMP', key)) as string;
        for (const c of [vc, rr]) await c.call('RESTORE', key, ttl > 0 ? String(ttl) : '0', p, ...(ttl > 0 ? ['ABSTTL'] : []));
      }
      await rr.call('BGREWRITEAOF');
      await vc.call('BGREWRITEAOF');
      await aofOf(v.server!).waitRewrite();
      // Redis's rewrite child: poll INFO, no event reaches a client.
      for (let i = 0; i < 200 && /aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test((await rr.call('INFO', 'persistence')) as string); i++) {
        await new Promise((d) => setTimeout(d, 25));
      }
      const theirs = commandsByKey(baseOf(r.dir));
      const mine = commandsByKey(baseOf(v.dir));
      assert.deepEqual([...theirs.keys()].sort(), keys);
      assert.deepEqual([...mine.keys()].sort(), keys);
      for (const [key, cmds] of theirs) assert.deepEqual(mine.get(key), cmds, `commands of ${JSON.stringify(key)}`);
      // Real Redis on Redis's own rewrite is the reference (seen times are those of the load).
      const ref = await startRedis(aofArgs, copyAof(r.dir));
      let expected: Reply[];
      try {
        expected = await describeStreams(await ref.client(), { anyLayout: true, noSeenTime: true });
      } finally {
        await ref.stop();
      }
      await assertRedisAcceptsAof(dir, expected, (c) => describeStreams(c, { anyLayout: true, noSeenTime: true }));
      // Vellum's own AOF loader replays the base (XADD, XSETID, XGROUP, XCLAIM) to the same data.
      await v.stop();
      v = await startVellum({ dir, appendonly: 'yes' });
      assert.deepEqual(await describeStreams(await v.client(), { anyLayout: true, noSeenTime: true }), expected);
    } finally {
      await v.stop();
      await r.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The RESP base file that `<dir>/appendonlydir`'s manifest names. */
function baseOf(dir: string): Buffer {
  const aofDir = join(dir, 'appendonlydir');
  const manifest = readFileSync(join(aofDir, 'appendonly.aof.manifest'), 'latin1');
  const base = /^file (\S+\.base\.aof) seq \d+ type b$/m.exec(manifest);
  assert.ok(base !== null, `no RESP base in the manifest: ${manifest}`);
  return readFileSync(join(aofDir, base[1]!));
}

/** A copy of `<dir>/appendonlydir` in a new directory. */
function copyAof(dir: string): string {
  const to = tempDir('redis-aof-ref-');
  spawnSync('cp', ['-r', join(dir, 'appendonlydir'), to]);
  return to;
}

/** The commands of a RESP AOF, grouped by the key they act on, in file order. */
function commandsByKey(bytes: Buffer): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  let pos = 0;
  while (pos < bytes.length) {
    const [cmd, next] = parseReply(bytes, pos);
    pos = next;
    const argv = cmd as string[];
    const name = argv[0]!.toUpperCase();
    if (name === 'SELECT') continue;
    const key = name === 'XGROUP' ? argv[2]! : argv[1]!;
    const list = out.get(key) ?? [];
    list.push(argv);
    out.set(key, list);
  }
  return out;
}
