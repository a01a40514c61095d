/**
 * RDB snapshots (issue 4) against real redis-server in the same run (style.md U8, P6): SAVE
 * time, start-up load time and dump.rdb size, each beside Redis's and as a ratio.
 *
 * Data: N keys `SET key:<i> <16-byte value>` and, with --collections, N/10 each of small
 * hashes, sets, sorted sets and lists of 10 elements (listpack/plain-member encodings in
 * Redis), loaded into both servers with redis-cli --pipe; default config on both
 * (rdbcompression and rdbchecksum yes), no save points.
 * 1. SAVE: the wall time of the SAVE command, from send to reply over one connection, each
 *    server in turn, alternating which goes first, median of the rounds.
 * 2. Size of the dump.rdb each wrote.
 * 3. Start-up: both servers are killed and restarted, one at a time, on their own dump.rdb;
 *    the time is spawn to the "Ready to accept connections" line both log. A Node process
 *    spends some 100 ms booting before it reads a byte, so an empty start (fresh dir) of
 *    each is timed as well and the net load (loaded − empty) is the figure with the target;
 *    the "DB loaded from disk: <s> seconds" line both servers log is shown beside it.
 * Keys are counted after each load (DBSIZE), so a load that lost data yields no figures.
 *
 * Targets (issue 4): SAVE ≤ 1.5×, start-up load ≤ 1.5×, file size within 5%.
 *
 *   npm run bench:rdb -- [--cases save,load] [--keys 1000000] [--collections] [--rounds 3]
 */

import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RespClient, Status } from '../test/helpers/resp-client.js';
import {
  alternate, checkDbsize, collectionCommand, fmt, parseFlags, pipe, respStream, sleep, startPair, startServer, stopServer,
  Table, value16, type CollectionKind, type Figures, type ServerName, type ServerProcess,
} from './lib.js';

interface Options {
  cases: string[];
  keys: number;
  collections: boolean;
  rounds: number;
}

const SAVE_TARGET = 1.5;
const LOAD_TARGET = 1.5;
const SIZE_WITHIN = 0.05;
const KINDS: readonly CollectionKind[] = ['hash', 'set', 'zset', 'list'];
const ELEMENTS = 10;

function parseOptions(argv: string[]): Options {
  return parseFlags<Options>(
    argv,
    { cases: ['save', 'load'], keys: 1_000_000, collections: false, rounds: 3 },
    { '--cases': 'cases', '--keys': 'keys', '--collections': 'collections', '--rounds': 'rounds' },
    ['save', 'load'],
  );
}

/** The keys, then (with --collections) keys/10 collections of each kind; [stream, commands]. */
function dataset(o: Options): [Buffer, number] {
  const per = o.collections ? Math.floor(o.keys / 10) : 0;
  const commands = o.keys + per * KINDS.length;
  const stream = respStream(commands, (i) => {
    if (i < o.keys) return ['SET', `key:${i}`, value16(i)];
    const c = i - o.keys;
    return collectionCommand(KINDS[Math.floor(c / per)]!, c % per, ELEMENTS);
  });
  return [stream, commands];
}

interface Saver {
  readonly name: ServerName;
  readonly client: RespClient;
}

/** Milliseconds from sending SAVE to its +OK. */
async function timeSave(s: Saver): Promise<Figures> {
  const t0 = performance.now();
  const reply = await s.client.call('SAVE');
  const ms = performance.now() - t0;
  if (!(reply instanceof Status) || reply.value !== 'OK') throw new Error(`${s.name}: SAVE: ${JSON.stringify(reply)}`);
  return { ms };
}

/** The seconds of the "DB loaded from disk: <s> seconds" log line, in ms. */
function loggedLoadMs(p: ServerProcess): number {
  const m = /DB loaded from disk: ([\d.]+) seconds/.exec(p.startLog);
  if (m === null) throw new Error(`${p.name} logged no "DB loaded from disk" line:\n${p.startLog}`);
  return Number(m[1]) * 1000;
}

/**
 * Load the dataset into both, time SAVE and read the file sizes; the servers are stopped
 * with their dirs (and dump.rdb) kept, unless this failed. Returns the dirs.
 */
async function saveCase(o: Options, stream: Buffer, commands: number, table: Table): Promise<Record<ServerName, string>> {
  const pair = await startPair();
  const savers: Saver[] = [];
  let saved = false;
  try {
    for (const p of pair) {
      await pipe(p, stream, commands);
      await checkDbsize(p, commands);
      process.stderr.write(`${p.name}: ${commands} keys loaded\n`);
    }
    await sleep(1000); // let Node's heap settle after the load
    for (const p of pair) savers.push({ name: p.name, client: await RespClient.connect(p.port) });
    const m = await alternate(o.cases.includes('save') ? o.rounds : 1, [savers[0]!, savers[1]!], 'SAVE', timeSave);
    if (o.cases.includes('save')) table.compare('SAVE ms', m.redis['ms']!, m.vellum['ms']!, (n) => n.toFixed(0), { atMost: SAVE_TARGET });
    const size = (p: ServerProcess): number => statSync(join(p.dir, 'dump.rdb')).size;
    table.compare('dump.rdb bytes', size(pair[0]), size(pair[1]), fmt, { within: SIZE_WITHIN });
    saved = true;
    return { redis: pair[0].dir, vellum: pair[1].dir };
  } finally {
    for (const s of savers) s.client.close();
    await Promise.all(pair.map((p) => stopServer(p, saved)));
  }
}

/** Start-up times: empty, and on the saved file, one server at a time. */
async function loadCase(o: Options, dirs: Record<ServerName, string>, commands: number, table: Table): Promise<void> {
  const names: readonly [{ name: ServerName }, { name: ServerName }] = [{ name: 'redis' }, { name: 'vellum' }];
  const empty = await alternate(o.rounds, names, 'empty start', async (s) => {
    const p = await startServer(s.name);
    await stopServer(p);
    return { ms: p.readyMs };
  });
  const loaded = await alternate(o.rounds, names, 'start-up load', async (s) => {
    const p = await startServer(s.name, dirs[s.name]);
    try {
      await checkDbsize(p, commands);
      return { ms: p.readyMs, logged: loggedLoadMs(p) };
    } finally {
      await stopServer(p, true);
    }
  });
  const ms = (n: number): string => n.toFixed(0);
  table.compare('start-up, empty ms', empty.redis['ms']!, empty.vellum['ms']!, ms);
  table.compare('start-up, loading ms', loaded.redis['ms']!, loaded.vellum['ms']!, ms);
  table.compare('  net load ms', loaded.redis['ms']! - empty.redis['ms']!, loaded.vellum['ms']! - empty.vellum['ms']!, ms, { atMost: LOAD_TARGET });
  table.compare('  logged load ms', loaded.redis['logged']!, loaded.vellum['logged']!, ms);
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const [stream, commands] = dataset(o);
  const table = new Table([22, 12, 12, 7, 7], ['case', 'redis', 'vellum', 'ratio', 'target']);
  const dirs = await saveCase(o, stream, commands, table);
  try {
    if (o.cases.includes('load')) await loadCase(o, dirs, commands, table);
  } finally {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
  const what = o.collections ? `${o.keys} string keys + ${Math.floor(o.keys / 10)} each of ${KINDS.join(', ')} (${ELEMENTS} elements)` : `${o.keys} string keys`;
  process.stdout.write(`\n${what}; median of ${o.rounds} round(s)\n`);
  process.stdout.write(table.toString());
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
