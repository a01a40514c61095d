/**
 * Every behaviour Vellum knowingly does differently from Redis 7.0.15, each with its reason:
 * the one list style.md asks for (P5). A difference found that is not here is a bug: the
 * differential tests (pair.same) fail on it. An item here that no longer differs is a stale
 * line: test/interop/known-differences.test.ts runs each item's `probe` on a Vellum / Redis
 * pair and fails when the two observations are equal, until the item is deleted.
 *
 * A probe does the same thing to both servers of a pair started with `PAIR_OPTIONS` (both
 * flushed before each probe), and returns what each showed, Vellum's first: a reply, a file
 * the server wrote, what another connection or a replica saw. It is reduced to the part
 * that differs and must be deterministic on both sides, so a probe leaves out what Redis
 * itself randomises (addresses, clocks, hash seeds). A probe restores any config it changed.
 * An item no test can show side by side within its budget (a 512 MiB value, a timing, a
 * kernel fault) has `notProbed` instead: why not.
 */

import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Pair } from './helpers/differential.js';
import { type Arg, ErrorReply, type Reply, type RespClient, Status, encodeCommand } from './helpers/resp-client.js';
import { freePort, type RunningServer, startRedis, startVellum, tempDir } from './helpers/servers.js';

export type Section =
  | 'Protocol and connections'
  | 'Keyspace'
  | 'Strings and collections'
  | 'Transactions and pub/sub'
  | 'Persistence';

/** What each server showed: Vellum's first. */
export type Observations = readonly [vellum: unknown, redis: unknown];

interface Item {
  readonly section: Section;
  readonly title: string;
  /** The difference and why Vellum has it. */
  readonly reason: string;
}

export type KnownDifference = Item & (
  | { readonly probe: (pair: Pair) => Promise<Observations>; readonly notProbed?: never }
  | { readonly notProbed: string; readonly probe?: never }
);

/** What the probes need of the pair: DEBUG, and a Redis that lets CONFIG SET change `dir`. */
export const PAIR_OPTIONS = {
  vellum: { 'enable-debug-command': 'yes', 'enable-protected-configs': 'yes' },
  redis: ['--enable-debug-command', 'yes', '--enable-protected-configs', 'yes'],
} as const;

