/**
 * Persistence as the server sees it: loading at start-up, save points from the cron,
 * the work to do at shutdown, the directives it owns and its INFO section. The formats
 * live below: rdb/ (the pure codec), and later aof/ and snapshot/.
 *
 * The server calls, in order: load() once after listening; cron(now) hz times a second;
 * applyConfig() for directives the server does not own; shutdown(save) once at the end.
 */

import type { ConfigValue } from '../config/config.js';
import type { Server } from '../server/server.js';

export class Persistence {
  /** Unix time (s) of the last successful save; start-up counts as one, as in Redis. */
  lastSave = Math.floor(Date.now() / 1000);

  constructor(private readonly server: Server) {}

  async load(): Promise<void> {}

  cron(_now: number): void {}

  applyConfig(_name: string, _value: ConfigValue): string | null {
    return null;
  }

  async shutdown(_save: boolean | undefined): Promise<void> {}

  /** INFO persistence, Redis 7.0.15's field set. */
  info(): string {
    return [
      'loading:0',
      'async_loading:0',
      'current_cow_peak:0',
      'current_cow_size:0',
      'current_cow_size_age:0',
      'current_fork_perc:0.00',
      'current_save_keys_processed:0',
      'current_save_keys_total:0',
      `rdb_changes_since_last_save:${this.server.keyspace.dirty}`,
      'rdb_bgsave_in_progress:0',
      `rdb_last_save_time:${this.lastSave}`,
      'rdb_last_bgsave_status:ok',
      'rdb_last_bgsave_time_sec:-1',
      'rdb_current_bgsave_time_sec:-1',
      'rdb_saves:0',
      'rdb_last_cow_size:0',
      'rdb_last_load_keys_expired:0',
      'rdb_last_load_keys_loaded:0',
      'aof_enabled:0',
      'aof_rewrite_in_progress:0',
      'aof_rewrite_scheduled:0',
      'aof_last_rewrite_time_sec:-1',
      'aof_current_rewrite_time_sec:-1',
      'aof_last_bgrewrite_status:ok',
      'aof_rewrites:0',
      'aof_rewrites_consecutive_failures:0',
      'aof_last_write_status:ok',
      'aof_last_cow_size:0',
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ].join('\r\n');
  }
}
