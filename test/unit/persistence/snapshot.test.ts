/**
 * The forkless snapshot engine on bytes alone: the image is exactly the dataset at the
 * instant T the snapshot started, whatever happens in between (fast-check over random
 * datasets in several databases and random writes of every kind interleaved with
 * slices); big collections streamed across slices and changed element by element while
 * they are (field-level copy-on-write: existing elements changed, removed, moved by a
 * removal, tables grown mid-scan); streams, small ones with a clone() pre-image and big
 * ones streamed, under every in-place edit their commands make (appends, XDEL, exact and
 * approximate trims, groups created, moved, destroyed, PELs read, acked, claimed, XSETID),
 * and under the real commands of an in-process server between slices; cancel; the hook
 * comes and goes.
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startSnapshot, type SnapshotSink } from '../../../src/persistence/snapshot/engine.js';
import { parseRdb, RdbReader, type ValueBuilder } from '../../../src/persistence/rdb/reader.js';
import { Keyspace } from '../../../src/store/keyspace.js';
import type { Db } from '../../../src/store/db.js';
import type { Value } from '../../../src/store/value.js';
import { ListValue } from '../../../src/store/list.js';
import { SetValue } from '../../../src/store/set.js';
import { HashValue } from '../../../src/store/hash.js';
import { ZSetValue } from '../../../src/store/zset.js';
import { startVellum, type RunningServer } from '../../helpers/servers.js';
import { ErrorReply, type Arg } from '../../helpers/resp-client.js';
import {
  STREAM_ID_MIN, StreamNack, StreamValue, streamIdFromParts, streamIdIncr, type StreamConsumer, type StreamGroup,
  type StreamImage,
} from '../../../src/store/stream.js';

const HASH = { maxListpackEntries: 4, maxListpackValue: 64 };
const ZSET = { maxListpackEntries: 4, maxListpackValue: 64 };
const SET = { maxIntsetEntries: 4 };
const NOW = 1_700_000_000_000;
/** Small nodes, so streams span several and trimming has whole nodes to drop. */
const STREAM = { maxBytes: 4096, maxEntries: 3 };

export class MemorySink implements SnapshotSink {
  readonly chunks: Buffer[] = [];
  bufferedBytes = 0;
  ended = false;
  aborted = false;
  write(chunk: Uint8Array): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }
  onDrain(resume: () => void): void {
    resume();
  }
  end(): Promise<void> {
    this.ended = true;
    return Promise.resolve();
  }
  abort(): void {
    this.aborted = true;
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

type Plain = string | { list: string[] } | { set: string[] } | { hash: string[][] } | { zset: [string, number][] } | { stream: StreamImage };

/** Values as comparable data, whatever the encoding. */
const plainBuilder: ValueBuilder<Plain> = {
  string: (s) => s,
  list: (items) => ({ list: items }),
  set: (members) => ({ set: [...members].sort() }),
  hash: (pairs) => ({ hash: [...pairs].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)) }),
  zset: (entries) => ({ zset: [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1)) }),
  stream: (image) => ({ stream: image }),
};

function plainOf(v: Value): Plain {
  if (typeof v === 'string') return v;
  switch (v.type) {
    case 'list': return plainBuilder.list((v as ListValue).toArray());
    case 'set': return plainBuilder.set((v as SetValue).toArray());
    case 'hash': return plainBuilder.hash([...(v as HashValue).entries()]);
    case 'stream': return plainBuilder.stream((v as StreamValue).toImage());
    default: return plainBuilder.zset([...(v as ZSetValue).entries()]);
  }
}

type Dataset = Map<string, { value: Plain; expireAt: number }>[];

/** The deep copy taken at T: every key of every database, expired or not. */
export function capture(ks: Keyspace): Dataset {
  return ks.dbs.map((db) => {
    const out = new Map<string, { value: Plain; expireAt: number }>();
    for (const slot of db.slots) {
      if (slot === undefined) continue;
      slot.forEach((k, v) => out.set(k, { value: plainOf(v), expireAt: slot.expires?.get(k) ?? -1 }));
    }
    return out;
  });
}

export function load(bytes: Buffer, databases: number): Dataset {
  const out: Dataset = Array.from({ length: databases }, () => new Map());
  parseRdb(new RdbReader(bytes), {
    builder: plainBuilder,
    key(db, key, value, expireAt) {
      assert.ok(!out[db]!.has(key), `duplicate key ${key} in db ${db}`);
      out[db]!.set(key, { value: value!, expireAt });
    },
  });
  return out;
}

