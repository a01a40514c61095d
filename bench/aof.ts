/**
 * The append-only file, Vellum beside real Redis 7.0 (issue 6's table): both servers as
 * child processes with `appendonly yes` and `auto-aof-rewrite-percentage 0` (so no rewrite
 * happens unless asked), every figure beside Redis's and as a ratio.
 *
 * Cases:
 *  - ingest: N `SET key:<i> <16 bytes>` through redis-cli --pipe, appendfsync everysec: wall
 *    time (target ≤ 1.2× Redis);
 *  - replay: the server restarted (SIGKILL first, once aof_buffer_length is 0: everything
 *    was written, only fsync is skipped) on the AOF ingest left, time to "Ready to accept connections" minus an empty
 *    start's (target ≤ 1.0×);
 *  - always: appendfsync always, two redis-benchmark processes at once: `-t set -c C` and
 *    `-t get -c C` over the same -n (target: SET rps ≥ 1.0×, GET rps during it ≥ 5×: Vellum's
 *    reads never wait for the fsync, Redis's wait behind it in the same loop). First, GET
 *    alone on the same server: what one redis-benchmark process can ask of it here, the
 *    ceiling of the GET row (5× Redis's GET under load is out of reach when it is lower);
 *  - rewrite: K keys loaded, `redis-benchmark -t set -r K` writing, BGREWRITEAOF 200 ms in,
 *    its end found by polling INFO every 10 ms. Peak extra RSS while it ran, VmRSS sampled
 *    every 10 ms, Redis's fork child added (it counts shared pages twice, so PSS from
 *    smaps_rollup, sampled every 50 ms, is shown too); the longest stall: Vellum's
 *    vellum_aof_rewrite_max_stall_usec (start, slices, hooks, manifest swap) against Redis's
 *    latest_fork_usec; the duration (±10 ms);
 *  - resp-base: the same BGREWRITEAOF with `aof-use-rdb-preamble no` on two big keys, a hash of
 *    `--big` fields and a stream of `--big` entries (one group with 1,000 pending), no load:
 *    the longest stall and the duration. Vellum converts such keys a batch at a time.
 * Develop with tiny sizes (--keys 20000 --rewrite-keys 20000 -n 5000); the full run wants
 * a quiet machine.
 *
 *   node dist/bench/aof.js [--cases ingest,replay,always,rewrite,resp-base] [--keys 1000000]
 *                          [--rewrite-keys 1000000] [--big 1000000] [-n 200000] [-c 50]
 */

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import {
  cli, fmt, MiB, parseFlags, pipe, redisBenchmark, respStream, rssBytes, setStream, sleep, startServer, statusBytes, stopServer,
  Table, type ServerName, type ServerProcess,
} from './lib.js';

const CASES = ['ingest', 'replay', 'always', 'rewrite', 'resp-base'];
const opts = parseFlags(
  process.argv.slice(2),
  { cases: CASES, keys: 1_000_000, rewriteKeys: 1_000_000, big: 1_000_000, requests: 200_000, clients: 50 },
  { '--cases': 'cases', '--keys': 'keys', '--rewrite-keys': 'rewriteKeys', '--big': 'big', '-n': 'requests', '-c': 'clients' },
  CASES,
);

const AOF = ['--appendonly', 'yes', '--auto-aof-rewrite-percentage', '0'];
const NAMES: readonly ServerName[] = ['redis', 'vellum'];
type Pair<T> = Record<ServerName, T>;

async function both<T>(f: (name: ServerName) => Promise<T>): Promise<Pair<T>> {
  // One at a time: the two servers never compete for the machine's two cores.
  const out = {} as Pair<T>;
  for (const name of NAMES) out[name] = await f(name);
  return out;
}

// ------------------------------------------------------------------ ingest and replay

interface Ingest { ingestMs: number; replayMs: number }

