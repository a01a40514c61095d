/**
 * What the side-by-side benchmarks share (style.md U8, P6: every figure is a ratio to real
 * Redis measured in the same run).
 *
 * Servers: real redis-server and vellum-server (`node dist/src/cli/vellum-server.js`) run as
 * child processes on free ports, each in its own temp dir, with persistence off (no save
 * points, no AOF). A start resolves at the "Ready to accept connections" line both servers
 * log, and keeps the time from spawn to that line and the log before it, so rdb.ts can time
 * start-up loads from the same start every other benchmark uses.
 * Data: RESP streams built in memory and sent with redis-cli --pipe, whose summary line is
 * checked (a load that lost commands must not yield figures). Load: redis-benchmark --csv.
 * Memory: VmRSS from /proc/<pid>/status. Rounds alternate which server goes first, so
 * neither always meets the warmer or the busier machine, and reduce to medians.
 * Nothing here is on a server's hot path; clarity wins over speed.
 */

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild } from '../test/helpers/servers.js';

// ------------------------------------------------------------------ flags

type FlagValue = number | boolean | string[];

/**
 * `argv` read into a copy of `defaults`: `flags` names the option each flag sets. A number
 * option takes a positive integer, a list a comma-separated list, a boolean no value.
 * `--cases` (option `cases`) must name only `known` cases.
 */
