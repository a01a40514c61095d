/**
 * BGSAVE under write load, Vellum's forkless snapshot beside Redis's fork (issue 5's table),
 * both servers as child processes in one run, every figure beside Redis's and as a ratio.
 *
 * Cases:
 *  - keys: N keys `key:<12 digits>` (redis-benchmark's own key names, so the load rewrites
 *    existing keys) loaded with redis-cli --pipe, load `redis-benchmark -t set -r N`;
 *  - hash: one hash of F fields, load `HSET bighash field:__rand_int__ v` over the fields:
 *    Vellum keeps only the pre-images of the fields written (field-level copy-on-write);
 *  - list: one list of E elements, load `LPUSH biglist v`: Vellum writes the list node by
 *    node and copies the part not yet written at its first write (one block copy).
 * Per server and case: (a) a baseline load of -n requests without a save (p99); (b) one
 *  unloaded BGSAVE, to size the loaded run; (c) the load again, sized to cover about twice
 *  that duration, with BGSAVE sent 200 ms in; the save's end is found by polling INFO
 *  persistence every 10 ms. Reported:
 *  1. peak extra RSS during the save / RSS just before it. VmRSS sampled every 10 ms from
 *     /proc; for Redis the fork child's RSS is added (found in /proc/<pid>/task/<pid>/children),
 *     which counts the pages it shares with the parent twice, so PSS (smaps_rollup, sampled
 *     every 50 ms: the walk is costly) is shown too as the memory actually added;
 *  2. Vellum's longest hold of the event loop by the save and the worst loop delay while it
 *     ran (INFO vellum_bgsave_max_*_usec) against Redis's latest_fork_usec;
 *  3. p99 of the load during the save vs the baseline (redis-benchmark --csv), with the share
 *     of the loaded run the save covered: the p99 is over the whole run, so a low cover dilutes it;
 *  4. duration (BGSAVE reply to INFO showing it done, ±10 ms).
 * Develop with tiny sizes (--keys 20000 --fields 20000 -n 20000); the full run wants a quiet
 * machine: a 2-core box shares its cores between server, fork child and redis-benchmark.
 *
 *   node dist/bench/bgsave.js [--cases keys,hash,list] [--keys 1000000] [--fields 1000000]
 *                             [--elements 1000000] [-n 200000] [-c 50]
 */

import { RespClient } from '../test/helpers/resp-client.js';
import {
  MemorySampler, MiB, parseFlags, pipe, pssBytes, ratio, redisBenchmark, respStream, sleep, startServer, statusBytes, stopServer,
  Table, value16,
  type BenchRow, type ServerName, type ServerProcess,
} from './lib.js';

interface Options {
  cases: string[];
  keys: number;
  fields: number;
  elements: number;
  requests: number;
  clients: number;
}

function parseOptions(argv: string[]): Options {
  return parseFlags<Options>(
    argv,
    { cases: ['keys', 'hash', 'list'], keys: 1_000_000, fields: 1_000_000, elements: 1_000_000, requests: 200_000, clients: 50 },
    { '--cases': 'cases', '--keys': 'keys', '--fields': 'fields', '--elements': 'elements', '-n': 'requests', '-c': 'clients' },
    ['keys', 'hash', 'list'],
  );
}

// ------------------------------------------------------------------ processes

interface Proc extends ServerProcess {
  client: RespClient;
}

async function start(name: ServerName): Promise<Proc> {
  const p = await startServer(name);
  return { ...p, client: await RespClient.connect(p.port) };
}

async function stop(p: Proc): Promise<void> {
  p.client.close();
  await stopServer(p);
}

// ------------------------------------------------------------------ data and load

/** `SET key:<12 digits> <16 bytes>` for i < n: the names redis-benchmark -r n writes. */
function keysStream(n: number): Buffer {
  return respStream(n, (i) => ['SET', `key:${String(i).padStart(12, '0')}`, value16(i)]);
}

/** HSET bighash in commands of 1000 fields, `field:<12 digits>` as __rand_int__ expands. */
function hashStream(fields: number): Buffer {
  return respStream(Math.ceil(fields / 1000), (c) => {
    const argv = ['HSET', 'bighash'];
    for (let j = c * 1000; j < Math.min(fields, (c + 1) * 1000); j++) argv.push(`field:${String(j).padStart(12, '0')}`, 'val');
    return argv;
  });
}