function makeCollection(kind: number, n: number, seed: number): Value {
  const items = Array.from({ length: n }, (_, i) => (seed % 2 === 0 ? String(i * 7 + seed) : `m${i}-${seed}`));
  switch (kind % 5) {
    case 4: return makeStream(n, seed);
    case 0: return ListValue.fromArray(items);
    case 1: return SetValue.fromValues(items, SET);
    case 2: return HashValue.fromEntries(items.map((m, i) => [m, `v${i}`]), HASH);
    default: return ZSetValue.fromEntries(items.map((m, i) => [m, i * 1.5 - seed]), ZSET);
  }
}

/** A stream of n entries (field sets alternate); with a group, a PEL and an idle consumer when the seed is even. */
function makeStream(n: number, seed: number): StreamValue {
  const s = new StreamValue();
  for (let i = 0; i < n; i++) s.append(streamIdFromParts(BigInt(seed), BigInt(i)), i % 2 === 0 ? ['f', String(i)] : ['f', 'x', 'g', `v${seed}`], STREAM);
  if (seed % 2 === 0) {
    const g = s.createGroup('g', s.lastId, BigInt(n))!;
    const alice = g.createConsumer('alice', NOW - seed)!;
    g.createConsumer('bob', NOW);
    for (let i = 0; i < n; i += 3) deliver(g, alice, streamIdFromParts(BigInt(seed), BigInt(i)), seed);
  }
  return s;
}

/** XREADGROUP's bookkeeping for one entry: pending in the group and its consumer. */
function deliver(g: StreamGroup, consumer: StreamConsumer, id: string, c: number): void {
  const nack = new StreamNack(NOW + c, 1 + (c % 3), consumer);
  g.pel.set(id, nack);
  consumer.pel.set(id, nack);
}

/** Stream edits, each what a command does to the value in place (streams.ts). */
const STREAM_EDITS = 14;

/**
 * Stream edit `op` (0 ≤ op < STREAM_EDITS) as its command does it: 0 XADD, 1 XADD with an
 * exact MAXLEN trim, 2 XDEL, 3 XTRIM MAXLEN =, 4 XTRIM MINID =, 5 XTRIM MAXLEN ~, 6 XGROUP
 * CREATE, 7 XGROUP SETID, 8 XGROUP DESTROY, 9 XREADGROUP, 10 XACK, 11 XCLAIM, 12 XSETID,
 * 13 XGROUP CREATECONSUMER / DELCONSUMER.
 */
