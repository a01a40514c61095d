/**
 * Fuzzing the protocol layer (design.md invariant 7: bad input gets a clear error and loses
 * nothing). Three levels, all with bounded fast-check runs:
 *  1. the parser alone: random bytes and grammar-built malformed frames may only raise
 *     RespProtocolError, always terminate, and valid frames split anywhere parse the same;
 *  2. a live in-process server: random streams on many connections at once; each
 *     connection ends either open (replies so far are well formed) or with the server's
 *     close after `-ERR Protocol error: …` (or QUIT's +OK); afterwards a fresh client gets
 *     PONG and writes acknowledged before the fuzzing are intact;
 *  3. real Redis 7.0: streams of valid commands then a bad frame give the same bytes back
 *     and the same close from both servers.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { RequestParser, RespProtocolError } from '../../src/protocol/request-parser.js';
import { type RunningServer, redisSkip, startRedis, startVellum } from '../helpers/servers.js';
import { ErrorReply, Status, encodeCommand, parseReply, type Reply } from '../helpers/resp-client.js';
import type { Client } from '../../src/server/client.js';

const LIMITS = { maxBulkLen: 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 };

/** Tokens that steer random streams into every parser state. */
const token = fc.oneof(
  fc.constantFrom('*', '$', '-', '\r\n', '\r', '\n', '\x00', ' ', '"', "'", '\\', '\\x4', 'PING', 'ECHO', 'GET', 'SET', 'SELECT', 'k'),
  fc.integer({ min: -3, max: 40_000 }).map(String),
  fc.constantFrom('*1\r\n', '*2\r\n', '*3\r\n', '$1\r\n', '$4\r\n', '*-1\r\n', '*0\r\n', '$-1\r\n', '*99999999999\r\n'),
);
const frameBytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.array(token, { maxLength: 40 }).map((t) => Buffer.from(t.join(''), 'latin1')),
);
/** Cut points for feeding a stream in pieces. */
const cuts = fc.array(fc.nat(), { maxLength: 6 });

function pieces(data: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((n) => (data.length === 0 ? 0 : n % (data.length + 1))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  out.push(data.subarray(prev));
  return out;
}

/** Feed pieces, draining after each; returns argvs, and the error message if one was thrown. */
function drain(chunks: Buffer[]): { argvs: string[][]; error: string | null } {
  const p = new RequestParser({ ...LIMITS });
  const argvs: string[][] = [];
  try {
    for (const chunk of chunks) {
      p.feed(chunk);
      // Each request consumes at least one byte, so this bounds a parser that would spin.
      for (let guard = 0; ; guard++) {
        assert.ok(guard <= chunk.length + 1 + argvs.length, 'parser did not terminate');
        const argv = p.next();
        if (argv === null) break;
        argvs.push(argv);
      }
    }
  } catch (err) {
    if (err instanceof RespProtocolError) return { argvs, error: err.message };
    throw err;
  }
  return { argvs, error: null };
}

describe('fuzz: the parser', () => {
  test('random and malformed input only ever raises RespProtocolError, and terminates', () => {
    fc.assert(fc.property(frameBytes, cuts, (data, at) => {
      drain(pieces(data, at));
    }), { numRuns: 3000 });
  });

  test('how input is cut never changes the argvs or the error', () => {
    fc.assert(fc.property(frameBytes, cuts, (data, at) => {
      const whole = drain([data]);
      const cut = drain(pieces(data, at));
      // A cut can only delay a request to a later chunk, never change it.
      assert.deepStrictEqual(cut, whole);
    }), { numRuns: 2000 });
  });

  test('valid command streams split anywhere give back the commands', () => {
    const arg = fc.oneof(fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a).toString('latin1')));
    fc.assert(fc.property(fc.array(fc.array(arg, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }), cuts, (cmds, at) => {
      const latin1 = cmds.map((c) => c.map((a) => Buffer.from(a, 'latin1').toString('latin1')));
      const data = Buffer.concat(latin1.map((c) => encodeCommand(c.map((a) => Buffer.from(a, 'latin1')))));
      assert.deepStrictEqual(drain(pieces(data, at)), { argvs: latin1, error: null });
    }), { numRuns: 500 });
  });
});

/** A raw connection that keeps every byte the server sends. */
class RawConn {
  received: Buffer[] = [];
  readonly closed: Promise<void>;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.received.push(d));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static open(port: number): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new RawConn(s)));
      s.once('error', reject);
    });
  }

  replies(): Reply[] {
    const buf = Buffer.concat(this.received);
    const out: Reply[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const [r, next] = parseReply(buf, pos);
      out.push(r);
      pos = next;
    }
    return out;
  }
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The server-side client of a connection, once the server has accepted it. */
async function serverSide(server: RunningServer, conn: RawConn): Promise<Client> {
  const remote = `127.0.0.1:${conn.socket.localPort}`;
  for (let i = 0; i < 10_000; i++) {
    for (const c of server.server!.clients.values()) if (c.remote === remote) return c;
    await tick();
  }
  throw new Error('the server never accepted the connection');
}

