/**
 * BGSAVE under write load, Vellum's forkless snapshot beside Redis's fork (issue 5's table),
 * both servers as child processes in one run, every figure beside Redis's and as a ratio.
 *
 * Cases:
 *  - keys: N keys `key:<12 digits>` (redis-benchmark's own key names, so the load rewrites
 *    existing keys) loaded with redis-cli --pipe, load `redis-benchmark -t set -r N`;
 *  - hash: one hash of F fields, load `HSET bighash field:__rand_int__ v` over the fields:
 *    the first write copies the not-yet-written hash (Vellum's one O(F) step).
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
 *   node dist/bench/bgsave.js [--cases keys,hash] [--keys 1000000] [--fields 1000000]
 *                             [-n 200000] [-c 50]
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RespClient } from '../test/helpers/resp-client.js';

interface Options {
  cases: string[];
  keys: number;
  fields: number;
  requests: number;
  clients: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { cases: ['keys', 'hash'], keys: 1_000_000, fields: 1_000_000, requests: 200_000, clients: 50 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const int = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer`);
      i++;
      return n;
    };
    switch (flag) {
      case '--cases': o.cases = (value ?? '').split(',').filter((s) => s !== ''); i++; break;
      case '--keys': o.keys = int(); break;
      case '--fields': o.fields = int(); break;
      case '-n': o.requests = int(); break;
      case '-c': o.clients = int(); break;
      default: throw new Error(`unknown flag ${flag}`);
    }
  }
  for (const c of o.cases) if (c !== 'keys' && c !== 'hash') throw new Error(`unknown case ${c}; known: keys,hash`);
  return o;
}

// ------------------------------------------------------------------ processes

interface Proc {
  name: 'redis' | 'vellum';
  port: number;
  pid: number;
  child: ChildProcess;
  dir: string;
  client: RespClient;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

async function start(name: Proc['name']): Promise<Proc> {
  const dir = mkdtempSync(join(tmpdir(), `bench-bgsave-${name}-`));
  const port = await freePort();
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const child = name === 'redis'
    ? spawn('redis-server', [...common, '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [join(root, 'src/cli/vellum-server.js'), ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      log += d.toString();
      if (log.includes('Ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${log}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { name, port, pid: child.pid!, child, dir, client: await RespClient.connect(port) };
}

async function stop(p: Proc): Promise<void> {
  p.client.close();
  if (p.child.exitCode === null && p.child.signalCode === null) {
    const exited = new Promise((resolve) => p.child.once('exit', resolve));
    p.child.kill('SIGKILL');
    await exited;
  }
  rmSync(p.dir, { recursive: true, force: true });
}

/** Run a tool; resolves with stdout, rejects on a non-zero exit. */
function run(command: string, args: string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ data and load

/** `SET key:<12 digits> <16 bytes>` for i < n: the names redis-benchmark -r n writes. */
function keysStream(n: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = `key:${String(i).padStart(12, '0')}`;
    parts.push(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$16\r\nvalue:${String(i).padStart(10, '0')}\r\n`);
  }
  return Buffer.from(parts.join(''), 'latin1');
}

/** HSET bighash in commands of 1000 fields, `field:<12 digits>` as __rand_int__ expands. */
function hashStream(fields: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < fields; i += 1000) {
    const n = Math.min(1000, fields - i);
    parts.push(`*${2 + 2 * n}\r\n$4\r\nHSET\r\n$7\r\nbighash\r\n`);
    for (let j = i; j < i + n; j++) {
      const f = `field:${String(j).padStart(12, '0')}`;
      parts.push(`$${f.length}\r\n${f}\r\n$3\r\nval\r\n`);
    }
  }
  return Buffer.from(parts.join(''), 'latin1');
}

async function load(p: Proc, stream: Buffer, commands: number): Promise<void> {
  const out = await run('redis-cli', ['-p', String(p.port), '--pipe'], stream);
  if (!new RegExp(`errors: 0, replies: ${commands}\\b`).test(out)) throw new Error(`${p.name}: load failed: ${out}`);
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
  return out;
}

interface LoadResult { rps: number; p99: number; ms: number }

/** One redis-benchmark run; rps and p99 (ms) from its CSV line. */
async function benchmark(p: Proc, c: Case, requests: number, clients: number): Promise<LoadResult> {
  const t0 = performance.now();
  const out = await run('redis-benchmark', ['-p', String(p.port), '-n', String(requests), '-c', String(clients), '--csv', ...c.load]);
  const ms = performance.now() - t0;
  const lines = out.trim().split('\n');
  const header = lines[0]!.split(',').map((s) => JSON.parse(s) as string);
  const values = lines.at(-1)!.split(',').map((s) => JSON.parse(s) as string);
  const col = (name: string): number => Number(values[header.indexOf(name)]);
  if (header.indexOf('p99_latency_ms') < 0) throw new Error(`redis-benchmark gives no p99 in --csv:\n${out}`);
  return { rps: col('rps'), p99: col('p99_latency_ms'), ms };
}

// ------------------------------------------------------------------ memory and INFO

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0; // the child exited between listing and reading
  }
}

function pssBytes(pid: number): number {
  try {
    const m = /Pss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** The server and its fork children (Redis's BGSAVE child). */
function pidsOf(pid: number): number[] {
  const out = [pid];
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return out;
  for (const t of readdirSync(tasks)) {
    try {
      for (const c of readFileSync(`${tasks}/${t}/children`, 'utf8').trim().split(/\s+/)) if (c !== '') out.push(Number(c));
    } catch {
      // a thread that ended meanwhile
    }
  }
  return out;
}

/** Samples summed VmRSS every 10 ms and summed PSS every 50 ms until stopped; keeps the peaks. */
class MemorySampler {
  peakRss = 0;
  peakPss = 0;
  private ticks = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 10);
  }
  private sample(): void {
    const pids = pidsOf(this.pid);
    let rss = 0;
    for (const p of pids) rss += statusKb(p, 'VmRSS');
    if (rss > this.peakRss) this.peakRss = rss;
    if (this.ticks++ % 5 === 0) {
      let pss = 0;
      for (const p of pids) pss += pssBytes(p);
      if (pss > this.peakPss) this.peakPss = pss;
    }
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

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
  const rssBefore = statusKb(p.pid, 'VmRSS');
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

const MiB = 2 ** 20;
const WIDTHS = [34, 12, 12, 7];

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join('  ');
}

function ratio(v: number, r: number): string {
  return r > 0 && Number.isFinite(v / r) ? (v / r).toFixed(2) : '-';
}

function rows(name: string, r: Figures, v: Figures): string[] {
  const pct = (x: number, of: number): string => `${((100 * x) / of).toFixed(1)}%`;
  const ms = (us: number): string => (Number.isFinite(us) ? (us / 1000).toFixed(2) : '-');
  return [
    `${name}`,
    row(['  RSS before (MiB)', (r.rssBefore / MiB).toFixed(1), (v.rssBefore / MiB).toFixed(1), ratio(v.rssBefore, r.rssBefore)]),
    row(['  peak extra RSS / RSS before', pct(r.peakExtraRss, r.rssBefore), pct(v.peakExtraRss, v.rssBefore), ratio(v.peakExtraRss / v.rssBefore, r.peakExtraRss / r.rssBefore)]),
    row(['  peak extra PSS / PSS before', pct(r.peakExtraPss, r.pssBefore), pct(v.peakExtraPss, v.pssBefore), ratio(v.peakExtraPss / v.pssBefore, r.peakExtraPss / r.pssBefore)]),
    row(['  server-reported COW/extra (MiB)', (r.cowBytes / MiB).toFixed(1), (v.cowBytes / MiB).toFixed(1), ratio(v.cowBytes, r.cowBytes)]),
    row(['  stall ms (fork | longest slice)', ms(r.stallUs), ms(v.stallUs), ratio(v.stallUs, r.stallUs)]),
    row(['  worst loop delay during save ms', '-', ms(v.loopDelayUs), '']),
    row(['  p99 ms without save', r.baseP99.toFixed(3), v.baseP99.toFixed(3), ratio(v.baseP99, r.baseP99)]),
    row(['  p99 ms during save', r.saveP99.toFixed(3), v.saveP99.toFixed(3), ratio(v.saveP99, r.saveP99)]),
    row(['  save cover of the loaded run', pct(r.cover, 1), pct(v.cover, 1), '']),
    row(['  duration ms', r.durationMs.toFixed(0), v.durationMs.toFixed(0), ratio(v.durationMs, r.durationMs)]),
  ];
}

async function runCase(c: Case, o: Options): Promise<string[]> {
  const figures: Partial<Record<Proc['name'], Figures>> = {};
  // One server at a time: the other would compete for the same cores.
  for (const name of ['redis', 'vellum'] as const) {
    const p = await start(name);
    try {
      if (c.name.startsWith('hash')) await load(p, hashStream(o.fields), Math.ceil(o.fields / 1000));
      else await load(p, keysStream(o.keys), o.keys);
      await sleep(1000); // let a fresh heap settle before the baseline
      figures[name] = await measure(p, c, o);
      process.stderr.write(`${c.name}: ${name} done\n`);
    } finally {
      await stop(p);
    }
  }
  return rows(c.name, figures.redis!, figures.vellum!);
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const lines = [row(['case', 'redis', 'vellum', 'ratio'])];
  for (const c of cases(o)) lines.push(...(await runCase(c, o)));
  process.stdout.write(`\nBGSAVE under redis-benchmark load (-c ${o.clients}, baseline -n ${o.requests}); targets for Vellum: ` +
    'peak extra RSS ≤ 10%, stall ≤ 10 ms\n');
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