function editStream(s: StreamValue, op: number, c: number): void {
  const ids: string[] = [];
  for (const node of s.nodes) for (let i = 0; i < node.ids.length; i++) if (node.entries[i] !== null) ids.push(node.ids[i]!);
  const pickId = (k: number) => (ids.length === 0 ? s.lastId : ids[k % ids.length]!);
  const g = s.group(`g${c % 2}`);
  switch (op) {
    case 0:
    case 1:
      s.append(streamIdIncr(s.lastId)!, c % 2 === 0 ? ['f', `y${c}`] : ['h', String(c)], STREAM);
      if (op === 1) s.trim(true, Math.max(0, s.length - 1 - (c % 4)), STREAM_ID_MIN, false, 0);
      break;
    case 2: s.deleteEntries([pickId(c), pickId(c * 7 + 1), pickId(c * 13 + 2)]); break;
    case 3: s.trim(true, c % (s.length + 1), STREAM_ID_MIN, false, 0); break;
    case 4: s.trim(false, 0, pickId(c % 5), false, 0); break;
    case 5: s.trim(true, c % (s.length + 1), STREAM_ID_MIN, true, 0); break;
    case 6: s.createGroup(`g${c % 2}`, c % 3 === 0 ? s.lastId : STREAM_ID_MIN, c % 3 === 0 ? s.entriesAdded : 0n); break;
    case 7: if (g !== undefined) { g.lastId = pickId(c); g.entriesRead = BigInt(c % 9); } break;
    case 8: if (g !== undefined) s.groups!.delete(g.name); break;
    case 9: { // XREADGROUP GROUP g cN COUNT 3 STREAMS key > (after XGROUP CREATE if need be)
      const grp = g ?? s.createGroup(`g${c % 2}`, STREAM_ID_MIN, 0n)!;
      const who = grp.consumers.get(`c${c % 3}`) ?? grp.createConsumer(`c${c % 3}`, NOW + c)!;
      who.seenTime = NOW + c;
      for (const id of ids.filter((x) => x > grp.lastId).slice(0, 3)) {
        if (grp.pel.has(id)) grp.ack(id); // pending already (SETID went back): it changes owner
        deliver(grp, who, id, c);
        grp.lastId = id;
        grp.entriesRead = grp.entriesRead < 0n ? -1n : grp.entriesRead + 1n;
      }
      break;
    }
    case 10: if (g !== undefined && g.pel.size > 0) g.ack([...g.pel.entries()][c % g.pel.size]![0]); break;
    case 11: { // XCLAIM key g cN 0 id: the entry changes owner, time and count
      if (g === undefined || g.pel.size === 0) break;
      const [id, nack] = [...g.pel.entries()][c % g.pel.size]!;
      const to = g.consumers.get(`c${c % 3}`) ?? g.createConsumer(`c${c % 3}`, NOW + c)!;
      nack.consumer!.pel.delete(id);
      to.pel.set(id, nack);
      nack.consumer = to;
      nack.deliveryTime = NOW + 2 * c;
      nack.deliveryCount++;
      break;
    }
    case 12: { // XSETID key id ENTRIESADDED n MAXDELETEDID id, with an ID past the last
      const id = streamIdFromParts(BigInt(1000 + c), 7n);
      if (id <= s.lastId) break;
      s.lastId = id;
      s.entriesAdded += BigInt(c % 5);
      if (c % 2 === 0) s.maxDeletedId = streamIdFromParts(BigInt(999 + c), 0n);
      break;
    }
    default: {
      if (g === undefined) break;
      const who = g.consumers.get(`c${c % 3}`);
      if (who === undefined) g.createConsumer(`c${c % 3}`, NOW + c);
      else g.deleteConsumer(who);
    }
  }
}

const DBS = 3;
const key = (n: number) => `k${n % 24}${n % 3 === 0 ? '{t}' : ''}`;

/** Rename within or across databases (RENAME, MOVE), as the commands do it through the Db API. */
function moveKey(from: Db, src: string, to: Db, dst: string): void {
  const v = from.lookupWrite(src);
  if (v === undefined || (from === to && src === dst)) return;
  const when = from.getExpire(src);
  from.delete(src);
  if (to.has(dst)) to.delete(dst);
  to.setKey(dst, v);
  if (when >= 0) to.setExpire(dst, when);
}

/** The i-th element (mod size) of a collection, in its own iteration order. */
function pick(v: Value, i: number): string {
  const all = v instanceof ListValue ? v.toArray()
    : v instanceof SetValue ? v.toArray()
    : v instanceof HashValue ? [...v.entries()].map((e) => e[0])
    : [...(v as ZSetValue).entries()].map((e) => e[0]);
  return all[i % all.length]!;
}

/**
 * In-place edits of existing elements, as HSET/SREM/ZADD/LSET/LREM/LINSERT/ZREMRANGEBYRANK/
 * LTRIM do them: the element-level copy-on-write paths of big collections.
 */
