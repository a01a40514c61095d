/**
 * BGSAVE without a fork: one background save at a time, built by the snapshot engine
 * (engine.ts) and written by a FileSnapshotSink (file-sink.ts). Persistence owns this
 * object and decides when to save (BGSAVE, save points, a scheduled BGSAVE); this file
 * owns the running save, its figures and its log lines, in Redis 7.0's words.
 *
 * States: idle → running (the keyspace hook installed, slices on the event loop, bytes
 * going to temp-bgsave-<pid>.rdb) → idle. On success the temp file has been fsynced and
 * renamed over `dbfilename` and the directory fsynced; on failure or cancel the temp file
 * is removed and the previous dump is untouched, so a crash at any moment leaves either
 * the old file or the new one (invariant 4).
 *
 * Redis's figures and ours: where Redis reports copy-on-write bytes (current_cow_size,
 * rdb_last_cow_size), Vellum reports the bytes held only because the snapshot runs
 * (pre-images not yet written, copied elements, the write queue; an estimate, see
 * engine.ts), which is what COW measures for a fork. Fork time has no equivalent; what a
 * client feels instead is the longest time the save held the event loop (its longest
 * slice, hook call or start), reported as vellum_bgsave_max_stall_usec, and beside it the
 * event loop's worst delay while the save ran whatever caused it (GC, other commands),
 * measured by perf_hooks' monitorEventLoopDelay, as vellum_bgsave_max_loop_delay_usec.
 *
 * A temp file that cannot be created fails the save after BGSAVE has answered "started",
 * as Redis's fork succeeds and its child then fails: status err, MISCONF if configured.
 */

import { dirname } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Server } from '../../server/server.js';
import type { FileIo } from '../io.js';
import type { SnapshotOptions } from '../rdb-file.js';
import { startSnapshot, type SnapshotHandle, type SnapshotResult } from './engine.js';
import { AUTOSYNC_BYTES, bgsaveTempPath, FileSnapshotSink } from './file-sink.js';

export class BackgroundSave {
  private handle: SnapshotHandle | null = null;
  private startedMs = 0;
  private cancelled = false;
  /** BGSAVE SCHEDULE (or BGSAVE inside MULTI) while another snapshot ran. */
  scheduled = false;
  /** rdb_last_bgsave_time_sec, -1 before the first. */
  lastTimeSec = -1;
  /** The last save's peak extra bytes (Redis's rdb_last_cow_size). */
  lastPeakExtraBytes = 0;
  /** The last save's longest slice, hook call or start (ms): Vellum's "fork time". */
  lastLongestPauseMs = 0;
  /** The event loop's worst delay (ms) while the last save ran, whatever its cause. */
  lastLoopDelayMs = 0;
  private startMs = 0;
  private loopDelay: IntervalHistogram | null = null;

  /**
   * `onDone(ok, dirtyAtStart)` runs when a save ends: Persistence updates LASTSAVE, the
   * change counter and the bgsave status (MISCONF). A cancelled save reports nothing.
   */
  constructor(
    private readonly server: Server,
    private readonly onDone: (ok: boolean, dirtyAtStart: number) => void,
  ) {}

  get inProgress(): boolean {
    return this.handle !== null;
  }

  /** Another snapshot (an AOF rewrite) holds the keyspace: Redis's hasActiveChildProcess. */
  get otherSnapshotRunning(): boolean {
    return this.handle === null && this.server.keyspace.snapshotHook !== null;
  }

