/**
 * The append-only file as persistence sees it: state, start-up, rewrite, config and INFO.
 * The pieces: manifest.ts (which files), loader.ts (reading them back), writer.ts (the
 * command stream to disk with its fsync policy and group commit), rewrite.ts (a new base),
 * io.ts (every file operation, swappable in tests).
 *
 * States: off → (CONFIG SET appendonly yes) wait-rewrite → on; on → (appendonly no) off.
 *  - off: nothing is written; BGREWRITEAOF still produces a base and a manifest naming it;
 *  - wait-rewrite: writes go to `temp-<name>.incr` until the first rewrite has produced a
 *    base, which then enters the manifest together with that file renamed as an incr;
 *  - on: writes go to the last incr file of the manifest.
 * Start-up with `appendonly yes`: the AOF is the only source (dump.rdb is ignored); with
 * no AOF at all an empty base is written first, then an incr file is opened or created.
 *
 * A rewrite (rewrite.ts has its protocol) runs in the background beside any state: the
 * base is written by the forkless snapshot engine over many loop turns while writes go to
 * the new incr file. One snapshot at a time, as Redis allows one child: BGREWRITEAOF during
 * a BGSAVE is scheduled and the cron starts it once the BGSAVE ends; during a rewrite it
 * is refused ("already in progress"); BGSAVE during a rewrite is refused or scheduled by
 * its command. appendonly no and SHUTDOWN kill a running rewrite (its files are removed).
 *
 * Rewrite failures back off as Redis's do: after 3 in a row, automatic and scheduled
 * rewrites wait 1, 2, 4 … 60 minutes; BGREWRITEAOF is never held back. A failed rewrite
 * while the AOF is being switched on drops the temp incr and is scheduled again.
 */

import { join } from 'node:path';
import type { Server } from '../../server/server.js';
import { type FileIo, realIo, strerror } from '../io.js';
import { loadAofFiles, prepareManifest, type AofPaths, type LoadResult } from './loader.js';
import { AofManifest, AofNames, persistManifest, type AofInfo } from './manifest.js';
import type { SnapshotHandle, SnapshotProgress, SnapshotResult } from '../snapshot/engine.js';
import { buildBase, startBase, tempRewritePath } from './rewrite.js';
import { AofWriter, type FsyncPolicy } from './writer.js';

export { AofLoadError } from './loader.js';

type AofState = 'off' | 'on' | 'wait-rewrite';

export class Aof {
  state: AofState = 'off';
  manifest = new AofManifest();
  readonly writer: AofWriter;
  baseSize = 0;
  rewriteScheduled = false;
  /** The running rewrite, null when none runs. */
  private rewriting: RewriteJob | null = null;
  private rewriteStart = 0;
  /** The last rewrite's longest hold of the event loop and its peak extra bytes. */
  private lastMaxStallMs = 0;
  private lastCowBytes = 0;
  private lastRewriteTimeSec = -1;
  private lastBgrewriteStatus: 'ok' | 'err' = 'ok';
  private rewrites = 0;
  private consecutiveFailures = 0;
  private nextRetry = 0;
  private timer: NodeJS.Timeout | null = null;
  /**
   * The incr file a rewrite's start switched the writer to, until the manifest names it
   * (nameUnnamedIncr): named any earlier, it would make the file before it the manifest's
   * second-to-last, where a torn tail is fatal to loading (Redis's rule), while that file
   * may still have unsynced bytes a power cut tears.
   */
  private unnamedIncr: AofInfo | null = null;
  private readonly nameIncrHook = (): string | null => this.nameUnnamedIncr();

  /** The newest Aof of a server is the one aofOf returns (tests construct one with their io). */
  constructor(private readonly server: Server, readonly io: FileIo = realIo) {
    this.writer = new AofWriter(server, io);
    registry.set(server, this);
  }

  get paths(): AofPaths {
    const config = this.server.config;
    return {
      dir: this.server.dir,
      aofDir: join(this.server.dir, config.string('appenddirname')),
      names: new AofNames(config.string('appendfilename')),
    };
  }

  private get rdbPreamble(): boolean {
    return this.server.config.bool('aof-use-rdb-preamble');
  }