function editElements(db: Db, k: string, kind: number, c: number): void {
  const v = db.lookupWrite(k);
  if (v === undefined || typeof v === 'string') return;
  if (v instanceof StreamValue) {
    editStream(v, kind === 0 ? 0 : kind === 1 ? 1 + (c % 5) : 6 + (c % (STREAM_EDITS - 6)), c);
    db.signalModified(k); // an empty stream stays, as in Redis
    return;
  }
  if (v instanceof HashValue) {
    if (kind === 0) v.set(pick(v, c), `w${c}`, HASH);
    else if (kind === 1) for (let j = c % 100; j >= 0 && v.size > 1; j--) v.delete(pick(v, c + j)); // HDEL of many: shrinks
    else for (let j = 0; j < 25; j++) v.set(`g${c}-${j}`, 'n', HASH); // grows the table mid-scan
  } else if (v instanceof SetValue) {
    if (kind === 0) v.remove(pick(v, c)); // moves the last member into the hole
    else if (kind === 1) v.remove(pick(v, c * 7 + 3));
    else for (let j = 0; j < 25; j++) v.add(`g${c}-${j}`, SET);
  } else if (v instanceof ZSetValue) {
    if (kind === 0) v.add(pick(v, c), c / 7, ZSET);
    else if (kind === 1) v.remove(pick(v, c));
    else if (c % 2 === 0) for (let j = 0; j < 25; j++) v.add(`g${c}-${j}`, j, ZSET);
    else v.removeRange(0, Math.min(v.size - 1, c % 5));
  } else {
    const l = v as ListValue;
    if (kind === 0) l.set(c % l.length, `w${c}`);
    else if (kind === 1) {
      if (c % 3 === 0) l.removeEqual(pick(l, c), 0, c % 2 === 0);
      else if (c % 3 === 1) l.insertAt(c % l.length, `i${c}`);
      else l.trim(c % 3, l.length - 1 - (c % 4));
    } else {
      for (let j = 0; j < 25 && l.length > 1; j++) { // LPUSH, LPOP, RPUSH, RPOP mixed
        const m = (c + j * (1 + (c % 3))) % 4;
        if (m === 0) l.pushHead(`h${j}`);
        else if (m === 1) l.popHead();
        else if (m === 2) l.pushTail(`t${j}`);
        else l.popTail();
      }
    }
  }
  const size = v instanceof ListValue ? v.length : (v as SetValue).size;
  if (size === 0) db.delete(k);
  else db.signalModified(k);
}

/** One random write of any kind. */
function applyOp(ks: Keyspace, op: number[]): void {
  const [code, a, b, c] = op as [number, number, number, number];
  const db = ks.dbs[a % DBS]!;
  const k = key(b);
  switch (code % 22) {
    case 0: db.setKey(k, `s${c}`); break;
    case 1: db.setKey(k, makeCollection(c, c % 12 || (c % 5 === 4 ? 0 : 1), b)); break; // never an empty list, set, hash or zset: no key holds one (a stream may be empty)
    case 2: { // in-place edit of whatever is there
      const v = db.lookupWrite(k);
      if (v === undefined || typeof v === 'string') break;
      if (v.type === 'stream') editStream(v as StreamValue, 0, c);
      else if (v.type === 'list') (v as ListValue).pushTail(`x${c}`);
      else if (v.type === 'set') (v as SetValue).add(String(c), SET);
      else if (v.type === 'hash') (v as HashValue).set(`f${c % 9}`, `y${c}`, HASH);
      else (v as ZSetValue).add(`z${c % 9}`, c, ZSET);
      db.signalModified(k);
      break;
    }
    case 3: { // remove an element in place, deleting the key when empty
      const v = db.lookupWrite(k);
      if (v === undefined || typeof v === 'string') break;
      let empty = false;
      if (v.type === 'stream') editStream(v as StreamValue, 1 + (c % 5), c);
      else if (v.type === 'set') empty = ((v as SetValue).remove(String(c)), (v as SetValue).size === 0);
      else if (v.type === 'hash') empty = ((v as HashValue).delete(`f${c % 9}`), (v as HashValue).size === 0);
      else if (v.type === 'list') empty = ((v as ListValue).length > 0 && (v as ListValue).popHead(), (v as ListValue).length === 0);
      else empty = ((v as ZSetValue).remove(`z${c % 9}`), (v as ZSetValue).size === 0);
      if (empty) db.delete(k);
      else db.signalModified(k);
      break;
    }
    case 4: if (db.has(k)) db.delete(k); break;
    case 5: if (db.has(k)) db.setExpire(k, NOW + 1000 + c); break;
    case 6: if (db.has(k)) db.removeExpire(k); break;
    case 7: if (db.has(k)) { db.setExpire(k, NOW - 1); db.has(k); } break; // expires lazily: removeExpired
    case 8: moveKey(db, k, db, key(c)); break; // RENAME
    case 9: moveKey(db, k, ks.dbs[c % DBS]!, k); break; // MOVE
    case 10: { // COPY
      const v = db.lookupRead(k);
      const to = ks.dbs[c % DBS]!;
      if (v === undefined || to.has(key(c))) break;
      to.setKey(key(c), typeof v === 'string' ? v : v.clone());
      break;
    }
    case 11: if (c % 4 === 0) db.flush(); break;
    case 12: if (c % 4 === 0) ks.flushAll(); break;
    case 13: if (a % DBS !== c % DBS) ks.swap(db, ks.dbs[c % DBS]!); break;
    case 14: db.setKey(k, makeCollection(2 + (c % 2) * 1, 30 + (c % 20), b)); break; // big hash or zset
    case 15:
    case 19:
    case 20: { // any stream command on one of the db's streams, or a new big one
      const streams: string[] = [];
      for (const slot of db.slots) slot?.forEach((sk, v) => v instanceof StreamValue && streams.push(sk));
      if (streams.length === 0 || c % 10 === 0) {
        if (!db.has(k)) db.setKey(k, makeStream(9 + (c % 30), b));
        break;
      }
      const sk = streams[b % streams.length]!;
      const v = db.lookupWrite(sk); // undefined when it has just expired
      if (v === undefined) break;
      editStream(v as StreamValue, c % STREAM_EDITS, c);
      db.signalModified(sk);
      break;
    }
    case 16: editElements(db, k, 0, c); break;
    case 17: editElements(db, k, 1, c); break;
    case 18: editElements(db, k, 2, c); break;
    default: ks.activeExpireCycle(1); ks.now += c % 3; break; // time passes, active expiry
  }
}

