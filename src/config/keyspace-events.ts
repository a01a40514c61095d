/**
 * The notify-keyspace-events classes, as bits. One table serves the config value's parsing
 * and printing (Redis's keyspaceEventsStringToFlags / keyspaceEventsFlagsToString) and the
 * notifier's one-test filter on the hot path.
 */

export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
export const NOTIFY_GENERIC = 1 << 2; // g
export const NOTIFY_STRING = 1 << 3; // $
export const NOTIFY_LIST = 1 << 4; // l
export const NOTIFY_SET = 1 << 5; // s
export const NOTIFY_HASH = 1 << 6; // h
export const NOTIFY_ZSET = 1 << 7; // z
export const NOTIFY_EXPIRED = 1 << 8; // x
export const NOTIFY_EVICTED = 1 << 9; // e
export const NOTIFY_STREAM = 1 << 10; // t
export const NOTIFY_KEY_MISS = 1 << 11; // m
export const NOTIFY_MODULE = 1 << 13; // d
export const NOTIFY_NEW = 1 << 14; // n
/** 'A': every class but K, E, m and n. */
export const NOTIFY_ALL =
  NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |
  NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE;

/** Class letters in the order Redis prints them after 'A' or its members. */
const CLASSES: readonly [string, number][] = [
  ['g', NOTIFY_GENERIC], ['$', NOTIFY_STRING], ['l', NOTIFY_LIST], ['s', NOTIFY_SET],
  ['h', NOTIFY_HASH], ['z', NOTIFY_ZSET], ['x', NOTIFY_EXPIRED], ['e', NOTIFY_EVICTED],
  ['t', NOTIFY_STREAM], ['d', NOTIFY_MODULE],
];
const TARGETS: readonly [string, number][] = [
  ['K', NOTIFY_KEYSPACE], ['E', NOTIFY_KEYEVENT], ['m', NOTIFY_KEY_MISS], ['n', NOTIFY_NEW],
];

/** The flags for a class string such as "KEA", or -1 for an unknown letter. */
export function parseKeyspaceEvents(s: string): number {
  let flags = 0;
  for (const ch of s) {
    if (ch === 'A') { flags |= NOTIFY_ALL; continue; }
    const found = CLASSES.find(([c]) => c === ch) ?? TARGETS.find(([c]) => c === ch);
    if (found === undefined) return -1;
    flags |= found[1];
  }
  return flags;
}

export function formatKeyspaceEvents(flags: number): string {
  let s = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s = 'A';
  else for (const [c, bit] of CLASSES) if (flags & bit) s += c;
  for (const [c, bit] of TARGETS) if (flags & bit) s += c;
  return s;
}