async function ingestAndReplay(name: ServerName, replay: boolean): Promise<Ingest> {
  const args = [...AOF, '--appendfsync', 'everysec'];
  const stream = setStream(opts.keys);
  let p = await startServer(name, undefined, args);
  const t0 = performance.now();
  await pipe(p, stream, opts.keys);
  const ingestMs = performance.now() - t0;
  let replayMs = NaN;
  if (replay) {
    // Under everysec a write may wait up to 2 s behind a running fsync (both servers):
    // SIGKILL only once the buffer is in the file.
    while (!/aof_buffer_length:0\b/.test(await cli(p, 'INFO', 'persistence'))) await sleep(10);
    await stopServer(p, true);
    const empty = await startServer(name, undefined, args);
    await stopServer(empty);
    p = await startServer(name, p.dir, args);
    const size = await cli(p, 'DBSIZE');
    if (size !== String(opts.keys)) throw new Error(`${name}: ${size} keys after replay, expected ${opts.keys}`);
    replayMs = p.readyMs - empty.readyMs;
  }
  await stopServer(p);
  return { ingestMs, replayMs };
}

// ------------------------------------------------------------------ always

async function always(name: ServerName): Promise<{ set: number; get: number; getAlone: number }> {
  const p = await startServer(name, undefined, [...AOF, '--appendfsync', 'always']);
  try {
    const common = ['-c', String(opts.clients), '-n', String(opts.requests), '-r', '100000', '-d', '16'];
    const alone = await redisBenchmark(p, ['-t', 'get', ...common]);
    const [set, get] = await Promise.all([redisBenchmark(p, ['-t', 'set', ...common]), redisBenchmark(p, ['-t', 'get', ...common])]);
    return { set: set[0]!.rps, get: get[0]!.rps, getAlone: alone[0]!.rps };
  } finally {
    await stopServer(p);
  }
}

// ------------------------------------------------------------------ rewrite under writes

/** The server and its fork children (Redis's rewrite child). */
function family(pid: number): number[] {
  const out = [pid];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c !== '') out.push(Number(c));
    }
  } catch {
    // the process is gone
  }
  return out;
}

function pssBytes(pid: number): number {
  try {
    const m = /Pss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

const sum = (pids: number[], f: (pid: number) => number): number => pids.reduce((a, pid) => a + f(pid), 0);

interface Rewrite { rssBefore: number; peakExtraRss: number; pssBefore: number; peakExtraPss: number; stallUsec: number; durationMs: number }

async function rewrite(name: ServerName): Promise<Rewrite> {
  const p = await startServer(name, undefined, [...AOF, '--appendfsync', 'everysec']);
  try {
    await pipe(p, setStream(opts.rewriteKeys), opts.rewriteKeys);
    await sleep(1000);
    const rssBefore = rssBytes(p.pid);
    const pssBefore = pssBytes(p.pid);
    const load = spawn('redis-benchmark', ['-p', String(p.port), '-t', 'set', '-c', String(opts.clients), '-n', '100000000',
      '-r', String(opts.rewriteKeys), '-d', '16', '-q'], { stdio: 'ignore' });
    let peakRss = rssBefore;
    let peakPss = pssBefore;
    const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, sum(family(p.pid), (pid) => statusBytes(pid, 'VmRSS'))); }, 10);
    const pssTimer = setInterval(() => { peakPss = Math.max(peakPss, sum(family(p.pid), pssBytes)); }, 50);
    try {
      await sleep(200);
      const { stallUsec, durationMs } = await bgrewriteaof(p);
      return {
        rssBefore, peakExtraRss: peakRss - rssBefore, pssBefore, peakExtraPss: peakPss - pssBefore, stallUsec, durationMs,
      };
    } finally {
      clearInterval(rssTimer);
      clearInterval(pssTimer);
      load.kill();
    }
  } finally {
    await stopServer(p);
  }
}

