/**
 * The INFO text (Redis's genRedisInfoString): sections in Redis 7.0's order with its field
 * names, so that monitoring tools written for Redis parse ours unchanged.
 *
 * Selection follows Redis: no argument means the default sections; `all` adds commandstats
 * and latencystats; `everything` is all plus modules; other words name sections
 * (case-insensitively); `default` may be combined with names. Section bodies are built only
 * when selected: INFO is called often by monitors, and building the keyspace section visits
 * every database.
 *
 * Where Vellum has no such mechanism (jemalloc, io-threads, fork, Lua), the field is kept
 * with the value an idle Redis reports, so a parser never misses a field it expects. Memory
 * figures come from V8 (process.memoryUsage): used_memory is heap plus external memory.
 */

import { arch, release, totalmem, type } from 'node:os';
import { resolve } from 'node:path';
import { REDIS_VERSION, VERSION } from '../config/config.js';
import type { CommandSpec } from '../commands/spec.js';
import type { Server } from './server.js';

const DEFAULT_SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list',
  'errorstats', 'cluster', 'keyspace',
];

/** Section key, title and builder, in Redis's order. */
const SECTIONS: readonly (readonly [string, string, (s: Server) => string[]])[] = [
  ['server', 'Server', serverSection],
  ['clients', 'Clients', clientsSection],
  ['memory', 'Memory', memorySection],
  ['persistence', 'Persistence', (s) => s.persistence.info().split('\r\n').filter((l) => l !== '')],
  ['stats', 'Stats', statsSection],
  ['replication', 'Replication', replicationSection],
  ['cpu', 'CPU', cpuSection],
  ['module_list', 'Modules', () => []],
  ['commandstats', 'Commandstats', commandstatsSection],
  ['errorstats', 'Errorstats', () => []],
  ['latencystats', 'Latencystats', () => []],
  ['cluster', 'Cluster', () => ['cluster_enabled:0']],
  ['keyspace', 'Keyspace', keyspaceSection],
];

/** The INFO reply text for the given arguments (argv after INFO). */
export function genInfoString(server: Server, args: readonly string[]): string {
  let all = false;
  const wanted = new Set<string>();
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) wanted.add(s);
  for (const raw of args) {
    const a = raw.toLowerCase();
    if (a === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
    else if (a === 'all' || a === 'everything') all = true;
    else wanted.add(a === 'modules' ? 'module_list' : a);
  }
  const parts: string[] = [];
  for (const [key, title, build] of SECTIONS) {
    if (!all && !wanted.has(key)) continue;
    let text = `# ${title}\r\n`;
    for (const line of build(server)) text += line + '\r\n';
    parts.push(text);
  }
  return parts.join('\r\n');
}

function serverSection(s: Server): string[] {
  const now = Date.now();
  const uptime = Math.floor((now - s.stats.startedAt) / 1000);
  return [
    `redis_version:${REDIS_VERSION}`,
    `vellum_version:${VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    'redis_build_id:0',
    'redis_mode:standalone',
    `os:${type()} ${release()} ${arch() === 'x64' ? 'x86_64' : arch()}`,
    'arch_bits:64',
    'monotonic_clock:POSIX clock_gettime',
    `multiplexing_api:${process.platform === 'linux' ? 'epoll' : 'kqueue'}`,
    'atomicvar_api:c11-builtin',
    'gcc_version:0.0.0',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${s.runId}`,
    `tcp_port:${s.tcpPort ?? 0}`,
    `server_time_usec:${now * 1000}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    `hz:${s.config.number('hz')}`,
    `configured_hz:${s.config.number('hz')}`,
    `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
    `executable:${process.argv[1] ?? ''}`,
    `config_file:${s.config.file === null ? '' : resolve(s.config.file)}`,
    'io_threads_active:0',
  ];
}

