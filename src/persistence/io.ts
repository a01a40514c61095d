/**
 * The file operations of every file that must survive a power cut (the AOF's files, the
 * dump, a rewrite's base, a rewritten config file), behind one small interface, so
 * that a test can swap in a double that fails with ENOSPC or EIO at a chosen call, or one
 * that forgets unsynced bytes to simulate power loss (test/crash/power-loss-io.ts). The
 * real file system is the default. The AOF's operations are synchronous except
 * fdatasync, closeAsync and bgUnlink, which run on libuv's thread pool: that is Redis's
 * bio threads. fdatasync there lets `appendfsync always` share one fdatasync per loop turn
 * without stopping reads; the asynchronous close is where a removed file's blocks are
 * freed (tens of ms for a large base), which Redis also keeps off its main thread. The
 * snapshot sink's are all on the thread pool (the *Async ones), so a save never waits for
 * the disk on the event loop.
 */

import * as fs from 'node:fs';
import { dirname } from 'node:path';

/** The callback of an operation on the thread pool: the error, or null. */
export type IoDone = (err: NodeJS.ErrnoException | null) => void;

export interface FileIo {
  /** Open for appending, creating if missing (O_WRONLY|O_APPEND|O_CREAT, 0644). */
  openAppend(path: string): number;
  /** Open a new file for writing, truncating it. */
  openWrite(path: string): number;
  /** write(2) once: returns how many bytes went out (may be short); throws on error. */
  write(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsync(fd: number): void;
  /** fdatasync on the thread pool; `done` gets the error, if any. */
  fdatasyncAsync(fd: number, done: IoDone): void;
  ftruncate(fd: number, length: number): void;
  close(fd: number): void;
  /** close on the thread pool (Redis's bio close job); errors are ignored unless `done` takes them. */
  closeAsync(fd: number, done?: IoDone): void;
  rename(from: string, to: string): void;
  fsyncDir(dir: string): void;
  /** writev(2) once on the thread pool: `done` gets the error or how many bytes went out. */
  writevAsync(fd: number, buffers: Buffer[], done: (err: NodeJS.ErrnoException | null, written: number) => void): void;
  fsyncAsync(fd: number, done: IoDone): void;
  renameAsync(from: string, to: string, done: IoDone): void;
  fsyncDirAsync(dir: string, done: IoDone): void;
  truncate(path: string, length: number): void;
  unlink(path: string): void;
  /**
   * Redis's bg_unlink: remove the name now, free the blocks on the thread pool (the file is
   * held open across the unlink so the last close, which frees them, is the async one).
   */
  bgUnlink(path: string): void;
  readFile(path: string): Buffer;
  size(path: string): number;
  exists(path: string): boolean;
  isDir(path: string): boolean;
  mkdir(path: string): void;
}

export const realIo: FileIo = {
  openAppend: (path) => fs.openSync(path, 'a', 0o644),
  openWrite: (path) => fs.openSync(path, 'w', 0o644),
  write: (fd, data, offset, length) => fs.writeSync(fd, data, offset, length),
  fsync: (fd) => fs.fsyncSync(fd),
  fdatasyncAsync: (fd, done) => fs.fdatasync(fd, done),
  ftruncate: (fd, length) => fs.ftruncateSync(fd, length),
  close: (fd) => fs.closeSync(fd),
  closeAsync: (fd, done = ignore) => fs.close(fd, done),
  rename: (from, to) => fs.renameSync(from, to),
  fsyncDir(dir) {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  writevAsync: (fd, buffers, done) => fs.writev(fd, buffers, done),
  fsyncAsync: (fd, done) => fs.fsync(fd, done),
  renameAsync: (from, to, done) => fs.rename(from, to, done),
  fsyncDirAsync(dir, done) {
    fs.open(dir, 'r', (err, fd) => {
      if (err !== null) return done(err);
      fs.fsync(fd, (err) => {
        fs.close(fd, ignore);
        done(err);
      });
    });
  },
  truncate: (path, length) => fs.truncateSync(path, length),
  unlink: (path) => fs.unlinkSync(path),
  bgUnlink(path) {
    let fd: number;
    try {
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch {
      fs.unlinkSync(path);
      return;
    }
    try {
      fs.unlinkSync(path);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    fs.close(fd, ignore);
  },
  readFile: (path) => fs.readFileSync(path),
  size: (path) => fs.statSync(path).size,
  exists: (path) => fs.existsSync(path),
  isDir: (path) => fs.existsSync(path) && fs.statSync(path).isDirectory(),
  mkdir: (path) => fs.mkdirSync(path, { recursive: true }),
};

function ignore(): void { /* as Redis's bio close job */ }

/** Write all of `data`, looping over short writes; throws on the first error. */
export function writeAll(io: FileIo, fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += io.write(fd, data, off, data.length - off);
}

/**
 * Replace a file so that a crash at any moment leaves either the old content or the new,
 * never a mix (invariant 4): `write(fd)` fills a temp file beside it (a name the caller
 * chooses, as Redis's temp-<pid>.rdb), which is fsynced and renamed over the target, and the
 * directory is fsynced so the rename itself is durable. A failure removes the temp file,
 * leaves the target untouched and throws an Error naming the step and the paths.
 */
export function replaceFileAtomic(io: FileIo, path: string, temp: string, write: (fd: number) => void): void {
  let step = 'open the temp file';
  let fd = -1;
  try {
    fd = io.openWrite(temp);
    step = 'write';
    write(fd);
    step = 'fsync';
    io.fsync(fd);
    io.close(fd);
    fd = -1;
    step = 'rename';
    io.rename(temp, path);
    step = 'fsync the directory';
    io.fsyncDir(dirname(path));
  } catch (err) {
    if (fd >= 0) io.close(fd);
    if (step !== 'fsync the directory') {
      try { io.unlink(temp); } catch { /* the temp file may not exist */ }
    }
    throw new Error(`${step} (${step === 'rename' ? `${temp} -> ${path}` : temp}): ${(err as Error).message}`);
  }
}

/** replaceFileAtomic with `data` as the content, through `<path>.tmp-<pid>`. */
export function writeFileAtomic(io: FileIo, path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  replaceFileAtomic(io, path, `${path}.tmp-${process.pid}`, (fd) => writeAll(io, fd, bytes));
}

/** strerror(3) for the errors a disk gives, as Redis prints them; else Node's message. */
export function strerror(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOSPC': return 'No space left on device';
    case 'EIO': return 'Input/output error';
    case 'EDQUOT': return 'Disk quota exceeded';
    case 'EROFS': return 'Read-only file system';
    case 'EACCES': return 'Permission denied';
    case 'ENOENT': return 'No such file or directory';
    case 'EBADF': return 'Bad file descriptor';
    case 'EFBIG': return 'File too large';
    default: return e.message ?? String(err);
  }
}
