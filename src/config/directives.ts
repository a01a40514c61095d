/**
 * Every configuration directive Vellum knows, in one table (style.md, "src/config"). The
 * config file parser, `--name value` overrides, startServer options and CONFIG
 * GET/SET/REWRITE all read this table. docs/configuration.md documents each entry;
 * test/unit/config/docs.test.ts fails when a directive is missing there, listed there but
 * not here, or documented with another alias, default, mutability or inert mark: a new
 * directive needs its row on that page too.
 *
 * The table holds every directive of Redis 7.0.15's standardConfig table (config.c), TLS
 * ones included as Debian builds them, so that any redis.conf Redis accepts loads, and
 * CONFIG GET * answers the same names (test/interop/redis-conf.test.ts checks both).
 * Each entry gives the name Redis uses, its type, the default as redis.conf would write it
 * (test/interop/config.test.ts checks that, parsed, it is what Redis's CONFIG GET reports),
 * its bounds and whether CONFIG SET may change it. A directive marked `inert: true` is
 * accepted and reported by CONFIG GET but changes nothing in Vellum (yet); the start-up
 * log names any that a file sets. Two inert directives would be unsafe to ignore (a
 * replica that silently acts as a primary, ACL users that silently vanish): `unsupported`
 * makes any value but the default fail, with its reason.
 */

