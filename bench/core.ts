/**
 * Vellum against real redis-server, side by side in one run (style.md U8, P6): every figure
 * is a ratio to Redis measured on the same machine at the same time.
 *
 * Both servers run as separate processes (vellum-server is started as `node
 * dist/src/cli/vellum-server.js`) on free ports, in temp dirs, with persistence off. Throughput
 * cases run redis-benchmark against each server in turn, alternating which goes first each
 * round, and report the median rps of the rounds. The memory case loads N keys
 * `SET key:<i> <16-byte value>` into each with redis-cli --pipe, lets Node settle (a short
 * idle, so a pending GC can run), and reads VmRSS from /proc/<pid>/status.
 *
 * Targets (design goals, printed beside the ratios): unpipelined ≥ 0.9×, -P 16 ≥ 0.75×,
 * RSS ≤ 1.1×.
 *
 *   npm run bench -- [--cases set,get,set-p16,get-p16,rss] [-n 100000] [--rounds 3]
 *                    [-c 50] [--keys 1000000]
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const o: Options = { cases: ['set', 'get', 'set-p16', 'get-p16', 'rss'], requests: 100_000, rounds: 3, clients: 50, keys: 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const int = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer`);
      i++;
      return n;
    };
    switch (flag) {
      case '--cases': o.cases = (value ?? '').split(',').filter((s) => s !== ''); i++; break;
      case '-n': o.requests = int(); break;
      case '--rounds': o.rounds = int(); break;
      case '-c': o.clients = int(); break;
      case '--keys': o.keys = int(); break;
      default: throw new Error(`unknown flag ${flag}`);
    }
  }
  const known = [...THROUGHPUT.map((c) => c.name), 'rss'];
  for (const c of o.cases) if (!known.includes(c)) throw new Error(`unknown case ${c}; known: ${known.join(',')}`);
  return o;
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

interface Process {
  name: string;
  port: number;
  pid: number;
  child: ChildProcess;
  dir: string;
}

/** Spawn a server and resolve once it logs that it is ready. */
async function startProcess(name: string, command: string, args: (port: number, dir: string) => string[]): Promise<Process> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const port = await freePort();
  const child = spawn(command, args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('Ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${log}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { name, port, pid: child.pid!, child, dir };
}

function startRedis(): Promise<Process> {
  return startProcess('redis', 'redis-server', (port, dir) => [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
  ]);
}

function startVellum(): Promise<Process> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  return startProcess('vellum', process.execPath, (port, dir) => [
    join(root, 'src/cli/vellum-server.js'), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
  ]);
}

