/**
 * A dataset that touches every type at both encodings (small and over Redis's thresholds),
 * streams (several nodes, a deleted entry, an empty stream, consumer groups with PELs and
 * an idle consumer), expiries, several databases, binary keys and big values; and a
 * canonical description of a server's contents so two servers (or one before and after a
 * reload) can be compared. Shared by the RDB and DUMP interop tests.
 */

import type { Arg, Reply, RespClient } from '../helpers/resp-client.js';

/** Deterministic bytes that LZF cannot shrink much. */
export function noise(n: number, seed = 1): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += String.fromCharCode(x >>> 24);
  }
  return s;
}

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

/** Commands that fill databases 0, 3 and 15. */
export function datasetCommands(): Arg[][] {
  const cmds: Arg[][] = [['SELECT', 0]];
  cmds.push(['SET', 's:small', 'v'], ['SET', 's:int', '12345'], ['SET', 's:neg', '-7'], ['SET', 's:i32', '-100000'],
    ['SET', 's:big64', '12345678901'], ['SET', 's:007', '007'], ['SET', 's:long', 'a'.repeat(100)],
    ['SET', 's:huge', noise(200_000)], ['SET', 's:compressible', 'abc'.repeat(40_000)],
    ['SET', '\x00\xff\r\n bin key', ALL_BYTES], ['SET', '123', 'numeric key'], ['SET', 's:empty', '']);
  cmds.push(['RPUSH', 'l:small', 'a', '1', '-1', '300', '127', '128', '4095', '4096', '-4097', '32768', '8388608',
    '2147483648', '-9223372036854775808', '007', 'x'.repeat(200)]);
  const big: string[] = [];
  for (let i = 0; i < 3000; i++) big.push(i % 3 === 0 ? String(i * 7919) : i % 3 === 1 ? `elem-${i}` : noise(i % 500, i));
  big.push('y'.repeat(5000), noise(70_000, 3));
  cmds.push(['RPUSH', 'l:big', ...big]);
  cmds.push(['SADD', 'set:int', '1', '2', '3', '-5', '70000', '9999999999']);
  cmds.push(['SADD', 'set:int16', '1', '2', '3']);
  cmds.push(['SADD', 'set:bigint', ...Array.from({ length: 600 }, (_, i) => String(i * 3 - 900))]);
  cmds.push(['SADD', 'set:str', 'a', 'b', 'c', '007', noise(100, 9)]);
  cmds.push(['HSET', 'h:small', 'f', 'v', 'n', '7', 'neg', '-70000', 'big', '9223372036854775807']);
  const hbig: string[] = [];
  for (let i = 0; i < 600; i++) hbig.push(`field:${i}`, i % 2 === 0 ? String(i) : `value-${i}`);
  cmds.push(['HSET', 'h:big', ...hbig]);
  cmds.push(['HSET', 'h:longval', 'f', 'x'.repeat(100), 'g', 'short']);
  cmds.push(['ZADD', 'z:small', '1', 'a', '2.5', 'b', '-inf', 'c', 'inf', 'd', '0.1', 'e', '1e20', 'f', '-3', 'g']);
  const zbig: string[] = [];
  for (let i = 0; i < 200; i++) zbig.push(String((i * 37) % 101 / 7), `m${i}`);
  cmds.push(['ZADD', 'z:big', ...zbig]);
  cmds.push(['ZADD', 'z:longmember', '1', 'q'.repeat(70), '2', 'r']);
  cmds.push(...streamCommands());
  cmds.push(['SET', 'e:str', 'x', 'PX', '100000000']);
  cmds.push(['HSET', 'e:hash', 'a', 'b'], ['PEXPIRE', 'e:hash', '500000000']);
  cmds.push(['SELECT', 3], ['SET', 'k3', 'v3'], ['RPUSH', 'l3', 'x', 'y'], ['SADD', 'e3', '1'], ['EXPIRE', 'e3', '86400']);
  cmds.push(['SELECT', 15], ['SET', 'k15', 'v15']);
  cmds.push(['SELECT', 0]);
  return cmds;
}

/**
 * Streams filled the same way on any server: explicit IDs, and every pending entry claimed
 * with an explicit TIME, so that only consumers' seen times depend on the clock.
 */
