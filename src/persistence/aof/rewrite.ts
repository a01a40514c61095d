/**
 * AOF rewrite (BGREWRITEAOF, automatic rewrite, turning the AOF on): replace the base with
 * the dataset as it was at the instant T the rewrite started, and retire the incr files it
 * makes redundant. index.ts owns the protocol and the manifest; this file owns the new base.
 *
 * Protocol (Redis 7.0's rewriteAppendOnlyFileBackground + backgroundRewriteDoneHandler,
 * without the fork), with what a crash right after each step leaves:
 *  1. flush the buffer; open a new incr file (or, while the AOF is being switched on,
 *     `temp-<name>.incr`, not in the manifest). The old incr is fsynced and closed on the
 *     thread pool (Redis's bio), not here; under `always`/`everysec` the new incr gets no
 *     write until that fsync completes (writer.ts), so a crash meanwhile loses at most a
 *     suffix of the write stream, never a middle. The manifest names the new incr just
 *     before its first write (index.ts, nameUnnamedIncr), or in step 3 if that comes first,
 *     not at once as Redis does: a power cut between Redis's manifest and the old incr's
 *     fsync can leave that incr torn with the new, empty one after it, and a torn file that
 *     is not the manifest's last is fatal to loading (Redis 7.0.15 refuses such a directory
 *     at its first start; test/crash/aof-power-loss.test.ts found it here). Until named,
 *     the old manifest loads everything, since the new incr has nothing yet;
 *  2. start the base at T (startBase) into `<dir>/temp-rewriteaof-bg-<pid>.aof`; from the
 *     same synchronous step on, every write goes to the new incr, so base + new incr is
 *     exactly the dataset. The forkless snapshot engine fixes T and writes the image in
 *     slices over many loop turns while clients keep writing; the file is fsynced every
 *     4 MB (aof-rewrite-incremental-fsync) and at the end, then renamed to
 *     `<aofdir>/<name>.<base seq + 1>.base.rdb` (or `.base.aof`) and the directory fsynced.
 *     A crash meanwhile leaves a stray temp (or an unlisted base) file and the old AOF intact;
 *  3. mark the old base and every incr before the new one as history and persist the
 *     manifest (temp, fsync, rename, fsync dir): the one moment the AOF changes;
 *  4. delete the history files and persist the manifest again. Removing a large base
 *     frees its blocks, tens of ms of the loop: as Redis's bg_unlink, the name goes now and
 *     the blocks on the thread pool, with a close of a descriptor held across the unlink.
 *     A crash before the manifest lands leaves history lines naming missing files, which
 *     loading ignores. Steps 3 and 4 need not wait for step 1's fsync of the old incr:
 *     the new base (fsynced) covers all of it, and it only leaves the manifest.
 * A failure before 3 removes the temp files and leaves the current AOF as it was; the new
 * incr is named with its first write as above (several incr files load in order), and one
 * that never got a write is removed by the next rewrite or when the AOF is switched off.
 *
 * The RESP base (`aof-use-rdb-preamble no`, RespBase) reuses the engine rather than a
 * second emitter inside it: step 2 runs in two phases behind one SnapshotHandle, so
 * index.ts treats both kinds of base alike (done, progress, cancel, step):
 *  2a. the engine writes T's image as RDB (checksummed, not compressed: it is read back at
 *      once) to `<dir>/temp-rewriteaof-bg-<pid>.rdb`, forkless and sliced as above. Keys
 *      already expired at T are in it, as in the RDB base: it is T's dataset, and loading
 *      drops them;
 *  2b. that file is opened and its name unlinked at once (from here a crash leaves no
 *      stray RDB; its blocks are freed by an asynchronous close at the end), then parsed a
 *      key record at a time (RdbFileParse, the start-up load's slice driver) in slices of
 *      about a millisecond. Each value is rebuilt as a store value and emitted by resp.ts's
 *      emitKey, the very commands of the synchronous path: SELECT per SELECTDB record, a
 *      leading #TS with aof-timestamp-enabled. The RESP goes to the temp file through the
 *      same file sink as the RDB base (asynchronous writes with backpressure, the 4 MB
 *      incremental fsync, fsync, rename, fsync dir).
 *  A collection the engine streamed (more than bigElements elements) is not rebuilt: the
 *  parser hands its elements over in batches of 1,024 (RdbElementVisitor), and a stream's
 *  entries a node at a time, each emitted as its commands at once, and a slice may end
 *  between batches (measured: a 1M-field hash's longest stall 1.8 s before, when it was
 *  read and emitted whole, 12.6 ms after; a 1M-entry stream's 1.5 s before, 22 ms after).
 *  cancel() and every failure remove both temp files. The cost next to the RDB base: the
 *  image is written and read back once more (and fsynced, which the sink always does).
 * Start-up with no AOF writes its (empty) base synchronously (buildBase), as Redis does.
 */

