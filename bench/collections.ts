/**
 * Collections (issue 3) against real redis-server in the same run (style.md U8, P6): every
 * figure beside Redis's and as a ratio.
 *
 * Throughput: redis-benchmark's own LPUSH, LPOP, SADD, HSET, ZADD and LRANGE_100 tests
 * (`-t lpush,lpop,sadd,hset,zadd,lrange_100`, unpipelined, -r over the elements, -d 16), run
 * as one redis-benchmark invocation per server and round on a flushed server, so both see the
 * same sequence (LPOP pops what LPUSH pushed; LRANGE_100 runs redis-benchmark's LPUSH filler
 * first). Rounds alternate which server goes first; medians are reported, after a warm-up
 * round that is not counted (lib.ts alternate).
 * Memory: on fresh servers, N hashes `hash:<i>` of F fields `field:<j>` → 16-byte values
 * (one HSET each), or N sorted sets `zset:<i>` of F members (one ZADD each), loaded with
 * redis-cli --pipe; the figure is RSS growth over the empty server (RSS after − RSS before),
 * because Node's empty footprint (~50 MiB) says nothing about collections, read after 15 s
 * idle and also about a second after the load (measureRss). With F = 10 Redis
 * keeps each in a listpack, which OBJECT ENCODING shows beside the figures.
 *
 * Targets (issue 3): throughput ≥ 0.85×, RSS growth ≤ 1.5×.
 *
 *   npm run bench:collections -- [--cases lpush,lpop,sadd,hset,zadd,lrange_100,hash-rss,zset-rss]
 *       [-n 100000] [-c 50] [-r 100000] [--rounds 3] [--keys 100000] [--fields 10]
 */

import {
  alternate, cli, collectionCommand, fmt, measureRss, MiB, parseFlags, redisBenchmark, respStream, startPair, stopServer, Table,
  type CollectionKind, type Figures, type ServerProcess,
} from './lib.js';

interface Options {
  cases: string[];
  requests: number;
  clients: number;
  range: number;
  rounds: number;
  keys: number;
  fields: number;
}

/** Case name (redis-benchmark's -t name) → the name of its row in redis-benchmark's CSV. */
const THROUGHPUT: Readonly<Record<string, string>> = {
  lpush: 'LPUSH',
  lpop: 'LPOP',
  sadd: 'SADD',
  hset: 'HSET',
  zadd: 'ZADD',
  lrange_100: 'LRANGE_100 (first 100 elements)',
};
const THROUGHPUT_TARGET = 0.85;

/** Memory cases: the collection kind each loads, one command per collection. */
const MEMORY: Readonly<Record<string, CollectionKind>> = { 'hash-rss': 'hash', 'zset-rss': 'zset' };
const RSS_TARGET = 1.5;

function parseOptions(argv: string[]): Options {
  return parseFlags<Options>(
    argv,
    { cases: [...Object.keys(THROUGHPUT), ...Object.keys(MEMORY)], requests: 100_000, clients: 50, range: 100_000, rounds: 3, keys: 100_000, fields: 10 },
    { '--cases': 'cases', '-n': 'requests', '-c': 'clients', '-r': 'range', '--rounds': 'rounds', '--keys': 'keys', '--fields': 'fields' },
    [...Object.keys(THROUGHPUT), ...Object.keys(MEMORY)],
  );
}

/** One redis-benchmark run of the chosen tests on a flushed server: rps by case name. */
async function throughputRound(p: ServerProcess, tests: string[], o: Options): Promise<Figures> {
  await cli(p, 'FLUSHALL');
  const rows = await redisBenchmark(p, [
    '-n', String(o.requests), '-c', String(o.clients), '-r', String(o.range), '-d', '16', '-t', tests.join(','),
  ]);
  const out: Figures = {};
  for (const t of tests) {
    const row = rows.find((r) => r.test === THROUGHPUT[t]);
    if (row === undefined) throw new Error(`${p.name}: no ${THROUGHPUT[t]} row from redis-benchmark`);
    out[t] = row.rps;
  }
  return out;
}

async function throughputCases(tests: string[], o: Options, table: Table): Promise<void> {
  const pair = await startPair();
  try {
    const m = await alternate(o.rounds, pair, 'throughput', (p) => throughputRound(p, tests, o), true);
    for (const t of tests) table.compare(`${t} rps`, m.redis[t]!, m.vellum[t]!, fmt, { atLeast: THROUGHPUT_TARGET });
  } finally {
    await Promise.all(pair.map((p) => stopServer(p)));
  }
}

/** Loads the collections into a fresh pair, one server after the other, and adds the rows. */
async function memoryCase(name: string, kind: CollectionKind, o: Options, table: Table): Promise<void> {
  const stream = respStream(o.keys, (i) => collectionCommand(kind, i, o.fields));
  const [redis, vellum] = await startPair();
  try {
    const r = await measureRss(redis, stream, o.keys);
    const v = await measureRss(vellum, stream, o.keys);
    const mib = (n: number): string => (n / MiB).toFixed(1);
    table.compare(`${name} growth MiB, idle`, r.idle - r.before, v.idle - v.before, mib, { atMost: RSS_TARGET });
    table.compare(`  bytes/collection, idle`, (r.idle - r.before) / o.keys, (v.idle - v.before) / o.keys, fmt);
    table.compare(`  growth MiB, 1 s after`, r.loaded - r.before, v.loaded - v.before, mib);
    table.compare(`  RSS MiB, idle`, r.idle, v.idle, mib);
    const encoding = (p: ServerProcess): Promise<string> => cli(p, 'OBJECT', 'ENCODING', `${kind}:0`);
    table.row(['  encoding', await encoding(redis), await encoding(vellum), '', '']);
  } finally {
    await Promise.all([stopServer(redis), stopServer(vellum)]);
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const table = new Table([22, 12, 12, 7, 7], ['case', 'redis', 'vellum', 'ratio', 'target']);
  const tests = Object.keys(THROUGHPUT).filter((t) => o.cases.includes(t));
  if (tests.length > 0) await throughputCases(tests, o, table);
  // Memory on fresh servers, so the throughput runs' data and heap do not count.
  for (const [name, kind] of Object.entries(MEMORY)) if (o.cases.includes(name)) await memoryCase(name, kind, o, table);
  process.stdout.write(`\n${o.rounds} round(s) of -n ${o.requests} -c ${o.clients} -r ${o.range} -d 16, median rps; ` +
    `memory: ${o.keys} collections of ${o.fields}\n`);
  process.stdout.write(table.toString());
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