export function parseFlags<T extends { cases: string[] } & { [K in keyof T]: FlagValue }>(
  argv: readonly string[],
  defaults: T,
  flags: Readonly<Record<string, keyof T>>,
  known: readonly string[],
): T {
  const o = { ...defaults } as Record<keyof T, FlagValue>;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const key = flags[flag];
    if (key === undefined) throw new Error(`unknown flag ${flag}; known: ${Object.keys(flags).join(' ')}`);
    const current = o[key];
    if (typeof current === 'boolean') {
      o[key] = true;
      continue;
    }
    const value = argv[++i];
    if (Array.isArray(current)) {
      o[key] = (value ?? '').split(',').filter((s) => s !== '');
    } else {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer`);
      o[key] = n;
    }
  }
  const parsed = o as T;
  for (const c of parsed.cases) if (!known.includes(c)) throw new Error(`unknown case ${c}; known: ${known.join(',')}`);
  return parsed;
}

// ------------------------------------------------------------------ processes

export type ServerName = 'redis' | 'vellum';

export interface ServerProcess {
  readonly name: ServerName;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly dir: string;
  /** Milliseconds from spawn to the "Ready to accept connections" line. */
  readonly readyMs: number;
  /** What the server logged up to that line (the RDB load line among it). */
  readonly startLog: string;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STDIO: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'] };

const VELLUM_SERVER = join(ROOT, 'src/cli/vellum-server.js');
/** The Node flags vellum-server's shebang gives it: the bench runs it as users do. */
const VELLUM_NODE_FLAGS = readFileSync(VELLUM_SERVER, 'latin1').split('\n', 1)[0]!.split(' ').slice(3);

/**
 * Start one server and resolve once it is ready. `dir` is its working dir (a new temp dir
 * unless given: rdb.ts restarts a server on the dump.rdb it saved); `args` are further
 * directives, in redis-server's `--name value` form.
 */
export async function startServer(name: ServerName, dir?: string, args: readonly string[] = []): Promise<ServerProcess> {
  const workDir = dir ?? mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const port = await freePort();
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', workDir, '--save', '', '--appendonly', 'no', ...args];
  const t0 = performance.now();
  const child = name === 'redis'
    ? spawn('redis-server', [...common, '--daemonize', 'no'], STDIO)
    : spawn(process.execPath, [...VELLUM_NODE_FLAGS, VELLUM_SERVER, ...common], STDIO);
  let log = '';
  const ready = new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`${name} exited (${code}) before it was ready:\n${log}`));
    const onData = (d: Buffer): void => {
      log += d.toString();
      if (!log.includes('Ready to accept connections')) return;
      const ms = performance.now() - t0;
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      resolve(ms);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
  let readyMs: number;
  try {
    readyMs = await ready;
  } catch (err) {
    if (dir === undefined) rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  // Keep draining the pipes: a server blocked on a full stdout would stall the benchmark.
  child.stdout!.resume();
  child.stderr!.resume();
  return { name, port, pid: child.pid!, child, dir: workDir, readyMs, startLog: log };
}

/** Both servers at once, Redis first in the pair; if one fails to start, the other is stopped. */
export async function startPair(): Promise<[ServerProcess, ServerProcess]> {
  const started = await Promise.allSettled([startServer('redis'), startServer('vellum')]);
  const [r, v] = started;
  if (r.status === 'rejected' || v.status === 'rejected') {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? stopServer(s.value) : undefined)));
    throw r.status === 'rejected' ? r.reason : (v as PromiseRejectedResult).reason;
  }
  const [redis, vellum] = [r.value, v.value];
  process.stderr.write(`redis pid ${redis.pid} port ${redis.port}; vellum pid ${vellum.pid} port ${vellum.port}\n`);
  return [redis, vellum];
}

/** SIGKILL (nothing is saved on the way out), then remove its dir unless `keepDir`. */
export async function stopServer(p: ServerProcess, keepDir = false): Promise<void> {
  await stopChild(p.child);
  if (!keepDir) rmSync(p.dir, { recursive: true, force: true });
}

/** Run a tool; resolves with stdout, rejects on a non-zero exit. */
export function run(command: string, args: readonly string[], input?: Buffer): Promise<string> {
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

/** One command through redis-cli; its reply as redis-cli prints it, trimmed. */
export async function cli(p: ServerProcess, ...argv: string[]): Promise<string> {
  return (await run('redis-cli', ['-p', String(p.port), ...argv])).trim();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ------------------------------------------------------------------ data

/** `count` commands, the i-th being `argv(i)` (latin1 strings), as one RESP stream for redis-cli --pipe. */
export function respStream(count: number, argv: (i: number) => readonly string[]): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const args = argv(i);
    let s = `*${args.length}\r\n`;
    for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
    parts.push(s);
  }
  return Buffer.from(parts.join(''), 'latin1');
}

/** The 16-byte value `value:<10 digits>` the benchmarks store, as redis-benchmark -d 16 would. */
export function value16(i: number): string {
  return `value:${String(i).padStart(10, '0')}`;
}

/** `SET key:<i> <16-byte value>` for i < n: the string keyspace core.ts and rdb.ts load. */
export function setStream(n: number): Buffer {
  return respStream(n, (i) => ['SET', `key:${i}`, value16(i)]);
}

export type CollectionKind = 'hash' | 'set' | 'zset' | 'list';

/**
 * The one command that creates collection `<kind>:<i>` with `n` elements: hash fields
 * `field:<j>` → 16-byte values, members `member:<10 digits>` unique across collections,
 * sorted-set scores the member's number. Small n keeps Redis's compact encodings (listpack).
 */
export function collectionCommand(kind: CollectionKind, i: number, n: number): string[] {
  const argv = [{ hash: 'HSET', set: 'SADD', zset: 'ZADD', list: 'RPUSH' }[kind], `${kind}:${i}`];
  for (let j = 0; j < n; j++) {
    const id = i * n + j;
    const member = `member:${String(id).padStart(10, '0')}`;
    if (kind === 'hash') argv.push(`field:${j}`, value16(id));
    else if (kind === 'zset') argv.push(String(id), member);
    else argv.push(member);
  }
  return argv;
}

/** Send a stream of `commands` commands with redis-cli --pipe; throws unless all succeeded. */
export async function pipe(p: ServerProcess, stream: Buffer, commands: number): Promise<void> {
  const out = await run('redis-cli', ['-p', String(p.port), '--pipe'], stream);
  if (!new RegExp(`errors: 0, replies: ${commands}\\b`).test(out)) throw new Error(`${p.name}: load failed: ${out}`);
}

/** Throws unless DBSIZE is `keys` (where DBSIZE exists: an unknown command prints an error, not a number). */
export async function checkDbsize(p: ServerProcess, keys: number): Promise<void> {
  const size = await cli(p, 'DBSIZE');
  if (/^\d+$/.test(size) && size !== String(keys)) throw new Error(`${p.name}: DBSIZE ${size}, expected ${keys}`);
}

// ------------------------------------------------------------------ memory

export const MiB = 2 ** 20;

/** A `<field>: N kB` line of /proc/<pid>/status in bytes; undefined when the process or line is gone. */
function statusField(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** As statusField, 0 for a process that is gone (a fork child that exited between listing and reading). */
export function statusBytes(pid: number, field: string): number {
  return statusField(pid, field) ?? 0;
}

/**
 * CPU time the process has used, user + system, in µs (/proc/<pid>/stat, clock ticks of
 * 10 ms): around a long enough run, CPU per request is a figure that other load on the
 * machine disturbs much less than requests per second.
 */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export function rssBytes(pid: number): number {
  const rss = statusField(pid, 'VmRSS');
  if (rss === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return rss;
}

/** Proportional set size (shared pages split among their sharers); 0 for a process that is gone. */
export function pssBytes(pid: number): number {
  try {
    const m = /Pss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** The server and its fork children (Redis's BGSAVE or AOF rewrite child). */
export function pidsOf(pid: number): number[] {
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
export class MemorySampler {
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
    for (const p of pids) rss += statusBytes(p, 'VmRSS');
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

/** RSS of a server just loaded, and after it has stayed idle (see measureRss). */
export interface RssFigures {
  /** Empty footprint of the freshly started server. */
  before: number;
  /** About a second after the load: what a load leaves before the runtime tidies up. */
  loaded: number;
  /** After IDLE_SETTLE_MS with no commands. */
  idle: number;
}

/**
 * How long measureRss leaves a loaded server idle. V8's memory reducer starts 8 s after
 * the allocation rate drops (--gc-memory-reducer-start-delay-ms) and then compacts the
 * heap and returns the free pages that the load's garbage left; jemalloc's dirty-page
 * decay (10 s) does the same for Redis. 15 s covers both, measured on this machine.
 */
const IDLE_SETTLE_MS = 15_000;

/**
 * Send `stream` (one command per key, `keys` of them) and return RSS before, about a second
 * after, and after IDLE_SETTLE_MS of idleness. The server should be freshly started: "before"
 * is its empty footprint.
 */
export async function measureRss(p: ServerProcess, stream: Buffer, keys: number): Promise<RssFigures> {
  // A moment for a freshly started Node to finish start-up work before the baseline.
  await sleep(500);
  const before = rssBytes(p.pid);
  await pipe(p, stream, keys);
  await checkDbsize(p, keys);
  // An idle second lets V8 finish incremental marking and sweep; then a command.
  await sleep(1000);
  await cli(p, 'PING');
  await sleep(200);
  const loaded = rssBytes(p.pid);
  await sleep(IDLE_SETTLE_MS);
  return { before, loaded, idle: rssBytes(p.pid) };
}

// ------------------------------------------------------------------ load and rounds

export interface BenchRow {
  /** redis-benchmark's name of the test: "SET", "LRANGE_100 (first 100 elements)", the command line of a custom one. */
  test: string;
  rps: number;
  p99: number;
}

/** One redis-benchmark run against `p` (`args` after -p and --csv); a row per test it ran. */
export async function redisBenchmark(p: ServerProcess, args: readonly string[]): Promise<BenchRow[]> {
  const out = await run('redis-benchmark', ['-p', String(p.port), '--csv', ...args]);
  const lines = out.split('\n').filter((l) => l.startsWith('"')).map((l) => JSON.parse(`[${l}]`) as string[]);
  const header = lines[0];
  if (header === undefined || header[0] !== 'test' || !header.includes('p99_latency_ms')) throw new Error(`unexpected redis-benchmark --csv output:\n${out}`);
  const rows = lines.slice(1).map((cells) => {
    const col = (name: string): number => Number(cells[header.indexOf(name)]);
    return { test: cells[0]!, rps: col('rps'), p99: col('p99_latency_ms') };
  });
  const bad = rows.find((r) => !(r.rps > 0));
  if (rows.length === 0 || bad !== undefined) throw new Error(`bad redis-benchmark result:\n${out}`);
  return rows;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export type Figures = Record<string, number>;

/**
 * `measure` on each of the pair `rounds` times, alternating which goes first; returns the
 * median of each figure per server. Each round's figures go to stderr as progress.
 * With `warmUp`, a first round is run and not counted: throughput is compared in steady
 * state, once V8 has compiled the server's hot paths (Redis has nothing to warm).
 */
export async function alternate<T extends { readonly name: ServerName }>(
  rounds: number,
  pair: readonly [T, T],
  label: string,
  measure: (s: T) => Promise<Figures>,
  warmUp = false,
): Promise<Record<ServerName, Figures>> {
  const show = (f: Figures): string => Object.entries(f).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
  if (warmUp) {
    const [r, v] = [await measure(pair[0]), await measure(pair[1])];
    process.stderr.write(`${label} warm-up, not counted: ${pair[0].name} ${show(r)}; ${pair[1].name} ${show(v)}\n`);
  }
  const seen: Record<ServerName, Figures[]> = { redis: [], vellum: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? pair : [pair[1], pair[0]];
    for (const s of order) seen[s.name].push(await measure(s));
    process.stderr.write(`${label} round ${round + 1}: redis ${show(seen.redis.at(-1)!)}; vellum ${show(seen.vellum.at(-1)!)}\n`);
  }
  const medians = (all: Figures[]): Figures => Object.fromEntries(Object.keys(all[0] ?? {}).map((k) => [k, median(all.map((f) => f[k]!))]));
  return { redis: medians(seen.redis), vellum: medians(seen.vellum) };
}

// ------------------------------------------------------------------ table

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** v / r to two places, '-' where it means nothing (no Redis figure, NaN). */
export function ratio(v: number, r: number): string {
  return r > 0 && Number.isFinite(v / r) ? (v / r).toFixed(2) : '-';
}

/** What the ratio Vellum / Redis must meet: a floor, a ceiling, or a band around 1 (±within). */
export type Target = { atLeast: number } | { atMost: number } | { within: number };

/** Rows of `label | redis | vellum | ratio | target`, counting the targets missed. */
export class Table {
  private readonly lines: string[] = [];
  private targets = 0;
  private missed = 0;

  constructor(private readonly widths: readonly number[], header: readonly string[]) {
    this.row(header);
  }

  row(cells: readonly string[]): void {
    this.lines.push(cells.map((c, i) => (i === 0 ? c.padEnd(this.widths[i] ?? 0) : c.padStart(this.widths[i] ?? 0))).join('  '));
  }

  /** Redis's figure, Vellum's, their ratio and, if given, the target the ratio must meet. */
  compare(label: string, redis: number, vellum: number, show: (n: number) => string, target?: Target): void {
    let goal = '';
    if (target !== undefined) {
      const q = vellum / redis;
      let met: boolean;
      if ('atLeast' in target) [met, goal] = [q >= target.atLeast, `≥ ${target.atLeast}`];
      else if ('atMost' in target) [met, goal] = [q <= target.atMost, `≤ ${target.atMost}`];
      else [met, goal] = [Math.abs(q - 1) <= target.within, `±${Math.round(target.within * 100)}%`];
      this.targets++;
      if (!met) this.missed++;
    }
    this.row([label, show(redis), show(vellum), ratio(vellum, redis), goal]);
  }

  /** The rows and, when there were targets, whether they were met. */
  toString(): string {
    const verdict = this.targets === 0 ? '' : this.missed === 0 ? 'all targets met\n' : `${this.missed} target(s) missed\n`;
    return this.lines.join('\n') + '\n' + verdict;
  }
}