  // ------------------------------------------------------------------ start-up

  /**
   * `appendonly yes` at start-up: load the AOF (the only source), then open it for
   * appending. Throws AofLoadError / ManifestError on refusal.
   */
  loadAndOpen(): LoadResult {
    const p = this.paths;
    const am = prepareManifest(this.server, this.io, p);
    const result = loadAofFiles(this.server, this.io, p, am);
    this.manifest = am;
    this.baseSize = result.baseSize;
    this.writer.currentSize = result.totalSize;
    this.openOnStart();
    return result;
  }

  /** Redis's aofOpenIfNeededOnServerStart, then aofDelHistoryFiles. */
  private openOnStart(): void {
    const { aofDir, names } = this.paths;
    const io = this.io;
    io.mkdir(aofDir);
    const am = this.manifest;
    let created = false;
    if (am.isEmpty) {
      const name = names.base(am.baseSeq + 1, this.rdbPreamble);
      buildBase(this.server, io, join(aofDir, name), this.rdbPreamble);
      am.base = { name, seq: am.baseSeq + 1, type: 'b' };
      am.baseSeq++;
      this.baseSize = io.size(join(aofDir, name));
      this.writer.currentSize = this.baseSize;
      this.server.log.notice(`Creating AOF base file ${name} on server start`);
    }
    if (am.incrs.length === 0) {
      am.incrSeq++;
      am.incrs.push({ name: names.incr(am.incrSeq), seq: am.incrSeq, type: 'i' });
      created = true;
    }
    const last = am.incrs[am.incrs.length - 1]!;
    const path = join(aofDir, last.name);
    const fd = io.openAppend(path);
    persistManifest(io, aofDir, names, am);
    this.startWriting(fd, io.size(path), last.name);
    this.server.log.notice(`${created ? 'Creating' : 'Opening'} AOF incr file ${last.name} on server start`);
    this.state = 'on';
    this.deleteHistory();
  }

  private startWriting(fd: number, size: number, name: string): void {
    const w = this.writer;
    this.applyWriterConfig();
    w.switchTo(fd, size, name);
    w.attach();
    this.ensureTimer();
  }

  private applyWriterConfig(): void {
    const config = this.server.config;
    this.writer.timestamps = config.bool('aof-timestamp-enabled');
    this.writer.noFsyncOnRewrite = config.bool('no-appendfsync-on-rewrite');
    this.writer.setPolicy(config.string('appendfsync') as FsyncPolicy);
  }

  // ------------------------------------------------------------------ on / off

