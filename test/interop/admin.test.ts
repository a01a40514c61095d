/**
 * Connection and administration commands against real Redis 7.0: HELLO, AUTH, RESET,
 * CLIENT, TIME, ROLE, COMMAND. Where a reply holds per-server values (client ids,
 * addresses, times) the test compares its shape and the rules between values instead.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/differential.js';
import { redisSkip, startRedis, startVellum, type RunningServer } from '../helpers/servers.js';
import { Redis } from 'ioredis';
import { ErrorReply, RespMap, Status, Verbatim, type Reply } from '../helpers/resp-client.js';

/** HELLO's map with the id blanked, as entries. */
function helloShape(r: Reply): unknown {
  assert.ok(r instanceof RespMap || Array.isArray(r), 'HELLO replies with a map');
  const entries = r instanceof RespMap ? r.entries : pairs(r as Reply[]);
  return entries.map(([k, v]) => [k, k === 'id' ? typeof v : v]);
}

function pairs(flat: Reply[]): [Reply, Reply][] {
  const out: [Reply, Reply][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

function text(r: Reply): string {
  return r instanceof Verbatim ? r.text : (r as string);
}

describe('connection commands match Redis 7.0', { skip: redisSkip }, () => {
  let pair: Pair;
  before(async () => { pair = await startPair(); });
  after(async () => { await pair.stop(); });

  test('HELLO: shape in RESP2 and RESP3, errors', async () => {
    const [v2, r2] = await pair.both('HELLO', '2');
    assert.deepStrictEqual(helloShape(v2), helloShape(r2));
    for (const bad of [['HELLO', '4'], ['HELLO', '1'], ['HELLO', 'x'], ['HELLO', '3', 'foo'],
      ['HELLO', '3', 'AUTH', 'a'], ['HELLO', '3', 'AUTH', 'nouser', 'pw'], ['HELLO', '2', 'SETNAME', 'a b'],
      ['HELLO', '3', 'SETNAME']]) {
      await pair.same(...bad);
    }
    const [v3, r3] = await pair.both('HELLO', '3', 'SETNAME', 'conn1');
    assert.ok(v3 instanceof RespMap);
    assert.deepStrictEqual(helloShape(v3), helloShape(r3));
    await pair.same('CLIENT', 'GETNAME');
    await pair.same('CONFIG', 'GET', 'maxclients');
    const [v, r] = await pair.both('HELLO');
    assert.deepStrictEqual(helloShape(v), helloShape(r));
    const [va, ra] = await pair.both('HELLO', '2', 'AUTH', 'default', 'anything');
    assert.deepStrictEqual(helloShape(va), helloShape(ra));
    await pair.same('CLIENT', 'SETNAME', '');
  });

  test('AUTH without a password configured', async () => {
    await pair.sequence([['AUTH', 'x'], ['AUTH', 'a', 'b'], ['AUTH', 'default', 'b'], ['AUTH', 'a', 'b', 'c'], ['AUTH']]);
  });

  test('CLIENT SETNAME / GETNAME / ID / errors', async () => {
    await pair.sequence([
      ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'a b'], ['CLIENT', 'SETNAME', 'a\nb'], ['CLIENT', 'SETNAME', 'é'],
      ['CLIENT', 'SETNAME', 'good-name'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', ''], ['CLIENT', 'GETNAME'],
      ['CLIENT'], ['CLIENT', 'NOSUCH'], ['CLIENT', 'ID', 'x'], ['CLIENT', 'SETNAME'], ['CLIENT', 'KILL'],
      ['CLIENT', 'KILL', '1.2.3.4:5'], ['CLIENT', 'KILL', 'ID', '0'], ['CLIENT', 'KILL', 'ID', 'x'],
      ['CLIENT', 'KILL', 'foo', 'bar'], ['CLIENT', 'KILL', 'ID'], ['CLIENT', 'KILL', 'TYPE', 'nosuch', 'SKIPME', 'no'],
      ['CLIENT', 'KILL', 'SKIPME', 'maybe', 'ID', '5'], ['CLIENT', 'KILL', 'USER', 'nosuch'],
      ['CLIENT', 'KILL', 'ID', '99999'], ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5', 'TYPE', 'normal'],
      ['CLIENT', 'LIST', 'TYPE', 'nosuch'], ['CLIENT', 'LIST', 'ID', 'abc'], ['CLIENT', 'LIST', 'foo'],
      ['CLIENT', 'LIST', 'ID', '99999'], ['CLIENT', 'LIST', 'TYPE', 'master'],
      ['CLIENT', 'UNBLOCK', '99999'], ['CLIENT', 'UNBLOCK', 'x'], ['CLIENT', 'UNBLOCK', '1', 'maybe'],
      ['CLIENT', 'UNBLOCK', '1', '2', '3'], ['CLIENT', 'REPLY', 'maybe'], ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CLIENT', 'NO-EVICT', 'on'], ['CLIENT', 'NO-EVICT', 'off'], ['CLIENT', 'GETREDIR'],
    ]);
  });

  test('CLIENT ID is monotonic across connections', async () => {
    for (const server of [pair.vellumServer, pair.redisServer]) {
      const a = await server.client();
      const b = await server.client();
      const ida = (await a.call('CLIENT', 'ID')) as number;
      const idb = (await b.call('CLIENT', 'ID')) as number;
      assert.ok(idb > ida, `${idb} > ${ida}`);
      a.close();
      b.close();
    }
  });

  test('CLIENT LIST / INFO: the same fields in the same order', async () => {
    const fields = (line: string) => line.trim().split(' ').map((f) => f.slice(0, f.indexOf('=')));
    const [vl, rl] = await pair.both('CLIENT', 'LIST');
    assert.deepStrictEqual(fields(text(vl).split('\n')[0]!), fields(text(rl).split('\n')[0]!));
    const [vi, ri] = await pair.both('CLIENT', 'INFO');
    assert.deepStrictEqual(fields(text(vi)), fields(text(ri)));
    assert.ok(text(vi).endsWith('\n'));
    assert.match(text(vi), / cmd=client\|info /);
    assert.match(text(vi), / flags=N /);
    const id = await pair.vellum.call('CLIENT', 'ID');
    const [byId] = await pair.both('CLIENT', 'LIST', 'ID', String(id));
    assert.match(text(byId), new RegExp(`^id=${id} `));
    const [vn] = await pair.both('CLIENT', 'LIST', 'TYPE', 'normal');
    assert.ok(text(vn).split('\n').length >= 2);
  });

  test('CLIENT KILL by ID, by ADDR, and the old form', async () => {
    for (const server of [pair.vellumServer, pair.redisServer]) {
      const victim = await server.client();
      const id = await victim.call('CLIENT', 'ID');
      const killer = await server.client();
      assert.equal(await killer.call('CLIENT', 'KILL', 'ID', String(id)), 1);
      await victim.closed;
      const v2 = await server.client();
      const info = text(await v2.call('CLIENT', 'INFO'));
      const addr = /addr=(\S+)/.exec(info)![1]!;
      assert.deepStrictEqual(await killer.call('CLIENT', 'KILL', addr), new Status('OK'));
      await v2.closed;
      // SKIPME yes (the default) spares the caller; the old form does not.
      const me = text(await killer.call('CLIENT', 'INFO'));
      const myAddr = /addr=(\S+)/.exec(me)![1]!;
      assert.equal(await killer.call('CLIENT', 'KILL', 'ADDR', myAddr), 0);
      assert.equal(await killer.call('CLIENT', 'KILL', 'ADDR', myAddr, 'SKIPME', 'no'), 1);
      await killer.closed;
    }
  });

  test('CLIENT REPLY OFF / SKIP / ON', async () => {
    for (const client of [pair.vellum, pair.redis]) {
      const replies = await (async () => {
        client.writeRaw('CLIENT REPLY SKIP\r\nPING one\r\nPING two\r\nCLIENT REPLY OFF\r\nPING three\r\nCLIENT REPLY SKIP\r\nPING four\r\nCLIENT REPLY ON\r\nPING five\r\n');
        return [await client.next(), await client.next(), await client.next()];
      })();
      assert.deepStrictEqual(replies.map((r) => (r as { value?: string }).value ?? r), ['two', 'OK', 'five']);
    }
  });

  test('CLIENT UNBLOCK ends a blocked command as a timeout or an error', async (t) => {
    if (pair.vellumServer.server!.dispatcher.lookup('blpop') === undefined) return t.skip('BLPOP not implemented yet');
    for (const server of [pair.vellumServer, pair.redisServer]) {
      const blocked = await server.client();
      const admin = await server.client();
      const id = await blocked.call('CLIENT', 'ID');
      const waiting = blocked.call('BLPOP', 'nolist', '0');
      await waitUntil(async () => text(await admin.call('CLIENT', 'LIST', 'ID', String(id))).includes('flags=b'));
      assert.equal(await admin.call('CLIENT', 'UNBLOCK', String(id)), 1);
      assert.equal(await waiting, null);
      const again = blocked.call('BLPOP', 'nolist', '0');
      await waitUntil(async () => text(await admin.call('CLIENT', 'LIST', 'ID', String(id))).includes('flags=b'));
      assert.equal(await admin.call('CLIENT', 'UNBLOCK', String(id), 'ERROR'), 1);
      assert.deepStrictEqual(await again, new ErrorReply('UNBLOCKED client unblocked via CLIENT UNBLOCK'));
      assert.equal(await admin.call('CLIENT', 'UNBLOCK', String(id)), 0);
      blocked.close();
      admin.close();
    }
  });

  test('RESET restores the connection state', async () => {
    await pair.sequence([['CLIENT', 'SETNAME', 'x'], ['SELECT', '3'], ['MULTI'], ['RESET'], ['CLIENT', 'GETNAME'], ['EXEC']]);
    assert.match(text(await pair.vellum.call('CLIENT', 'INFO')), / db=0 /);
    const [v, r] = await pair.both('HELLO', '3');
    assert.deepStrictEqual(helloShape(v), helloShape(r));
    await pair.same('RESET');
    const [v2, r2] = await pair.both('HELLO');
    assert.deepStrictEqual(helloShape(v2), helloShape(r2));
  });

  test('TIME and ROLE', async () => {
    const [vt, rt] = await pair.both('TIME');
    assert.ok(Array.isArray(vt) && vt.length === 2 && typeof vt[0] === 'string' && typeof vt[1] === 'string');
    assert.ok(Math.abs(Number(vt[0]) - Number((rt as string[])[0])) <= 2);
    assert.ok(Number(vt[1]) >= 0 && Number(vt[1]) < 1e6);
    await pair.same('ROLE');
    await pair.same('TIME', 'x');
    await pair.same('ROLE', 'x');
  });

  test('COMMAND subcommands: errors, GETKEYS, COUNT, LIST filters', async () => {
    await pair.sequence([
      ['COMMAND', 'GETKEYS'], ['COMMAND', 'GETKEYS', 'get'], ['COMMAND', 'GETKEYS', 'set', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'get', 'a', 'b'], ['COMMAND', 'GETKEYS', 'nosuch', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'ping', 'x'], ['COMMAND', 'COUNT', 'x'], ['COMMAND', 'NOSUCH'],
      ['COMMAND', 'LIST', 'FILTERBY'], ['COMMAND', 'LIST', 'FILTERBY', 'foo', 'x'], ['COMMAND', 'LIST', 'foo'],
      ['COMMAND', 'LIST', 'FILTERBY', 'module', 'x'], ['COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'nosuch'],
      ['COMMAND', 'DOCS', 'nosuch-command'], ['COMMAND', 'HELP'], ['CONFIG', 'HELP'],
    ]);
    // Key specs are derived from the table (see admin.ts): compare up to the ACL categories.
    for (const args of [['get', 'nosuch-command'], ['config|get', 'client|list'], ['CONFIG|GET']]) {
      const [vi, ri] = await pair.both('COMMAND', 'INFO', ...args);
      const head = (r: Reply) => (r as Reply[]).map((e) => (e === null ? null : (e as Reply[]).slice(0, 7)));
      assert.deepStrictEqual(head(vi), head(ri), args.join(' '));
    }
    const count = (await pair.vellum.call('COMMAND', 'COUNT')) as number;
    const all = (await pair.vellum.call('COMMAND')) as Reply[];
    assert.equal(all.length, count);
    const list = (await pair.vellum.call('COMMAND', 'LIST')) as string[];
    assert.ok(list.includes('get') && list.includes('client|list'));
    // Filters select the same commands among those Vellum has.
    for (const filter of [['pattern', 'cl*'], ['PATTERN', '*|*'], ['aclcat', 'connection'], ['ACLCAT', 'Admin']]) {
      const [vp, rp] = await pair.both('COMMAND', 'LIST', 'FILTERBY', ...filter);
      const expected = (rp as string[]).filter((n) => list.includes(n)).sort();
      assert.deepStrictEqual([...(vp as string[])].sort(), expected, filter.join(' '));
    }
    const [vc] = await pair.both('COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'connection');
    assert.ok((vc as string[]).includes('hello'));
    const docs = await pair.vellum.call('COMMAND', 'DOCS', 'get');
    assert.deepStrictEqual(docs, ['get', ['group', 'string']]);
  });
});

describe('requirepass and AUTH', { skip: redisSkip }, () => {
  let vellum: RunningServer;
  let redis: RunningServer;
  before(async () => {
    [vellum, redis] = await Promise.all([startVellum({ requirepass: 's3cret' }), startRedis(['--requirepass', 's3cret'])]);
  });
  after(async () => { await Promise.all([vellum.stop(), redis.stop()]); });

  test('NOAUTH, WRONGPASS, AUTH, HELLO AUTH, RESET deauthenticates', async () => {
    const script: string[][] = [
      ['GET', 'x'], ['PING'], ['HELLO', '3'], ['HELLO', '2', 'AUTH', 'default', 'wrong'], ['AUTH', 'wrong'],
      ['AUTH', 'other', 's3cret'], ['GET', 'x'], ['AUTH', 's3cret'], ['GET', 'x'], ['RESET'], ['GET', 'x'],
      ['AUTH', 'default', 's3cret'], ['RESET'], ['HELLO', '2', 'AUTH', 'default', 's3cret', 'SETNAME', 'n'],
      ['CLIENT', 'GETNAME'], ['AUTH', 's3cret'],
    ];
    const [v, r] = [await vellum.client(), await redis.client()];
    for (const cmd of script) {
      const [a, b] = [await v.call(...cmd), await r.call(...cmd)];
      if (cmd[0] === 'HELLO' && !(b instanceof ErrorReply)) assert.deepStrictEqual(helloShape(a), helloShape(b));
      else assert.deepStrictEqual(a, b, cmd.join(' '));
    }
  });

  test('ioredis connects with a password, in RESP2 and RESP3', async () => {
    for (const protocol of [2, 3] as const) {
      const client = new Redis({ port: vellum.port, host: '127.0.0.1', password: 's3cret', lazyConnect: true, ...(protocol === 3 ? { protocol } : {}) } as never);
      await client.connect();
      assert.equal(await client.ping(), 'PONG');
      assert.equal(await client.call('CLIENT', 'GETNAME'), null);
      client.disconnect();
    }
    const bad = new Redis({ port: vellum.port, host: '127.0.0.1', password: 'nope', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const seen: string[] = [];
    bad.on('error', (err: Error) => seen.push(err.message));
    await assert.rejects(bad.connect());
    assert.ok(seen.some((m) => m.startsWith('WRONGPASS')), seen.join('; '));
    bad.disconnect();
  });

  test('CONFIG SET requirepass "" lets unauthenticated clients in', async () => {
    const fresh = await vellum.client();
    assert.ok((await fresh.call('PING')) instanceof ErrorReply);
    const admin = await vellum.client();
    await admin.call('AUTH', 's3cret');
    await admin.call('CONFIG', 'SET', 'requirepass', '');
    assert.deepStrictEqual(await fresh.call('PING'), (await admin.call('PING')));
    await admin.call('CONFIG', 'SET', 'requirepass', 's3cret');
  });
});

async function waitUntil(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}