function streamCommands(): Arg[][] {
  const cmds: Arg[][] = [['XADD', 'x:small', '1-1', 'f', 'v'], ['XADD', 'x:small', '1-2', 'f', 'w', 'n', '7']];
  for (let i = 0; i < 250; i++) {
    cmds.push(['XADD', 'x:big', `${1000 + i}-${i % 3}`, 'field', String(i * 37 - 500), 'v', i % 5 === 0 ? 'x'.repeat(i) : noise(20, i + 1)]);
  }
  for (let i = 1; i <= 5; i++) cmds.push(['XADD', 'x:del', `${i}-0`, 'a', String(i)]);
  cmds.push(['XDEL', 'x:del', '2-0'], ['XGROUP', 'CREATE', 'x:empty', 'g', '$', 'MKSTREAM']);
  for (let i = 1; i <= 10; i++) cmds.push(['XADD', 'x:groups', `${i}-0`, ALL_BYTES.slice(i * 20, i * 20 + 5), String(i)]);
  cmds.push(['XGROUP', 'CREATE', 'x:groups', 'g', '0'], ['XGROUP', 'CREATE', 'x:groups', 'h', '4-0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 'x:groups', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 'x:groups', '>'],
    ['XCLAIM', 'x:groups', 'g', 'alice', '0', '1-0', '2-0', '3-0', 'TIME', '1700000000000', 'RETRYCOUNT', '2', 'JUSTID'],
    ['XCLAIM', 'x:groups', 'g', 'bob', '0', '4-0', '5-0', 'TIME', '1700000000500', 'RETRYCOUNT', '5', 'JUSTID'],
    ['XGROUP', 'CREATECONSUMER', 'x:groups', 'g', 'carol'], ['XACK', 'x:groups', 'g', '2-0']);
  cmds.push(['XADD', 'x:ttl', '1-1', 'a', 'b'], ['PEXPIRE', 'x:ttl', '400000000']);
  return cmds;
}

/** `reply` without the values of these field names, in every flat field/value array within. */
export function stripFields(reply: Reply, fields: readonly string[]): Reply {
  if (!Array.isArray(reply)) return reply;
  const out: Reply[] = [];
  for (let i = 0; i < reply.length; i++) {
    const x = reply[i]!;
    if (typeof x === 'string' && fields.includes(x) && i + 1 < reply.length) {
      i++;
      continue;
    }
    out.push(stripFields(x, fields));
  }
  return out;
}

export interface KeyDescription {
  db: number;
  key: string;
  type: string;
  encoding: Reply;
  value: Reply;
  /** -1 no deadline, else the deadline in ms in 1000 s buckets (the test deadlines are days away). */
  ttl: number;
}

/** Every key of every database as comparable data; the connection ends in db 0. */
export async function describeServer(c: RespClient, dbs = 16): Promise<KeyDescription[]> {
  const out: KeyDescription[] = [];
  for (let db = 0; db < dbs; db++) {
    await c.call('SELECT', db);
    const keys = ((await c.call('KEYS', '*')) as string[]).sort();
    for (const key of keys) {
      const type = (await c.call('TYPE', key)) as { value: string };
      const t = type.value;
      const encoding = await c.call('OBJECT', 'ENCODING', key);
      let value: Reply;
      if (t === 'string') value = await c.call('GET', key);
      else if (t === 'list') value = await c.call('LRANGE', key, 0, -1);
      else if (t === 'set') value = ((await c.call('SMEMBERS', key)) as string[]).sort();
      else if (t === 'hash') {
        const flat = (await c.call('HGETALL', key)) as string[];
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(JSON.stringify([flat[i], flat[i + 1]]));
        value = pairs.sort();
      } else if (t === 'stream') {
        // Consumers' seen times are the clock's; radix-tree-nodes is the rax's inner node count, not data.
        value = stripFields(await c.call('XINFO', 'STREAM', key, 'FULL', 'COUNT', 0), ['seen-time', 'radix-tree-nodes']);
      } else value = await c.call('ZRANGE', key, 0, -1, 'WITHSCORES');
      const pttl = (await c.call('PTTL', key)) as number;
      out.push({ db, key, type: t, encoding, value, ttl: pttl < 0 ? pttl : Math.round((Date.now() + pttl) / 1_000_000) });
    }
  }
  await c.call('SELECT', 0);
  return out;
}