import { close, openSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Server } from '../../server/server.js';
import type { Value } from '../../store/value.js';
import { RdbFileParse, writeSnapshot } from '../rdb-file.js';
import type { RdbFileInfo, RdbVisitor } from '../rdb/reader.js';
import { StoreValueBuilder } from '../rdb/values.js';
import { rdbWriterOptions } from '../rdb/writer.js';
import {
  BIG_ELEMENTS, startSnapshot, type EngineOptions, type SnapshotHandle, type SnapshotProgress, type SnapshotResult,
} from '../snapshot/engine.js';
import { FileSnapshotSink } from '../snapshot/file-sink.js';
import { type FileIo, writeAll } from '../io.js';
import { emitKey, RespElementRewriter, RespRewriteOutput, writeRespDataset, type Emit } from './resp.js';

/** Redis's REDIS_AUTOSYNC_BYTES: aof-rewrite-incremental-fsync's step. */
export const AUTOSYNC_BYTES = 4 * 1024 * 1024;

/** How tests drive a base: manual slices (step()), their length, the streaming threshold. */
export type BaseTuning = Pick<EngineOptions, 'manual' | 'sliceMs' | 'bigElements'>;

/**
 * Step 2: start writing the base of the dataset as it is now to `temp`, to become `path`
 * (RDB, or RESP through a temp RDB image). Throws an Error naming the file when a temp
 * file cannot be created; later failures reject `done`.
 */
export function startBase(server: Server, io: FileIo, temp: string, path: string, rdbPreamble: boolean, tuning: BaseTuning = {}): SnapshotHandle {
  const config = server.config;
  const autoSync = config.bool('aof-rewrite-incremental-fsync') ? AUTOSYNC_BYTES : 0;
  const now = Date.now();
  if (!rdbPreamble) return new RespBase(server, io, temp, path, autoSync, now, tuning);
  const sink = new FileSnapshotSink(path, temp, autoSync, io);
  try {
    return startSnapshot(server.keyspace, sink, {
      ...rdbWriterOptions(config), checksum: config.bool('rdbchecksum'), aofBase: true, now, ...tuning,
    });
  } catch (err) {
    sink.abort();
    throw err;
  }
}

/**
 * Write the whole dataset as an AOF base to `path` at once and fsync it: start-up with no
 * AOF, whose dataset is empty (Redis is synchronous there too). Throws naming the step.
 */
export function buildBase(server: Server, io: FileIo, path: string, rdbPreamble: boolean): void {
  const config = server.config;
  const autoSync = config.bool('aof-rewrite-incremental-fsync') ? AUTOSYNC_BYTES : 0;
  let step = 'open';
  const fd = io.openWrite(path);
  let unsynced = 0;
  const write = (chunk: Uint8Array) => {
    step = 'write';
    writeAll(io, fd, chunk);
    unsynced += chunk.length;
    if (autoSync > 0 && unsynced >= autoSync) {
      step = 'fsync';
      io.fsync(fd);
      unsynced = 0;
    }
  };
  try {
    step = 'write';
    if (rdbPreamble) {
      writeSnapshot(server.keyspace, write, {
        ...rdbWriterOptions(config),
        checksum: config.bool('rdbchecksum'),
        aofBase: true,
        now: Date.now(),
      });
    } else {
      const ts = config.bool('aof-timestamp-enabled') ? Math.floor(Date.now() / 1000) : -1;
      writeRespDataset(server.keyspace, write, ts);
    }
    step = 'fsync';
    io.fsync(fd);
  } catch (err) {
    io.close(fd);
    try { io.unlink(path); } catch { /* already gone */ }
    throw new Error(`${step} ${path}: ${(err as Error).message}`);
  }
  io.close(fd);
}

