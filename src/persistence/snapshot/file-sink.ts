/**
 * The file consumer of a background snapshot: the bytes the engine produces go to a temp
 * file with asynchronous writes, so the event loop never waits for the disk, and the file
 * replaces the visible one only when complete (invariant 4).
 *
 * Protocol (Redis's rdbSaveBackground/rdbSave, without the fork), each step named in the
 * error it raises:
 *  1. open `<dir>/temp-bgsave-<pid>.rdb` (synchronously: one cheap syscall) — a crash from
 *     here to step 4 leaves only this temp file, never a damaged `dbfilename`;
 *  2. write: chunks are copied (the RdbSink reuses its buffer) and queued; one fs.writev at a
 *     time carries everything queued, so the disk sees few large writes;
 *  3. fsync and close the temp file;
 *  4. rename it over `dbfilename` — the only moment the visible file changes;
 *  5. fsync the directory so the rename survives a power loss.
 * abort() at any point before 4 unlinks the temp file at once and closes it.
 *
 * Incremental fsync (Redis's rioSetAutoSync; aof-rewrite-incremental-fsync for an AOF base,
 * rdb-save-incremental-fsync for BGSAVE): with `autoSyncBytes` > 0 the file is fsynced each
 * time that many bytes have been written since the last fsync, between two writev calls, so
 * the final fsync has little left to flush and the kernel never holds a huge dirty backlog
 * that would stall other writers.
 *
 * Backpressure: write() returns false once more than HIGH_WATER bytes wait for the disk,
 * and onDrain() calls back when the queue falls under LOW_WATER, so the snapshot's extra
 * memory stays bounded by the disk's speed, not the dataset's size.
 */

import { dirname } from 'node:path';
import { type FileIo, realIo } from '../io.js';
import type { SnapshotSink } from './engine.js';

/** Redis's REDIS_AUTOSYNC_BYTES: the incremental fsync's step. */
export const AUTOSYNC_BYTES = 4 * 1024 * 1024;

const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 2 * 1024 * 1024;

export class FileSnapshotSink implements SnapshotSink {
  private fd: number;
  private queue: Buffer[] = [];
  private queued = 0;
  /** Bytes inside the fs.writev in flight. */
  private inFlight = 0;
  private writing = false;
  private drainWaiter: (() => void) | null = null;
  private ending: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private error: Error | null = null;
  private aborted = false;
  bytesWritten = 0;
  private unsyncedBytes = 0;

  /** Opens the temp file now (step 1); throws an Error naming it on failure. */
  constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly autoSyncBytes = 0,
    private readonly io: FileIo = realIo,
  ) {
    try {
      this.fd = io.openWrite(tempPath);
    } catch (err) {
      throw new Error(`open the temp file (${tempPath}): ${(err as Error).message}`);
    }
  }

  get bufferedBytes(): number {
    return this.queued + this.inFlight;
  }

  write(chunk: Uint8Array): boolean {
    if (this.error !== null || this.aborted) return true; // the engine learns at end()
    const copy = Buffer.from(chunk);
    this.queue.push(copy);
    this.queued += copy.length;
    if (!this.writing) this.writeQueued();
    return this.bufferedBytes < HIGH_WATER;
  }

  onDrain(resume: () => void): void {
    if (this.bufferedBytes < LOW_WATER || this.error !== null) resume();
    else this.drainWaiter = resume;
  }

  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ending = { resolve, reject };
      if (!this.writing) this.finish();
    });
  }

  /** Steps 3 to 5, once every queued byte is in the file. */
  private finish(): void {
    const ending = this.ending!;
    if (this.error !== null) {
      this.discard();
      ending.reject(this.error);
      return;
    }
    // From here on finish owns the descriptor: an abort() meanwhile must not close it too
    // (a second close could hit a reused number), nor may a cancelled save rename a temp
    // file that, by then, may be the next save's under the same name.
    const fd = this.fd;
    this.fd = -1;
    const fail = (step: string, err: Error, keepTemp = false): void => {
      if (!keepTemp) this.discard();
      ending.reject(new Error(`${step} (${step === 'rename' ? `${this.tempPath} -> ${this.path}` : this.tempPath}): ${err.message}`));
    };
    const io = this.io;
    io.fsyncAsync(fd, (syncErr) => {
      io.closeAsync(fd, (closeErr) => {
        if (this.aborted) return ending.reject(new Error(`cancelled (${this.tempPath})`));
        if (syncErr !== null) return fail('fsync', syncErr);
        if (closeErr !== null) return fail('close', closeErr);
        io.renameAsync(this.tempPath, this.path, (err) => {
          if (err !== null) return fail('rename', err);
          io.fsyncDirAsync(dirname(this.path), (err) => {
            if (err !== null) return fail('fsync the directory', err, true);
            ending.resolve();
          });
        });
      });
    });
  }

  /**
   * The temp file is unlinked at once (a write in flight finishes on the unlinked inode),
   * so a SHUTDOWN right after leaves no temp file behind and a later save with the same
   * temp name can never lose its file to this one's late cleanup.
   */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.queue = [];
    this.queued = 0;
    this.discard();
  }

  /** Unlink the temp file and close it unless a write still uses it; the visible file is untouched. */
  private discard(): void {
    try {
      this.io.unlink(this.tempPath);
    } catch {
      // already renamed or removed
    }
    if (!this.writing) this.closeFd();
  }

  private closeFd(): void {
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) this.io.closeAsync(fd);
  }

  private writeQueued(): void {
    const bufs = this.queue;
    this.queue = [];
    this.inFlight = this.queued;
    this.queued = 0;
    this.writing = true;
    this.io.writevAsync(this.fd, bufs, (err, written) => {
      this.bytesWritten += written;
      this.unsyncedBytes += written;
      if (err === null && this.autoSyncBytes > 0 && this.unsyncedBytes >= this.autoSyncBytes && !this.aborted) {
        this.unsyncedBytes = 0;
        this.io.fsyncAsync(this.fd, (syncErr) => this.written(bufs, syncErr, written));
        return;
      }
      this.written(bufs, err, written);
    });
  }

  /** A writev (and its incremental fsync, if any) returned: next write, finish or fail. */
  private written(bufs: Buffer[], err: NodeJS.ErrnoException | null, written: number): void {
    this.writing = false;
    if (err === null && written < this.inFlight) {
      // A short write: requeue the tail in front of what arrived meanwhile.
      const rest = Buffer.concat(bufs).subarray(written);
      this.queue.unshift(rest);
      this.queued += rest.length;
    } else if (err !== null && this.error === null) {
      this.error = new Error(`${err.syscall === 'fsync' ? 'fsync' : 'write'} (${this.tempPath}): ${err.message}`);
    }
    this.inFlight = 0;
    if (this.aborted) {
      this.closeFd();
      return;
    }
    if (this.error !== null) {
      this.queue = [];
      this.queued = 0;
    }
    if (this.queued > 0) this.writeQueued();
    else if (this.ending !== null) this.finish();
    if (this.drainWaiter !== null && (this.bufferedBytes < LOW_WATER || this.error !== null)) {
      const resume = this.drainWaiter;
      this.drainWaiter = null;
      resume();
    }
  }
}

/** Redis names its child's temp file temp-<pid>.rdb; ours says which save made it. */
export function bgsaveTempPath(dir: string, pid = process.pid): string {
  return `${dir}/temp-bgsave-${pid}.rdb`;
}
