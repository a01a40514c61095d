/**
 * A file system that can lose power: the FileIo of the real one, plus a model of what a
 * power cut at this instant would leave on disk, written out on demand as a directory a
 * server can then start on (image()).
 *
 * The model is that of a journalling file system such as ext4, taken at its weakest:
 *  - a file's bytes are durable up to the length it had when its last completed fsync or
 *    fdatasync was called; the bytes after that may survive as a prefix of any length, or
 *    not at all (image() picks one);
 *  - a directory entry (a file created, renamed or removed) is durable once fsyncDir of its
 *    directory returns; until then the directory shows what it showed at the last one;
 *  - a file that appears in a directory without passing through this FileIo (a RESP
 *    base's temporary RDB image, which nothing reads after a restart) is durable as it is
 *    when that directory is fsynced.
 * An asynchronous fsync counts the bytes the file had when it was asked for, once it
 * returns; an asynchronous rename or directory fsync counts once it returns. So what the
 * server acknowledged without an fsync, or named in a directory it did not fsync, is what
 * an image may lack.
 */

import { fstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { realIo, type FileIo, type IoDone } from '../../src/persistence/io.js';

/** A file, whatever its name is now. */
interface Inode {
  /** Its name now; null once removed. */
  path: string | null;
  /** Bytes covered by a completed fsync. */
  durable: number;
  /** Its bytes, kept when a durable entry still names it but the real file lost them. */
  kept: Buffer | null;
}


export class PowerLossIo implements FileIo {
  private readonly byFd = new Map<number, Inode>();
  private readonly byPath = new Map<string, Inode>();
  /** Each fsynced directory's durable entries: name → file. */
  private readonly durableDirs = new Map<string, Map<string, Inode>>();

  /** `root`: the server's dir; images reproduce the layout below it. */
  constructor(private readonly root: string, private readonly real: FileIo = realIo) {}

  openAppend = (path: string): number => {
    const fd = this.real.openAppend(path);
    this.byFd.set(fd, this.byPath.get(path) ?? this.track(path, fstatSync(fd).size));
    return fd;
  };

  openWrite = (path: string): number => {
    this.forget(path);
    const fd = this.real.openWrite(path);
    this.byFd.set(fd, this.track(path, 0));
    return fd;
  };

  write = (fd: number, d: Uint8Array, o: number, l: number): number => this.real.write(fd, d, o, l);

  fsync = (fd: number): void => {
    const size = fstatSync(fd).size;
    this.real.fsync(fd);
    this.synced(fd, size);
  };

  fdatasyncAsync = (fd: number, done: IoDone): void => this.real.fdatasyncAsync(fd, this.syncedWhenDone(fd, done));

  ftruncate = (fd: number, length: number): void => {
    this.real.ftruncate(fd, length);
    const inode = this.byFd.get(fd);
    if (inode !== undefined && inode.durable > length) inode.durable = length;
  };

  truncate = (path: string, length: number): void => {
    this.real.truncate(path, length);
    const inode = this.byPath.get(path);
    if (inode !== undefined && inode.durable > length) inode.durable = length;
  };

  close = (fd: number): void => {
    this.real.close(fd);
    this.byFd.delete(fd);
  };

  closeAsync = (fd: number, done?: IoDone): void => {
    this.real.closeAsync(fd, done);
    this.byFd.delete(fd);
  };

  rename = (from: string, to: string): void => {
    this.forget(to);
    this.real.rename(from, to);
    this.renamed(from, to);
  };

  fsyncDir = (dir: string): void => {
    this.real.fsyncDir(dir);
    this.durableDirs.set(dir, this.listing(dir));
  };

  writevAsync = (fd: number, b: Buffer[], done: (err: NodeJS.ErrnoException | null, written: number) => void): void =>
    this.real.writevAsync(fd, b, done);

  fsyncAsync = (fd: number, done: IoDone): void => this.real.fsyncAsync(fd, this.syncedWhenDone(fd, done));

  renameAsync = (from: string, to: string, done: IoDone): void => {
    this.forget(to); // its bytes, while a durable entry may still name it
    this.real.renameAsync(from, to, (err) => {
      if (err === null) this.renamed(from, to);
      done(err);
    });
  };

  fsyncDirAsync = (dir: string, done: IoDone): void => {
    const entries = this.listing(dir);
    this.real.fsyncDirAsync(dir, (err) => {
      if (err === null) this.durableDirs.set(dir, entries);
      done(err);
    });
  };

  unlink = (path: string): void => {
    this.forget(path);
    this.real.unlink(path);
  };

  bgUnlink = (path: string): void => {
    this.forget(path);
    this.real.bgUnlink(path);
  };

  readFile = (p: string): Buffer => this.real.readFile(p);
  size = (p: string): number => this.real.size(p);
  exists = (p: string): boolean => this.real.exists(p);
  isDir = (p: string): boolean => this.real.isDir(p);
  mkdir = (p: string): void => this.real.mkdir(p);

  /**
   * Write what a power cut now would leave into `target` (same layout as root): every
   * durable entry of every fsynced directory, each file's durable bytes, plus a prefix of
   * its unsynced bytes whose length `tail(unsynced)` picks (0: none; any value up to
   * `unsynced`). Synchronous, so the server does nothing in between.
   */
  image(target: string, tail: (unsynced: number) => number): void {
    for (const [dir, entries] of this.durableDirs) {
      const out = join(target, relative(this.root, dir));
      mkdirSync(out, { recursive: true });
      for (const [name, inode] of entries) {
        if (inode.kept === null && inode.path === null) continue; // removed before it was durable
        const bytes = inode.kept ?? readFileSync(inode.path!);
        const durable = Math.min(inode.durable, bytes.length);
        const unsynced = bytes.length - durable;
        writeFileSync(join(out, name), bytes.subarray(0, durable + Math.min(tail(unsynced), unsynced)));
      }
    }
  }

  /** The directory's files now, each as the file it names. */
  private listing(dir: string): Map<string, Inode> {
    const entries = new Map<string, Inode>();
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path, { throwIfNoEntry: false }); // a rename on the thread pool may move it meanwhile
      if (st === undefined || !st.isFile()) continue;
      entries.set(name, this.byPath.get(path) ?? this.track(path, st.size));
    }
    return entries;
  }

  private renamed(from: string, to: string): void {
    const inode = this.byPath.get(from);
    if (inode === undefined) return;
    this.byPath.delete(from);
    this.byPath.set(to, inode);
    inode.path = to;
  }

  private track(path: string, durable: number): Inode {
    const inode: Inode = { path, durable, kept: null };
    this.byPath.set(path, inode);
    return inode;
  }

  /** The callback of an fsync asked for now: the bytes the file has now are durable once it succeeds. */
  private syncedWhenDone(fd: number, done: IoDone): IoDone {
    const size = fstatSync(fd).size;
    return (err) => {
      if (err === null) this.synced(fd, size);
      done(err);
    };
  }

  private synced(fd: number, size: number): void {
    const inode = this.byFd.get(fd);
    if (inode !== undefined && size > inode.durable) inode.durable = size;
  }

  /** `path` is about to lose its file (removed, replaced, truncated by open). */
  private forget(path: string): void {
    const inode = this.byPath.get(path);
    if (inode === undefined) return;
    if (this.isDurablyNamed(inode)) inode.kept = readFileSync(path);
    this.byPath.delete(path);
    inode.path = null;
  }

  private isDurablyNamed(inode: Inode): boolean {
    for (const entries of this.durableDirs.values()) {
      for (const named of entries.values()) if (named === inode) return true;
    }
    return false;
  }
}
