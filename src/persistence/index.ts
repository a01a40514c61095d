/**
 * Persistence as the server sees it: loading at start-up, save points from the cron,
 * SAVE, the work to do at shutdown, the directives it owns and its INFO section. The
 * formats live below: rdb/ (the pure codec), rdb-file.ts (the codec meets the disk), and
 * later aof/ and snapshot/.
 *
 * The server calls, in order: load() once after listening; cron(now) hz times a second;
 * applyConfig() for directives the server does not own; shutdown(save) once at the end.
 *
 * States of the RDB side: idle → background saving (the forkless snapshot, `background`:
 * BGSAVE, save points, a scheduled BGSAVE once no other snapshot runs) → idle with
 * lastBgsaveStatus ok or err; SAVE and shutdown save synchronously (refused / cancelling
 * the background save first, as Redis kills its child). A failed save sets err, which
 * with `stop-writes-on-bgsave-error yes` and save points makes writes answer MISCONF
 * until a save succeeds. A failed save never replaces the previous file (rdb-file.ts).
 *
 * Loading refuses a bad file: the error names the file, the offset and the reason, and
 * nothing on disk is changed (invariant 4).
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigValue, SavePoint } from '../config/config.js';
import type { Server } from '../server/server.js';
import { loadRdbFile, loadRdbFileSliced, saveRdbFile, type LoadProgress, type SnapshotOptions } from './rdb-file.js';
import type { RdbFileInfo, RdbVisitor } from './rdb/reader.js';
import type { Value } from '../store/value.js';
import { RdbError } from './rdb/errors.js';
import { rdbWriterOptions } from './rdb/writer.js';
import { storeLoadVisitor, type StoreLoadCounts } from './rdb-load.js';
import { aofOf, type Aof } from './aof/index.js';
import { type FileIo, realIo } from './io.js';
import { AUTOSYNC_BYTES } from './snapshot/file-sink.js';
import { BackgroundSave } from './snapshot/bgsave.js';

/** Redis 7.0's MISCONF text (server.c, shared.bgsaveerr). */
export const MISCONF_RDB =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report errors ' +
  'during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs ' +
  'for details about the RDB error.';

/** Redis waits this long after a failed background save before a save point may retry. */
const SAVE_RETRY_DELAY_S = 5;

export interface LoadOptions {
  /** DEBUG RELOAD MERGE: a key already present is replaced instead of being an error. */
  merge?: boolean;
}

/** A load in progress: the visitor, its counts, the load's clock and the change counter to restore. */
interface ActiveLoad {
  readonly visitor: RdbVisitor<Value>;
  readonly counts: StoreLoadCounts;
  readonly now: number;
  readonly dirty: number;
}

function loadedPercent(p: LoadProgress): string {
  return p.totalBytes === 0 ? '100.00' : ((100 * p.loadedBytes) / p.totalBytes).toFixed(2);
}

/** An RdbError already names the file and offset; anything else gets the path. */
function loadError(path: string, err: unknown): Error {
  if (err instanceof RdbError) return err;
  return new Error(`Error loading ${path}: ${(err as Error).message}`);
}

export class Persistence {
  /** Unix time (s) of the last successful save; start-up counts as one, as in Redis. */
  lastSave = Math.floor(Date.now() / 1000);
  /** Unix time (s) of the last save attempt from a save point. */
  private lastSaveTry = 0;
  lastBgsaveStatus: 'ok' | 'err' = 'ok';
  private saves = 0;
  private lastLoadKeysLoaded = 0;
  private lastLoadKeysExpired = 0;
  /** While loading at start-up: INFO's loading_* fields. */
  private loadingStartTime = 0;
  private loadingProgress: LoadProgress | null = null;
  private loadingCounts: StoreLoadCounts | null = null;

  /** BGSAVE: the running forkless save, its figures and the SCHEDULE flag. */
  readonly background: BackgroundSave;
  /** The dump's file operations, SAVE's and BGSAVE's (a test may swap in one that simulates power loss). */
  io: FileIo = realIo;

  constructor(private readonly server: Server) {
    this.background = new BackgroundSave(server, (ok, dirtyAtStart) => this.backgroundSaveDone(ok, dirtyAtStart));
  }

  /** `<dir>/<dbfilename>`. */
  get rdbPath(): string {
    return join(this.server.dir, this.server.config.string('dbfilename'));
  }