function populate(ks: Keyspace, seeds: number[][]): void {
  for (const [a, b, c, d] of seeds as [number, number, number, number][]) {
    const db = ks.dbs[a % DBS]!;
    const k = key(b);
    db.setKey(k, d % 3 === 0 ? `v${c}` : makeCollection(d, 1 + (c % 40), c));
    if (c % 5 === 0) db.setExpire(k, NOW + c);
    else if (c % 11 === 1) db.setExpire(k, NOW - c); // already past its deadline at T
  }
}

const quad = fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.nat(1000));

describe('snapshot engine: point in time', () => {
  it('the image equals the dataset at T, whatever is written meanwhile', () => {
    fc.assert(
      fc.property(fc.array(quad, { maxLength: 60 }), fc.array(quad, { maxLength: 80 }), fc.nat(5), (seeds, ops, grain) => {
        const ks = new Keyspace(DBS);
        ks.now = NOW;
        populate(ks, seeds);
        const atT = capture(ks);
        const sink = new MemorySink();
        const snap = startSnapshot(ks, sink, {
          compression: true, listMaxListpackSize: -2, checksum: true, aofBase: false, now: NOW, manual: true,
          bigElements: 8, sliceMs: 1e9,
        });
        let i = 0;
        while (!snap.step(1 + grain)) if (i < ops.length) applyOp(ks, ops[i++]!);
        for (; i < ops.length; i++) applyOp(ks, ops[i]!);
        assert.equal(ks.snapshotHook, null);
        assert.deepStrictEqual(load(sink.bytes, DBS), atT);
      }),
      { numRuns: 300 },
    );
  });

  it('writes one SELECTDB per non-empty database, in order', () => {
    const ks = new Keyspace(4);
    ks.dbs[3]!.setKey('a', '1');
    ks.dbs[1]!.setKey('b', '2');
    const sink = new MemorySink();
    const snap = startSnapshot(ks, sink, {
      compression: true, listMaxListpackSize: -2, checksum: true, aofBase: false, now: NOW, manual: true,
    });
    ks.dbs[3]!.delete('a'); // a pre-image of a later database
    while (!snap.step()) { /* run to the end */ }
    const selects: number[] = [];
    parseRdb(new RdbReader(sink.bytes), { builder: plainBuilder, selectDb: (db) => selects.push(db), key() {} });
    assert.deepStrictEqual(selects, [1, 3]);
  });
});