/** RPUSH biglist in commands of 1000 elements. */
function listStream(elements: number): Buffer {
  return respStream(Math.ceil(elements / 1000), (c) => {
    const argv = ['RPUSH', 'biglist'];
    for (let j = c * 1000; j < Math.min(elements, (c + 1) * 1000); j++) argv.push(value16(j));
    return argv;
  });
}

interface Case {
  name: string;
  /** redis-benchmark arguments after -p/-n/-c/--csv. */
  load: string[];
}

function cases(o: Options): Case[] {
  const out: Case[] = [];
  if (o.cases.includes('keys')) out.push({ name: `${o.keys} keys`, load: ['-t', 'set', '-r', String(o.keys), '-d', '16'] });
  if (o.cases.includes('hash')) out.push({ name: `hash ${o.fields} fields`, load: ['-r', String(o.fields), 'hset', 'bighash', 'field:__rand_int__', 'v'] });
  if (o.cases.includes('list')) out.push({ name: `list ${o.elements} elements`, load: ['lpush', 'biglist', 'v'] });
  return out;
}

interface LoadResult extends BenchRow { ms: number }

/** One redis-benchmark run; rps and p99 (ms) from its CSV line, and its wall time. */
async function benchmark(p: Proc, c: Case, requests: number, clients: number): Promise<LoadResult> {
  const t0 = performance.now();
  const rows = await redisBenchmark(p, ['-n', String(requests), '-c', String(clients), ...c.load]);
  return { ...rows.at(-1)!, ms: performance.now() - t0 };
}

// ------------------------------------------------------------------ memory and INFO

