/**
 * Start the servers tests talk to: Vellum in this process (startServer, port 0, a temp
 * dir), and real redis-server 7.0 as a child process on a free port, also in a temp dir.
 * Everything started here is stopped and its directory removed by `stop()`.
 *
 * When redis-server is not installed, tests that need it are skipped with a loud reason,
 * except under CI (CI=true), where its absence fails the run.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type Server, type StartOptions } from '../../src/index.js';
import { RespClient, type Arg, type Reply } from './resp-client.js';

export function tempDir(prefix = 'vellum-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/**
 * undefined when real redis-server is here; otherwise the reason to skip. Under CI a
 * missing redis-server throws, so the suite fails instead of passing on nothing.
 */
export const redisSkip: string | undefined = (() => {
  if (hasBinary('redis-server')) return undefined;
  if (process.env['CI'] === 'true') throw new Error('redis-server is required under CI but is not installed');
  const reason = 'SKIPPED: redis-server (Debian package redis-server) is not installed; differential tests need it';
  process.stderr.write(`\n*** ${reason} ***\n\n`);
  return reason;
})();

export interface RunningServer {
  readonly port: number;
  readonly dir: string;
  /** In-process Vellum only. */
  readonly server?: Server;
  client(): Promise<RespClient>;
  stop(): Promise<void>;
}

/** Vellum in this process, quiet, with no save points unless the test asks. */
export async function startVellum(options: StartOptions = {}): Promise<RunningServer> {
  const dir = (options['dir'] as string | undefined) ?? tempDir();
  const handle = await startServer({ port: 0, dir, loglevel: 'warning', save: '', ...options });
  const clients: RespClient[] = [];
  return {
    port: handle.port!,
    dir,
    server: handle.server,
    async client() {
      const c = await RespClient.connect(handle.port!);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await handle.close();
      if (options['dir'] === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

/** Real redis-server; extra arguments are redis-server's `--name value` options. */
export async function startRedis(args: string[] = [], dir = tempDir('redis-test-')): Promise<RunningServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'notice', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const up = await waitForReady(child);
    if (!up) {
      if (attempt < 3 && /Address already in use/.test(output)) continue;
      throw new Error(`redis-server did not start: ${output}`);
    }
    const clients: RespClient[] = [];
    return {
      port,
      dir,
      async client() {
        const c = await RespClient.connect(port);
        clients.push(c);
        return c;
      },
      async stop() {
        for (const c of clients) c.close();
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** Resolves true when the child logs that it is ready, false if it exits first. */
function waitForReady(child: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        resolve(true);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => resolve(false));
  });
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

const VELLUM_SERVER = fileURLToPath(new URL('../../src/cli/vellum-server.js', import.meta.url));

/**
 * vellum-server as a child process (for tests that kill it), on a free port, resolved when
 * it logs that it is ready. `args` are redis-server style options; --port and --bind are
 * added.
 */
export async function spawnVellum(args: readonly string[]): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const { child } = await spawnReady(process.execPath,
    [VELLUM_SERVER, '--port', String(port), '--bind', '127.0.0.1', '--loglevel', 'notice', ...args]);
  return { child, port };
}

/** Poll for a state a server reaches on its own, with no event to await (a log line, an fsync). */
export async function until(cond: () => boolean, what = 'the condition', ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** INFO's blocked_clients of the server behind `c`. */
export async function blockedClients(c: RespClient): Promise<number> {
  const info = String(await c.call('INFO', 'clients'));
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

/**
 * Wait until the server behind `admin` has `n` blocked clients, polling INFO's
 * blocked_clients once per loop turn: the one event both Vellum and Redis expose.
 */
export async function waitBlocked(admin: RespClient, n: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if ((await blockedClients(admin)) === n) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never saw ${n} blocked clients`);
}

/**
 * Block each of `blocked` in turn, on a client of its own (waiting until the server counts
 * it blocked), then run `then` through `admin`: the blocked clients' replies, in order.
 * The clients are closed and the server seen with none blocked before it returns.
 */
export async function blockThenServe(server: RunningServer, admin: RespClient, blocked: Arg[][], then: Arg[][]): Promise<Reply[]> {
  const clients = await Promise.all(blocked.map(() => server.client()));
  try {
    const pending: Promise<Reply>[] = [];
    for (let i = 0; i < blocked.length; i++) {
      pending.push(clients[i]!.call(...blocked[i]!));
      await waitBlocked(admin, i + 1);
    }
    for (const cmd of then) await admin.call(...cmd);
    return await Promise.all(pending);
  } finally {
    for (const c of clients) c.close();
    await waitBlocked(admin, 0);
  }
}

/** A server started as a child process, resolved once it logs that it is ready; rejected if it exits first. */
export async function spawnReady(command: string, args: readonly string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', () => reject(new Error(`${command} exited: ${output}`)));
  });
  return { child, output: () => output };
}

/**
 * The AOF interop check: redis-check-aof accepts `<dir>/appendonlydir`, and real Redis
 * started on a copy of it holds `expected` as `describe` reads it.
 */
export async function assertRedisAcceptsAof<T>(dir: string, expected: T, describe: (c: RespClient) => Promise<T>): Promise<void> {
  const aofDir = join(dir, 'appendonlydir');
  const check = spawnSync('redis-check-aof', [join(aofDir, 'appendonly.aof.manifest')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /is valid/);
  const redisDir = tempDir('redis-aof-check-');
  cpSync(aofDir, join(redisDir, 'appendonlydir'), { recursive: true });
  const redis = await startRedis(['--appendonly', 'yes'], redisDir);
  try {
    assert.deepEqual(await describe(await redis.client()), expected);
  } finally {
    await redis.stop();
  }
}