describe('snapshot engine: large collections', () => {
  it('big collections changed element by element while they are written equal their state at T', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 4, maxLength: 8 }), fc.array(quad, { maxLength: 120 }), fc.nat(7), (sizes, ops, grain) => {
        const ks = new Keyspace(DBS);
        ks.now = NOW;
        // Every kind of big collection, 40..300 elements: hash tables of several buckets.
        sizes.forEach((n, i) => ks.dbs[i % DBS]!.setKey(key(i), makeCollection(i, 40 + (n % 260), n)));
        const atT = capture(ks);
        const sink = new MemorySink();
        const snap = startSnapshot(ks, sink, {
          compression: true, listMaxListpackSize: 4, checksum: true, aofBase: false, now: NOW, manual: true,
          bigElements: 16, sliceMs: 1e9,
        });
        // Spread the writes over the whole walk, so that every collection is edited mid-stream.
        const steps = sizes.reduce((sum, n) => sum + 40 + (n % 260), 0) / (1 + grain);
        const spacing = Math.max(1, Math.floor(steps / Math.max(1, ops.length)));
        let i = 0;
        let step = 0;
        while (!snap.step(1 + grain)) {
          if (i < ops.length && ++step % spacing === 0) {
            const [code, a, b, c] = ops[i++]! as [number, number, number, number];
            // Mostly element edits of the big keys, now and then a key-level change.
            if (code % 8 === 7) applyOp(ks, [code, a, b, c]);
            else editElements(ks.dbs[b % sizes.length % DBS]!, key(b % sizes.length), code % 3, c);
          }
        }
        for (; i < ops.length; i++) applyOp(ks, ops[i]!);
        assert.equal(ks.snapshotHook, null);
        assert.deepStrictEqual(load(sink.bytes, DBS), atT);
      }),
      { numRuns: 200 },
    );
  });

  it('streams a big hash across slices and copies it only when it is about to change', async () => {
    const ks = new Keyspace(1);
    const db = ks.dbs[0]!;
    const pairs: [string, string][] = Array.from({ length: 50_000 }, (_, i) => [`f${i}`, `v${i}`]);
    db.setKey('big', HashValue.fromEntries(pairs, HASH));
    db.setKey('other', 'x');
    const atT = capture(ks);
    const sink = new MemorySink();
    const snap = startSnapshot(ks, sink, {
      compression: true, listMaxListpackSize: -2, checksum: true, aofBase: false, now: NOW, manual: true,
    });
    let steps = 0;
    let edited = false;
    while (!snap.step(1000)) {
      steps++;
      if (steps === 10 && !edited) {
        const h = db.lookupWrite('big') as HashValue;
        for (let i = 0; i < 100; i++) h.delete(`f${i * 3}`);
        h.set('new', 'field', HASH);
        db.signalModified('big');
        edited = true;
      }
    }
    assert.ok(edited && steps > 40, `streamed in ${steps} slices`);
    assert.deepStrictEqual(load(sink.bytes, 1), atT);
  });

  it('streams a big stream across slices, keeping only the entries deleted before it wrote them', () => {
    const ks = new Keyspace(1);
    const db = ks.dbs[0]!;
    const limits = { maxBytes: 4096, maxEntries: 100 };
    const s = new StreamValue();
    for (let i = 1; i <= 20_000; i++) s.append(streamIdFromParts(BigInt(i), 0n), ['f', `v${i}`], limits);
    const g = s.createGroup('g', s.lastId, 20_000n)!;
    deliver(g, g.createConsumer('alice', NOW)!, streamIdFromParts(1n, 0n), 0);
    db.setKey('big', s);
    const atT = capture(ks);
    const sink = new MemorySink();
    const snap = startSnapshot(ks, sink, {
      compression: true, listMaxListpackSize: -2, checksum: true, aofBase: false, now: NOW, manual: true,
    });
    let steps = 0;
    let deleted = 0;
    while (!snap.step(200)) {
      steps++;
      const v = db.lookupWrite('big') as StreamValue;
      if (steps % 10 === 0) {
        // XDEL of entries ahead of and behind the writer, XADD with an exact trim, XACK.
        deleted += v.deleteEntries([streamIdFromParts(BigInt(steps * 97), 0n), streamIdFromParts(BigInt(20_000 - steps), 0n)]);
        v.append(streamIdIncr(v.lastId)!, ['f', 'new'], limits);
        v.trim(true, v.length - 2, STREAM_ID_MIN, false, 0);
        v.group('g')!.ack(streamIdFromParts(1n, 0n));
        db.signalModified('big');
      }
    }
    assert.ok(steps > 100 && deleted > 10, `${steps} slices, ${deleted} deleted`);
    assert.ok(snap.progress.peakExtraBytes < 50_000, `peak extra ${snap.progress.peakExtraBytes} bytes`);
    assert.deepStrictEqual(load(sink.bytes, 1), atT);
  });

  it('a big stream whose last ID goes back (XSETID) and whose deleted IDs come back (XADD) keeps T\'s entries', () => {
    const ks = new Keyspace(1);
    const db = ks.dbs[0]!;
    const s = new StreamValue();
    const at = (ms: number) => streamIdFromParts(BigInt(ms), 0n);
    for (let i = 1; i <= 20; i++) s.append(at(i), ['f', `t${i}`], STREAM);
    s.deleteEntries([at(8)]); // a tombstone at T
    db.setKey('s', s);
    const atT = capture(ks);
    const sink = new MemorySink();
    const snap = startSnapshot(ks, sink, {
      compression: false, listMaxListpackSize: -2, checksum: true, aofBase: false, now: NOW, manual: true, bigElements: 8,
    });
    const v = db.lookupWrite('s') as StreamValue;
    v.deleteEntries(Array.from({ length: 13 }, (_, k) => at(7 + k))); // 7 and 9..19: the top is now 20
    v.deleteEntries([at(20)]);
    v.lastId = at(6); // XSETID 6-0: allowed, 6-0 is the top entry
    for (const ms of [7, 8, 9, 15, 19]) v.append(at(ms), ['f', `new${ms}`], STREAM); // IDs of T again
    v.deleteEntries([at(8), at(9), at(15)]);
    v.trim(false, 0, at(19), false, 0); // XTRIM MINID = 19-0 takes T's 1..6 and the new 7
    db.signalModified('s');
    while (!snap.step(3)) { /* to the end */ }
    assert.deepStrictEqual(load(sink.bytes, 1), atT);
  });

  it('a big hash that halves and doubles its table mid-stream is written once per field', () => {
    for (let at = 1; at < 12; at++) {
      const ks = new Keyspace(1);
      const db = ks.dbs[0]!;
      db.setKey('h', HashValue.fromEntries(Array.from({ length: 120 }, (_, i) => [`f${i}`, `v${i}`]), HASH));
      const atT = capture(ks);
      const sink = new MemorySink();
      const snap = startSnapshot(ks, sink, {
        compression: true, listMaxListpackSize: -2, checksum: true, aofBase: false, now: NOW, manual: true, bigElements: 16,
      });
      for (let s = 0; s < at; s++) snap.step(10); // part of the buckets written
      const h = db.lookupWrite('h') as HashValue;
      for (let i = 0; i < 110; i++) h.delete(`f${(i * 37) % 120}`); // would shrink 8 → 1 buckets
      for (let i = 0; i < 200; i++) h.set(`n${i}`, 'x', HASH); // grows again
      db.signalModified('h');
      while (!snap.step(10)) { /* to the end */ }
      assert.deepStrictEqual(load(sink.bytes, 1), atT, `edited after ${at} steps`);
    }
  });

  it('runs by itself on the event loop and resolves with its figures', async () => {
    const ks = new Keyspace(2);
    for (let i = 0; i < 2000; i++) ks.dbs[i % 2]!.setKey(`key:${i}`, `value:${i}`);
    const atT = capture(ks);
    const sink = new MemorySink();
    const snap = startSnapshot(ks, sink, { compression: true, listMaxListpackSize: -2, checksum: true, aofBase: false, now: NOW });
    assert.equal(snap.progress.keysTotal, 2000);
    ks.dbs[1]!.setKey('key:1', 'changed');
    const result = await snap.done;
    assert.equal(result.keysProcessed, 2000);
    assert.equal(result.bytes, sink.bytes.length);
    assert.ok(sink.ended);
    assert.deepStrictEqual(load(sink.bytes, 2), atT);
  });

  it('cancel removes the hook and aborts the sink', async () => {
    const ks = new Keyspace(1);
    ks.dbs[0]!.setKey('a', 'b');
    const sink = new MemorySink();
    const options = { compression: true, listMaxListpackSize: -2, checksum: true, aofBase: false, now: NOW, manual: true };
    const snap = startSnapshot(ks, sink, options);
    assert.throws(() => startSnapshot(ks, new MemorySink(), options), /already running/);
    snap.cancel('shutdown');
    assert.equal(ks.snapshotHook, null);
    assert.ok(sink.aborted);
    await assert.rejects(snap.done, /shutdown/);
  });
});

