/**
 * SORT and SORT_RO (sort.c) over lists, sets and sorted sets.
 *
 * Same pipeline as Redis: parse the SQL-like options; load the elements (for BY with no
 * '*', "nosort", a list or zset keeps its own order and LIMIT picks the range directly);
 * compute each element's weight (the element itself, or the key or hash field named by the
 * BY pattern, parsed as strtod does unless ALPHA); sort; then reply or STORE a list,
 * applying the GET patterns per element. Ties between equal numeric weights break by the
 * elements' bytes, so the output is deterministic, as in Redis. A set sorted with "BY
 * nosort" and STORE is sorted ALPHA anyway, because its iteration order is not
 * deterministic across servers and the stored result must be (it is propagated verbatim).
 *
 * Comparison of strings: JS `<` on latin1 strings compares bytes, which is Redis's memcmp;
 * Redis's strcoll for ALPHA without STORE is the same in the C locale it runs in.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../config/keyspace-events.js';
import { ListValue } from '../store/list.js';
import { HashValue } from '../store/hash.js';
import { SetValue } from '../store/set.js';
import { ZSetValue } from '../store/zset.js';
import { getLongOrReply } from './lists.js';
import { type CommandSpec, DENYOOM, READONLY, WRITE } from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'sort', arity: -2, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['set', 'sortedset', 'list', 'dangerous'], run: sortCommand, getKeys: sortGetKeys },
  { name: 'sort_ro', arity: -2, flags: READONLY, keys: [1, 1, 1], acl: ['set', 'sortedset', 'list', 'dangerous'], run: sortRoCommand, getKeys: sortRoGetKeys },
];

/**
 * SORT_RO names one key; its BY and GET patterns name keys only through the data, so, as
 * in Redis's sortROGetKeys, they are not reported (and the command counts as movablekeys).
 */
function sortRoGetKeys(): number[] {
  return [1];
}

/** Redis's sortGetKeys: the sorted key, and the last STORE destination. */
function sortGetKeys(argv: readonly string[]): number[] {
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'limit') i += 2;
    else if (a === 'get' || a === 'by') i += 1;
    else if (a === 'store' && i + 1 < argv.length) store = i + 1;
  }
  return store < 0 ? [1] : [1, store];
}

/**
 * lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by the
 * element and the key read as a string, or with "->field" after the '*' as a hash field.
 * undefined when there is no '*', no such key, or a key of another type.
 */
function lookupKeyByPattern(c: Client, pattern: string, subst: string): string | undefined {
  if (pattern === '#') return subst;
  const star = pattern.indexOf('*');
  if (star < 0) return undefined;
  const arrow = pattern.indexOf('->', star + 1);
  const hasField = arrow >= 0 && arrow + 2 < pattern.length;
  const key = pattern.slice(0, star) + subst + pattern.slice(star + 1, hasField ? arrow : pattern.length);
  const v = c.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (hasField) return v instanceof HashValue ? v.get(pattern.slice(arrow + 2)) : undefined;
  return typeof v === 'string' ? v : undefined;
}

const STRTOD = /^[ \t\n\v\f\r]*([+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?))$/i;
const STRTOD_HEX = /^[ \t\n\v\f\r]*([+-]?)0x([0-9a-f]+)$/i;

/**
 * The weight as SORT's strtod check reads it: the whole string must parse (an empty
 * string is 0), NaN and ERANGE (overflow, or underflow of a nonzero number) are refused.
 * Returns NaN when refused.
 */
function sortWeight(s: string): number {
  if (s.length === 0 || /^[ \t\n\v\f\r]*$/.test(s)) return 0;
  let m = STRTOD.exec(s);
  if (m !== null) {
    const t = m[1].toLowerCase().replace('infinity', 'inf');
    const d = t.endsWith('inf') ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t);
    if (!t.endsWith('inf') && (!Number.isFinite(d) || (d === 0 && /[1-9]/.test(t.split(/e/i)[0])))) return NaN;
    return d;
  }
  m = STRTOD_HEX.exec(s);
  if (m !== null) {
    const d = parseInt(m[2], 16);
    return Number.isFinite(d) ? (m[1] === '-' ? -d : d) : NaN;
  }
  return NaN;
}

interface SortItem {
  obj: string;
  score: number;
  cmp: string | undefined;
}

function sortCommand(c: Client, argv: string[]): void { sortGeneric(c, argv, false); }
function sortRoCommand(c: Client, argv: string[]): void { sortGeneric(c, argv, true); }

