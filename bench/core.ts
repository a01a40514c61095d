/**
 * Vellum against real redis-server, side by side in one run (style.md U8, P6): every figure
 * is a ratio to Redis measured on the same machine at the same time.
 *
 * Both servers run as separate processes (vellum-server is started as `node
 * dist/src/cli/vellum-server.js`) on free ports, in temp dirs, with persistence off. Throughput
 * cases run redis-benchmark against each server in turn, alternating which goes first each
 * round, and report the median rps of the rounds, after a warm-up round that is not counted
 * (lib.ts alternate: steady state, once V8 has compiled the hot paths). The memory case
 * loads N keys `SET key:<i> <16-byte value>` into each with redis-cli --pipe and reads VmRSS
 * from /proc/<pid>/status about a second later and again after 15 s idle (measureRss): the
 * target applies to the idle figure, what holding the data costs once V8 has compacted
 * away the load's garbage. The process, load and table helpers are bench/lib.ts's.
 *
 * Each throughput case also reports the server's CPU time per request (user + system, from
 * /proc), which other load on the machine disturbs much less than rps.
 *
 * Targets (design goals, printed beside the ratios): unpipelined ≥ 0.9×, -P 16 ≥ 0.75×,
 * RSS ≤ 1.1×.
 *
 *   npm run bench -- [--cases set,get,set-p16,get-p16,rss] [-n 100000] [--rounds 3]
 *                    [-c 50] [--keys 1000000]
 */

import {
  alternate, cpuMicros, fmt, measureRss, MiB, parseFlags, redisBenchmark, setStream, startPair, stopServer, Table,
  type Figures, type ServerProcess,
} from './lib.js';

interface Options {
  cases: string[];
  requests: number;
  rounds: number;
  clients: number;
  keys: number;
}

interface ThroughputCase {
  name: string;
  test: 'set' | 'get';
  pipeline: number;
  target: number;
}

const THROUGHPUT: ThroughputCase[] = [
  { name: 'set', test: 'set', pipeline: 1, target: 0.9 },
  { name: 'get', test: 'get', pipeline: 1, target: 0.9 },
  { name: 'set-p16', test: 'set', pipeline: 16, target: 0.75 },
  { name: 'get-p16', test: 'get', pipeline: 16, target: 0.75 },
];
const RSS_TARGET = 1.1;
/** Distinct keys the throughput cases touch (redis-benchmark -r). */
const KEYSPACE = 100_000;

function parseOptions(argv: string[]): Options {
  return parseFlags<Options>(
    argv,
    { cases: ['set', 'get', 'set-p16', 'get-p16', 'rss'], requests: 100_000, rounds: 3, clients: 50, keys: 1_000_000 },
    { '--cases': 'cases', '-n': 'requests', '--rounds': 'rounds', '-c': 'clients', '--keys': 'keys' },
    [...THROUGHPUT.map((c) => c.name), 'rss'],
  );
}

/** Requests per second and the server's CPU µs per request for one redis-benchmark test. */
async function benchmark(p: ServerProcess, c: ThroughputCase, o: Options): Promise<Figures> {
  const cpuBefore = cpuMicros(p.pid);
  const rows = await redisBenchmark(p, [
    '-n', String(o.requests), '-c', String(o.clients), '-P', String(c.pipeline), '-r', String(KEYSPACE), '-d', '16', '-t', c.test,
  ]);
  const cpu = (cpuMicros(p.pid) - cpuBefore) / o.requests;
  const row = rows.find((r) => r.test === c.test.toUpperCase());
  if (row === undefined) throw new Error(`no ${c.test} result from redis-benchmark`);
  return { rps: row.rps, cpu };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const table = new Table([12, 12, 12, 7, 7], ['case', 'redis', 'vellum', 'ratio', 'target']);
  const throughput = THROUGHPUT.filter((t) => o.cases.includes(t.name));
  if (throughput.length > 0) await throughputCases(throughput, o, table);
  // Memory is measured on fresh servers, so the throughput runs' keys and heap do not count.
  if (o.cases.includes('rss')) await rssCase(o, table);
  process.stdout.write(`\n${o.rounds} round(s), -n ${o.requests}, -c ${o.clients}${o.cases.includes('rss') ? `, ${o.keys} keys` : ''}; median rps\n`);
  process.stdout.write(table.toString());
}

/** Adds a row per case. */
async function throughputCases(cases: ThroughputCase[], o: Options, table: Table): Promise<void> {
  const [redis, vellum] = await startPair();
  try {
    for (const c of cases) {
      const m = await alternate(o.rounds, [redis, vellum], c.name, (p) => benchmark(p, c, o), true);
      table.compare(`${c.name} rps`, m.redis['rps']!, m.vellum['rps']!, fmt, { atLeast: c.target });
      table.compare(`  CPU µs/request`, m.redis['cpu']!, m.vellum['cpu']!, (n) => n.toFixed(2));
    }
  } finally {
    await Promise.all([stopServer(redis), stopServer(vellum)]);
  }
}

/** Adds the RSS rows. */
async function rssCase(o: Options, table: Table): Promise<void> {
  const stream = setStream(o.keys);
  const [redis, vellum] = await startPair();
  try {
    const r = await measureRss(redis, stream, o.keys);
    const v = await measureRss(vellum, stream, o.keys);
    const mib = (n: number): string => (n / MiB).toFixed(1);
    table.compare('RSS MiB, idle', r.idle, v.idle, mib, { atMost: RSS_TARGET });
    table.compare('  bytes/key, idle', (r.idle - r.before) / o.keys, (v.idle - v.before) / o.keys, fmt);
    table.compare('  RSS MiB, empty', r.before, v.before, mib);
    table.compare('  RSS MiB, 1 s after', r.loaded, v.loaded, mib);
  } finally {
    await Promise.all([stopServer(redis), stopServer(vellum)]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
