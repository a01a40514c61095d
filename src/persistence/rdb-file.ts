/**
 * RDB files on disk: the one place where the pure codec (rdb/) meets file descriptors.
 *
 * Save protocol (Redis's rdbSave, invariant 4), each step named in the error it throws:
 *  1. open `temp-<pid>.rdb` in the data directory — a crash leaves only this temp file;
 *  2. write the snapshot through an RdbSink in 64 KiB chunks (never one giant buffer);
 *  3. fsync and close the temp file;
 *  4. rename it over `dbfilename` — the only moment the visible file changes;
 *  5. fsync the directory so the rename itself survives a power loss.
 * Any failure before 4 unlinks the temp file and leaves the previous good file untouched.
 *
 * Load: the file is read through a ByteSource in chunks; errors name the file and offset.
 * RdbFileParse is the one sliced parse (a key record per step), driven by the start-up
 * load and by the RESP AOF rewrite's conversion of its temp RDB.
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type FileIo, replaceFileAtomic, writeAll } from './io.js';
import type { Keyspace } from '../store/keyspace.js';
import { RdbSink, RdbWriter, type WriterOptions } from './rdb/writer.js';
import { parseRdb, rdbParseSteps, RdbReader, type ByteSource, type RdbFileInfo, type RdbVisitor } from './rdb/reader.js';
import { RdbError } from './rdb/errors.js';

/** A file descriptor read front to back, for RdbReader. */
export class FileSource implements ByteSource {
  readonly size: number;
  constructor(private readonly fd: number) {
    this.size = fstatSync(fd).size;
  }

  read(buf: Uint8Array, offset: number, length: number): number {
    return readSync(this.fd, buf, offset, length, null);
  }
}

export interface SnapshotOptions extends WriterOptions {
  checksum: boolean;
  /** aof-base AUX: 1 when the file is an AOF base / preamble. */
  aofBase: boolean;
  /** Creation time (ms) for the ctime AUX field. */
  now: number;
}

/**
 * Write a whole snapshot of `keyspace` (magic to checksum) to `consume`, chunk by chunk.
 * Empty databases get no SELECTDB, as in Redis. Returns the number of keys written.
 */
export function writeSnapshot(keyspace: Keyspace, consume: (chunk: Uint8Array) => void, opts: SnapshotOptions): number {
  const sink = new RdbSink(consume, opts.checksum);
  const w = new RdbWriter(sink, opts);
  w.header();
  w.standardAux(Math.floor(opts.now / 1000), process.memoryUsage().heapUsed, opts.aofBase);
  let keys = 0;
  for (const db of keyspace.dbs) {
    if (db.size === 0) continue;
    w.selectDb(db.id);
    w.resizeDb(db.size, db.volatileCount);
    for (const slot of db.slots) {
      if (slot === undefined) continue;
      const expires = slot.expires;
      slot.forEach((key, value) => w.key(key, value, expires === null ? -1 : expires.get(key) ?? -1));
      keys += slot.size;
    }
  }
  w.eof();
  return keys;
}

/**
 * Save atomically to `path` (steps in the header comment), with an fsync every
 * `autoSyncBytes` written when > 0 (rdb-save-incremental-fsync). Throws an Error naming
 * the step.
 */
export function saveRdbFile(io: FileIo, path: string, keyspace: Keyspace, opts: SnapshotOptions, autoSyncBytes = 0): number {
  let keys = 0;
  replaceFileAtomic(io, path, join(dirname(path), `temp-${process.pid}.rdb`), (fd) => {
    let unsynced = 0;
    keys = writeSnapshot(keyspace, (chunk) => {
      writeAll(io, fd, chunk);
      unsynced += chunk.length;
      if (autoSyncBytes > 0 && unsynced >= autoSyncBytes) {
        io.fsync(fd);
        unsynced = 0;
      }
    }, opts);
  });
  return keys;
}

/** Parse the RDB file at `path` into `visitor`. RdbError carries the file name. */
export function loadRdbFile<V>(path: string, visitor: RdbVisitor<V>, verifyChecksum: boolean): RdbFileInfo {
  const fd = openSync(path, 'r');
  try {
    return parseRdb(new RdbReader(new FileSource(fd)), visitor, verifyChecksum);
  } catch (err) {
    if (err instanceof RdbError) err.inFile(path);
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** Where a sliced load is: bytes read so far of the file's total. */
export interface LoadProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

/**
 * An RDB file parsed in slices, one key record per step: the one slice driver of the
 * start-up load and of the AOF rewrite's RDB-to-RESP conversion (aof/rewrite.ts). The
 * caller owns the descriptor (opens and closes it) and decides where a slice ends.
 */
export class RdbFileParse<V> {
  private readonly source: FileSource;
  private readonly reader: RdbReader;
  private readonly steps: Generator<void, RdbFileInfo, void>;

  constructor(fd: number, private readonly path: string, visitor: RdbVisitor<V>, verifyChecksum: boolean) {
    this.source = new FileSource(fd);
    this.reader = new RdbReader(this.source);
    this.steps = rdbParseSteps(this.reader, visitor, verifyChecksum);
  }

  get progress(): LoadProgress {
    return { loadedBytes: this.reader.offset, totalBytes: this.source.size };
  }

  /**
   * Parse key records until `more(keys)`, asked after every `every` keys with the number
   * parsed in this slice, says stop (at least one record is parsed), or the file ends:
   * then its info is returned, else null. A record is parsed whole, whatever its size.
   * Throws the parse error, an RdbError naming the file.
   */
  slice(every: number, more: (keys: number) => boolean): RdbFileInfo | null {
    try {
      for (let n = 1; ; n++) {
        const step = this.steps.next();
        if (step.done === true) return step.value;
        if (n % every === 0 && !more(n)) return null;
      }
    } catch (err) {
      if (err instanceof RdbError) err.inFile(this.path);
      throw err;
    }
  }
}

/**
 * loadRdbFile in slices of about `sliceMs`, yielding to the event loop between them (as
 * Redis's processEventsWhileBlocked during a load), with `onSlice` told the progress after
 * each. Start-up uses it so clients get -LOADING and INFO meanwhile.
 */
export async function loadRdbFileSliced<V>(
  path: string, visitor: RdbVisitor<V>, verifyChecksum: boolean, sliceMs: number, onSlice: (p: LoadProgress) => void,
): Promise<RdbFileInfo> {
  const fd = openSync(path, 'r');
  try {
    const parse = new RdbFileParse(fd, path, visitor, verifyChecksum);
    for (;;) {
      const deadline = performance.now() + sliceMs;
      // The clock is read every 256 keys: a load's keys are small next to its 10 ms slices.
      const info = parse.slice(256, () => performance.now() < deadline);
      if (info !== null) return info;
      onSlice(parse.progress);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
  }
}