  /**
   * Redis's rdbSaveBackground: start saving to `path`. False only when another snapshot
   * runs; a temp file that cannot be created is a failed save (onDone(false) before this
   * returns), as a forked child failing at once would be.
   */
  start(path: string, options: SnapshotOptions, io: FileIo): boolean {
    const server = this.server;
    if (this.handle !== null || server.keyspace.snapshotHook !== null) return false;
    this.scheduled = false;
    this.cancelled = false;
    this.startedMs = performance.now();
    let sink: FileSnapshotSink;
    try {
      // rdb-save-incremental-fsync: fsync every 4 MiB as it writes, as Redis's rdbSave does.
      const autoSync = server.config.bool('rdb-save-incremental-fsync') ? AUTOSYNC_BYTES : 0;
      sink = new FileSnapshotSink(path, bgsaveTempPath(dirname(path)), autoSync, io);
    } catch (err) {
      server.log.notice('Background saving started (forkless snapshot)');
      this.failed(err as Error);
      return true;
    }
    const dirtyAtStart = server.keyspace.dirty;
    this.loopDelay = monitorEventLoopDelay({ resolution: 1 });
    this.loopDelay.enable();
    const handle = startSnapshot(server.keyspace, sink, options);
    this.handle = handle;
    this.startMs = performance.now() - this.startedMs;
    server.log.notice(`Background saving started (forkless snapshot, ${handle.progress.keysTotal} keys)`);
    handle.done.then(
      (result) => this.finished(result, dirtyAtStart),
      (err: Error) => this.failed(err),
    );
    return true;
  }

  private finished(r: SnapshotResult, dirtyAtStart: number): void {
    this.handle = null;
    this.stopLoopDelay();
    this.lastTimeSec = Math.round(r.durationMs / 1000);
    this.lastPeakExtraBytes = r.peakExtraBytes;
    this.lastLongestPauseMs = Math.max(r.longestSliceMs, r.longestHookMs, this.startMs);
    this.server.log.notice(
      `Background snapshot: ${r.keysProcessed} keys, ${r.bytes} bytes in ${(r.durationMs / 1000).toFixed(3)} seconds, ` +
      `peak extra memory ${(r.peakExtraBytes / 1048576).toFixed(1)} MB, longest pause ${this.lastLongestPauseMs.toFixed(2)} ms, ` +
      `worst event-loop delay ${this.lastLoopDelayMs.toFixed(2)} ms`,
    );
    this.server.log.notice('Background saving terminated with success');
    this.onDone(true, dirtyAtStart);
  }

  private failed(err: Error): void {
    this.handle = null;
    this.stopLoopDelay();
    this.lastTimeSec = Math.round((performance.now() - this.startedMs) / 1000);
    if (this.cancelled) return; // like Redis's SIGUSR1 kill: not an error
    this.server.log.warning(`Background saving error: ${err.message}`);
    this.onDone(false, 0);
  }

  private stopLoopDelay(): void {
    const h = this.loopDelay;
    if (h === null) return;
    h.disable();
    // The histogram records nanoseconds; a save shorter than its first sample has none.
    this.lastLoopDelayMs = h.count > 0 ? h.max / 1e6 : 0;
    this.loopDelay = null;
  }

  /** SHUTDOWN (and FLUSHALL in Redis): stop the running save; its temp file is removed. */
  cancel(): void {
    if (this.handle === null) return;
    this.server.log.warning('There is a child saving an .rdb. Killing it!');
    this.cancelled = true;
    this.handle.cancel('killed');
  }

  /** The INFO persistence fields that describe the running save (Redis's names). */
  info(): BackgroundSaveInfo {
    const h = this.handle;
    if (h === null) {
      return {
        inProgress: 0, currentTimeSec: -1, keysProcessed: 0, keysTotal: 0, extraBytes: 0, peakExtraBytes: 0,
        maxStallUsec: Math.round(this.lastLongestPauseMs * 1000), maxLoopDelayUsec: Math.round(this.lastLoopDelayMs * 1000),
      };
    }
    const p = h.progress;
    const loop = this.loopDelay;
    return {
      inProgress: 1,
      currentTimeSec: Math.floor((performance.now() - this.startedMs) / 1000),
      keysProcessed: p.keysProcessed,
      keysTotal: p.keysTotal,
      extraBytes: p.extraBytes,
      peakExtraBytes: p.peakExtraBytes,
      maxStallUsec: Math.round(Math.max(p.longestSliceMs, p.longestHookMs, this.startMs) * 1000),
      maxLoopDelayUsec: loop !== null && loop.count > 0 ? Math.round(loop.max / 1000) : 0,
    };
  }
}

/** The running save (or, for the two maxima, the last one) as INFO persistence shows it. */
export interface BackgroundSaveInfo {
  inProgress: number;
  currentTimeSec: number;
  keysProcessed: number;
  keysTotal: number;
  extraBytes: number;
  peakExtraBytes: number;
  maxStallUsec: number;
  maxLoopDelayUsec: number;
}