/** `<dir>/temp-rewriteaof-bg-<pid>.aof`, where Redis's child leaves its output. */
export function tempRewritePath(dir: string): string {
  return join(dir, `temp-rewriteaof-bg-${process.pid}.aof`);
}

/** `<dir>/temp-rewriteaof-bg-<pid>.rdb`: the image a RESP base is converted from (2a). */
export function tempRewriteRdbPath(dir: string): string {
  return join(dir, `temp-rewriteaof-bg-${process.pid}.rdb`);
}

/** snapshot: 2a runs; convert: 2b runs; ending: the RESP file is being synced and renamed. */
export type RespBasePhase = 'snapshot' | 'convert' | 'ending' | 'done' | 'failed';

/** A RESP base in two phases (header, 2a and 2b) as one snapshot handle. */
export class RespBase implements SnapshotHandle {
  readonly done: Promise<SnapshotResult>;
  private resolveDone!: (r: SnapshotResult) => void;
  private rejectDone!: (err: Error) => void;
  private state: RespBasePhase = 'snapshot';
  private readonly started = performance.now();
  private readonly rdbPath: string;
  /** 2a: the engine writing the image. */
  private readonly snapshot: SnapshotHandle;
  /** 2b: the RESP file, and the image being read. */
  private readonly sink: FileSnapshotSink;
  private readonly output: RespRewriteOutput;
  private readonly visitor: RdbVisitor<Value>;
  private readonly bigCollections: RespElementRewriter;
  private parse: RdbFileParse<Value> | null = null;
  private fd = -1;
  private keysConverted = 0;
  private bytesWritten = 0;
  private peakQueued = 0;
  private longestSliceMs = 0;
  private readonly sliceMs: number;
  private readonly manual: boolean;
  /** The sink pushed back: no slice until it drains. */
  private waiting = false;
  private scheduled = false;
  private deadline = 0;
  private maxKeys = Infinity;