  private get savePoints(): readonly SavePoint[] {
    return this.server.config.get('save') as readonly SavePoint[];
  }

  /** The append-only file (aof/): state, writer, rewrite. */
  get aof(): Aof {
    return aofOf(this.server);
  }

  /**
   * Start-up: with `appendonly yes` the AOF is the only source (dump.rdb is ignored, as in
   * Redis); otherwise load `dump.rdb` if there is one. Throws an Error naming file, offset,
   * reason.
   */
  async load(): Promise<void> {
    if (this.server.config.bool('appendonly')) {
      const start = performance.now();
      const result = this.aof.loadAndOpen();
      if (result.status === 'ok' || result.status === 'truncated') {
        this.server.log.notice(`DB loaded from append only file: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
      }
      return;
    }
    const path = this.rdbPath;
    if (!existsSync(path)) return;
    const start = performance.now();
    const load = this.beginLoad({});
    let lastLog = start;
    try {
      // In slices, as Redis serves events while loading: clients get -LOADING meanwhile,
      // INFO shows the progress, and a big file logs it about once a second.
      const info = await loadRdbFileSliced(path, load.visitor, this.server.config.bool('rdbchecksum'), 10, (p) => {
        this.loadingProgress = p;
        const now = performance.now();
        if (now - lastLog >= 1000) {
          lastLog = now;
          this.server.log.notice(`Loading RDB: ${loadedPercent(p)}% (${p.loadedBytes} of ${p.totalBytes} bytes, ${load.counts.loaded} keys)`);
        }
      });
      this.endLoad(load, info);
    } catch (err) {
      throw loadError(path, err);
    } finally {
      this.stopLoading(load);
    }
    this.server.log.notice(`DB loaded from disk: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
  }

  /**
   * Load an RDB file into the keyspace at once (DEBUG RELOAD). Keys already past their
   * deadline are dropped, as a primary does; empty collections are skipped with a warning.
   * The change counter is left as it was: loading is not a change to save.
   */
  loadRdb(path: string, opts: LoadOptions): void {
    const load = this.beginLoad(opts);
    try {
      this.endLoad(load, loadRdbFile(path, load.visitor, this.server.config.bool('rdbchecksum')));
    } catch (err) {
      throw loadError(path, err);
    } finally {
      this.stopLoading(load);
    }
  }

  /** The state both loaders share: the visitor and its counts, `loading` set, the clock. */
  private beginLoad(opts: LoadOptions): ActiveLoad {
    const server = this.server;
    const now = Date.now();
    server.keyspace.now = now;
    const counts: StoreLoadCounts = { loaded: 0, expired: 0, ctime: -1, usedMem: -1 };
    const visitor = storeLoadVisitor(server, { dropExpired: true, merge: opts.merge === true }, counts);
    server.loading = true;
    this.loadingStartTime = Math.floor(now / 1000);
    this.loadingCounts = counts;
    return { visitor, counts, now, dirty: server.keyspace.dirty };
  }

  private endLoad(load: ActiveLoad, info: RdbFileInfo): void {
    const log = this.server.log;
    if (info.checksum === 'disabled') log.notice('RDB file was saved with checksum disabled: no check performed.');
    if (load.counts.ctime >= 0) log.notice(`RDB age ${Math.max(0, Math.floor(load.now / 1000) - load.counts.ctime)} seconds`);
    this.lastLoadKeysLoaded = load.counts.loaded;
    this.lastLoadKeysExpired = load.counts.expired;
    log.notice(`Done loading RDB, keys loaded: ${load.counts.loaded}, keys expired: ${load.counts.expired}.`);
  }

  private stopLoading(load: ActiveLoad): void {
    this.server.loading = false;
    this.server.keyspace.dirty = load.dirty;
    this.loadingProgress = null;
    this.loadingCounts = null;
  }

  private snapshotOptions(): SnapshotOptions {
    const config = this.server.config;
    return {
      ...rdbWriterOptions(config),
      checksum: config.bool('rdbchecksum'),
      aofBase: false,
      now: Date.now(),
    };
  }

  /**
   * Redis's rdbSave: write `<dir>/<dbfilename>` atomically. On success the change counter
   * is reset and LASTSAVE moves; on failure the reason is logged, the previous file stays.
   */
  save(): boolean {
    const server = this.server;
    const dirtyBefore = server.keyspace.dirty;
    this.saves++;
    try {
      const autoSync = server.config.bool('rdb-save-incremental-fsync') ? AUTOSYNC_BYTES : 0;
      saveRdbFile(this.io, this.rdbPath, server.keyspace, this.snapshotOptions(), autoSync);
    } catch (err) {
      server.log.warning(`Write error saving DB on disk: ${(err as Error).message}`);
      return false;
    }
    server.keyspace.dirty -= dirtyBefore;
    this.lastSave = Math.floor(Date.now() / 1000);
    this.setBgsaveStatus('ok');
    server.log.notice('DB saved on disk');
    return true;
  }

  /**
   * FLUSHALL's persistence side (Redis's flushAllDataAndResetRDB): a running BGSAVE is
   * cancelled, and with save points configured the now empty dataset is saved at once, so
   * that a restart cannot bring the flushed keys back from the old dump.
   */
  afterFlushAll(): void {
    this.background.cancel();
    if (this.savePoints.length > 0) this.save();
  }

  /**
   * Redis's rdbSaveBackground: start a BGSAVE of `<dir>/<dbfilename>`. False when another
   * snapshot holds the keyspace; a save that fails at once has already reported err.
   */
  bgsave(): boolean {
    if (this.childActive) return false;
    this.saves++;
    this.lastSaveTry = Math.floor(Date.now() / 1000);
    return this.background.start(this.rdbPath, this.snapshotOptions(), this.io);
  }

  /** A snapshot or an AOF rewrite runs (Redis's hasActiveChildProcess). */
  get childActive(): boolean {
    return this.server.keyspace.snapshotHook !== null || this.background.inProgress || this.aof.rewriteInProgress;
  }

  /** A background save ended (not cancelled): Redis's backgroundSaveDoneHandlerDisk. */
  private backgroundSaveDone(ok: boolean, dirtyAtStart: number): void {
    if (ok) {
      const keyspace = this.server.keyspace;
      // A synchronous SAVE meanwhile (DEBUG RELOAD) may already have reset the counter.
      keyspace.dirty = Math.max(0, keyspace.dirty - dirtyAtStart);
      this.lastSave = Math.floor(Date.now() / 1000);
    }
    this.setBgsaveStatus(ok ? 'ok' : 'err');
  }

  /**
   * Redis's serverCron, RDB part: nothing while any snapshot runs; otherwise the first
   * satisfied save point starts a BGSAVE, else a scheduled BGSAVE starts. After a failure
   * both wait SAVE_RETRY_DELAY_S since the last attempt.
   */
  cron(now: number): void {
    if (this.childActive) return;
    const nowSec = Math.floor(now / 1000);
    const mayRetry = this.lastBgsaveStatus === 'ok' || nowSec - this.lastSaveTry > SAVE_RETRY_DELAY_S;
    const dirty = this.server.keyspace.dirty;
    for (const sp of this.savePoints) {
      if (dirty >= sp.changes && nowSec - this.lastSave > sp.seconds && mayRetry) {
        this.server.log.notice(`${sp.changes} changes in ${sp.seconds} seconds. Saving...`);
        this.bgsave();
        return;
      }
    }
    if (this.background.scheduled && mayRetry) this.bgsave();
  }

  private setBgsaveStatus(status: 'ok' | 'err'): void {
    this.lastBgsaveStatus = status;
    this.updateRefusal();
  }

  /** MISCONF while the last background save failed, save points exist and the option is on. */
  private updateRefusal(): void {
    const server = this.server;
    const refuse = this.lastBgsaveStatus === 'err' && this.savePoints.length > 0 &&
      server.config.bool('stop-writes-on-bgsave-error');
    if (refuse) server.diskErrorRefusal = MISCONF_RDB;
    else if (server.diskErrorRefusal === MISCONF_RDB) server.diskErrorRefusal = null;
  }

  applyConfig(name: string, value: ConfigValue): string | null {
    switch (name) {
      case 'dbfilename':
        if ((value as string).includes('/')) return "dbfilename can't be a path, just a filename";
        break;
      case 'save':
      case 'stop-writes-on-bgsave-error':
        this.updateRefusal();
        break;
      case 'appendonly':
      case 'appendfsync':
      case 'aof-timestamp-enabled':
      case 'no-appendfsync-on-rewrite':
        return this.aof.applyConfig(name, value);
    }
    return null;
  }

  /**
   * The save a shutdown does, after cancelling a running BGSAVE (its temp file goes): always with `save` true, never with false, and when save
   * points are configured with undefined (SIGTERM, plain SHUTDOWN). Never while loading.
   * Returns false if the save was needed and failed.
   */
  saveForShutdown(save: boolean | undefined): boolean {
    this.background.cancel();
    if (this.server.loading) return true;
    if (!(save ?? this.savePoints.length > 0)) return true;
    this.server.log.notice('Saving the final RDB snapshot before exiting.');
    if (this.save()) return true;
    this.server.log.warning("Error trying to save the DB, can't exit.");
    return false;
  }

  async shutdown(save: boolean | undefined): Promise<void> {
    this.aof.shutdown();
    if (!this.saveForShutdown(save)) throw new Error("Error trying to save the DB, can't exit.");
  }

  /**
   * INFO persistence, Redis 7.0.15's field set. The COW fields carry the bytes held only
   * because the snapshot runs (bgsave.ts) and current_fork_perc its progress, as Redis's
   * does; two vellum_ fields give the save's longest hold of the event loop and the worst
   * loop delay while it ran (the last save's once it ended), Vellum's answer to fork time.
   */
  info(): string {
    const bg = this.background.info();
    // A running AOF rewrite fills the current_* fields, as Redis's AOF child does.
    const rw = this.aof.rewriteProgress;
    if (rw !== null) {
      bg.keysProcessed = rw.keysProcessed;
      bg.keysTotal = rw.keysTotal;
      bg.extraBytes = rw.extraBytes;
      bg.peakExtraBytes = rw.peakExtraBytes;
    }
    const perc = bg.keysTotal > 0 ? (100 * bg.keysProcessed) / bg.keysTotal : 0;
    return [
      `loading:${this.server.loading ? 1 : 0}`,
      'async_loading:0',
      `current_cow_peak:${bg.peakExtraBytes}`,
      `current_cow_size:${bg.extraBytes}`,
      'current_cow_size_age:0',
      `current_fork_perc:${perc.toFixed(2)}`,
      `current_save_keys_processed:${bg.keysProcessed}`,
      `current_save_keys_total:${bg.keysTotal}`,
      `rdb_changes_since_last_save:${this.server.keyspace.dirty}`,
      `rdb_bgsave_in_progress:${bg.inProgress}`,
      `rdb_last_save_time:${this.lastSave}`,
      `rdb_last_bgsave_status:${this.lastBgsaveStatus}`,
      `rdb_last_bgsave_time_sec:${this.background.lastTimeSec}`,
      `rdb_current_bgsave_time_sec:${bg.currentTimeSec}`,
      `rdb_saves:${this.saves}`,
      `rdb_last_cow_size:${this.background.lastPeakExtraBytes}`,
      `vellum_bgsave_max_stall_usec:${bg.maxStallUsec}`,
      `vellum_bgsave_max_loop_delay_usec:${bg.maxLoopDelayUsec}`,
      `rdb_last_load_keys_expired:${this.lastLoadKeysExpired}`,
      `rdb_last_load_keys_loaded:${this.lastLoadKeysLoaded}`,
      ...this.aof.infoFields(),
      ...this.aof.infoEnabledFields(),
      ...this.loadingFields(),
    ].join('\r\n');
  }

  /** Redis's loading_* fields, present only while a start-up load runs. */
  private loadingFields(): string[] {
    const p = this.loadingProgress;
    if (!this.server.loading || p === null) return [];
    const elapsed = Date.now() / 1000 - this.loadingStartTime;
    const eta = p.loadedBytes === 0 ? 1 : Math.floor((elapsed * p.totalBytes) / p.loadedBytes - elapsed);
    return [
      `loading_start_time:${this.loadingStartTime}`,
      `loading_total_bytes:${p.totalBytes}`,
      `loading_rdb_used_mem:${Math.max(0, this.loadingCounts?.usedMem ?? 0)}`,
      `loading_loaded_bytes:${p.loadedBytes}`,
      `loading_loaded_perc:${loadedPercent(p)}`,
      `loading_eta_seconds:${eta}`,
    ];
  }
}
