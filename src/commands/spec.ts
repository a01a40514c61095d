/**
 * Command metadata is data with one source (style.md R6): each family file exports
 * `specs`, read by the dispatcher (arity, flags, subcommands), COMMAND INFO / COUNT /
 * GETKEYS / DOCS, and the test that compares the table with real Redis 7.0's COMMAND INFO.
 *
 * Flag meanings are Redis's (server.h, above struct redisCommand):
 *  WRITE      may modify the dataset; refused on MISCONF / read-only replicas
 *  READONLY   reads keys and never modifies them
 *  DENYOOM    may grow memory; refused over maxmemory
 *  ADMIN      administrative; @admin @dangerous
 *  PUBSUB     pub/sub related
 *  NOSCRIPT   not callable from scripts
 *  BLOCKING   may block the client
 *  LOADING    allowed while the dataset is loading
 *  STALE      allowed on a replica with a stale link
 *  SKIP_MONITOR / SKIP_SLOWLOG  not shown to MONITOR / SLOWLOG
 *  FAST       O(1) or O(log N); @fast, otherwise @slow
 *  NO_AUTH    allowed before AUTH
 *  MAY_REPLICATE  may propagate without being a write (PUBLISH, EVAL...)
 *  NO_MULTI   refused inside MULTI
 *  TOUCHES_ARBITRARY_KEYS  may expire keys it did not name (SCAN, RANDOMKEY)
 *  ALLOW_BUSY allowed while a script is busy
 * and one of ours, QUICK, below.
 */

import type { Client } from '../server/client.js';

export const WRITE = 1 << 0;
export const READONLY = 1 << 1;
export const DENYOOM = 1 << 2;
export const ADMIN = 1 << 4;
export const PUBSUB = 1 << 5;
export const NOSCRIPT = 1 << 6;
export const BLOCKING = 1 << 8;
export const LOADING = 1 << 9;
export const STALE = 1 << 10;
export const SKIP_MONITOR = 1 << 11;
export const SKIP_SLOWLOG = 1 << 12;
export const FAST = 1 << 14;
export const NO_AUTH = 1 << 15;
export const MAY_REPLICATE = 1 << 16;
export const NO_MULTI = 1 << 24;
export const ALLOW_BUSY = 1 << 26;
export const NO_MANDATORY_KEYS = 1 << 19;
export const NO_ASYNC_LOADING = 1 << 23;
/** Derived: set for a spec with getKeys. */
export const MOVABLE_KEYS = 1 << 25;
/** May lazily expire keys it did not name (SCAN, RANDOMKEY): their DELs are not wrapped in MULTI. */
export const TOUCHES_ARBITRARY_KEYS = 1 << 28;
/**
 * Ours, never shown: runs in bounded time here though Redis does not flag it FAST, so a
 * run of it shares one clock read as a run of a FAST command does (dispatcher.ts, Timing).
 * SET: Redis frees the value it overwrites before replying (O(N) for a collection, hence
 * @slow); here the collector frees it.
 */
export const QUICK = 1 << 29;

/**
 * Flag names as COMMAND INFO prints them, in Redis 7.0's order. may_replicate and
 * touches_arbitrary_keys are hidden on purpose, as in Redis; movablekeys is derived from
 * the presence of getKeys.
 */
export const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [WRITE, 'write'], [READONLY, 'readonly'], [DENYOOM, 'denyoom'], [ADMIN, 'admin'],
  [PUBSUB, 'pubsub'], [NOSCRIPT, 'noscript'], [BLOCKING, 'blocking'], [LOADING, 'loading'],
  [STALE, 'stale'], [SKIP_MONITOR, 'skip_monitor'], [SKIP_SLOWLOG, 'skip_slowlog'],
  [FAST, 'fast'], [NO_AUTH, 'no_auth'], [NO_MANDATORY_KEYS, 'no_mandatory_keys'],
  [NO_ASYNC_LOADING, 'no_async_loading'], [NO_MULTI, 'no_multi'], [MOVABLE_KEYS, 'movablekeys'],
  [ALLOW_BUSY, 'allow_busy'],
];

/** COMMAND INFO's flag list for a command. */
export function flagNames(spec: CommandSpec): string[] {
  const flags = spec.flags | (spec.getKeys !== undefined ? MOVABLE_KEYS : 0);
  return FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
}

/** A handler replies through `c` and reads its arguments from `argv` (argv[0] is the name). */
export type CommandHandler = (c: Client, argv: string[]) => void;

export interface CommandSpec {
  /** Lower case; a subcommand's is its own word ("get" under "config"). */
  readonly name: string;
  /** Redis's arity: N exactly, or -N for at least N (the name counts). */
  readonly arity: number;
  readonly flags: number;
  /** [first, last, step] as COMMAND INFO reports them; last -1 means the last argument. */
  readonly keys: readonly [number, number, number];
  /** ACL categories beyond those implied by flags ('string', 'keyspace', 'list'…). */
  readonly acl: readonly string[];
  /** Absent for a container whose subcommands do the work (CONFIG, CLIENT…). */
  readonly run?: CommandHandler;
  readonly subcommands?: readonly CommandSpec[];
  /** For commands whose keys move (ZUNIONSTORE numkeys…): argument indexes of the keys. */
  readonly getKeys?: (argv: readonly string[]) => number[];
}

/**
 * The categories Redis adds from the flags (setImplicitACLCategories in 7.0), followed by
 * the explicit ones, as COMMAND INFO lists them.
 */
export function aclCategories(spec: CommandSpec): string[] {
  const cats = spec.acl.map((a) => '@' + a);
  const f = spec.flags;
  if (f & WRITE) cats.push('@write');
  if (f & READONLY && !spec.acl.includes('scripting')) cats.push('@read');
  if (f & ADMIN) cats.push('@admin', '@dangerous');
  if (f & PUBSUB) cats.push('@pubsub');
  if (f & FAST) cats.push('@fast');
  if (f & BLOCKING) cats.push('@blocking');
  if (!(f & FAST)) cats.push('@slow');
  // COMMAND INFO lists a command's categories in the order of Redis's category table.
  return ACL_CATEGORY_ORDER.filter((name) => cats.includes(name));
}

/** Redis 7.0's ACL categories, in the order of its table (acl.c ACLCommandCategories). */
export const ACL_CATEGORY_ORDER: readonly string[] = [
  '@keyspace', '@read', '@write', '@set', '@sortedset', '@list', '@hash', '@string', '@bitmap',
  '@hyperloglog', '@geo', '@stream', '@pubsub', '@admin', '@fast', '@slow', '@blocking',
  '@dangerous', '@connection', '@transaction', '@scripting',
];

/** The argument indexes of a command's keys, from its key spec or getKeys. */
export function commandKeys(spec: CommandSpec, argv: readonly string[]): number[] {
  if (spec.getKeys !== undefined) return spec.getKeys(argv);
  const [first, last, step] = spec.keys;
  if (first === 0) return [];
  const end = last < 0 ? argv.length + last : last;
  const out: number[] = [];
  for (let i = first; i <= end && i < argv.length; i += step) out.push(i);
  return out;
}
