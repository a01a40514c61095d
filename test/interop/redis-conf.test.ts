/**
 * A redis.conf brought from Redis 7.0 works in Vellum as in Redis: Debian's stock
 * /etc/redis/redis.conf loads (through startServer and through vellum-server), CONFIG GET *
 * answers exactly the names real Redis answers, with the same values, and the process-level
 * directives behave as Redis's: `bind` wildcards, protected mode, protected configs
 * (enable-protected-configs), relative `unixsocket`, `logfile` and `pidfile` paths inside
 * `dir`, an absolute `dir` in CONFIG GET and CONFIG REWRITE.
 *
 * The stock file is started with port, dir, pidfile, logfile and daemonize overridden, so
 * that neither server clashes with a system Redis. Addresses other than loopback are
 * needed for protected mode; those tests are skipped on a host that has none.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type NetConnectOpts } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type ServerHandle } from '../../src/index.js';
import { freePort, redisSkip, spawnReady, stopChild, tempDir } from '../helpers/servers.js';
import { encodeCommand, ErrorReply, parseReply, RespClient, Status, type Reply } from '../helpers/resp-client.js';

const STOCK_CONF = '/etc/redis/redis.conf';
const confSkip = ((): string | undefined => {
  try {
    accessSync(STOCK_CONF, constants.R_OK);
    return redisSkip;
  } catch {
    return `SKIPPED: ${STOCK_CONF} is not readable (Debian package redis-server)`;
  }
})();

/** An IPv4 address of this host other than loopback, to connect from "another host". */
const remoteAddress = Object.values(networkInterfaces()).flat()
  .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
const remoteSkip = redisSkip ?? (remoteAddress === undefined ? 'SKIPPED: this host has no non-loopback IPv4 address' : undefined);
const hasIpv6Loopback = Object.values(networkInterfaces()).flat().some((i) => i !== undefined && i.address === '::1');

const VELLUM_SERVER = fileURLToPath(new URL('../../src/cli/vellum-server.js', import.meta.url));

/** CONFIG GET * as a name → value map. */
async function configAll(c: RespClient): Promise<Map<string, string>> {
  const flat = (await c.call('CONFIG', 'GET', '*')) as string[];
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i]!, flat[i + 1]!);
  return m;
}

/** One command over a fresh connection (any address or a Unix socket); the whole raw reply. */
function rawCommand(to: NetConnectOpts, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(to, () => socket.write(encodeCommand(args)));
    let data = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      try {
        parseReply(data, 0);
      } catch {
        return; // not all of it yet
      }
      socket.destroy();
      resolve(data.toString('latin1'));
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data.toString('latin1')));
  });
}

/** What a server sends to a new connection that says nothing, until it closes it (5 s at most). */
function greeting(to: NetConnectOpts): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(to);
    let data = '';
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

/** A real redis-server with these arguments (a config file first, if any), on a free port. */
async function startRedisWith(args: readonly string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const { child } = await spawnReady('redis-server', [...args, '--port', String(port), '--daemonize', 'no', '--logfile', '']);
  return { port, stop: () => stopChild(child) };
}