/**
 * A stream command of kind `op` (0..16) on stream a or b; `next` is the next XADD ID's ms.
 * Some fail (no such group, ID too small): their reply is an error and nothing changes.
 */
function streamCommand(op: number, c: number, next: number): Arg[] {
  const key = c % 2 === 0 ? 'a' : 'b';
  const group = `g${c % 2}`;
  const consumer = `c${c % 3}`;
  const id = `${1 + (c % 70)}-1`;
  switch (op) {
    case 0: return ['XADD', key, `${next}-1`, 'f', `n${c}`];
    case 1: return ['XADD', key, 'MAXLEN', '=', String(c % 50), `${next}-1`, 'f', `n${c}`, 'h', 'x'];
    case 2: return ['XDEL', key, id, `${1 + ((c * 7) % 70)}-1`];
    case 3: return ['XTRIM', key, 'MAXLEN', '=', String(c % 60)];
    case 4: return ['XTRIM', key, 'MINID', id];
    case 5: return ['XTRIM', key, 'MAXLEN', '~', String(c % 60)];
    case 6: return ['XGROUP', 'CREATE', key, group, c % 3 === 0 ? '$' : '0'];
    case 7: return ['XGROUP', 'SETID', key, group, id, 'ENTRIESREAD', String(c % 9)];
    case 8: return ['XGROUP', 'DESTROY', key, group];
    case 9: return ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', '3', 'STREAMS', key, '>'];
    case 10: return ['XACK', key, group, id, `${1 + ((c * 3) % 70)}-1`];
    case 11: return ['XCLAIM', key, group, consumer, '0', id, `${1 + ((c * 3) % 70)}-1`];
    case 12: return ['XSETID', key, `${next}-0`, 'ENTRIESADDED', '1000', 'MAXDELETEDID', `${next - 1}-0`];
    case 13: return ['XGROUP', c % 4 < 2 ? 'CREATECONSUMER' : 'DELCONSUMER', key, group, consumer];
    case 14: return ['XAUTOCLAIM', key, group, consumer, '0', '0-0', 'COUNT', '4'];
    case 15: return ['DEL', key];
    default: return ['RENAME', key, c % 4 < 2 ? 'moved' : key === 'a' ? 'b' : 'a'];
  }
}