/** BGREWRITEAOF, waited for by polling INFO every 10 ms: its longest stall (Redis: the fork) and duration. */
async function bgrewriteaof(p: ServerProcess): Promise<{ stallUsec: number; durationMs: number }> {
  const t0 = performance.now();
  const reply = await cli(p, 'BGREWRITEAOF');
  if (!/rewriting started/.test(reply)) throw new Error(`${p.name}: BGREWRITEAOF: ${reply}`);
  let info = '';
  for (;;) {
    info = await cli(p, 'INFO', 'persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
    await sleep(10);
  }
  const durationMs = performance.now() - t0;
  if (!/aof_last_bgrewrite_status:ok/.test(info)) throw new Error(`${p.name}: the rewrite failed`);
  const stats = await cli(p, 'INFO', 'stats');
  const field = p.name === 'redis' ? /latest_fork_usec:(\d+)/.exec(stats) : /vellum_aof_rewrite_max_stall_usec:(\d+)/.exec(info);
  return { stallUsec: Number(field?.[1] ?? NaN), durationMs };
}

/** The resp-base case: a RESP base of one big hash and one big stream. */
async function respBase(name: ServerName): Promise<{ stallUsec: number; durationMs: number }> {
  const p = await startServer(name, undefined, [...AOF, '--appendfsync', 'everysec', '--aof-use-rdb-preamble', 'no']);
  try {
    const perCommand = 1000;
    const commands = Math.ceil(opts.big / perCommand);
    await pipe(p, respStream(commands, (i) => {
      const argv = ['HSET', 'bighash'];
      for (let j = i * perCommand; j < Math.min(opts.big, (i + 1) * perCommand); j++) argv.push(`field:${j}`, `value:${j}`);
      return argv;
    }), commands);
    await pipe(p, respStream(opts.big, (i) => ['XADD', 'bigstream', `${i + 1}-1`, 'f', `v${i}`, 'g', 'w']), opts.big);
    await pipe(p, respStream(2, (i) => i === 0 ? ['XGROUP', 'CREATE', 'bigstream', 'g', '0']
      : ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1000', 'STREAMS', 'bigstream', '>']), 2);
    await sleep(1000);
    return await bgrewriteaof(p);
  } finally {
    await stopServer(p);
  }
}

// ------------------------------------------------------------------ main

const mb = (n: number): string => (n / MiB).toFixed(1);
const ms = (n: number): string => n.toFixed(1);
const table = new Table([44, 12, 12, 7, 7], ['', 'redis', 'vellum', 'ratio', 'target']);
const want = (c: string): boolean => opts.cases.includes(c);

if (want('ingest') || want('replay')) {
  const r = await both((n) => ingestAndReplay(n, want('replay')));
  if (want('ingest')) table.compare(`ingest ${fmt(opts.keys)} SET, everysec (ms)`, r.redis.ingestMs, r.vellum.ingestMs, ms, { atMost: 1.2 });
  if (want('replay')) table.compare(`replay that AOF at start-up (ms)`, r.redis.replayMs, r.vellum.replayMs, ms, { atMost: 1.0 });
}
if (want('always')) {
  const r = await both(always);
  table.compare(`always, ${opts.clients} clients: SET rps`, r.redis.set, r.vellum.set, fmt, { atLeast: 1.0 });
  table.compare(`  GET rps from other clients meanwhile`, r.redis.get, r.vellum.get, fmt, { atLeast: 5.0 });
  table.compare(`  GET rps alone (ceiling of the row above)`, r.redis.getAlone, r.vellum.getAlone, fmt);
}
if (want('rewrite')) {
  const r = await both(rewrite);
  table.row([`BGREWRITEAOF of ${fmt(opts.rewriteKeys)} keys under SET load`, '', '', '', '']);
  table.compare('  RSS before (MB)', r.redis.rssBefore, r.vellum.rssBefore, mb);
  table.compare('  peak extra RSS, Redis with child (MB)', r.redis.peakExtraRss, r.vellum.peakExtraRss, mb);
  table.compare('  peak extra PSS (MB)', r.redis.peakExtraPss, r.vellum.peakExtraPss, mb);
  table.compare('  longest stall (us; Redis: fork)', r.redis.stallUsec, r.vellum.stallUsec, fmt);
  table.compare('  duration (ms)', r.redis.durationMs, r.vellum.durationMs, ms);
}
if (want('resp-base')) {
  const r = await both(respBase);
  table.row([`RESP base of a ${fmt(opts.big)}-field hash and stream`, '', '', '', '']);
  table.compare('  longest stall (us; Redis: fork)', r.redis.stallUsec, r.vellum.stallUsec, fmt);
  table.compare('  duration (ms)', r.redis.durationMs, r.vellum.durationMs, ms);
}
process.stdout.write(table.toString());