describe('fuzz: a live server', () => {
  let vellum: RunningServer;
  before(async () => {
    vellum = await startVellum({ 'proto-max-bulk-len': 1024 * 1024 });
  });
  after(async () => {
    await vellum.stop();
  });

  test('random streams on many connections: replies or a protocol error and a close; nothing lost', async () => {
    const setup = await vellum.client();
    const acked: [string, string][] = [];
    for (let i = 0; i < 50; i++) {
      const kv: [string, string] = [`fuzz:acked:${i}`, `value\r\n\x00${i}`];
      assert.deepStrictEqual(await setup.call('SET', ...kv), new Status('OK'));
      acked.push(kv);
    }
    const stream = fc.tuple(frameBytes, cuts);
    await fc.assert(fc.asyncProperty(fc.array(stream, { minLength: 1, maxLength: 8 }), async (streams) => {
      await Promise.all(streams.map(async ([data, at]) => {
        const conn = await RawConn.open(vellum.port);
        const c = await serverSide(vellum, conn);
        let read = 0;
        c.socket!.on('data', (d: Buffer) => (read += d.length));
        for (const piece of pieces(data, at)) if (piece.length > 0) conn.socket.write(piece);
        // Wait until the server has read everything or closed; then let its flush run.
        for (let i = 0; read < data.length && !c.closed; i++) {
          assert.ok(i < 100_000, 'the server stopped reading');
          await tick();
        }
        await tick();
        await tick();
        if (c.closed) {
          await conn.closed;
          const replies = conn.replies();
          const last = replies[replies.length - 1];
          const protocolError = last instanceof ErrorReply && last.message.startsWith('ERR Protocol error: ');
          const quit = last instanceof Status && last.value === 'OK';
          assert.ok(protocolError || quit, `closed after ${JSON.stringify(last)} for ${JSON.stringify(data.toString('latin1'))}`);
        } else {
          conn.replies(); // well-formed so far
          conn.socket.destroy();
        }
      }));
    }), { numRuns: 60 });
    const fresh = await vellum.client();
    assert.deepStrictEqual(await fresh.call('PING'), new Status('PONG'));
    for (const [k, v] of acked) assert.equal(await fresh.call('GET', k), v);
  });
});

describe('fuzz: malformed input against real Redis 7.0', { skip: redisSkip }, () => {
  let vellum: RunningServer;
  let redis: RunningServer;
  before(async () => {
    [vellum, redis] = await Promise.all([startVellum(), startRedis()]);
  });
  after(async () => {
    await Promise.all([vellum.stop(), redis.stop()]);
  });

  /** Everything the server sends until it closes the connection. */
  async function untilClosed(port: number, data: Buffer): Promise<string> {
    const conn = await RawConn.open(port);
    conn.socket.write(data);
    await conn.closed;
    return Buffer.concat(conn.received).toString('latin1');
  }

  const valid = fc.constantFrom('PING\r\n', '*1\r\n$4\r\nPING\r\n', '*2\r\n$4\r\nECHO\r\n$3\r\na\nb\r\n', 'ECHO "x\\x41"\n', '\r\n', '*0\r\n', '*-1\r\n', 'GET nokey\r\n');
  const bad = fc.oneof(
    fc.constantFrom('*abc\r\n', '*\r\n', '*01\r\n', '*3000000000\r\n', '*-9223372036854775809\r\n', '*1\r\n$-5\r\n',
      '*1\r\n$\r\n', '*1\r\n$1x\r\n', '"unbalanced\r\n', "'a'b\r\n", '*1\r\n$999999999999\r\n', '*1\r\n!\r\n'),
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(...'abcxyz+:#!%~ \x7f\xff\n'.split(''))).map(([n, ch]) => `*${n}\r\n${ch}\r\n`),
    fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !/[\x00\r]/.test(s) && !/^-?[1-9][0-9]*$|^0$/.test(s)).map((s) => `*${s}\r\n`),
  );
  const garbage = fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a).toString('latin1'));

  test('valid commands, then a bad frame: the same bytes back and the same close', async () => {
    await fc.assert(fc.asyncProperty(fc.array(valid, { maxLength: 5 }), bad, garbage, async (before, frame, tail) => {
      const data = Buffer.from(before.join('') + frame + tail, 'latin1');
      const [v, r] = await Promise.all([untilClosed(vellum.port, data), untilClosed(redis.port, data)]);
      assert.equal(v, r, JSON.stringify(data.toString('latin1')));
    }), { numRuns: 150 });
  });

  test('a NUL hides a line end in both: nothing runs, and past 64 KiB the same refusal', async () => {
    for (const input of ['PING\x00\r\nPING\r\n', '*1\x00\r\n$4\r\nPING\r\n', '*1\r\n$4\x00\r\nPING\r\n']) {
      const data = Buffer.concat([Buffer.from(input, 'latin1'), Buffer.alloc(70 * 1024, 'x')]);
      const [v, r] = await Promise.all([untilClosed(vellum.port, data), untilClosed(redis.port, data)]);
      assert.match(r, /^-ERR Protocol error: too big (inline request|mbulk count string|bulk count string)\r\n$/);
      assert.equal(v, r, JSON.stringify(input));
    }
  });
});