describe('snapshot engine: big streams under stream commands', () => {
  let vellum: RunningServer;
  before(async () => {
    vellum = await startVellum();
  });
  after(async () => {
    await vellum.stop();
  });

  it('the image equals T while XADD, XDEL, XTRIM, XGROUP, XREADGROUP, XACK, XCLAIM, XSETID, DEL run between slices', async () => {
    const c = await vellum.client();
    const ks = vellum.server!.keyspace;
    await c.call('CONFIG', 'SET', 'stream-node-max-entries', '4'); // several nodes: trims drop whole ones
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(16), fc.nat(1000)), { maxLength: 40 }), fc.nat(3), async (ops, grain) => {
        const setup: Arg[][] = [['FLUSHALL']];
        for (let i = 1; i <= 70; i++) setup.push(['XADD', 'a', `${i}-1`, 'f', `v${i}`, ...(i % 3 === 0 ? ['g', 'x'] : [])]);
        for (let i = 1; i <= 40; i++) setup.push(['XADD', 'b', `${i}-1`, 'n', String(i)]);
        setup.push(
          ['XGROUP', 'CREATE', 'a', 'g0', '0'], ['XREADGROUP', 'GROUP', 'g0', 'alice', 'COUNT', '10', 'STREAMS', 'a', '>'],
          ['XGROUP', 'CREATECONSUMER', 'a', 'g0', 'bob'], ['XDEL', 'a', '5-1', '6-1', '20-1'], ['SET', 'other', 'x'],
        );
        for (const r of await c.pipeline(setup)) assert.ok(!(r instanceof ErrorReply), String(r));
        const atT = capture(ks);
        const sink = new MemorySink();
        const snap = startSnapshot(ks, sink, {
          compression: false, listMaxListpackSize: -2, checksum: true, aofBase: false, now: NOW, manual: true,
          bigElements: 8, sliceMs: 1e9, streamNodeMaxEntries: 7,
        });
        let next = 100;
        let i = 0;
        while (!snap.step(1 + grain)) if (i < ops.length) await c.call(...streamCommand(ops[i]![0], ops[i++]![1], next++));
        for (; i < ops.length; i++) await c.call(...streamCommand(ops[i]![0], ops[i]![1], next++));
        assert.deepStrictEqual(load(sink.bytes, ks.dbs.length), atT);
      }),
      { numRuns: 60 },
    );
  });
});
