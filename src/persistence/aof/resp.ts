/**
 * RESP as the AOF stores it: a command is `*<argc>\r\n` then `$<len>\r\n<bytes>\r\n` per
 * argument, always canonical (redis-check-aof is strict even where the loader is not).
 * Strings are latin1, one char per byte, so the text is built as a string and turned into
 * bytes once per write.
 *
 * Also here: the RESP form of a whole dataset, Redis's rewriteAppendOnlyFileRio for
 * `aof-use-rdb-preamble no` (persistence-spec.md §3.5): per non-empty db a SELECT, per key
 * SET / RPUSH / SADD / ZADD / HMSET batched by 64 elements, then PEXPIREAT for a deadline.
 */

import type { Keyspace } from '../../store/keyspace.js';
import type { CollectionValue } from '../../store/value.js';
import { listpackScore } from '../rdb/writer.js';
import { formatG } from '../../util/numbers.js';

/** Elements per command in a RESP rewrite (Redis's AOF_REWRITE_ITEMS_PER_CMD). */
const ITEMS_PER_CMD = 64;

export function respCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    s += '$' + a.length + '\r\n' + a + '\r\n';
  }
  return s;
}

/** `#TS:<unix-seconds>\r\n`, the annotation of aof-timestamp-enabled. */
export function tsAnnotation(sec: number): string {
  return `#TS:${sec}\r\n`;
}

interface Iter<T> { [Symbol.iterator](): Iterator<T> }

/**
 * Emit the dataset as RESP commands to `out`, in chunks of roughly 64 KiB of text.
 * `timestampSec` ≥ 0 writes a leading #TS annotation, as Redis does with timestamps on.
 */
export function writeRespDataset(keyspace: Keyspace, out: (chunk: string) => void, timestampSec: number): void {
  let buf = timestampSec >= 0 ? tsAnnotation(timestampSec) : '';
  const emit = (argv: readonly string[]) => {
    buf += respCommand(argv);
    if (buf.length >= 65536) {
      out(buf);
      buf = '';
    }
  };
  for (const db of keyspace.dbs) {
    if (db.size === 0) continue;
    emit(['SELECT', String(db.id)]);
    for (const slot of db.slots) {
      if (slot === undefined) continue;
      for (const [key, value] of slot.keys) {
        if (typeof value === 'string') {
          emit(['SET', key, value]);
        } else {
          emitCollection(key, value, emit);
        }
        const at = slot.expires === null ? undefined : slot.expires.get(key);
        if (at !== undefined) emit(['PEXPIREAT', key, String(at)]);
      }
    }
  }
  if (buf.length > 0) out(buf);
}

function emitCollection(key: string, v: CollectionValue, emit: (argv: readonly string[]) => void): void {
  const batched = (cmd: string, items: Iter<string[]>) => {
    let argv: string[] = [cmd, key];
    let n = 0;
    for (const item of items) {
      for (const x of item) argv.push(x);
      if (++n === ITEMS_PER_CMD) {
        emit(argv);
        argv = [cmd, key];
        n = 0;
      }
    }
    if (n > 0) emit(argv);
  };
  switch (v.type) {
    case 'list':
      return batched('RPUSH', map((v as unknown as { values(): Iter<string> }).values(), (x) => [x]));
    case 'set':
      return batched('SADD', map((v as unknown as { values(): Iter<string> }).values(), (x) => [x]));
    case 'hash':
      return batched('HMSET', map((v as unknown as { entries(): Iter<[string, string]> }).entries(), ([f, x]) => [f, x]));
    case 'zset': {
      // Redis writes a listpack's stored text and a skiplist's %.17g.
      const lp = v.encoding() === 'listpack';
      const score = (d: number) => (lp || !Number.isFinite(d) ? listpackScore(d) : formatG(d, 17));
      return batched('ZADD', map((v as unknown as { entries(): Iter<readonly [string, number]> }).entries(), ([m, d]) => [score(d), m]));
    }
    default:
      throw new Error(`cannot rewrite a ${v.type} value to the AOF`);
  }
}

function* map<T, U>(it: Iter<T>, f: (x: T) => U): Generator<U> {
  for (const x of it) yield f(x);
}
