/**
 * The hash value, in Redis 7.0's two encodings with its conversion rule: a small hash is a
 * "listpack", a big one a "hashtable"; it converts once, when an entry count passes
 * hash-max-listpack-entries or a field or value passes hash-max-listpack-value bytes, and
 * never converts back (t_hash.c, hashTypeTryConversion / hashTypeConvert).
 *
 * Listpack: the whole hash is ONE latin1 string of entries field1 value1 field2 value2…,
 * each a varint length (7 bits a char, high bit = more) followed by its bytes. A V8 string
 * costs a 12–16 byte header, so packing 2N small strings into one is what keeps 100,000
 * ten-field hashes near Redis's RSS (a flat array of strings costs about three times as
 * much). Lookup is a linear scan comparing lengths first and bytes with startsWith, which
 * allocates nothing; a write rebuilds the string (O(N) as Redis's listpack memmove), then
 * flattens it so no rope stays behind.
 *
 * Hashtable: HashTable below, an array of 2^k small Maps chosen by a hash of the field.
 * That one structure gives two things a single Map cannot: no Map ever nears V8's
 * 16,777,216-entry limit, so a hash may hold more; and HSCAN can use Redis's reverse-binary
 * cursor over the buckets (dict.c, dictScan), which returns every field present for the
 * whole scan even when the table doubles or halves between calls. Growing rehashes every
 * entry at once (amortised O(1); Redis spreads it over later operations).
 *
 * Snapshots: while a snapshot writes a big hash across slices it installs an ElementHook
 * (keyspace.ts) on the table, told before each field changes; meanwhile the table never
 * shrinks, so the reverse-binary scan the snapshot reads with returns every unchanged field
 * exactly once (growing keeps dictScan's no-repeat guarantee, shrinking would break it).
 */

import type { CollectionValue } from './value.js';
import type { ElementHook } from './keyspace.js';
import { flatten } from '../util/latin1.js';

export interface HashLimits {
  maxListpackEntries: number;
  maxListpackValue: number;
}

// ---------------------------------------------------------------- packed listpack string