describe('Debian\'s stock redis.conf', { skip: confSkip }, () => {
  const vellumDir = tempDir('vellum-stock-');
  const redisDir = tempDir('redis-stock-');
  let vellum: ServerHandle;
  let redis: { port: number; stop: () => Promise<void> };
  let v: RespClient;
  let r: RespClient;

  before(async () => {
    // Relative pidfile and logfile: both servers put them inside dir.
    vellum = await startServer({ args: [STOCK_CONF, '--port', '0', '--dir', vellumDir, '--pidfile', 'vellum.pid', '--logfile', 'vellum.log'] });
    redis = await startRedisWith([STOCK_CONF, '--dir', redisDir, '--pidfile', 'redis.pid']);
    v = await RespClient.connect(vellum.port!);
    r = await RespClient.connect(redis.port);
  });
  after(async () => {
    v?.close();
    r?.close();
    await vellum?.close();
    await redis?.stop();
    rmSync(vellumDir, { recursive: true, force: true });
    rmSync(redisDir, { recursive: true, force: true });
  });

  test('CONFIG GET * answers the names Redis answers, with Redis\'s values', async () => {
    const [mine, theirs] = [await configAll(v), await configAll(r)];
    assert.deepEqual([...mine.keys()].sort(), [...theirs.keys()].sort());
    // Per server by construction: ports and paths. daemonize is yes for Vellum, as the file says.
    const perServer = new Set(['port', 'dir', 'pidfile', 'logfile', 'daemonize']);
    const differing = [...theirs].filter(([name, value]) => !perServer.has(name) && mine.get(name) !== value)
      .map(([name, value]) => `${name}: Vellum '${mine.get(name)}', Redis '${value}'`);
    assert.deepEqual(differing, []);
    assert.equal(mine.get('dir'), vellumDir);
    assert.equal(theirs.get('dir'), redisDir);
    assert.equal(mine.get('daemonize'), 'yes');
  });

  test('the pid file and the log file are inside dir, as Redis puts them', () => {
    assert.equal(readFileSync(join(redisDir, 'redis.pid'), 'latin1').trim().length > 0, true, 'Redis wrote its pid file in dir');
    assert.equal(readFileSync(join(vellumDir, 'vellum.pid'), 'latin1'), `${process.pid}\n`);
    const log = readFileSync(join(vellumDir, 'vellum.log'), 'latin1');
    assert.match(log, /daemonize yes is ignored: Vellum cannot fork, so it runs in the foreground/);
    assert.match(log, /Ready to accept connections/);
    // Directives left at their default (replica-serve-stale-data yes…) are not worth a warning.
    assert.doesNotMatch(log, /Directive 'replica-serve-stale-data'/);
  });

  test('vellum-server starts on it and removes its pid file when SIGTERM stops it', async () => {
    const dir = tempDir('vellum-stock-cli-');
    try {
      const port = await freePort();
      const { child, output } = await spawnReady(process.execPath, [VELLUM_SERVER, STOCK_CONF, '--port', String(port), '--dir', dir,
        '--pidfile', 'cli.pid', '--logfile', '', '--save', '']);
      const pid = readFileSync(join(dir, 'cli.pid'), 'latin1');
      assert.equal(pid, `${child.pid}\n`);
      assert.match(output(), /daemonize yes is ignored/);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(existsSync(join(dir, 'cli.pid')), false, 'the pid file is removed at shutdown');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bind wildcards and protected mode, as Redis 7.0', { skip: redisSkip }, () => {
  test('`* -::*` listens on every IPv4 address and, if the host has IPv6, every IPv6 one', async () => {
    const dir = tempDir();
    const server = await startServer({ port: 0, dir, save: '', loglevel: 'warning', bind: ['*', '-::*'], 'protected-mode': 'no' });
    try {
      assert.equal(await rawCommand({ port: server.port!, host: '127.0.0.1' }, ['PING']), '+PONG\r\n');
      if (remoteAddress !== undefined) assert.equal(await rawCommand({ port: server.port!, host: remoteAddress }, ['PING']), '+PONG\r\n');
      if (hasIpv6Loopback) assert.equal(await rawCommand({ port: server.port!, host: '::1' }, ['PING']), '+PONG\r\n');
      assert.equal(await rawCommand({ port: server.port!, host: '127.0.0.1' }, ['CONFIG', 'GET', 'bind']), '*2\r\n$4\r\nbind\r\n$6\r\n* -::*\r\n');
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('`::*` alone listens on IPv6 only', { skip: hasIpv6Loopback ? undefined : 'SKIPPED: no IPv6 loopback' }, async () => {
    const dir = tempDir();
    const server = await startServer({ port: 0, dir, save: '', loglevel: 'warning', bind: '::*' });
    try {
      assert.equal(await rawCommand({ port: server.port!, host: '::1' }, ['PING']), '+PONG\r\n');
      await assert.rejects(rawCommand({ port: server.port!, host: '127.0.0.1' }, ['PING']), /ECONNREFUSED/);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a remote connection without a password is refused with Redis\'s DENIED text; loopback is not', { skip: remoteSkip }, async () => {
    const dir = tempDir();
    const vellum = await startServer({ port: 0, dir, save: '', loglevel: 'warning', bind: '*' });
    const redis = await startRedisWith(['--bind', '*', '--save', '', '--dir', tempDir('redis-test-')]);
    try {
      const [mine, theirs] = [await greeting({ port: vellum.port!, host: remoteAddress }), await greeting({ port: redis.port, host: remoteAddress })];
      assert.match(theirs, /^-DENIED Redis is running in protected mode/);
      assert.equal(mine, theirs);
      assert.equal(await rawCommand({ port: vellum.port!, host: '127.0.0.1' }, ['PING']), '+PONG\r\n');
      // A password, or protected-mode no, lets remote clients in.
      for (const port of [vellum.port!, redis.port]) {
        assert.equal(await rawCommand({ port, host: '127.0.0.1' }, ['CONFIG', 'SET', 'protected-mode', 'no']), '+OK\r\n');
        assert.equal(await rawCommand({ port, host: remoteAddress }, ['PING']), '+PONG\r\n');
      }
      assert.match(await rawCommand({ port: vellum.port!, host: '127.0.0.1' }, ['INFO', 'stats']), /rejected_connections:1\r\n/);
    } finally {
      await vellum.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('protected configs (enable-protected-configs), as Redis 7.0', { skip: redisSkip }, () => {
  /** Vellum and Redis with the same directives, each in its own temp dir; `run` gets both ports and dirs. */
  async function withBoth(
    directives: Record<string, string>,
    run: (servers: { port: number; dir: string; unixsocket: string }[]) => Promise<void>,
  ): Promise<void> {
    const vdir = tempDir();
    const rdir = tempDir('redis-test-');
    const args = Object.entries(directives).flatMap(([k, val]) => [`--${k}`, val]);
    // A real port: with a Unix socket, `port 0` means no TCP listener.
    const vport = String(await freePort());
    const vellum = await startServer({ args: ['--port', vport, '--dir', vdir, '--save', '', '--loglevel', 'warning', '--unixsocket', 'v.sock', ...args] });
    const redis = await startRedisWith(['--dir', rdir, '--save', '', '--unixsocket', 'r.sock', ...args]);
    try {
      await run([{ port: vellum.port!, dir: vdir, unixsocket: join(vdir, 'v.sock') }, { port: redis.port, dir: rdir, unixsocket: join(rdir, 'r.sock') }]);
    } finally {
      await vellum.close();
      await redis.stop();
      rmSync(vdir, { recursive: true, force: true });
      rmSync(rdir, { recursive: true, force: true });
    }
  }

  test('no (the default): CONFIG SET dir and dbfilename are refused, every other pair too', async () => {
    await withBoth({}, async (servers) => {
      const replies: string[][] = [];
      for (const s of servers) {
        const to = { port: s.port, host: '127.0.0.1' };
        replies.push([
          await rawCommand(to, ['CONFIG', 'SET', 'dir', s.dir]),
          await rawCommand(to, ['CONFIG', 'SET', 'DBFILENAME', 'x.rdb']),
          await rawCommand(to, ['CONFIG', 'SET', 'timeout', '5', 'dbfilename', 'x.rdb']),
          await rawCommand(to, ['CONFIG', 'GET', 'timeout']),
          await rawCommand(to, ['CONFIG', 'SET', 'enable-protected-configs', 'yes']),
        ]);
      }
      assert.equal(replies[0]![0], "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n");
      assert.deepEqual(replies[0], replies[1]);
    });
  });

  test('yes: dir (relative to the current one) and dbfilename change; CONFIG GET dir is absolute', async () => {
    await withBoth({ 'enable-protected-configs': 'yes' }, async (servers) => {
      const replies: string[][] = [];
      for (const s of servers) {
        mkdirSync(join(s.dir, 'sub'));
        writeFileSync(join(s.dir, 'file'), '');
        const to = { port: s.port, host: '127.0.0.1' };
        const got = [
          await rawCommand(to, ['CONFIG', 'SET', 'dir', 'nonexistent']),
          await rawCommand(to, ['CONFIG', 'SET', 'dir', 'file']),
          await rawCommand(to, ['CONFIG', 'SET', 'dir', 'sub', 'dbfilename', 'x.rdb']),
          await rawCommand(to, ['CONFIG', 'GET', 'dbfilename']),
        ];
        assert.equal(await rawCommand(to, ['CONFIG', 'GET', 'dir']), `*2\r\n$3\r\ndir\r\n$${Buffer.byteLength(join(s.dir, 'sub'))}\r\n${join(s.dir, 'sub')}\r\n`);
        replies.push(got);
      }
      assert.equal(replies[0]![0], "-ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory\r\n");
      assert.deepEqual(replies[0], replies[1]);
    });
  });

  test('local: allowed from loopback and the Unix socket, refused from another address', { skip: remoteSkip }, async () => {
    await withBoth({ 'enable-protected-configs': 'local', 'protected-mode': 'no', bind: `127.0.0.1 ${remoteAddress}` }, async (servers) => {
      const replies: string[][] = [];
      for (const s of servers) {
        replies.push([
          await rawCommand({ port: s.port, host: remoteAddress }, ['CONFIG', 'SET', 'dbfilename', 'remote.rdb']),
          await rawCommand({ port: s.port, host: '127.0.0.1' }, ['CONFIG', 'SET', 'dbfilename', 'loopback.rdb']),
          await rawCommand({ path: s.unixsocket }, ['CONFIG', 'SET', 'dbfilename', 'unix.rdb']),
          await rawCommand({ port: s.port, host: '127.0.0.1' }, ['CONFIG', 'GET', 'dbfilename']),
        ]);
      }
      assert.equal(replies[0]![0], "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config\r\n");
      assert.deepEqual(replies[0], replies[1]);
    });
  });
});

describe('relative paths live in dir', () => {
  test('unixsocket and logfile: in dir, and after CONFIG SET dir the log follows, as Redis\'s does', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'next'));
    const server = await startServer({ port: 0, dir, save: '', loglevel: 'notice', unixsocket: 'v.sock', logfile: 'v.log', 'enable-protected-configs': 'yes' });
    try {
      assert.equal(await rawCommand({ path: join(dir, 'v.sock') }, ['PING']), '+PONG\r\n');
      assert.match(readFileSync(join(dir, 'v.log'), 'latin1'), /Ready to accept connections/);
      assert.equal(await rawCommand({ path: join(dir, 'v.sock') }, ['CONFIG', 'SET', 'dir', 'next']), '+OK\r\n');
      // Any later log line: CONFIG REWRITE without a config file logs its failure.
      await rawCommand({ path: join(dir, 'v.sock') }, ['CONFIG', 'REWRITE']);
      assert.match(readFileSync(join(dir, 'next', 'v.log'), 'latin1'), /CONFIG REWRITE failed/);
    } finally {
      await server.close();
    }
    assert.equal(existsSync(join(dir, 'v.sock')), false, 'the socket is removed at shutdown');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a log file that cannot be opened stops start-up with Redis\'s message, closing what was bound', async () => {
    const dir = tempDir();
    try {
      await assert.rejects(startServer({ port: 0, dir, save: '', logfile: 'missing/dir/v.log' }), /Can't open the log file: .*no such file or directory/i);
      // 203.0.113.7 (TEST-NET-3) is no address of this host; the loopback listener bound first is closed again.
      const port = await freePort();
      await assert.rejects(startServer({ port, dir, save: '', logfile: 'v.log', bind: ['127.0.0.1', '203.0.113.7'] }),
        new RegExp(`Failed listening on port ${port} \\(tcp\\), aborting`));
      await assert.rejects(rawCommand({ port, host: '127.0.0.1' }, ['PING']), /ECONNREFUSED/);
      // bind "" is no TCP address: with no Unix socket either, nothing to listen on (Redis's words).
      await assert.rejects(startServer({ port: 6390, dir, save: '', bind: '' }), /Configured to not listen anywhere, exiting\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('CONFIG REWRITE writes dir as the absolute path, a second relative dir line resolved against the first', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    const conf = join(dir, 'vellum.conf');
    writeFileSync(conf, `port 0\nsave ""\nloglevel warning\ndir ${dir}\ndir data\n`);
    const server = await startServer({ args: [conf] });
    try {
      const c = await RespClient.connect(server.port!);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'dir'), ['dir', join(dir, 'data')] as Reply);
      assert.deepEqual(await c.call('CONFIG', 'REWRITE'), new Status('OK'));
      const lines = readFileSync(conf, 'latin1').split('\n').filter((l) => l.startsWith('dir '));
      assert.deepEqual(lines, [`dir ${join(dir, 'data')}`]);
      assert.deepEqual(await c.call('CONFIG', 'SET', 'dir', dir), new ErrorReply("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"));
      c.close();
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
