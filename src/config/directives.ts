/**
 * Every configuration directive Vellum knows, in one table (style.md, "src/config"). The
 * config file parser, `--name value` overrides, startServer options and CONFIG
 * GET/SET/REWRITE all read this table. docs/configuration.md documents each entry;
 * test/unit/config/docs.test.ts fails when a directive is missing there, listed there but
 * not here, or documented with another alias, default, mutability or inert mark: a new
 * directive needs its row on that page too.
 *
 * Each entry gives the name Redis uses, its type, the default as redis.conf would write it
 * (test/interop/config.test.ts checks that, parsed, it is what Redis 7.0.15's CONFIG GET
 * reports), and whether CONFIG SET may change it. A directive marked
 * `inert: true` is accepted so that an existing redis.conf loads, and reported by CONFIG
 * GET, but changes nothing in Vellum (yet); the start-up log names any that a file sets.
 */

export type DirectiveType =
  | 'bool' | 'int' | 'octal' | 'memory' | 'string' | 'enum' | 'save' | 'bind' | 'keyspace-events' | 'shutdown-flags';

/** The flags of `shutdown-on-sigterm` / `-sigint`, in the order CONFIG GET lists them. */
export const SHUTDOWN_FLAGS = ['default', 'save', 'nosave', 'now', 'force'] as const;

export interface Directive {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly type: DirectiveType;
  /** Default, written as it would be in redis.conf. */
  readonly default: string;
  readonly mutable: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly inert?: true;
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const UINT_MAX = 4294967295;
/** LONG_MAX and ULLONG_MAX stand in as the largest and any larger JS number; messages print Redis's values. */
export const LONG_MAX = Number.MAX_SAFE_INTEGER;
export const ULLONG_MAX = Number.MAX_VALUE;

function bool(name: string, def: 'yes' | 'no', mutable = true, extra: Partial<Directive> = {}): Directive {
  return { name, type: 'bool', default: def, mutable, ...extra };
}
function int(name: string, def: number, min: number, max: number, mutable = true, extra: Partial<Directive> = {}): Directive {
  return { name, type: 'int', default: String(def), min, max, mutable, ...extra };
}
function memory(name: string, def: string, min = 0, mutable = true, extra: Partial<Directive> = {}): Directive {
  return { name, type: 'memory', default: def, min, max: LONG_MAX, mutable, ...extra };
}
function str(name: string, def: string, mutable = true, extra: Partial<Directive> = {}): Directive {
  return { name, type: 'string', default: def, mutable, ...extra };
}
function oneOf(name: string, def: string, values: readonly string[], mutable = true, extra: Partial<Directive> = {}): Directive {
  return { name, type: 'enum', default: def, values, mutable, ...extra };
}

const inert = { inert: true } as const;

export const directives: readonly Directive[] = [
  // Network and clients
  { name: 'bind', type: 'bind', default: '127.0.0.1 -::1', mutable: false },
  int('port', 6379, 0, 65535, false),
  str('unixsocket', '', false),
  { name: 'unixsocketperm', type: 'octal', default: '0', min: 0, max: 0o777, mutable: false },
  int('tcp-backlog', 511, 0, INT_MAX, false),
  int('timeout', 0, 0, INT_MAX),
  int('tcp-keepalive', 300, 0, INT_MAX),
  int('maxclients', 10000, 1, UINT_MAX),
  str('requirepass', ''),
  bool('protected-mode', 'yes', true, inert),
  memory('proto-max-bulk-len', '512mb', 1024 * 1024),
  memory('client-query-buffer-limit', '1gb', 1024 * 1024),
  int('databases', 16, 1, INT_MAX, false),
  // Redis accepts any non-negative value and clamps the cron's rate to 1..500.
  int('hz', 10, 0, INT_MAX),
  { name: 'notify-keyspace-events', type: 'keyspace-events', default: '', mutable: true },

  // Process and logging
  oneOf('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning']),
  str('logfile', '', false),
  str('dir', '.'),
  str('pidfile', '', false),
  bool('daemonize', 'no', false),
  oneOf('enable-debug-command', 'no', ['no', 'yes', 'local'], false),
  oneOf('enable-protected-configs', 'no', ['no', 'yes', 'local'], false, inert),
  oneOf('enable-module-command', 'no', ['no', 'yes', 'local'], false, inert),
  int('shutdown-timeout', 10, 0, INT_MAX),
  { name: 'shutdown-on-sigint', type: 'shutdown-flags', default: 'default', mutable: true },
  { name: 'shutdown-on-sigterm', type: 'shutdown-flags', default: 'default', mutable: true },