async function stopProcess(p: Process): Promise<void> {
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

/** Requests per second for one redis-benchmark test, from its CSV output. */
async function benchmark(p: Process, c: ThroughputCase, o: Options): Promise<number> {
  const out = await run('redis-benchmark', [
    '-p', String(p.port), '-n', String(o.requests), '-c', String(o.clients), '-P', String(c.pipeline),
    '-r', String(KEYSPACE), '-d', '16', '-t', c.test, '--csv',
  ]);
  const line = out.trim().split('\n').find((l) => l.startsWith(`"${c.test.toUpperCase()}"`));
  if (line === undefined) throw new Error(`no ${c.test} result from redis-benchmark:\n${out}`);
  const rps = Number(JSON.parse(line.split(',')[1]!));
  if (!(rps > 0)) throw new Error(`bad rps in ${line}`);
  return rps;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The protocol stream `SET key:<i> <16-byte value>` for i < n, for redis-cli --pipe. */
function loadStream(n: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = `key:${i}`;
    const value = `value:${String(i).padStart(10, '0')}`; // 16 bytes
    parts.push(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$16\r\n${value}\r\n`);
  }
  return Buffer.from(parts.join(''), 'latin1');
}

/** Load the keys, settle, and return [RSS before, RSS after]. */
async function measureRss(p: Process, stream: Buffer, keys: number): Promise<[number, number]> {
  // A moment for a freshly started Node to finish start-up work before the baseline.
  await sleep(500);
  const before = rssBytes(p.pid);
  const out = await run('redis-cli', ['-p', String(p.port), '--pipe'], stream);
  if (!new RegExp(`errors: 0, replies: ${keys}\\b`).test(out)) throw new Error(`${p.name}: load failed: ${out}`);
  const size = (await run('redis-cli', ['-p', String(p.port), 'DBSIZE'])).trim();
  // Checked where DBSIZE exists (an unknown command prints an error, not a number).
  if (/^\d+$/.test(size) && size !== String(keys)) throw new Error(`${p.name}: DBSIZE ${size}, expected ${keys}`);
  // Settle: an idle second lets V8 finish incremental marking and sweep; then a command.
  await sleep(1000);
  await run('redis-cli', ['-p', String(p.port), 'PING']);
  await sleep(200);
  return [before, rssBytes(p.pid)];
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const widths = [12, 12, 12, 7, 7];
  const lines: string[] = [row(['case', 'redis', 'vellum', 'ratio', 'target'], widths)];
  let failed = 0;
  const throughput = THROUGHPUT.filter((t) => o.cases.includes(t.name));
  if (throughput.length > 0) failed += await throughputCases(throughput, o, lines, widths);
  // Memory is measured on fresh servers, so the throughput runs' keys and heap do not count.
  if (o.cases.includes('rss')) failed += await rssCase(o, lines, widths);
  process.stdout.write(`\n${o.rounds} round(s), -n ${o.requests}, -c ${o.clients}${o.cases.includes('rss') ? `, ${o.keys} keys` : ''}; median rps\n`);
  process.stdout.write(lines.join('\n') + '\n');
  process.stdout.write(failed === 0 ? 'all targets met\n' : `${failed} target(s) missed\n`);
}

async function startPair(): Promise<[Process, Process]> {
  const [redis, vellum] = await Promise.all([startRedis(), startVellum()]);
  process.stderr.write(`redis pid ${redis.pid} port ${redis.port}; vellum pid ${vellum.pid} port ${vellum.port}\n`);
  return [redis, vellum];
}

/** Appends a row per case; returns how many missed their target. */
async function throughputCases(cases: ThroughputCase[], o: Options, lines: string[], widths: number[]): Promise<number> {
  const [redis, vellum] = await startPair();
  let failed = 0;
  try {
    for (const c of cases) {
      const results: Record<string, number[]> = { redis: [], vellum: [] };
      for (let round = 0; round < o.rounds; round++) {
        const order = round % 2 === 0 ? [redis, vellum] : [vellum, redis];
        for (const p of order) results[p.name]!.push(await benchmark(p, c, o));
        process.stderr.write(`${c.name} round ${round + 1}: redis ${fmt(results['redis']!.at(-1)!)}, vellum ${fmt(results['vellum']!.at(-1)!)} rps\n`);
      }
      const r = median(results['redis']!);
      const v = median(results['vellum']!);
      if (v / r < c.target) failed++;
      lines.push(row([`${c.name} rps`, fmt(r), fmt(v), (v / r).toFixed(2), `≥ ${c.target}`], widths));
    }
  } finally {
    await Promise.all([stopProcess(redis), stopProcess(vellum)]);
  }
  return failed;
}

/** Appends the RSS rows; returns 1 if the target was missed. */
async function rssCase(o: Options, lines: string[], widths: number[]): Promise<number> {
  const stream = loadStream(o.keys);
  const [redis, vellum] = await startPair();
  try {
    const [rBefore, rAfter] = await measureRss(redis, stream, o.keys);
    const [vBefore, vAfter] = await measureRss(vellum, stream, o.keys);
    lines.push(row(['RSS MiB', (rAfter / 2 ** 20).toFixed(1), (vAfter / 2 ** 20).toFixed(1), (vAfter / rAfter).toFixed(2), `≤ ${RSS_TARGET}`], widths));
    lines.push(row(['bytes/key', fmt((rAfter - rBefore) / o.keys), fmt((vAfter - vBefore) / o.keys), ((vAfter - vBefore) / (rAfter - rBefore)).toFixed(2), ''], widths));
    return vAfter / rAfter > RSS_TARGET ? 1 : 0;
  } finally {
    await Promise.all([stopProcess(redis), stopProcess(vellum)]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