function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  for (let j = 2; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const left = argv.length - j - 1;
    if (opt === 'asc') desc = false;
    else if (opt === 'desc') desc = true;
    else if (opt === 'alpha') alpha = true;
    else if (opt === 'limit' && left >= 2) {
      const s = getLongOrReply(c, argv[j + 1]);
      if (s === null) return;
      const n = getLongOrReply(c, argv[j + 2]);
      if (n === null) return;
      limitStart = s;
      limitCount = n;
      j += 2;
    } else if (!readonly && opt === 'store' && left >= 1) {
      storekey = argv[++j];
    } else if (opt === 'by' && left >= 1) {
      sortby = argv[++j];
      // As in Redis, a later BY with a '*' does not undo an earlier constant one.
      if (!sortby.includes('*')) dontsort = true;
    } else if (opt === 'get' && left >= 1) {
      gets.push(argv[++j]);
    } else {
      return c.addReplyError(errors.syntax);
    }
  }

  const sortval = c.db.lookupRead(argv[1]);
  if (sortval !== undefined && !(sortval instanceof ListValue || sortval instanceof SetValue || sortval instanceof ZSetValue)) {
    return c.addReplyError(errors.wrongType);
  }
  if (dontsort && sortval instanceof SetValue && storekey !== null) {
    // A set's own order is not deterministic: what is stored (and propagated) must be.
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  const vectorlen = sortval === undefined ? 0 : sortval instanceof ListValue ? sortval.length : sortval.size;

  let start = Math.min(Math.max(limitStart, 0), vectorlen);
  const count = Math.min(Math.max(limitCount, -1), vectorlen);
  let end = count < 0 ? vectorlen - 1 : start + count - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  const vector: SortItem[] = [];
  if (dontsort && (sortval instanceof ListValue || sortval instanceof ZSetValue)) {
    // Own order, the LIMIT range read directly (DESC counts from the tail).
    if (end >= start) {
      const ordered = sortval instanceof ListValue ? sortval.toArray() : Array.from(sortval.entries(), (e) => e[0]);
      if (desc) ordered.reverse();
      for (let i = start; i <= end; i++) vector.push({ obj: ordered[i], score: 0, cmp: undefined });
      end -= start;
      start = 0;
    }
  } else if (sortval !== undefined) {
    const items = sortval instanceof ZSetValue ? Array.from(sortval.entries(), (e) => e[0]) : sortval.values();
    for (const obj of items) vector.push({ obj, score: 0, cmp: undefined });
  }

  let conversionError = false;
  if (!dontsort) {
    for (const item of vector) {
      let byval: string | undefined;
      if (sortby !== null) {
        byval = lookupKeyByPattern(c, sortby, item.obj);
        if (byval === undefined) continue;
      } else {
        byval = item.obj;
      }
      if (alpha) {
        if (sortby !== null) item.cmp = byval;
      } else {
        item.score = sortWeight(byval);
        if (Number.isNaN(item.score)) conversionError = true;
      }
    }
    if (!conversionError) vector.sort(compareFor(alpha, sortby !== null, desc));
  }

  const outputlen = gets.length > 0 ? gets.length * (end - start + 1) : end - start + 1;
  if (conversionError) return c.addReplyError("ERR One or more scores can't be converted into double");
  if (storekey === null) {
    c.addReplyArrayLen(outputlen);
    for (let j = start; j <= end; j++) {
      const obj = vector[j].obj;
      if (gets.length === 0) c.addReplyBulk(obj);
      for (const g of gets) c.addReplyBulkOrNull(lookupKeyByPattern(c, g, obj));
    }
    return;
  }
  const out: string[] = [];
  for (let j = start; j <= end; j++) {
    const obj = vector[j].obj;
    if (gets.length === 0) out.push(obj);
    for (const g of gets) out.push(lookupKeyByPattern(c, g, obj) ?? '');
  }
  if (outputlen > 0) {
    c.db.lookupWrite(storekey);
    c.db.setKey(storekey, ListValue.fromArray(out));
    if (outputlen > 1) c.db.signalModified(storekey, outputlen - 1);
    notifyKeyspaceEvent(c.server, NOTIFY_LIST, 'sortstore', storekey, c.db.id);
  } else if (c.db.lookupWrite(storekey) !== undefined) {
    c.db.delete(storekey);
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', storekey, c.db.id);
  }
  c.addReplyInt(outputlen);
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumeric(a: SortItem, b: SortItem): number {
  return a.score > b.score ? 1 : a.score < b.score ? -1 : byteCompare(a.obj, b.obj);
}

/** Missing BY values sort first, as Redis's NULL cmpobj. */
function compareAlphaBy(a: SortItem, b: SortItem): number {
  if (a.cmp === undefined || b.cmp === undefined) return a.cmp === b.cmp ? 0 : a.cmp === undefined ? -1 : 1;
  return byteCompare(a.cmp, b.cmp);
}

function compareAlpha(a: SortItem, b: SortItem): number {
  return byteCompare(a.obj, b.obj);
}

function compareFor(alpha: boolean, bypattern: boolean, desc: boolean): (a: SortItem, b: SortItem) => number {
  const cmp = !alpha ? compareNumeric : bypattern ? compareAlphaBy : compareAlpha;
  return desc ? (a, b) => -cmp(a, b) : cmp;
}