  /**
   * CONFIG SET appendonly yes: a rewrite first, as Redis's startAppendOnly does; writes
   * go to `temp-<name>.incr` from the rewrite's start. While a BGSAVE runs the rewrite is
   * scheduled; a running rewrite of the AOF-off state is killed and started again (it
   * had no incr file collecting writes). Returns an error or null.
   */
  enable(): string | null {
    if (this.state !== 'off') return null;
    this.state = 'wait-rewrite';
    this.ensureTimer();
    if (this.otherSnapshotRunning) {
      this.rewriteScheduled = true;
      this.server.log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
      return null;
    }
    if (this.rewriting !== null) {
      this.server.log.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
      this.killRewrite();
    }
    if (!this.rewrite()) {
      this.server.log.warning("Vellum needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
      this.state = 'off';
      return 'Failed to enable the AOF: the initial rewrite failed';
    }
    return null;
  }

  /** CONFIG SET appendonly no: flush, fsync and close the AOF; a running rewrite is killed. */
  disable(): void {
    if (this.state === 'off') return;
    this.writer.close();
    this.writer.detach();
    if (this.unnamedIncr !== null) {
      this.removeUnnamed(this.unnamedIncr);
      this.unnamedIncr = null;
      this.writer.nameFile = null;
    }
    this.killRewrite();
    if (this.state === 'wait-rewrite') this.removeTempIncr();
    this.state = 'off';
    this.rewriteScheduled = false;
    this.stopTimerIfIdle();
  }

  private ensureTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.cron(Date.now()), 100);
    this.timer.unref();
  }

  private stopTimerIfIdle(): void {
    if (this.timer === null || this.state !== 'off' || this.rewriteScheduled || this.rewriting !== null) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Step 1 of a rewrite (rewrite.ts): the new incr file enters the manifest just before
   * its first write, which the writer makes once the file before it is durable; or with
   * the new base (step 3), if that comes first.
   */
  private nameUnnamedIncr(): string | null {
    const incr = this.unnamedIncr;
    if (incr === null) return null;
    const t0 = performance.now();
    const am = this.manifest.clone();
    am.incrSeq = incr.seq;
    am.incrs.push(incr);
    try {
      persistManifest(this.io, this.paths.aofDir, this.paths.names, am);
    } catch (err) {
      return (err as Error).message;
    } finally {
      // Part of the rewrite's cost to the loop, as when it was done at the start.
      const job = this.rewriting;
      if (job !== null) job.stallMs = Math.max(job.stallMs, performance.now() - t0);
    }
    this.manifest = am;
    this.unnamedIncr = null;
    this.server.log.verbose(`AOF incr file ${incr.name} named in the manifest`);
    return null;
  }

  /** An incr file that never got a write and never will (its manifest line never written). */
  private removeUnnamed(incr: AofInfo): void {
    try { this.io.unlink(join(this.paths.aofDir, incr.name)); } catch { /* already gone */ }
  }

  private removeTempIncr(): void {
    try { this.io.unlink(join(this.paths.aofDir, this.paths.names.tempIncr)); } catch { /* already gone */ }
  }

  // ------------------------------------------------------------------ rewrite

  /** A rewrite runs (Redis: child_type == CHILD_TYPE_AOF). */
  get rewriteInProgress(): boolean {
    return this.rewriting !== null;
  }

  /** Resolves once no rewrite runs (the current one finished, failed or was killed). */
  async waitRewrite(): Promise<void> {
    for (let job = this.rewriting; job !== null; job = this.rewriting) {
      await job.handle?.done.catch(() => undefined);
      // The completion handler is the next callback of `done`: let it run.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** A BGSAVE (or any other snapshot) holds the keyspace: Redis's "another child". */
  get otherSnapshotRunning(): boolean {
    if (this.rewriting !== null) return false;
    return this.server.persistence.background.inProgress || this.server.keyspace.snapshotHook !== null;
  }

  /** BGREWRITEAOF while a BGSAVE runs or inside MULTI: run it from the cron when free. */
  schedule(): void {
    this.rewriteScheduled = true;
    // A manual request is not held back by earlier failures (Redis 7.0 does the same).
    this.consecutiveFailures = 0;
    this.nextRetry = 0;
    this.ensureTimer();
  }

  /**
   * Start a rewrite (protocol in rewrite.ts): steps 1 and 2 now, 3 and 4 when the base is
   * complete. False when it cannot start (another snapshot
   * runs, or the new incr file cannot be opened), after logging why; a base that fails
   * later is a failed rewrite (aof_last_bgrewrite_status:err, retried with back-off), as a
   * forked child failing after BGREWRITEAOF answered. The current AOF is never damaged.
   */
  rewrite(): boolean {
    if (this.rewriting !== null || this.otherSnapshotRunning) return false;
    const t0 = performance.now();
    const server = this.server;
    const io = this.io;
    const { dir, aofDir, names } = this.paths;
    const w = this.writer;
    const preamble = this.rdbPreamble;
    let firstIncrSeq = 0;
    try {
      io.mkdir(aofDir);
      // 1. New writes go to a new incr file, named in the manifest just before its first write.
      w.flush(true);
      if (this.state === 'on') {
        const seq = (this.unnamedIncr?.seq ?? this.manifest.incrSeq) + 1;
        const incr = { name: names.incr(seq), seq, type: 'i' as const };
        const fd = io.openAppend(join(aofDir, incr.name));
        w.switchTo(fd, 0, incr.name);
        // Still unnamed after the flushes, the last rewrite's incr never got a byte: drop it.
        if (this.unnamedIncr !== null) this.removeUnnamed(this.unnamedIncr);
        this.unnamedIncr = incr;
        w.nameFile = this.nameIncrHook;
        firstIncrSeq = incr.seq;
        server.log.notice(`Creating AOF incr file ${incr.name} on background rewrite`);
      } else if (this.state === 'wait-rewrite') {
        const fd = io.openWrite(join(aofDir, names.tempIncr));
        this.startWriting(fd, 0, names.tempIncr);
        w.currentSize = 0;
      }
    } catch (err) {
      server.log.warning(`Can't open new incr AOF for background rewrite: ${strerror(err)}`);
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    this.rewriteScheduled = false;
    this.rewrites++;
    this.rewriteStart = Date.now();
    const baseName = names.base(this.manifest.baseSeq + 1, preamble);
    const job: RewriteJob = {
      handle: null, baseName, basePath: join(aofDir, baseName), temp: tempRewritePath(dir), firstIncrSeq,
      coversGen: w.generation, stallMs: 0,
    };
    this.rewriting = job;
    this.ensureTimer();
    // 2. The base at T, in the background (RDB, or RESP converted from an RDB image).
    try {
      job.handle = startBase(server, io, job.temp, job.basePath, preamble);
    } catch (err) {
      server.log.notice('Background append only file rewriting started');
      this.rewriteFailed(job, err as Error);
      return true;
    }
    job.stallMs = performance.now() - t0;
    server.log.notice(`Background append only file rewriting started (forkless snapshot, ${job.handle.progress.keysTotal} keys)`);
    job.handle.done.then((r) => this.rewriteFinished(job, r), (err: Error) => this.rewriteFailed(job, err));
    return true;
  }

  /** Steps 3 and 4: the base is durable and in place; swap the manifest, drop history. */
  private rewriteFinished(job: RewriteJob, r: SnapshotResult): void {
    if (this.rewriting !== job) return; // killed meanwhile
    const t0 = performance.now();
    const io = this.io;
    const { aofDir, names } = this.paths;
    const w = this.writer;
    const am = this.manifest.clone();
    const unnamed = this.unnamedIncr;
    if (unnamed !== null) {
      am.incrSeq = unnamed.seq;
      am.incrs.push(unnamed);
    }
    try {
      // 3. The one moment the AOF changes.
      am.baseSeq++;
      if (am.base !== null) am.history.push({ ...am.base, type: 'h' });
      am.base = { name: job.baseName, seq: am.baseSeq, type: 'b' };
      const keep = this.state === 'on' ? am.incrs.filter((ai) => ai.seq >= job.firstIncrSeq) : [];
      for (const ai of am.incrs) if (!keep.includes(ai)) am.history.push({ ...ai, type: 'h' });
      am.incrs = keep;
      if (this.state === 'wait-rewrite') {
        am.incrSeq++;
        const incr = { name: names.incr(am.incrSeq), seq: am.incrSeq, type: 'i' as const };
        io.rename(join(aofDir, names.tempIncr), join(aofDir, incr.name));
        am.incrs.push(incr);
        w.name = incr.name;
      }
      persistManifest(io, aofDir, names, am);
    } catch (err) {
      this.rewriteFailed(job, err as Error);
      return;
    }
    this.manifest = am;
    if (unnamed !== null) {
      this.unnamedIncr = null;
      w.nameFile = null;
    }
    if (this.state === 'wait-rewrite') this.state = 'on';
    // The old incr files are history: writes waiting on them (their fsync, or a failed one) go on.
    w.baseCovers(job.coversGen);
    this.baseSize = io.size(job.basePath);
    w.currentSize = this.baseSize + (this.state === 'on' ? w.incrSize : 0);
    // 4. History goes.
    this.deleteHistory();
    this.rewriting = null;
    this.noteStall(job, r, performance.now() - t0);
    this.lastCowBytes = r.peakExtraBytes;
    this.server.log.notice('Background AOF rewrite finished successfully');
    this.rewriteDone(true);
  }

  /** A failed base or manifest swap: remove what it wrote; the current AOF is untouched. */
  private rewriteFailed(job: RewriteJob, err: Error): void {
    if (this.rewriting !== job) return;
    this.rewriting = null;
    this.noteStall(job, null, 0);
    this.discardRewriteFiles(job);
    this.server.log.warning(`Background AOF rewrite terminated with error: ${err.message}`);
    if (this.state === 'wait-rewrite') {
      // Redis deletes the temp incr and schedules another try to switch the AOF on.
      this.writer.close();
      this.writer.detach();
      this.removeTempIncr();
      this.rewriteScheduled = true;
    }
    this.rewriteDone(false);
  }

  /** SHUTDOWN, appendonly no, a restart of the rewrite: stop it; not counted as a failure. */
  private killRewrite(): void {
    const job = this.rewriting;
    if (job === null) return;
    this.server.log.notice('Killing running AOF rewrite');
    this.rewriting = null;
    job.handle?.cancel('killed');
    this.discardRewriteFiles(job);
    this.lastRewriteTimeSec = Math.round((Date.now() - this.rewriteStart) / 1000);
  }

  /** The temp base and, if the rename already happened, the base the manifest never named. */
  private discardRewriteFiles(job: RewriteJob): void {
    try { this.io.unlink(job.temp); } catch { /* removed by the sink, or never created */ }
    if (this.manifest.base?.name !== job.baseName) {
      try { this.io.unlink(job.basePath); } catch { /* never renamed */ }
    }
  }

  /** The rewrite's longest hold of the event loop: its start, a slice, a hook, its end. */
  private noteStall(job: RewriteJob, r: SnapshotResult | null, endMs: number): void {
    const p = r ?? job.handle?.progress;
    const slices = p === undefined ? 0 : Math.max(p.longestSliceMs, p.longestHookMs);
    this.lastMaxStallMs = Math.max(job.stallMs, slices, endMs);
  }

  private rewriteDone(ok: boolean): void {
    this.lastRewriteTimeSec = Math.round((Date.now() - this.rewriteStart) / 1000);
    this.lastBgrewriteStatus = ok ? 'ok' : 'err';
    if (ok) {
      this.consecutiveFailures = 0;
      this.nextRetry = 0;
    } else if (++this.consecutiveFailures >= 3) {
      const minutes = Math.min(60, 2 ** (this.consecutiveFailures - 3));
      this.nextRetry = Date.now() + minutes * 60_000;
      this.server.log.warning(`Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${minutes} minutes`);
    }
    this.stopTimerIfIdle();
  }

  /** Remove history files from disk and from the manifest (aofDelHistoryFiles). */
  private deleteHistory(): void {
    const am = this.manifest;
    if (am.history.length === 0) return;
    const { aofDir, names } = this.paths;
    for (const ai of am.history) {
      this.server.log.notice(`Removing the history file ${ai.name} in the background`);
      try { this.io.bgUnlink(join(aofDir, ai.name)); } catch { /* already gone */ }
    }
    am.history = [];
    try {
      persistManifest(this.io, aofDir, names, am);
    } catch (err) {
      // The swapped manifest is in place; history lines in it are harmless until next time.
      this.server.log.warning(`Can't persist the AOF manifest after removing history files: ${(err as Error).message}`);
    }
  }

  /**
   * Scheduled and automatic rewrites, postponed writes, everysec fsync, error retries.
   * Nothing starts while a rewrite or a BGSAVE runs, as Redis waits for its child. Writes a
   * failed fsync may have lost need a new base (writer.ts): a rewrite is started for them,
   * with the back-off of failed rewrites.
   */
  cron(now: number): void {
    this.writer.cron();
    if (this.rewriting !== null || this.otherSnapshotRunning || now < this.nextRetry) return;
    if (this.rewriteScheduled) {
      this.rewrite();
      return;
    }
    if (this.state === 'on' && this.writer.needsBase) {
      if (this.rewrite()) this.server.log.warning('AOF rewrite started: only a new base can make the writes of the failed fsync durable');
      return;
    }
    const config = this.server.config;
    const perc = config.number('auto-aof-rewrite-percentage');
    if (this.state !== 'on' || perc <= 0) return;
    const size = this.writer.currentSize;
    if (size <= config.number('auto-aof-rewrite-min-size')) return;
    const base = this.baseSize > 0 ? this.baseSize : 1;
    const growth = Math.floor((size * 100) / base) - 100;
    if (growth >= perc) {
      this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
      this.rewrite();
    }
  }

  // ------------------------------------------------------------------ config, shutdown, INFO

  /** Directives the AOF owns; returns an error text or null. */
  applyConfig(name: string, value: unknown): string | null {
    switch (name) {
      case 'appendonly':
        if (value === true) return this.enable();
        this.disable();
        return null;
      case 'appendfsync':
        this.writer.setPolicy(value as FsyncPolicy);
        return null;
      case 'aof-timestamp-enabled':
        this.writer.timestamps = value as boolean;
        return null;
      case 'no-appendfsync-on-rewrite':
        this.writer.noFsyncOnRewrite = value as boolean;
        return null;
    }
    return null;
  }

  /** SHUTDOWN: a running rewrite is killed (its files removed), then the AOF is synced. */
  shutdown(): void {
    if (this.rewriting !== null) {
      this.server.log.warning('There is a child rewriting the AOF. Killing it!');
      this.killRewrite();
    }
    this.rewriteScheduled = false;
    if (this.state === 'off') {
      this.stopTimerIfIdle();
      return;
    }
    this.server.log.notice('Calling fsync() on the AOF file.');
    this.disable();
  }

  /** The running rewrite's snapshot progress (INFO's current_* fields), or null. */
  get rewriteProgress(): Readonly<SnapshotProgress> | null {
    return this.rewriting?.handle?.progress ?? null;
  }

  /**
   * The aof_* lines of INFO persistence, split where Redis puts the loading fields.
   * aof_last_cow_size carries the last rewrite's peak extra bytes (as rdb_last_cow_size
   * does for BGSAVE), and vellum_aof_rewrite_max_stall_usec its longest hold of the event
   * loop (the running one's so far), Vellum's answer to fork time.
   */
  infoFields(): string[] {
    const w = this.writer;
    const writeErr = w.lastWriteStatus === 'err' || w.fsyncStatus === 'err';
    const job = this.rewriting;
    if (job !== null) this.noteStall(job, null, 0);
    return [
      `aof_enabled:${this.state !== 'off' ? 1 : 0}`,
      `aof_rewrite_in_progress:${job !== null ? 1 : 0}`,
      `aof_rewrite_scheduled:${this.rewriteScheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${this.lastRewriteTimeSec}`,
      `aof_current_rewrite_time_sec:${job !== null ? Math.floor((Date.now() - this.rewriteStart) / 1000) : -1}`,
      `aof_last_bgrewrite_status:${this.lastBgrewriteStatus}`,
      `aof_rewrites:${this.rewrites}`,
      `aof_rewrites_consecutive_failures:${this.consecutiveFailures}`,
      `aof_last_write_status:${writeErr ? 'err' : 'ok'}`,
      `aof_last_cow_size:${this.lastCowBytes}`,
      `vellum_aof_rewrite_max_stall_usec:${Math.round(this.lastMaxStallMs * 1000)}`,
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ];
  }

  /** The lines Redis adds only while the AOF is on. */
  infoEnabledFields(): string[] {
    if (this.state === 'off') return [];
    const w = this.writer;
    return [
      `aof_current_size:${w.currentSize}`,
      `aof_base_size:${this.baseSize}`,
      `aof_pending_rewrite:${this.rewriteScheduled ? 1 : 0}`,
      `aof_buffer_length:${w.buf.length}`,
      `aof_pending_bio_fsync:${w.pendingFsync}`,
      `aof_delayed_fsync:${w.delayedFsync}`,
    ];
  }
}

/** One running rewrite: where its base goes and what it covers. */
interface RewriteJob {
  /** The snapshot writing the base (rewrite.ts's RespBase for RESP); null until it starts. */
  handle: SnapshotHandle | null;
  baseName: string;
  basePath: string;
  temp: string;
  /** Incr files from this seq on were opened at or after T: the new base does not cover them. */
  firstIncrSeq: number;
  /** The writer's generation at T: the base holds every write up to it (AofWriter.baseCovers). */
  coversGen: number;
  /** How long starting it (and naming its incr file, nameUnnamedIncr) held the event loop. */
  stallMs: number;
}

const registry = new WeakMap<Server, Aof>();

/** The server's AOF, created on first use (persistence and the commands share it). */
export function aofOf(server: Server): Aof {
  let aof = registry.get(server);
  if (aof === undefined) {
    aof = new Aof(server);
  }
  return aof;
}