function clientsSection(s: Server): string[] {
  let inTimeoutTable = 0;
  for (const c of s.blocking.blockedClients) if (c.blocked!.deadline !== 0) inTimeoutTable++;
  return [
    `connected_clients:${s.clients.size}`,
    'cluster_connections:0',
    `maxclients:${s.config.number('maxclients')}`,
    'client_recent_max_input_buffer:0',
    'client_recent_max_output_buffer:0',
    `blocked_clients:${s.blocking.blockedClients.size}`,
    'tracking_clients:0',
    `clients_in_timeout_table:${inTimeoutTable}`,
  ];
}

/** Peak of used_memory as seen by INFO and the cron, per server. */
const memoryPeak = new WeakMap<Server, number>();

function memorySection(s: Server): string[] {
  const m = process.memoryUsage();
  const used = m.heapUsed + m.external;
  const peak = Math.max(memoryPeak.get(s) ?? 0, used);
  memoryPeak.set(s, peak);
  const maxmemory = s.config.number('maxmemory');
  const total = totalmem();
  return [
    `used_memory:${used}`,
    `used_memory_human:${bytesToHuman(used)}`,
    `used_memory_rss:${m.rss}`,
    `used_memory_rss_human:${bytesToHuman(m.rss)}`,
    `used_memory_peak:${peak}`,
    `used_memory_peak_human:${bytesToHuman(peak)}`,
    `used_memory_peak_perc:${((used / peak) * 100).toFixed(2)}%`,
    'used_memory_overhead:0',
    'used_memory_startup:0',
    `used_memory_dataset:${used}`,
    'used_memory_dataset_perc:100.00%',
    `allocator_allocated:${m.heapUsed}`,
    `allocator_active:${m.heapTotal}`,
    `allocator_resident:${m.rss}`,
    `total_system_memory:${total}`,
    `total_system_memory_human:${bytesToHuman(total)}`,
    'used_memory_lua:0',
    'used_memory_vm_eval:0',
    'used_memory_lua_human:0B',
    'used_memory_scripts_eval:0',
    'number_of_cached_scripts:0',
    'number_of_functions:0',
    'number_of_libraries:0',
    'used_memory_vm_functions:0',
    'used_memory_vm_total:0',
    'used_memory_vm_total_human:0B',
    'used_memory_functions:0',
    'used_memory_scripts:0',
    'used_memory_scripts_human:0B',
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${bytesToHuman(maxmemory)}`,
    `maxmemory_policy:${s.config.string('maxmemory-policy')}`,
    `allocator_frag_ratio:${(m.heapTotal / Math.max(m.heapUsed, 1)).toFixed(2)}`,
    `allocator_frag_bytes:${m.heapTotal - m.heapUsed}`,
    `allocator_rss_ratio:${(m.rss / Math.max(m.heapTotal, 1)).toFixed(2)}`,
    `allocator_rss_bytes:${m.rss - m.heapTotal}`,
    'rss_overhead_ratio:1.00',
    'rss_overhead_bytes:0',
    `mem_fragmentation_ratio:${(m.rss / Math.max(used, 1)).toFixed(2)}`,
    `mem_fragmentation_bytes:${m.rss - used}`,
    'mem_not_counted_for_evict:0',
    'mem_replication_backlog:0',
    'mem_total_replication_buffers:0',
    'mem_clients_slaves:0',
    'mem_clients_normal:0',
    'mem_cluster_links:0',
    'mem_aof_buffer:0',
    'mem_allocator:v8',
    'active_defrag_running:0',
    'lazyfree_pending_objects:0',
    'lazyfreed_objects:0',
  ];
}

function statsSection(s: Server): string[] {
  const st = s.stats;
  const ks = s.keyspace.stats;
  return [
    `total_connections_received:${st.connectionsReceived}`,
    `total_commands_processed:${st.commandsProcessed}`,
    'instantaneous_ops_per_sec:0',
    `total_net_input_bytes:${st.netInputBytes}`,
    `total_net_output_bytes:${st.netOutputBytes}`,
    'total_net_repl_input_bytes:0',
    'total_net_repl_output_bytes:0',
    'instantaneous_input_kbps:0.00',
    'instantaneous_output_kbps:0.00',
    'instantaneous_input_repl_kbps:0.00',
    'instantaneous_output_repl_kbps:0.00',
    `rejected_connections:${st.rejectedConnections}`,
    'sync_full:0',
    'sync_partial_ok:0',
    'sync_partial_err:0',
    `expired_keys:${ks.expiredKeys}`,
    'expired_stale_perc:0.00',
    'expired_time_cap_reached_count:0',
    'expire_cycle_cpu_milliseconds:0',
    'evicted_keys:0',
    'evicted_clients:0',
    'total_eviction_exceeded_time:0',
    'current_eviction_exceeded_time:0',
    `keyspace_hits:${ks.hits}`,
    `keyspace_misses:${ks.misses}`,
    `pubsub_channels:${s.pubsub.channels.size}`,
    `pubsub_patterns:${s.pubsub.patterns.size}`,
    'pubsubshard_channels:0',
    'latest_fork_usec:0',
    'total_forks:0',
    'migrate_cached_sockets:0',
    'slave_expires_tracked_keys:0',
    'active_defrag_hits:0',
    'active_defrag_misses:0',
    'active_defrag_key_hits:0',
    'active_defrag_key_misses:0',
    'total_active_defrag_time:0',
    'current_active_defrag_time:0',
    'tracking_total_keys:0',
    'tracking_total_items:0',
    'tracking_total_prefixes:0',
    'unexpected_error_replies:0',
    `total_error_replies:${st.errorReplies}`,
    'dump_payload_sanitizations:0',
    `total_reads_processed:${st.readsProcessed}`,
    `total_writes_processed:${st.writesProcessed}`,
    'io_threaded_reads_processed:0',
    'io_threaded_writes_processed:0',
    'reply_buffer_shrinks:0',
    'reply_buffer_expands:0',
  ];
}

function replicationSection(s: Server): string[] {
  return [
    'role:master',
    'connected_slaves:0',
    'master_failover_state:no-failover',
    `master_replid:${s.runId}`,
    'master_replid2:0000000000000000000000000000000000000000',
    'master_repl_offset:0',
    'second_repl_offset:-1',
    'repl_backlog_active:0',
    'repl_backlog_size:1048576',
    'repl_backlog_first_byte_offset:0',
    'repl_backlog_histlen:0',
  ];
}

function cpuSection(): string[] {
  const u = process.cpuUsage();
  const sys = (u.system / 1e6).toFixed(6);
  const user = (u.user / 1e6).toFixed(6);
  return [
    `used_cpu_sys:${sys}`,
    `used_cpu_user:${user}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
    `used_cpu_sys_main_thread:${sys}`,
    `used_cpu_user_main_thread:${user}`,
  ];
}

function commandstatsSection(s: Server): string[] {
  const lines: string[] = [];
  const visit = (spec: CommandSpec, name: string) => {
    const st = s.dispatcher.stats.get(spec);
    if (st !== undefined && st.calls + st.rejectedCalls + st.failedCalls > 0) {
      const usec = Math.round(st.usec);
      const perCall = st.calls === 0 ? 0 : st.usec / st.calls;
      lines.push(`cmdstat_${name}:calls=${st.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},` +
        `rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`);
    }
  };
  for (const spec of s.dispatcher.commands) {
    visit(spec, spec.name);
    for (const sub of spec.subcommands ?? []) visit(sub, `${spec.name}|${sub.name}`);
  }
  return lines;
}

function keyspaceSection(s: Server): string[] {
  const lines: string[] = [];
  for (const db of s.keyspace.dbs) {
    if (db.size > 0) lines.push(`db${db.id}:keys=${db.size},expires=${db.volatileCount},avg_ttl=0`);
  }
  return lines;
}

/** Redis's bytesToHuman: B, K, M, G… with two decimals. */
function bytesToHuman(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}