async function info(p: Proc, section: string): Promise<Map<string, string>> {
  const text = String(await p.client.call('INFO', section));
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

/** BGSAVE, then poll until it ended; returns its duration (ms). Throws if it failed. */
async function bgsave(p: Proc): Promise<number> {
  const t0 = performance.now();
  const reply = await p.client.call('BGSAVE');
  if (String((reply as { value?: string }).value ?? reply) !== 'Background saving started') throw new Error(`${p.name}: BGSAVE: ${JSON.stringify(reply)}`);
  for (;;) {
    const i = await info(p, 'persistence');
    if (i.get('rdb_bgsave_in_progress') === '0') {
      if (i.get('rdb_last_bgsave_status') !== 'ok') throw new Error(`${p.name}: BGSAVE failed`);
      return performance.now() - t0;
    }
    await sleep(10);
  }
}

// ------------------------------------------------------------------ one run

interface Figures {
  rssBefore: number;
  pssBefore: number;
  peakExtraRss: number;
  peakExtraPss: number;
  /** Vellum: longest hold of the loop by the save; Redis: latest_fork_usec. */
  stallUs: number;
  /** Vellum only: the worst loop delay while the save ran. */
  loopDelayUs: number;
  /** Vellum's own estimate of bytes held by the snapshot (rdb_last_cow_size), Redis's COW. */
  cowBytes: number;
  baseP99: number;
  saveP99: number;
  cover: number;
  durationMs: number;
}

async function measure(p: Proc, c: Case, o: Options): Promise<Figures> {
  const base = await benchmark(p, c, o.requests, o.clients);
  const unloaded = await bgsave(p);
  await sleep(500);
  // The loaded run lasts about twice the unloaded save, plus the 200 ms before BGSAVE.
  const requests = Math.max(o.requests, Math.round((base.rps * (2 * unloaded + 200)) / 1000));
  const loadRun = benchmark(p, c, requests, o.clients);
  await sleep(200);
  // "Before" is under the same load, just before BGSAVE.
  const rssBefore = statusBytes(p.pid, 'VmRSS');
  const pssBefore = pssBytes(p.pid);
  const sampler = new MemorySampler(p.pid);
  const durationMs = await bgsave(p);
  sampler.stop();
  const loaded = await loadRun;
  const persistence = await info(p, 'persistence');
  const stats = await info(p, 'stats');
  return {
    rssBefore,
    pssBefore,
    peakExtraRss: sampler.peakRss - rssBefore,
    peakExtraPss: sampler.peakPss - pssBefore,
    stallUs: p.name === 'redis' ? Number(stats.get('latest_fork_usec')) : Number(persistence.get('vellum_bgsave_max_stall_usec')),
    loopDelayUs: Number(persistence.get('vellum_bgsave_max_loop_delay_usec') ?? NaN),
    cowBytes: Number(persistence.get('rdb_last_cow_size')),
    baseP99: base.p99,
    saveP99: loaded.p99,
    cover: Math.min(1, durationMs / Math.max(1, loaded.ms - 200)),
    durationMs,
  };
}

// ------------------------------------------------------------------ table

function rows(table: Table, name: string, r: Figures, v: Figures): void {
  const pct = (x: number, of: number): string => `${((100 * x) / of).toFixed(1)}%`;
  const ms = (us: number): string => (Number.isFinite(us) ? (us / 1000).toFixed(2) : '-');
  table.row([name]);
  table.row(['  RSS before (MiB)', (r.rssBefore / MiB).toFixed(1), (v.rssBefore / MiB).toFixed(1), ratio(v.rssBefore, r.rssBefore)]);
  table.row(['  peak extra RSS / RSS before', pct(r.peakExtraRss, r.rssBefore), pct(v.peakExtraRss, v.rssBefore), ratio(v.peakExtraRss / v.rssBefore, r.peakExtraRss / r.rssBefore)]);
  table.row(['  peak extra PSS / PSS before', pct(r.peakExtraPss, r.pssBefore), pct(v.peakExtraPss, v.pssBefore), ratio(v.peakExtraPss / v.pssBefore, r.peakExtraPss / r.pssBefore)]);
  table.row(['  server-reported COW/extra (MiB)', (r.cowBytes / MiB).toFixed(1), (v.cowBytes / MiB).toFixed(1), ratio(v.cowBytes, r.cowBytes)]);
  table.row(['  stall ms (fork | longest slice)', ms(r.stallUs), ms(v.stallUs), ratio(v.stallUs, r.stallUs)]);
  table.row(['  worst loop delay during save ms', '-', ms(v.loopDelayUs), '']);
  table.row(['  p99 ms without save', r.baseP99.toFixed(3), v.baseP99.toFixed(3), ratio(v.baseP99, r.baseP99)]);
  table.row(['  p99 ms during save', r.saveP99.toFixed(3), v.saveP99.toFixed(3), ratio(v.saveP99, r.saveP99)]);
  table.row(['  save cover of the loaded run', pct(r.cover, 1), pct(v.cover, 1), '']);
  table.row(['  duration ms', r.durationMs.toFixed(0), v.durationMs.toFixed(0), ratio(v.durationMs, r.durationMs)]);
}

async function runCase(table: Table, c: Case, o: Options): Promise<void> {
  const figures: Partial<Record<Proc['name'], Figures>> = {};
  // One server at a time: the other would compete for the same cores.
  for (const name of ['redis', 'vellum'] as const) {
    const p = await start(name);
    try {
      if (c.name.startsWith('hash')) await pipe(p, hashStream(o.fields), Math.ceil(o.fields / 1000));
      else if (c.name.startsWith('list')) await pipe(p, listStream(o.elements), Math.ceil(o.elements / 1000));
      else await pipe(p, keysStream(o.keys), o.keys);
      await sleep(1000); // let a fresh heap settle before the baseline
      figures[name] = await measure(p, c, o);
      process.stderr.write(`${c.name}: ${name} done\n`);
    } finally {
      await stop(p);
    }
  }
  rows(table, c.name, figures.redis!, figures.vellum!);
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const table = new Table([34, 12, 12, 7], ['case', 'redis', 'vellum', 'ratio']);
  for (const c of cases(o)) await runCase(table, c, o);
  process.stdout.write(`\nBGSAVE under redis-benchmark load (-c ${o.clients}, baseline -n ${o.requests}); targets for Vellum: ` +
    'peak extra RSS ≤ 10%, stall ≤ 10 ms\n');
  process.stdout.write(table.toString());
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