export type DirectiveType =
  | 'bool' | 'int' | 'octal' | 'memory' | 'string' | 'enum' | 'save' | 'bind' | 'keyspace-events' | 'shutdown-flags'
  | 'client-output-buffer-limit' | 'oom-score-adj-values' | 'replicaof' | 'percentiles';

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
  /** Enum words that mean another one, reported as that one (oom-score-adj relative = yes). */
  readonly synonyms?: Readonly<Record<string, string>>;
  readonly inert?: true;
  /** Redis's PROTECTED_CONFIG: CONFIG SET only as enable-protected-configs allows. */
  readonly protected?: true;
  /** Redis's HIDDEN_CONFIG (test hooks): CONFIG GET answers it by exact name only. */
  readonly hidden?: true;
  /** A memory value that may also be a percentage ("10%"), kept as its negative. */
  readonly percent?: true;
  /** Accepted in [min, max] but kept within these bounds (Redis's updateHZ). */
  readonly clamp?: readonly [number, number];
  /** Why any value but the default is refused. */
  readonly unsupported?: string;
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
const hidden = { inert: true, hidden: true } as const;
const PROTECTED_ACTION = ['no', 'yes', 'local'];

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
  bool('protected-mode', 'yes'),
  memory('proto-max-bulk-len', '512mb', 1024 * 1024),
  memory('client-query-buffer-limit', '1gb', 1024 * 1024),
  int('databases', 16, 1, INT_MAX, false),
  // Redis accepts any non-negative value and keeps it within 1..500 (CONFIG GET, INFO).
  int('hz', 10, 0, INT_MAX, true, { clamp: [1, 500] }),
  { name: 'notify-keyspace-events', type: 'keyspace-events', default: '', mutable: true },
  {
    name: 'client-output-buffer-limit', type: 'client-output-buffer-limit', mutable: true, ...inert,
    default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
  },
  int('tracking-table-max-keys', 1000000, 0, LONG_MAX, true, inert),
  int('socket-mark-id', 0, 0, UINT_MAX, false, inert),

  // Process and logging
  oneOf('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning']),
  str('logfile', '', false),
  str('dir', '.', true, { protected: true }),
  str('pidfile', '', false),
  bool('daemonize', 'no', false, inert),
  oneOf('enable-debug-command', 'no', PROTECTED_ACTION, false),
  oneOf('enable-protected-configs', 'no', PROTECTED_ACTION, false),
  oneOf('enable-module-command', 'no', PROTECTED_ACTION, false, inert),
  int('shutdown-timeout', 10, 0, INT_MAX, true, inert),
  { name: 'shutdown-on-sigint', type: 'shutdown-flags', default: 'default', mutable: true },
  { name: 'shutdown-on-sigterm', type: 'shutdown-flags', default: 'default', mutable: true },
  bool('syslog-enabled', 'no', false, inert),
  str('syslog-ident', 'redis', false, inert),
  oneOf('syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], false, inert),
  str('ignore-warnings', '', true, inert),

  // Memory
  { ...memory('maxmemory', '0', 0, true, inert), max: ULLONG_MAX },
  oneOf('maxmemory-policy', 'noeviction',
    ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], true, inert),
  int('maxmemory-samples', 5, 1, INT_MAX, true, inert),
  int('maxmemory-eviction-tenacity', 10, 0, 100, true, inert),
  memory('maxmemory-clients', '0', -100, true, { ...inert, percent: true }),
  int('lfu-log-factor', 10, 0, INT_MAX, true, inert),
  int('lfu-decay-time', 1, 0, INT_MAX, true, inert),
  bool('lazyfree-lazy-eviction', 'no', true, inert),
  bool('lazyfree-lazy-expire', 'no'),
  bool('lazyfree-lazy-server-del', 'no', true, inert),
  bool('lazyfree-lazy-user-del', 'no'),
  bool('lazyfree-lazy-user-flush', 'no', true, inert),
  bool('activerehashing', 'yes', true, inert),
  bool('activedefrag', 'no', true, inert),
  memory('active-defrag-ignore-bytes', '100mb', 1, true, inert),
  int('active-defrag-threshold-lower', 10, 0, 1000, true, inert),
  int('active-defrag-threshold-upper', 100, 0, 1000, true, inert),
  int('active-defrag-cycle-min', 1, 1, 99, true, inert),
  int('active-defrag-cycle-max', 25, 1, 99, true, inert),
  int('active-defrag-max-scan-fields', 1000, 1, LONG_MAX, true, inert),

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
  memory('hll-sparse-max-bytes', '3000', 0, true, inert),

  // RDB
  { name: 'save', type: 'save', default: '3600 1 300 100 60 10000', mutable: true },
  str('dbfilename', 'dump.rdb', true, { protected: true }),
  bool('rdbcompression', 'yes'),
  bool('rdbchecksum', 'yes', false),
  bool('rdb-del-sync-files', 'no', true, inert),
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
  bool('aof-disable-auto-gc', 'no', true, inert),

  // Replication: Vellum has none yet
  {
    name: 'replicaof', aliases: ['slaveof'], type: 'replicaof', default: 'no one', mutable: false, ...inert,
    unsupported: 'Vellum has no replication yet: it cannot start as a replica',
  },
  str('masterauth', '', true, inert),
  str('masteruser', '', true, inert),
  bool('replica-serve-stale-data', 'yes', true, { ...inert, aliases: ['slave-serve-stale-data'] }),
  bool('replica-read-only', 'yes', true, { ...inert, aliases: ['slave-read-only'] }),
  bool('replica-lazy-flush', 'no', true, { ...inert, aliases: ['slave-lazy-flush'] }),
  bool('replica-ignore-maxmemory', 'yes', true, { ...inert, aliases: ['slave-ignore-maxmemory'] }),
  bool('replica-ignore-disk-write-errors', 'no', true, inert),
  int('replica-priority', 100, 0, INT_MAX, true, { ...inert, aliases: ['slave-priority'] }),
  bool('replica-announced', 'yes', true, inert),
  str('replica-announce-ip', '', true, { ...inert, aliases: ['slave-announce-ip'] }),
  int('replica-announce-port', 0, 0, 65535, true, { ...inert, aliases: ['slave-announce-port'] }),
  bool('repl-diskless-sync', 'yes', true, inert),
  int('repl-diskless-sync-delay', 5, 0, INT_MAX, true, inert),
  int('repl-diskless-sync-max-replicas', 0, 0, INT_MAX, true, inert),
  oneOf('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb'], true, inert),
  bool('repl-disable-tcp-nodelay', 'no', true, inert),
  int('repl-ping-replica-period', 10, 1, INT_MAX, true, { ...inert, aliases: ['repl-ping-slave-period'] }),
  int('repl-timeout', 60, 1, INT_MAX, true, inert),
  memory('repl-backlog-size', '1mb', 1, true, inert),
  int('repl-backlog-ttl', 3600, 0, LONG_MAX, true, inert),
  int('min-replicas-to-write', 0, 0, INT_MAX, true, { ...inert, aliases: ['min-slaves-to-write'] }),
  int('min-replicas-max-lag', 10, 0, INT_MAX, true, { ...inert, aliases: ['min-slaves-max-lag'] }),
  str('bind-source-addr', '', true, inert),
  oneOf('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas'], true, inert),

  // Cluster: Vellum has no cluster mode
  bool('cluster-enabled', 'no', false, inert),
  str('cluster-config-file', 'nodes.conf', false, inert),
  int('cluster-port', 0, 0, 65535, false, inert),
  int('cluster-node-timeout', 15000, 0, LONG_MAX, true, inert),
  str('cluster-announce-ip', '', true, inert),
  str('cluster-announce-hostname', '', true, inert),
  int('cluster-announce-port', 0, 0, 65535, true, inert),
  int('cluster-announce-bus-port', 0, 0, 65535, true, inert),
  int('cluster-announce-tls-port', 0, 0, 65535, true, inert),
  oneOf('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint'], true, inert),
  int('cluster-replica-validity-factor', 10, 0, INT_MAX, true, { ...inert, aliases: ['cluster-slave-validity-factor'] }),
  int('cluster-migration-barrier', 1, 0, INT_MAX, true, inert),
  bool('cluster-allow-replica-migration', 'yes', true, inert),
  bool('cluster-require-full-coverage', 'yes', true, inert),
  bool('cluster-replica-no-failover', 'no', true, { ...inert, aliases: ['cluster-slave-no-failover'] }),
  bool('cluster-allow-reads-when-down', 'no', true, inert),
  bool('cluster-allow-pubsubshard-when-down', 'yes', true, inert),
  { ...memory('cluster-link-sendbuf-limit', '0', 0, true, inert), max: ULLONG_MAX },

  // ACL: Vellum has only the default user, whose password is requirepass
  str('aclfile', '', false, { ...inert, unsupported: 'Vellum has no ACL users: an ACL file cannot be loaded' }),
  int('acllog-max-len', 128, 0, LONG_MAX, true, inert),
  oneOf('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels'], true, inert),

  // TLS: Vellum has no TLS listener
  int('tls-port', 0, 0, 65535, true, inert),
  str('tls-cert-file', '', true, inert),
  str('tls-key-file', '', true, inert),
  str('tls-key-file-pass', '', true, inert),
  str('tls-client-cert-file', '', true, inert),
  str('tls-client-key-file', '', true, inert),
  str('tls-client-key-file-pass', '', true, inert),
  str('tls-dh-params-file', '', true, inert),
  str('tls-ca-cert-file', '', true, inert),
  str('tls-ca-cert-dir', '', true, inert),
  str('tls-protocols', '', true, inert),
  str('tls-ciphers', '', true, inert),
  str('tls-ciphersuites', '', true, inert),
  oneOf('tls-auth-clients', 'yes', ['no', 'yes', 'optional'], true, inert),
  bool('tls-prefer-server-ciphers', 'no', true, inert),
  bool('tls-session-caching', 'yes', true, inert),
  int('tls-session-cache-size', 20480, 0, INT_MAX, true, inert),
  int('tls-session-cache-timeout', 300, 0, INT_MAX, true, inert),
  bool('tls-cluster', 'no', true, inert),
  bool('tls-replication', 'no', true, inert),

  // Accepted for compatibility, no effect
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
  bool('latency-tracking', 'yes', true, inert),
  { name: 'latency-tracking-info-percentiles', type: 'percentiles', default: '50 99 99.9', mutable: true, ...inert },
  int('active-expire-effort', 1, 1, 10, true, inert),
  oneOf('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], true, { ...inert, synonyms: { relative: 'yes' } }),
  { name: 'oom-score-adj-values', type: 'oom-score-adj-values', default: '0 200 800', mutable: true, ...inert },
  bool('disable-thp', 'yes', false, inert),
  str('server_cpulist', '', false, inert),
  str('bio_cpulist', '', false, inert),
  str('aof_rewrite_cpulist', '', false, inert),
  str('bgsave_cpulist', '', false, inert),

  // Redis's hidden test hooks: CONFIG GET answers them by exact name only
  bool('use-exit-on-panic', 'no', true, hidden),
  int('rdb-key-save-delay', 0, INT_MIN, INT_MAX, true, hidden),
  int('key-load-delay', 0, INT_MIN, INT_MAX, true, hidden),
  int('watchdog-period', 0, 0, INT_MAX, true, hidden),
  int('loading-process-events-interval-bytes', 2097152, 1024, INT_MAX, true, hidden),
];

/**
 * Lines Redis 7.0 still accepts and ignores (its deprecated_configs): name and the number
 * of arguments it takes.
 */
export const deprecatedDirectives: ReadonlyMap<string, number> = new Map([
  ['list-max-ziplist-entries', 1],
  ['list-max-ziplist-value', 1],
  ['lua-replicate-commands', 1],
]);

export const directivesByName: ReadonlyMap<string, Directive> = (() => {
  const m = new Map<string, Directive>();
  for (const d of directives) {
    m.set(d.name, d);
    for (const alias of d.aliases ?? []) m.set(alias, d);
  }
  return m;
})();
