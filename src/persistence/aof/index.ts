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
 * Rewrite failures back off as Redis's do: after 3 in a row, automatic and scheduled
 * rewrites wait 1, 2, 4 … 60 minutes; BGREWRITEAOF is never held back.
 */

import { join } from 'node:path';
import type { Server } from '../../server/server.js';
import { type AofIo, realIo, strerror } from './io.js';
import { loadAofFiles, prepareManifest, type AofPaths, type LoadResult } from './loader.js';
import { AofManifest, AofNames, persistManifest } from './manifest.js';
import { buildBase, tempRewritePath } from './rewrite.js';
import { AofWriter, type FsyncPolicy } from './writer.js';

export { AofLoadError } from './loader.js';

type AofState = 'off' | 'on' | 'wait-rewrite';

export class Aof {
  state: AofState = 'off';
  manifest = new AofManifest();
  readonly writer: AofWriter;
  baseSize = 0;
  rewriteScheduled = false;
  private rewriteInProgress = false;
  private rewriteStart = 0;
  private lastRewriteTimeSec = -1;
  private lastBgrewriteStatus: 'ok' | 'err' = 'ok';
  private rewrites = 0;
  private consecutiveFailures = 0;
  private nextRetry = 0;
  private timer: NodeJS.Timeout | null = null;

  /** The newest Aof of a server is the one aofOf returns (tests construct one with their io). */
  constructor(private readonly server: Server, readonly io: AofIo = realIo) {
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
    this.startWriting(fd, io.size(path));
    this.server.log.notice(`${created ? 'Creating' : 'Opening'} AOF incr file ${last.name} on server start`);
    this.state = 'on';
    this.deleteHistory();
  }

  private startWriting(fd: number, size: number): void {
    const w = this.writer;
    this.applyWriterConfig();
    w.switchTo(fd, size);
    w.attach();
    if (this.timer === null) {
      this.timer = setInterval(() => this.cron(Date.now()), 100);
      this.timer.unref();
    }
  }

  private applyWriterConfig(): void {
    const config = this.server.config;
    this.writer.timestamps = config.bool('aof-timestamp-enabled');
    this.writer.setPolicy(config.string('appendfsync') as FsyncPolicy);
  }

  // ------------------------------------------------------------------ on / off