export const knownDifferences: readonly KnownDifference[] = [
  // ---------------------------------------------------------------- Protocol and connections
  {
    section: 'Protocol and connections',
    title: 'Longest argument',
    reason: 'A bulk string may be at most 2²⁹−24 bytes (V8\'s longest string), 24 bytes short of Redis\'s 512 MiB '
      + '`proto-max-bulk-len`. Longer ones get `Protocol error: invalid bulk length`; SETRANGE, APPEND and SETBIT give '
      + 'Redis\'s size error that much earlier.',
    // Only the header is sent: Redis waits for the 512 MiB that would follow, Vellum refuses it at once.
    probe: (pair) => pair.each(async (_c, server) => {
      const c = await server.client();
      c.writeRaw(`*2\r\n$4\r\nECHO\r\n$${2 ** 29 - 23}\r\nabc`);
      const first = await Promise.race([c.next().catch(() => 'connection closed'), delay(300, 'no reply')]);
      c.close();
      return first;
    }),
  },
  {
    section: 'Protocol and connections',
    title: 'CLIENT LIST / CLIENT INFO buffer and memory fields',
    reason: 'The buffer and memory fields (`qbuf`, `qbuf-free`, `argv-mem`, `obl`, `oll`, `omem`, `tot-mem`, `rbs`, '
      + '`rbp`) are always 0: Node\'s socket buffers are not visible per connection.',
    // Which of them are non-zero for a new client running CLIENT INFO (in Redis: the query
    // buffer holding the command, its argv, the reply buffer and its peak, the client's own
    // memory). A new client, because Redis's cron shrinks buffers and resets peaks after 5 s.
    probe: (pair) => pair.each(async (_c, server) => {
      const c = await server.client();
      const fields = new Map(String(await c.call('CLIENT', 'INFO')).trim().split(' ').map((f) => f.split('=') as [string, string]));
      c.close();
      return ['qbuf', 'qbuf-free', 'argv-mem', 'obl', 'oll', 'omem', 'tot-mem', 'rbs', 'rbp'].filter((f) => fields.get(f) !== '0');
    }),
  },
  notImplemented('CLIENT PAUSE/UNPAUSE', [['CLIENT', 'UNPAUSE']]),
  notImplemented('CLIENT TRACKING/CACHING/TRACKINGINFO (client-side caching)', [['CLIENT', 'TRACKINGINFO']]),
  notImplemented('ACL users beyond `requirepass`', [['ACL', 'WHOAMI']]),
  notImplemented('Scripting (EVAL, FUNCTION)', [['EVAL', 'return 1', '0'], ['FUNCTION', 'LIST']]),
  notImplemented('HyperLogLog', [['PFADD', 'hll', 'a']]),
  notImplemented('Geo', [['GEOADD', 'geo', '0', '0', 'a']]),
  notImplemented('Cluster mode', [['CLUSTER', 'INFO']]),
  notImplemented('Replication', [['REPLICAOF', 'NO', 'ONE']]),
  {
    section: 'Protocol and connections',
    title: 'Runtime config: `port`',
    reason: '`port` cannot be changed with CONFIG SET (Redis 7.0 rebinds).',
    probe: (pair) => pair.each(async (c, server) => {
      const reply = await c.call('CONFIG', 'SET', 'port', String(await freePort()));
      if (reply instanceof Status) await c.call('CONFIG', 'SET', 'port', String(server.port));
      return reply;
    }),
  },
  {
    section: 'Protocol and connections',
    title: 'Runtime config: `bind`',
    reason: '`bind` cannot be changed with CONFIG SET (Redis 7.0 rebinds).',
    // "-::1": IPv6 loopback if the host has it, skipped otherwise.
    probe: (pair) => pair.each(async (c) => {
      const reply = await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 -::1');
      if (reply instanceof Status) await c.call('CONFIG', 'SET', 'bind', '127.0.0.1');
      return reply;
    }),
  },
  {
    section: 'Protocol and connections',
    title: 'Runtime config: inert directives',
    reason: 'Directives marked inert in `src/config/directives.ts` (`maxmemory`, `maxmemory-policy`, `io-threads`, '
      + 'replication, cluster, TLS, ACL and output-buffer limits, and others) are accepted and reported but have no effect, '
      + 'so that an existing redis.conf loads; the start-up log names each one set to other than its default.',
    probe: (pair) => pair.each(async (c) => {
      await c.call('CONFIG', 'SET', 'maxmemory', '1');
      try {
        return await c.call('SET', 'k', 'v');
      } finally {
        await c.call('CONFIG', 'SET', 'maxmemory', '0');
      }
    }),
  },
  {
    section: 'Protocol and connections',
    title: 'rename-command of a subcommand',
    reason: '`rename-command config|get x` stops start-up with `No such command in rename-command`; Redis 7.0.15 finds '
      + 'the subcommand, fails an assertion and crashes.',
    probe: async () => {
      const args = ['--rename-command', 'config|get', 'x'];
      const dir = tempDir('known-diff-rename-');
      let vellum: unknown = 'started';
      let redis: unknown = 'started';
      try {
        await startVellum({ dir, args }).then((s) => s.stop(), (err: Error) => { vellum = err.message.split('\n').at(-1); });
        await startRedis(args, dir).then((s) => s.stop(), (err: Error) => {
          redis = /ASSERTION FAILED/.test(err.message) ? 'crashed: ASSERTION FAILED' : err.message;
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return [vellum, redis];
    },
  },
  {
    section: 'Protocol and connections',
    title: 'requirepass',
    reason: 'After `CONFIG SET requirepass ""` already-connected clients stay authenticated if a password is set '
      + 'again.',
    // `other` connects while a password is set, so it never authenticated.
    probe: (pair) => pair.each(async (c, server) => {
      await c.call('CONFIG', 'SET', 'requirepass', 'p');
      const other = await server.client();
      try {
        await other.call('PING');
        await c.call('CONFIG', 'SET', 'requirepass', '');
        await other.call('PING');
        await c.call('CONFIG', 'SET', 'requirepass', 'p');
        return await other.call('PING');
      } finally {
        await c.call('CONFIG', 'SET', 'requirepass', '');
        other.close();
      }
    }),
  },
  {
    section: 'Protocol and connections',
    title: 'INFO memory figures',
    reason: 'Memory figures come from V8 and the process (`used_memory` is the V8 heap).',
    notProbed: 'both servers report their own allocations, which no test can set equal or compare',
  },
  {
    section: 'Protocol and connections',
    title: 'INFO errorstats',
    reason: 'The `errorstats` section is present but empty.',
    probe: (pair) => pair.each(async (c) => {
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('INCR', 'k', 'extra');
      return [...(await infoFields(c, 'errorstats')).keys()];
    }),
  },
  {
    section: 'Protocol and connections',
    title: 'INFO latencystats',
    reason: 'The `latencystats` section is present but empty.',
    probe: (pair) => pair.each(async (c) => {
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('PING');
      return [...(await infoFields(c, 'latencystats')).keys()].filter((f) => f === 'latency_percentiles_usec_ping');
    }),
  },
  {
    section: 'Protocol and connections',
    title: 'INFO vellum_* fields',
    reason: 'Vellum adds `vellum_*` fields (listed in `test/interop/info.test.ts`).',
    probe: (pair) => pair.each(async (c) => [...(await infoFields(c, 'everything')).keys()].filter((f) => f.startsWith('vellum_'))),
  },
  {
    section: 'Protocol and connections',
    title: 'COMMAND INFO key specs',
    reason: 'Key specs are derived from first/last/step, with RO/RW flags only.',
    probe: (pair) => pair.each(async (c) => commandInfo(await c.call('COMMAND', 'INFO', 'set'))[8]),
  },
  {
    section: 'Protocol and connections',
    title: 'COMMAND INFO tips',
    reason: 'Tips are empty.',
    probe: (pair) => pair.each(async (c) => commandInfo(await c.call('COMMAND', 'INFO', 'keys'))[7]),
  },
  {
    section: 'Protocol and connections',
    title: 'COMMAND DOCS',
    reason: 'DOCS gives the group only.',
    probe: (pair) => pair.each((c) => c.call('COMMAND', 'DOCS', 'get')),
  },

  // ---------------------------------------------------------------- Keyspace
  {
    section: 'Keyspace',
    title: 'OBJECT IDLETIME / FREQ',
    reason: 'A value carries no per-key header (a string is stored bare, for memory), so no access clock or LFU counter '
      + 'exists. Each answers Redis\'s error where Redis has one for the current policy, and otherwise an error saying '
      + 'the value is not tracked.',
    probe: (pair) => pair.each(async (c) => {
      await c.call('SET', 'k', 'v');
      const idle = await c.call('OBJECT', 'IDLETIME', 'k');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      try {
        return [integerOr(idle), integerOr(await c.call('OBJECT', 'FREQ', 'k'))];
      } finally {
        await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      }
    }),
  },
  {
    section: 'Keyspace',
    title: 'OBJECT ENCODING of strings',
    reason: 'The encoding is computed from the value: after APPEND, SETRANGE or SETBIT a short value reports `embstr` or '
      + '`int` where Redis reports `raw`.',
    probe: (pair) => pair.each(async (c) => {
      await c.call('SET', 'a', '1');
      await c.call('APPEND', 'a', '2');
      await c.call('SET', 'b', 'ab');
      await c.call('SETRANGE', 'b', '0', 'c');
      await c.call('SET', 'c', '1');
      await c.call('SETBIT', 'c', '0', '0');
      return [await c.call('OBJECT', 'ENCODING', 'a'), await c.call('OBJECT', 'ENCODING', 'b'), await c.call('OBJECT', 'ENCODING', 'c')];
    }),
  },
  {
    section: 'Keyspace',
    title: 'SCAN cursors',
    reason: 'Cursors are slot numbers (0–16383) and a call returns whole hash slots, so cursor values and batch sizes '
      + 'differ from Redis\'s; Redis\'s guarantee (every key present for the whole scan is returned) holds, and no key is '
      + 'returned twice in one pass.',
    // Ten keys in one slot (12001): Redis's table has 16 buckets, so its cursors stay below 16
    // and COUNT 1 gives one bucket's keys; Vellum gives the whole slot and the next slot number.
    probe: (pair) => pair.each(async (c) => {
      for (let i = 0; i < 10; i++) await c.call('SET', `{scan}${i}`, 'v');
      const [cursor, keys] = await c.call('SCAN', '0', 'COUNT', '1') as [string, string[]];
      return [keys.length === 10 ? 'all 10 keys' : 'fewer than 10 keys', Number(cursor) < 16 ? 'cursor below 16' : 'cursor 16 or more'];
    }),
  },
  {
    section: 'Keyspace',
    title: 'rdb_changes_since_last_save',
    reason: 'RENAME, MOVE, COPY and SET with an expire count each change they make, where Redis counts 1.',
    probe: (pair) => pair.each(async (c) => {
      await c.call('SET', 'a', '1', 'EX', '100');
      const counted: string[] = [];
      for (const cmd of [['RENAME', 'a', 'b'], ['COPY', 'b', 'c'], ['MOVE', 'c', '1'], ['SET', 'd', '1', 'EX', '100']]) {
        const before = await changesSinceSave(c);
        await c.call(...cmd);
        counted.push(`${cmd[0]}: ${(await changesSinceSave(c)) - before}`);
      }
      return counted;
    }),
  },
  {
    section: 'Keyspace',
    title: 'Keyspace event `new` (n)',
    reason: 'The `new` event is not fired.',
    probe: (pair) => pair.each((c, server) => keyspaceEvents(c, server, 'En', [['SET', 'k', 'v']])),
  },
  {
    section: 'Keyspace',
    title: 'Keyspace event `keymiss` (m)',
    reason: 'The `keymiss` event is not fired.',
    probe: (pair) => pair.each((c, server) => keyspaceEvents(c, server, 'Em', [['GET', 'nokey']])),
  },
  {
    section: 'Keyspace',
    title: 'Deadlines past 2⁵³ ms',
    reason: 'Deadlines past 2⁵³ ms (year 287,396) are stored as doubles and may round; Redis\'s overflow checks and '
      + 'propagated values stay exact.',
    probe: (pair) => pair.each(async (c) => {
      await c.call('SET', 'k', 'v', 'PXAT', '9007199254740993');
      return c.call('PEXPIRETIME', 'k');
    }),
  },

  // ---------------------------------------------------------------- Strings and collections
  {
    section: 'Strings and collections',
    title: 'SETBIT, SETRANGE, BITFIELD writes',
    reason: 'They cost O(length of the value) (values are immutable strings); Redis edits in place in O(1). APPEND is '
      + 'amortised O(appended bytes).',
    notProbed: 'a cost, not a reply: it shows only as time on large values, which no test can compare reliably',
  },
  {
    section: 'Strings and collections',
    title: 'BITFIELD with OVERFLOW FAIL',
    reason: 'A BITFIELD that pads a key while every write fails propagates the command; Redis creates the key and '
      + 'propagates nothing.',
    probe: async (pair) => appendedRecords(pair, [['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '7']]),
  },
  {
    section: 'Strings and collections',
    title: 'Replication and AOF-loading clients',
    reason: 'They are not exempt from size checks, as they are in Redis.',
    // An AOF whose SETRANGE builds a value longer than the loading server's proto-max-bulk-len.
    probe: async () => {
      const aof = encodeCommand(['SETRANGE', 'k', String(1024 * 1024), 'x']);
      const args = ['--appendonly', 'yes', '--proto-max-bulk-len', '1mb'];
      const loaded = async (server: RunningServer): Promise<Reply> => {
        const c = await server.client();
        try {
          return await c.call('STRLEN', 'k');
        } finally {
          await server.stop();
        }
      };
      const vdir = aofDir(aof);
      let vellum: unknown;
      try {
        vellum = await loaded(await startVellum({ dir: vdir, args }));
      } catch (err) {
        vellum = `refused to start: ${(err as Error).message.split('\n')[0]!.replace(vdir, '<dir>')}`;
      } finally {
        rmSync(vdir, { recursive: true, force: true });
      }
      return [vellum, await loaded(await startRedis(args, aofDir(aof)))];
    },
  },
  {
    section: 'Strings and collections',
    title: 'Blocking pops on several keys',
    reason: 'When several of a client\'s keys become ready in one command, Vellum serves from the first in argument '
      + 'order; Redis from the first that became ready.',
    probe: (pair) => pair.each(async (c, server) => {
      const blocked = await server.client();
      try {
        const popped = blocked.call('BLPOP', 'a', 'b', '0');
        await until(c, 'clients', (f) => f.get('blocked_clients') === '1');
        await c.pipeline([['MULTI'], ['RPUSH', 'b', 'from b'], ['RPUSH', 'a', 'from a'], ['EXEC']]);
        return await popped;
      } finally {
        blocked.close();
      }
    }),
  },
  {
    section: 'Strings and collections',
    title: 'A hash table that doubles',
    reason: 'It rehashes at once, not incrementally (a short pause on a very large hash).',
    notProbed: 'a pause, not a reply: it shows only as latency on a very large hash',
  },
  {
    section: 'Strings and collections',
    title: 'A list',
    reason: 'A list holds at most about 67 million elements (one ring buffer).',
    notProbed: 'filling a list past 67 million elements takes gigabytes and minutes on both servers',
  },
  {
    section: 'Strings and collections',
    title: 'SRANDMEMBER / ZRANDMEMBER / HRANDFIELD with a huge negative count',
    reason: 'They are not capped: Redis stops producing replies once an output-buffer limit has the client closed '
      + '(client-output-buffer-limit), Vellum has no such limit and produces them all.',
    notProbed: 'a count that reaches the limit makes the server build replies until memory runs out',
  },
  {
    section: 'Strings and collections',
    title: 'SORT after a weight that overflows',
    reason: 'An overflowing weight does not leave Redis\'s sticky error flag behind: Redis checks errno without clearing '
      + 'it, so a later SORT in the same event-loop pass refuses valid non-integer weights.',
    probe: (pair) => pair.each(async (c) => {
      await c.call('RPUSH', 'big', '1e400');
      await c.call('RPUSH', 'fine', '1.5', '0.5');
      return (await c.pipeline([['SORT', 'big'], ['SORT', 'fine']]))[1];
    }),
  },
  {
    section: 'Strings and collections',
    title: 'Blocking timeout of -0.001',
    reason: 'A timeout of `-0.001` on a blocking command is refused as negative (Redis rounds it to 0 and blocks '
      + 'forever).',
    probe: (pair) => pair.each(async (c, server) => {
      const blocker = await server.client();
      try {
        let reply: Reply | undefined;
        blocker.call('BLPOP', 'k', '-0.001').then((r) => (reply = r), () => {});
        for (let i = 0; i < 2000 && reply === undefined; i++) {
          if ((await infoFields(c, 'clients')).get('blocked_clients') === '1') return 'blocked';
        }
        return reply;
      } finally {
        blocker.close();
      }
    }),
  },
  {
    section: 'Strings and collections',
    title: 'Random choices',
    reason: 'SPOP, SRANDMEMBER, HRANDFIELD, RANDOMKEY and ZRANDMEMBER are random in both servers, so their results differ '
      + 'by nature.',
    notProbed: 'random by design on both sides: no deterministic observation to compare',
  },

  // ---------------------------------------------------------------- Transactions and pub/sub
  {
    section: 'Transactions and pub/sub',
    title: 'PUBLISH',
    reason: 'PUBLISH is not propagated (Redis 7.0 sends it to replicas; Vellum has no replicas yet).',
    probe: (pair) => pair.each((c, server) => replicaStream(c, server, [['PUBLISH', 'ch', 'hello']])),
  },
  {
    section: 'Transactions and pub/sub',
    title: 'EXEC and MISCONF',
    reason: 'EXEC does not re-check its queued commands against MISCONF at EXEC time.',
    // A BGSAVE fails (its directory is gone) while a write is queued; save points make that refuse writes.
    probe: (pair) => pair.each(async (c, server) => {
      const client = await server.client();
      const gone = join(server.dir, 'gone');
      mkdirSync(gone);
      await c.call('CONFIG', 'SET', 'save', '3600 1');
      await c.call('CONFIG', 'SET', 'dir', gone);
      try {
        await client.call('MULTI');
        await client.call('SET', 'k', 'v');
        rmSync(gone, { recursive: true });
        await c.call('BGSAVE');
        await until(c, 'persistence', (f) => f.get('rdb_bgsave_in_progress') === '0' && f.get('rdb_last_bgsave_status') === 'err');
        const exec = await client.call('EXEC');
        return exec instanceof ErrorReply ? exec.message.slice(0, exec.message.indexOf(':')) : exec;
      } finally {
        client.close();
        await c.call('CONFIG', 'SET', 'dir', server.dir);
        await c.call('SAVE');
        await c.call('CONFIG', 'SET', 'save', '');
      }
    }),
  },

  // ---------------------------------------------------------------- Persistence
  {
    section: 'Persistence',
    title: 'RDB files with modules or function libraries',
    reason: 'They are refused at load with a clear "unsupported" error naming the offset: Vellum has no module API and '
      + 'no Lua engine, and skipping them would silently drop data.',
    // Redis saves a function library; each server then loads that file (DEBUG RELOAD NOSAVE).
    probe: async (pair) => {
      await pair.redis.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)");
      try {
        await pair.redis.call('SAVE');
        copyFileSync(join(pair.redisServer.dir, 'dump.rdb'), join(pair.vellumServer.dir, 'dump.rdb'));
        return [await pair.vellum.call('DEBUG', 'RELOAD', 'NOSAVE'), await pair.redis.call('DEBUG', 'RELOAD', 'NOSAVE')];
      } finally {
        await pair.redis.call('FUNCTION', 'FLUSH');
      }
    },
  },
  {
    section: 'Persistence',
    title: 'Stream nodes after a load',
    reason: 'A loaded stream keeps its live entries only and is re-packed into nodes under the current '
      + '`stream-node-max-*` settings; Redis keeps the file\'s nodes, deleted entries included. Data, IDs, groups and '
      + 'counters are the same; XINFO STREAM\'s radix-tree figures and a later `MAXLEN ~` trim can differ.',
    probe: (pair) => pair.each(async (c) => {
      for (let i = 1; i <= 4; i++) await c.call('XADD', 's', `1-${i}`, 'f', 'v');
      await c.call('XDEL', 's', '1-2');
      await c.call('DEBUG', 'RELOAD');
      // The node's size: Redis's still holds the deleted entry.
      const debug = await c.call('DEBUG', 'OBJECT', 's') as Status;
      return /serializedlength:\d+/.exec(debug.value)?.[0];
    }),
  },
  {
    section: 'Persistence',
    title: 'LRU/LFU hints in RDB files',
    reason: 'They are ignored.',
    // Redis saves the LFU counter (at least 6 after an access) with the key and restores it.
    // lfu-decay-time 0 keeps a minute boundary from decaying it in between; Vellum has no
    // such directive (its reply is not part of the observation).
    probe: (pair) => pair.each(async (c) => {
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      await c.call('CONFIG', 'SET', 'lfu-decay-time', '0');
      try {
        await c.call('HSET', 'h', 'f', 'v');
        await c.call('HGET', 'h', 'f');
        const before = await c.call('OBJECT', 'FREQ', 'h');
        await c.call('DEBUG', 'RELOAD');
        const after = await c.call('OBJECT', 'FREQ', 'h');
        return typeof before === 'number' && before === after ? 'counter kept' : after;
      } finally {
        await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
        await c.call('CONFIG', 'SET', 'lfu-decay-time', '1');
      }
    }),
  },
  {
    section: 'Persistence',
    title: 'DEBUG OBJECT fields',
    reason: 'DEBUG OBJECT\'s address, refcount and lru fields are constants.',
    // Redis shares the objects of small integers: refcount INT_MAX.
    probe: (pair) => pair.each(async (c) => {
      await c.call('SET', 'k', '1');
      return /refcount:(\d+)/.exec((await c.call('DEBUG', 'OBJECT', 'k') as Status).value)?.[1];
    }),
  },
  {
    section: 'Persistence',
    title: 'Compressed quicklist nodes',
    reason: 'They are read but never written (`list-compress-depth` is accepted and does not compress).',
    // Three two-entry nodes, the middle one compressed by Redis; rdbcompression off keeps
    // Vellum's copy of that node raw, so the DUMP payloads show the difference.
    probe: (pair) => pair.each(async (c) => {
      const config = ['list-compress-depth', '1', 'list-max-listpack-size', '2', 'rdbcompression', 'no'];
      await c.call('CONFIG', 'SET', ...config);
      try {
        await c.call('RPUSH', 'l', ...Array.from({ length: 6 }, (_, i) => 'a'.repeat(200) + i));
        return await c.call('DUMP', 'l');
      } finally {
        await c.call('CONFIG', 'SET', 'list-compress-depth', '0', 'list-max-listpack-size', '-2', 'rdbcompression', 'yes');
      }
    }),
  },
  {
    section: 'Persistence',
    title: 'BGSAVE and BGREWRITEAOF run in the server process',
    reason: 'There is no fork: `latest_fork_usec` is 0, the COW fields report the bytes the snapshot holds, and '
      + '`vellum_bgsave_max_stall_usec` and `vellum_aof_rewrite_max_stall_usec` give the longest hold of the event loop '
      + 'instead.',
    probe: (pair) => pair.each(async (c) => {
      await c.call('BGSAVE');
      await until(c, 'persistence', (f) => f.get('rdb_bgsave_in_progress') === '0');
      return (await infoFields(c, 'stats')).get('latest_fork_usec') === '0' ? 'no fork' : 'forked';
    }),
  },
  {
    section: 'Persistence',
    title: '`appendfsync always`',
    reason: 'Replies to writes wait for the fsync, but another client\'s read can see a write before its fsync completes '
      + '(Redis never shows unsynced data to reads).',
    notProbed: 'the window is the duration of one fsync; no test can hold a read inside it on both servers',
  },
  {
    section: 'Persistence',
    title: 'AOF loading',
    reason: 'Loading blocks the server until done: a client connecting meanwhile waits rather than getting `-LOADING`. '
      + 'Keys do not expire while an AOF loads.',
    notProbed: 'needs a client to arrive in the middle of a load, which is a race on both servers',
  },
  {
    section: 'Persistence',
    title: 'AOF loading under rename-command',
    reason: 'The loader finds a command under its new name, as Redis does, and also under its own name when '
      + 'rename-command took that name away (Redis\'s lookupCommandOrOriginal). Redis refuses to start on such an AOF '
      + '("Unknown command \'SREM\' reading the append only file"), though it writes one itself: with '
      + '`rename-command SREM ""`, SPOP is logged as SREM. Vellum loads the AOF it wrote.',
    probe: async () => {
      const aof = Buffer.concat([encodeCommand(['SADD', 's', 'a', 'b']), encodeCommand(['SREM', 's', 'a'])]);
      const args = ['--appendonly', 'yes', '--rename-command', 'SREM', ''];
      const loaded = async (start: (dir: string) => Promise<RunningServer>): Promise<unknown> => {
        const dir = aofDir(aof);
        try {
          const server = await start(dir);
          try {
            return await (await server.client()).call('SMEMBERS', 's');
          } finally {
            await server.stop();
          }
        } catch (err) {
          return `refused to start: ${/Unknown command '[^']*'/.exec((err as Error).message)?.[0] ?? (err as Error).message}`;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      };
      return [await loaded((dir) => startVellum({ dir, args })), await loaded((dir) => startRedis(args, dir))];
    },
  },
  {
    section: 'Persistence',
    title: 'A failed fsync that later succeeds',
    reason: 'It is trusted (the kernel may have dropped dirty pages).',
    notProbed: 'needs an fsync failure injected below the file system',
  },
];

// ---------------------------------------------------------------- helpers for the probes

function notImplemented(what: string, commands: Arg[][]): KnownDifference {
  return {
    section: 'Protocol and connections',
    title: `Not implemented: ${what}`,
    reason: 'Not implemented: these commands answer as unknown commands or subcommands.',
    probe: (pair) => pair.each(async (c) => {
      const replies: Reply[] = [];
      for (const cmd of commands) replies.push(await c.call(...cmd));
      return replies;
    }),
  };
}

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value));
}

/** An integer reply becomes 'an integer' (its value is a clock or counter reading). */
function integerOr(r: Reply): unknown {
  return typeof r === 'number' ? 'an integer' : r;
}

function parseInfo(info: Reply): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of String(info).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

async function infoFields(c: RespClient, section: string): Promise<Map<string, string>> {
  return parseInfo(await c.call('INFO', section));
}

/** Poll an INFO section until `done` holds: the state both servers expose. */
async function until(c: RespClient, section: string, done: (fields: Map<string, string>) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done(await infoFields(c, section))) {
    if (Date.now() > deadline) throw new Error(`INFO ${section}: the awaited state never came`);
    await delay(5, undefined);
  }
}

async function changesSinceSave(c: RespClient): Promise<number> {
  return Number((await infoFields(c, 'persistence')).get('rdb_changes_since_last_save'));
}

/** COMMAND INFO's one entry. */
function commandInfo(r: Reply): Reply[] {
  return (r as Reply[][])[0]!;
}

/** The keyspace events `commands` fire with `flags`, up to a marker message. */
async function keyspaceEvents(c: RespClient, server: RunningServer, flags: string, commands: Arg[][]): Promise<string[]> {
  const sub = await server.client();
  try {
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    await sub.call('SUBSCRIBE', 'end');
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', flags);
    for (const cmd of commands) await c.call(...cmd);
    await c.call('PUBLISH', 'end', 'x');
    const events: string[] = [];
    for (let m = await sub.next() as Reply[]; m[0] !== 'message'; m = await sub.next() as Reply[]) events.push(`${m[2]} ${m[3]}`);
    return events;
  } finally {
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    sub.close();
  }
}

/** Turn appendonly on and wait for the rewrite that starts. */
async function startAppendOnly(c: RespClient): Promise<void> {
  await c.call('CONFIG', 'SET', 'appendonly', 'yes');
  await until(c, 'persistence', (f) => f.get('aof_rewrite_in_progress') === '0' && f.get('aof_rewrite_scheduled') === '0');
}

/** The commands each server appends to its AOF for `commands` (appendonly on just for them). */
function appendedRecords(pair: Pair, commands: Arg[][]): Promise<Observations> {
  return pair.each(async (c, server) => {
    await startAppendOnly(c);
    try {
      for (const cmd of commands) await c.call(...cmd);
      const dir = join(server.dir, 'appendonlydir');
      const incr = [...readFileSync(join(dir, 'appendonly.aof.manifest'), 'latin1').matchAll(/^file (\S+) seq \d+ type i$/gm)].at(-1)![1]!;
      return parseCommands(readFileSync(join(dir, incr)), 0);
    } finally {
      await c.call('CONFIG', 'SET', 'appendonly', 'no');
    }
  });
}

/** A temp dir holding an AOF whose base is `resp`. */
function aofDir(resp: Buffer): string {
  const dir = tempDir('known-diff-aof-');
  mkdirSync(join(dir, 'appendonlydir'));
  writeFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.base.aof'), resp);
  writeFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1 type b\n');
  return dir;
}

/** The complete commands (arrays of bulk strings) in `buf` from `pos`: what an AOF or a replication stream carries. */
function parseCommands(buf: Buffer, pos: number): string[][] {
  const line = (): string | undefined => {
    const cr = buf.indexOf('\r\n', pos);
    if (cr < 0) return undefined;
    const s = buf.toString('latin1', pos, cr);
    pos = cr + 2;
    return s;
  };
  const commands: string[][] = [];
  for (let head = line(); head !== undefined && head.startsWith('*'); head = line()) {
    const argv: string[] = [];
    for (let n = Number(head.slice(1)); n > 0; n--) {
      const len = line();
      const end = pos + Number(len?.slice(1));
      if (len === undefined || end + 2 > buf.length) return commands;
      argv.push(buf.toString('latin1', pos, end));
      pos = end + 2;
    }
    commands.push(argv);
  }
  return commands;
}

/**
 * What a replica attached with SYNC receives after `commands`: the commands after the RDB
 * payload, without SELECT and the PINGs Redis sends on its own schedule; or the error SYNC
 * got. A SET of a marker key ends the stream.
 */
async function replicaStream(c: RespClient, server: RunningServer, commands: Arg[][]): Promise<unknown> {
  const socket = connect(server.port, '127.0.0.1');
  let buf = Buffer.alloc(0);
  let wake = (): void => {};
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake();
  });
  socket.on('error', () => {});
  const arrived = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  try {
    socket.write('SYNC\r\n');
    // Until SYNC is refused or the replica is attached (from then on it gets every command).
    for (;;) {
      const text = buf.toString('latin1').replace(/^\n+/, '');
      if (text.startsWith('-')) return text.slice(0, text.indexOf('\r\n'));
      if ((await infoFields(c, 'replication')).get('connected_slaves') === '1') break;
      await delay(5, undefined);
    }
    for (const cmd of commands) await c.call(...cmd);
    await c.call('SET', 'marker', 'end');
    for (;;) {
      const start = buf.findIndex((b) => b !== 0x0a);
      const cr = buf.indexOf('\r\n', start);
      if (start >= 0 && cr > 0 && cr + 2 + Number(buf.toString('latin1', start + 1, cr)) <= buf.length) {
        const stream = parseCommands(buf, cr + 2 + Number(buf.toString('latin1', start + 1, cr)));
        const end = stream.findIndex((argv) => argv[0]!.toUpperCase() === 'SET' && argv[1] === 'marker');
        if (end >= 0) return stream.slice(0, end).filter((argv) => !/^(select|ping)$/i.test(argv[0]!));
      }
      await arrived();
    }
  } finally {
    socket.destroy();
  }
}
