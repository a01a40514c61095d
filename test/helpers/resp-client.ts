/**
 * A raw RESP2/RESP3 client for tests. Unlike ioredis or node-redis it keeps every reply's
 * exact type (status vs bulk, error text, RESP3 map/set/double/push), so a differential
 * test can compare Vellum's bytes-level answers with real Redis's.
 *
 * Replies arrive in a queue: `call` sends a command and takes the next reply; `next`
 * takes the next one without sending (pub/sub messages, MONITOR lines).
 */

import { connect, type Socket } from 'node:net';

export class Status {
  constructor(readonly value: string) {}
}
export class ErrorReply {
  constructor(readonly message: string) {}
}
export class RespMap {
  constructor(readonly entries: [Reply, Reply][]) {}
}
export class RespSet {
  constructor(readonly items: Reply[]) {}
}
export class Push {
  constructor(readonly items: Reply[]) {}
}
export class Double {
  constructor(readonly value: string) {}
}
export class Verbatim {
  constructor(readonly format: string, readonly text: string) {}
}
export class BigNumber {
  constructor(readonly value: string) {}
}

export type Reply =
  | string | number | bigint | boolean | null | Reply[]
  | Status | ErrorReply | RespMap | RespSet | Push | Double | Verbatim | BigNumber;

export type Arg = string | number | Buffer;

class Incomplete extends Error {}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private readonly replies: Reply[] = [];
  private readonly waiters: ((r: Reply) => void)[] = [];
  private closedResolve!: () => void;
  /** Resolves when the server closes the connection. */
  readonly closed = new Promise<void>((r) => (this.closedResolve = r));
  isClosed = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.isClosed = true;
      this.closedResolve();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new RespClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Send one command (as a multibulk) and wait for its reply. */
  call(...args: Arg[]): Promise<Reply> {
    this.socket.write(encodeCommand(args));
    return this.next();
  }

  /** Send several commands in one write and collect their replies. */
  async pipeline(commands: Arg[][]): Promise<Reply[]> {
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    const out: Reply[] = [];
    for (let i = 0; i < commands.length; i++) out.push(await this.next());
    return out;
  }

  /** Send bytes as they are (malformed protocol, inline commands, split frames). */
  writeRaw(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** The next reply, waiting for it if needed; rejects if the connection closes first. */
  next(): Promise<Reply> {
    const r = this.replies.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.isClosed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      this.closed.then(() => reject(new Error('connection closed')));
    });
  }

  /** Replies received and not yet taken. */
  get buffered(): number {
    return this.replies.length;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      let parsed: [Reply, number];
      try {
        parsed = parseReply(this.buf, 0);
      } catch (err) {
        if (err instanceof Incomplete) return;
        throw err;
      }
      this.buf = this.buf.subarray(parsed[1]);
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter(parsed[0]);
      else this.replies.push(parsed[0]);
    }
  }
}

export function encodeCommand(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

function readLine(buf: Buffer, pos: number): [string, number] {
  const cr = buf.indexOf('\r\n', pos);
  if (cr < 0) throw new Incomplete();
  return [buf.toString('latin1', pos, cr), cr + 2];
}

function parseInteger(s: string): number | bigint {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

/** Parse one reply at pos; returns it and the position after it. Throws Incomplete. */
export function parseReply(buf: Buffer, pos: number): [Reply, number] {
  if (pos >= buf.length) throw new Incomplete();
  const type = String.fromCharCode(buf[pos]!);
  const [line, after] = readLine(buf, pos + 1);
  switch (type) {
    case '+': return [new Status(line), after];
    case '-': return [new ErrorReply(line), after];
    case ':': return [parseInteger(line), after];
    case '_': return [null, after];
    case ',': return [new Double(line), after];
    case '#': return [line === 't', after];
    case '(': return [new BigNumber(line), after];
    case '$':
    case '=':
    case '!': {
      const len = Number(line);
      if (len < 0) return [null, after];
      if (after + len + 2 > buf.length) throw new Incomplete();
      const s = buf.toString('latin1', after, after + len);
      if (type === '=') return [new Verbatim(s.slice(0, 3), s.slice(4)), after + len + 2];
      if (type === '!') return [new ErrorReply(s), after + len + 2];
      return [s, after + len + 2];
    }
    case '*':
    case '~':
    case '>': {
      const n = Number(line);
      if (n < 0) return [null, after];
      const items: Reply[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const [r, next] = parseReply(buf, p);
        items.push(r);
        p = next;
      }
      if (type === '~') return [new RespSet(items), p];
      if (type === '>') return [new Push(items), p];
      return [items, p];
    }
    case '%': {
      const n = Number(line);
      const entries: [Reply, Reply][] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const [k, p1] = parseReply(buf, p);
        const [v, p2] = parseReply(buf, p1);
        entries.push([k, v]);
        p = p2;
      }
      return [new RespMap(entries), p];
    }
    default:
      throw new Error(`unknown reply type ${JSON.stringify(type)} at ${pos}`);
  }
}