  // Memory
  { ...memory('maxmemory', '0', 0, true, inert), max: ULLONG_MAX },
  oneOf('maxmemory-policy', 'noeviction',
    ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], true, inert),
  int('maxmemory-samples', 5, 1, INT_MAX, true, inert),
  bool('lazyfree-lazy-eviction', 'no', true, inert),
  bool('lazyfree-lazy-expire', 'no'),
  bool('lazyfree-lazy-server-del', 'no', true, inert),
  bool('lazyfree-lazy-user-del', 'no'),
  bool('lazyfree-lazy-user-flush', 'no'),
  bool('activerehashing', 'yes', true, inert),
  bool('activedefrag', 'no', true, inert),

  // Encodings: OBJECT ENCODING and the RDB writer follow these thresholds
  int('hash-max-listpack-entries', 512, 0, LONG_MAX, true, { aliases: ['hash-max-ziplist-entries'] }),
  memory('hash-max-listpack-value', '64', 0, true, { aliases: ['hash-max-ziplist-value'] }),
  int('zset-max-listpack-entries', 128, 0, LONG_MAX, true, { aliases: ['zset-max-ziplist-entries'] }),
  memory('zset-max-listpack-value', '64', 0, true, { aliases: ['zset-max-ziplist-value'] }),
  int('set-max-intset-entries', 512, 0, LONG_MAX),
  int('list-max-listpack-size', -2, INT_MIN, INT_MAX, true, { aliases: ['list-max-ziplist-size'] }),
  int('list-compress-depth', 0, 0, INT_MAX),
  // Stream node split (store/stream.ts): approximate trimming removes whole nodes only.
  memory('stream-node-max-bytes', '4096'),
  int('stream-node-max-entries', 100, 0, LONG_MAX),

  // RDB
  { name: 'save', type: 'save', default: '3600 1 300 100 60 10000', mutable: true },
  str('dbfilename', 'dump.rdb'),
  bool('rdbcompression', 'yes'),
  bool('rdbchecksum', 'yes', false),
  bool('rdb-del-sync-files', 'no'),
  bool('rdb-save-incremental-fsync', 'yes'),
  bool('stop-writes-on-bgsave-error', 'yes'),
  oneOf('sanitize-dump-payload', 'no', ['no', 'yes', 'clients']),

  // AOF
  bool('appendonly', 'no'),
  str('appendfilename', 'appendonly.aof', false),
  str('appenddirname', 'appendonlydir', false),
  oneOf('appendfsync', 'everysec', ['everysec', 'always', 'no']),
  bool('no-appendfsync-on-rewrite', 'no'),
  int('auto-aof-rewrite-percentage', 100, 0, INT_MAX),
  memory('auto-aof-rewrite-min-size', '64mb'),
  bool('aof-load-truncated', 'yes'),
  bool('aof-use-rdb-preamble', 'yes'),
  bool('aof-rewrite-incremental-fsync', 'yes'),
  bool('aof-timestamp-enabled', 'no'),

  // Accepted so that an existing redis.conf starts; no effect in Vellum
  bool('always-show-logo', 'no', false, inert),
  bool('set-proc-title', 'yes', false, inert),
  str('proc-title-template', '"{title} {listen-addr} {server-mode}"', true, inert),
  oneOf('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], false, inert),
  int('io-threads', 1, 1, 128, false, inert),
  bool('io-threads-do-reads', 'no', false, inert),
  bool('dynamic-hz', 'yes', true, inert),
  bool('jemalloc-bg-thread', 'yes', true, inert),
  bool('crash-log-enabled', 'yes', true, inert),
  bool('crash-memcheck-enabled', 'yes', true, inert),
  int('busy-reply-threshold', 5000, 0, LONG_MAX, true, { ...inert, aliases: ['lua-time-limit'] }),
  int('slowlog-log-slower-than', 10000, -1, LONG_MAX, true, inert),
  int('slowlog-max-len', 128, 0, LONG_MAX, true, inert),
  int('latency-monitor-threshold', 0, 0, LONG_MAX, true, inert),
  int('active-expire-effort', 1, 1, 10, true, inert),
  oneOf('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], true, inert),
  bool('disable-thp', 'yes', false, inert),
];

export const directivesByName: ReadonlyMap<string, Directive> = (() => {
  const m = new Map<string, Directive>();
  for (const d of directives) {
    m.set(d.name, d);
    for (const alias of d.aliases ?? []) m.set(alias, d);
  }
  return m;
})();