  /** CONFIG SET appendonly yes: a rewrite first, as Redis does. Returns an error or null. */
  enable(): string | null {
    if (this.state !== 'off') return null;
    const { aofDir, names } = this.paths;
    try {
      this.io.mkdir(aofDir);
      const tempIncr = join(aofDir, names.tempIncr);
      const fd = this.io.openWrite(tempIncr);
      this.state = 'wait-rewrite';
      this.startWriting(fd, 0);
      this.writer.currentSize = 0;
    } catch (err) {
      this.server.log.warning(`Can't open the append-only file: ${strerror(err)}`);
      return `Can't open the append-only file: ${strerror(err)}`;
    }
    if (!this.rewrite()) {
      this.server.log.warning("Vellum needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
      this.disable();
      return 'Failed to enable the AOF: the initial rewrite failed';
    }
    return null;
  }

  /** CONFIG SET appendonly no: flush, fsync and close the AOF. */
  disable(): void {
    if (this.state === 'off') return;
    this.writer.close();
    this.writer.detach();
    if (this.state === 'wait-rewrite') {
      try { this.io.unlink(join(this.paths.aofDir, this.paths.names.tempIncr)); } catch { /* already gone */ }
    }
    this.state = 'off';
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  // ------------------------------------------------------------------ rewrite

  /**
   * Run a rewrite now (protocol in rewrite.ts). Returns false on failure, after logging
   * it; the current AOF is never damaged.
   */
  rewrite(): boolean {
    const server = this.server;
    const io = this.io;
    const { dir, aofDir, names } = this.paths;
    const w = this.writer;
    this.rewriteScheduled = false;
    this.rewriteInProgress = true;
    this.rewriteStart = Date.now();
    this.rewrites++;
    const temp = tempRewritePath(dir);
    const am = this.manifest.clone();
    try {
      io.mkdir(aofDir);
      // 1. New writes go to a new incr file, named in the manifest before anything else.
      if (this.state === 'on') {
        w.flush(true);
        am.incrSeq++;
        const incr = { name: names.incr(am.incrSeq), seq: am.incrSeq, type: 'i' as const };
        const fd = io.openAppend(join(aofDir, incr.name));
        am.incrs.push(incr);
        persistManifest(io, aofDir, names, am);
        this.manifest = am.clone();
        w.switchTo(fd, 0);
        server.log.notice(`Creating AOF incr file ${incr.name} on background rewrite`);
      } else {
        w.flush(true);
      }
      server.log.notice('Background append only file rewriting started');
      // 2. The new base.
      buildBase(server, io, temp, this.rdbPreamble);
      // 3. Swap it in.
      am.baseSeq++;
      const baseName = names.base(am.baseSeq, this.rdbPreamble);
      io.rename(temp, join(aofDir, baseName));
      if (am.base !== null) am.history.push({ ...am.base, type: 'h' });
      am.base = { name: baseName, seq: am.baseSeq, type: 'b' };
      const keep = this.state === 'on' ? am.incrs.pop()! : null;
      for (const ai of am.incrs) am.history.push({ ...ai, type: 'h' });
      am.incrs = keep === null ? [] : [keep];
      if (this.state === 'wait-rewrite') {
        am.incrSeq++;
        const incr = { name: names.incr(am.incrSeq), seq: am.incrSeq, type: 'i' as const };
        io.rename(join(aofDir, names.tempIncr), join(aofDir, incr.name));
        am.incrs.push(incr);
      }
      persistManifest(io, aofDir, names, am);
      this.manifest = am;
      if (this.state === 'wait-rewrite') this.state = 'on';
      this.baseSize = io.size(join(aofDir, baseName));
      w.currentSize = this.baseSize + (this.state === 'on' ? w.incrSize : 0);
      // 4. History goes.
      this.deleteHistory();
    } catch (err) {
      try { io.unlink(temp); } catch { /* never created */ }
      server.log.warning(`Background AOF rewrite failed: ${(err as Error).message}`);
      this.rewriteDone(false);
      return false;
    }
    server.log.notice('Background AOF rewrite finished successfully');
    this.rewriteDone(true);
    return true;
  }

  private rewriteDone(ok: boolean): void {
    this.rewriteInProgress = false;
    this.lastRewriteTimeSec = Math.round((Date.now() - this.rewriteStart) / 1000);
    this.lastBgrewriteStatus = ok ? 'ok' : 'err';
    if (ok) {
      this.consecutiveFailures = 0;
      this.nextRetry = 0;
    } else if (++this.consecutiveFailures >= 3) {
      const minutes = Math.min(60, 2 ** (this.consecutiveFailures - 3));
      this.nextRetry = Date.now() + minutes * 60_000;
    }
  }

  /** Remove history files from disk and from the manifest (aofDelHistoryFiles). */
  private deleteHistory(): void {
    const am = this.manifest;
    if (am.history.length === 0) return;
    const { aofDir, names } = this.paths;
    for (const ai of am.history) {
      this.server.log.notice(`Removing the history file ${ai.name} in the background`);
      try { this.io.unlink(join(aofDir, ai.name)); } catch { /* already gone */ }
    }
    am.history = [];
    persistManifest(this.io, aofDir, names, am);
  }

  /** Scheduled and automatic rewrites, postponed writes, everysec fsync, error retries. */
  cron(now: number): void {
    this.writer.cron();
    if (this.rewriteInProgress || now < this.nextRetry) return;
    if (this.rewriteScheduled) {
      this.rewrite();
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
    }
    return null;
  }

  shutdown(): void {
    if (this.state === 'off') return;
    this.server.log.notice('Calling fsync() on the AOF file.');
    this.disable();
  }

  /** The aof_* lines of INFO persistence, split where Redis puts the loading fields. */
  infoFields(): string[] {
    const w = this.writer;
    const writeErr = w.lastWriteStatus === 'err' || w.fsyncStatus === 'err';
    return [
      `aof_enabled:${this.state !== 'off' ? 1 : 0}`,
      `aof_rewrite_in_progress:${this.rewriteInProgress ? 1 : 0}`,
      `aof_rewrite_scheduled:${this.rewriteScheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${this.lastRewriteTimeSec}`,
      `aof_current_rewrite_time_sec:${this.rewriteInProgress ? Math.round((Date.now() - this.rewriteStart) / 1000) : -1}`,
      `aof_last_bgrewrite_status:${this.lastBgrewriteStatus}`,
      `aof_rewrites:${this.rewrites}`,
      `aof_rewrites_consecutive_failures:${this.consecutiveFailures}`,
      `aof_last_write_status:${writeErr ? 'err' : 'ok'}`,
      'aof_last_cow_size:0',
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

const registry = new WeakMap<Server, Aof>();

/** The server's AOF, created on first use (persistence and the commands share it). */
export function aofOf(server: Server): Aof {
  let aof = registry.get(server);
  if (aof === undefined) {
    aof = new Aof(server);
  }
  return aof;
}