  /** Opens both temp files and starts 2a; throws (having removed them) if either fails. */
  constructor(server: Server, io: FileIo, temp: string, path: string, autoSync: number, now: number, tuning: BaseTuning) {
    const config = server.config;
    this.rdbPath = tempRewriteRdbPath(dirname(temp));
    this.sliceMs = tuning.sliceMs ?? 1;
    this.manual = tuning.manual === true;
    this.sink = new FileSnapshotSink(path, temp, autoSync, io);
    let image: FileSnapshotSink | null = null;
    try {
      // Complete is all 2b needs of the image, a temp file read back and removed within the
      // rewrite that nothing needs after a power cut: the real file system, and the sink's
      // rename is onto its own name.
      image = new FileSnapshotSink(this.rdbPath, this.rdbPath);
      this.snapshot = startSnapshot(server.keyspace, image, {
        ...rdbWriterOptions(config), compression: false, checksum: true, aofBase: true, now, ...tuning,
      });
    } catch (err) {
      image?.abort();
      this.sink.abort();
      throw err;
    }
    this.output = new RespRewriteOutput(this.write);
    if (config.bool('aof-timestamp-enabled')) this.output.timestamp(Math.floor(now / 1000));
    const emit: Emit = this.output.emit;
    // A collection the engine streamed (above bigElements) is converted a batch at a time too.
    this.bigCollections = new RespElementRewriter(tuning.bigElements ?? BIG_ELEMENTS, emit);
    this.visitor = {
      builder: StoreValueBuilder.fromConfig(config),
      selectDb: (db) => emit(['SELECT', String(db)]),
      key: (_db, key, value, expireAt) => {
        if (value === null) return; // an empty collection: no image holds one
        emitKey(key, value, expireAt, emit);
        this.keysConverted++;
      },
      elements: this.bigCollections,
    };
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined);
    this.snapshot.done.then(this.convert, (err: Error) => this.fail(err));
  }

  get phase(): RespBasePhase {
    return this.state;
  }

  /**
   * Both phases as one: every key is handled twice (imaged, then converted), so
   * keysProcessed counts halves and runs from 0 to keysTotal once. Extra bytes are the
   * engine's in 2a and the RESP queued for the disk in 2b.
   */
  get progress(): SnapshotProgress {
    const p = this.snapshot.progress;
    return {
      keysProcessed: Math.floor((p.keysProcessed + this.keysConverted + this.bigCollections.keys) / 2),
      keysTotal: p.keysTotal,
      bytes: p.bytes + this.bytesWritten,
      extraBytes: this.state === 'snapshot' ? p.extraBytes : this.sink.bufferedBytes,
      peakExtraBytes: Math.max(p.peakExtraBytes, this.peakQueued),
      longestSliceMs: Math.max(p.longestSliceMs, this.longestSliceMs),
      longestHookMs: p.longestHookMs,
    };
  }

  step(maxUnits = Infinity): boolean {
    if (this.state === 'snapshot') this.snapshot.step(maxUnits);
    else if (this.state === 'convert') this.slice(maxUnits);
    return this.state !== 'snapshot' && this.state !== 'convert';
  }

  cancel(reason = 'cancelled'): void {
    this.fail(new Error(reason));
  }

  /** 2a is complete: open the image, unlink its name, start converting. */
  private readonly convert = (): void => {
    if (this.state !== 'snapshot') return;
    const t0 = performance.now();
    try {
      this.fd = openSync(this.rdbPath, 'r');
      unlinkSync(this.rdbPath);
      this.parse = new RdbFileParse(this.fd, this.rdbPath, this.visitor, true);
    } catch (err) {
      this.fail(new Error(`open ${this.rdbPath}: ${(err as Error).message}`));
      return;
    }
    this.state = 'convert';
    this.noteSlice(t0);
    this.schedule();
  };

  private schedule(): void {
    if (this.scheduled || this.manual || this.waiting || this.state !== 'convert') return;
    this.scheduled = true;
    setImmediate(this.runSlice);
  }

  private readonly runSlice = (): void => {
    this.scheduled = false;
    if (this.state !== 'convert') return;
    this.slice(Infinity);
    this.schedule();
  };

  private readonly resume = (): void => {
    this.waiting = false;
    this.schedule();
  };

  /** RespRewriteOutput's chunks (views: the sink copies them). */
  private readonly write = (chunk: Buffer): void => {
    this.bytesWritten += chunk.length;
    const more = this.sink.write(chunk);
    const queued = this.sink.bufferedBytes;
    if (queued > this.peakQueued) this.peakQueued = queued;
    if (more || this.waiting) return;
    this.waiting = true;
    this.sink.onDrain(this.resume);
  };

  /** Convert key records until the slice's time (or `maxKeys`) is used or the sink pushes back. */
  private slice(maxKeys: number): void {
    if (this.waiting) return;
    const start = performance.now();
    this.deadline = start + this.sliceMs;
    this.maxKeys = maxKeys;
    let info: RdbFileInfo | null;
    try {
      info = this.parse!.slice(1, this.more);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (info !== null) this.finish();
    this.noteSlice(start);
  }

  private readonly more = (keys: number): boolean =>
    keys < this.maxKeys && !this.waiting && performance.now() < this.deadline;

  /** The image is converted: sync and rename the RESP file (the sink's steps 3 to 5). */
  private finish(): void {
    this.output.flush();
    this.state = 'ending';
    this.closeImage();
    this.sink.end().then(() => {
      if (this.state !== 'ending') return;
      this.state = 'done';
      this.resolveDone({ ...this.progress, durationMs: performance.now() - this.started });
    }, (err: Error) => this.fail(err));
  }

  /** Stop whatever runs and remove both temp files (a renamed base is index.ts's to remove). */
  private fail(err: Error): void {
    const was = this.state;
    if (was === 'done' || was === 'failed') return;
    this.state = 'failed';
    this.snapshot.cancel(err.message);
    if (was === 'snapshot') {
      // The engine may have ended already, its image complete and not yet opened.
      try { unlinkSync(this.rdbPath); } catch { /* removed by the engine's sink */ }
    }
    this.closeImage();
    this.sink.abort();
    this.rejectDone(err);
  }

  /** Close the (unlinked) image on the thread pool, where its blocks are freed. */
  private closeImage(): void {
    if (this.fd < 0) return;
    close(this.fd, () => undefined);
    this.fd = -1;
    this.parse = null;
  }

  private noteSlice(start: number): void {
    const ms = performance.now() - start;
    if (ms > this.longestSliceMs) this.longestSliceMs = ms;
  }
}