function encodeEntry(s: string): string {
  let n = s.length;
  if (n < 0x80) return String.fromCharCode(n) + s;
  let prefix = '';
  while (n >= 0x80) {
    prefix += String.fromCharCode((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  return prefix + String.fromCharCode(n) + s;
}

/** Cursor state of decodeLen: the position after the length prefix. */
let lenEnd = 0;

/** Length at `pos`; sets lenEnd to where the bytes begin. No allocation. */
function decodeLen(lp: string, pos: number): number {
  let c = lp.charCodeAt(pos++);
  if (c < 0x80) {
    lenEnd = pos;
    return c;
  }
  let n = 0;
  let scale = 1;
  while (c >= 0x80) {
    n += (c & 0x7f) * scale;
    scale *= 128;
    c = lp.charCodeAt(pos++);
  }
  lenEnd = pos;
  return n + c * scale;
}

/** Position just past the entry starting at `pos`. */
function skipEntry(lp: string, pos: number): number {
  const n = decodeLen(lp, pos);
  return lenEnd + n;
}

function readEntry(lp: string, pos: number): string {
  const n = decodeLen(lp, pos);
  return lp.slice(lenEnd, lenEnd + n);
}

/** Position of the entry holding `field` (at a field position), or -1. */
function lpFind(lp: string, field: string): number {
  const len = field.length;
  let pos = 0;
  while (pos < lp.length) {
    const n = decodeLen(lp, pos);
    const start = lenEnd;
    if (n === len && lp.startsWith(field, start)) return pos;
    pos = skipEntry(lp, start + n);
  }
  return -1;
}

// ---------------------------------------------------------------- bucketed hashtable

/** Average fields per bucket above which the table doubles. */
export const BUCKET_TARGET = 16;

/** FNV-1a over the field's bytes. */
function fieldHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function rev32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

/**
 * A string → string map of unbounded size: 2^k Maps, field f in bucket hash(f) & (2^k-1).
 * `target` is the average bucket size that triggers doubling (injectable for tests).
 */
export class HashTable {
  buckets: Map<string, string>[] = [new Map()];
  size = 0;
  /** A running snapshot's field-level copy-on-write; null otherwise (one test per write). */
  hook: ElementHook | null = null;

  constructor(readonly target = BUCKET_TARGET) {}

  private bucket(field: string): Map<string, string> {
    return this.buckets[fieldHash(field) & (this.buckets.length - 1)];
  }

  get(field: string): string | undefined {
    return this.bucket(field).get(field);
  }

  has(field: string): boolean {
    return this.bucket(field).has(field);
  }

  /** Returns true when the field is new. */
  set(field: string, value: string): boolean {
    if (this.hook !== null) this.hook.beforeElementChange(field);
    const b = this.bucket(field);
    const before = b.size;
    b.set(field, value);
    if (b.size === before) return false;
    if (++this.size > this.buckets.length * this.target) this.resize(this.buckets.length * 2);
    return true;
  }

  delete(field: string): boolean {
    const b = this.bucket(field);
    if (this.hook !== null) {
      if (!b.has(field)) return false;
      this.hook.beforeElementChange(field);
    }
    if (!b.delete(field)) return false;
    this.size--;
    const n = this.buckets.length;
    if (n > 1 && this.hook === null && this.size < (n * this.target) / 8) this.resize(n / 2);
    return true;
  }

  /**
   * Whether a scan that has reached `cursor` (with no shrink since it began) has returned
   * `field`'s bucket: buckets are visited in increasing reversed-bit order.
   */
  scanned(field: string, cursor: number): boolean {
    return rev32(fieldHash(field) & (this.buckets.length - 1)) < rev32(cursor);
  }

  *entries(): IterableIterator<[string, string]> {
    for (const b of this.buckets) yield* b;
  }

  /** A uniformly chosen bucket's random entry (Redis's dictGetFairRandomKey is not exact either). */
  random(): [string, string] {
    const mask = this.buckets.length - 1;
    let b: Map<string, string>;
    do b = this.buckets[(Math.random() * (mask + 1)) & mask];
    while (b.size === 0);
    let i = (Math.random() * b.size) | 0;
    for (const e of b) if (i-- === 0) return e;
    throw new Error('unreachable');
  }

  /**
   * Push the fields and values of the bucket(s) at `cursor` onto out, until about `count`
   * entries; returns the next cursor (0 when done). Reverse-binary increment, as dictScan.
   */
  scan(cursor: number, count: number, out: string[]): number {
    const before = out.length;
    let v = cursor >>> 0;
    do {
      const mask = this.buckets.length - 1;
      const b = this.buckets[v & mask];
      for (const f of b.keys()) out.push(f, b.get(f)!); // no [f, v] array per field
      v = (v | ~mask) >>> 0;
      v = rev32((rev32(v) + 1) >>> 0);
    } while (v !== 0 && (out.length - before) / 2 < count);
    return v;
  }

  private resize(n: number): void {
    const next: Map<string, string>[] = new Array(n);
    for (let i = 0; i < n; i++) next[i] = new Map();
    const mask = n - 1;
    for (const b of this.buckets) for (const [f, v] of b) next[fieldHash(f) & mask].set(f, v);
    this.buckets = next;
  }
}

// ---------------------------------------------------------------- the value

export class HashValue implements CollectionValue {
  readonly type = 'hash' as const;
  /** Listpack encoding: the packed entries; '' once converted. */
  private lp = '';
  /** Listpack encoding: the number of fields. */
  private n = 0;
  /** Hashtable encoding, or null while a listpack. */
  private table: HashTable | null = null;

  static fromEntries(entries: readonly [string, string][], limits: HashLimits): HashValue {
    const h = new HashValue();
    let fits = entries.length <= limits.maxListpackEntries;
    for (let i = 0; fits && i < entries.length; i++) {
      const [f, v] = entries[i];
      if (f.length > limits.maxListpackValue || v.length > limits.maxListpackValue) fits = false;
    }
    if (fits) {
      const parts: string[] = new Array(entries.length * 2);
      const seen = new Set<string>();
      let j = 0;
      for (const [f, v] of entries) {
        if (seen.has(f)) continue;
        seen.add(f);
        parts[j++] = encodeEntry(f);
        parts[j++] = encodeEntry(v);
      }
      parts.length = j;
      h.lp = parts.join('');
      h.n = j / 2;
    } else {
      h.table = new HashTable();
      for (const [f, v] of entries) h.table.set(f, v);
    }
    return h;
  }

  get size(): number {
    return this.table === null ? this.n : this.table.size;
  }

  encoding(): 'listpack' | 'hashtable' {
    return this.table === null ? 'listpack' : 'hashtable';
  }

  clone(): HashValue {
    const h = new HashValue();
    h.lp = this.lp;
    h.n = this.n;
    if (this.table !== null) {
      h.table = new HashTable(this.table.target);
      for (const [f, v] of this.table.entries()) h.table.set(f, v);
    }
    return h;
  }

  *entries(): IterableIterator<[string, string]> {
    if (this.table !== null) {
      yield* this.table.entries();
      return;
    }
    const lp = this.lp;
    let pos = 0;
    while (pos < lp.length) {
      const f = readEntry(lp, pos);
      pos = lenEnd + f.length;
      const v = readEntry(lp, pos);
      pos = lenEnd + v.length;
      yield [f, v];
    }
  }

  get(field: string): string | undefined {
    if (this.table !== null) return this.table.get(field);
    const pos = lpFind(this.lp, field);
    return pos < 0 ? undefined : readEntry(this.lp, skipEntry(this.lp, pos));
  }

  has(field: string): boolean {
    return this.table !== null ? this.table.has(field) : lpFind(this.lp, field) >= 0;
  }

  /**
   * Set a field; returns true when it is new. Converts to a hashtable first when the field
   * or value is longer than the listpack limit, and after when the count passes it.
   */
  set(field: string, value: string, limits: HashLimits): boolean {
    if (this.table === null && (field.length > limits.maxListpackValue || value.length > limits.maxListpackValue)) {
      this.convert();
    }
    if (this.table !== null) return this.table.set(field, value);
    const lp = this.lp;
    const pos = lpFind(lp, field);
    if (pos >= 0) {
      const valPos = skipEntry(lp, pos);
      this.lp = flatten(lp.slice(0, valPos) + encodeEntry(value) + lp.slice(skipEntry(lp, valPos)));
      return false;
    }
    this.lp = flatten(lp + encodeEntry(field) + encodeEntry(value));
    if (++this.n > limits.maxListpackEntries) this.convert();
    return true;
  }

  /** Returns true when the field existed. */
  delete(field: string): boolean {
    if (this.table !== null) return this.table.delete(field);
    const lp = this.lp;
    const pos = lpFind(lp, field);
    if (pos < 0) return false;
    const end = skipEntry(lp, skipEntry(lp, pos));
    this.lp = flatten(lp.slice(0, pos) + lp.slice(end));
    this.n--;
    return true;
  }

  /** A random [field, value]; the hash must not be empty. */
  random(): [string, string] {
    if (this.table !== null) return this.table.random();
    let i = (Math.random() * this.n) | 0;
    for (const e of this.entries()) if (i-- === 0) return e;
    throw new Error('unreachable');
  }

  /**
   * HSCAN step: pushes field, value pairs onto out; returns the next cursor. A listpack
   * returns everything at once with cursor 0, as Redis does.
   */
  scan(cursor: number, count: number, out: string[]): number {
    if (this.table !== null) return this.table.scan(cursor, count, out);
    for (const [f, v] of this.entries()) out.push(f, v);
    return 0;
  }

  /** Install or remove a snapshot's field-level hook (hashtable encoding only). */
  setElementHook(hook: ElementHook | null): void {
    this.table!.hook = hook;
  }

  /** HashTable.scanned, for a snapshot reading this hash with scan(). */
  scanned(field: string, cursor: number): boolean {
    return this.table!.scanned(field, cursor);
  }

  private convert(): void {
    const table = new HashTable();
    for (const [f, v] of this.entries()) table.set(f, v);
    this.table = table;
    this.lp = '';
    this.n = 0;
  }
}
