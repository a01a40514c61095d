/**
 * An FileIo for tests of the AOF writer: the real file system, except that fdatasync on the
 * thread pool completes only when the test says so, and writes can be made to fail.
 * releaseSyncs() lets the held fsyncs run for real (asynchronously); completeSyncs() ends
 * them at once, in the test's own synchronous step, with success or an injected error, so
 * that a test can order an fsync's completion against the writer's other steps exactly.
 */

import { fdatasyncSync } from 'node:fs';
import { realIo, type FileIo, type IoDone } from '../../../src/persistence/io.js';


export class ControlledIo implements FileIo {
  pendingSyncs: { fd: number; done: IoDone }[] = [];
  /** When set, fsyncs run for real as soon as they are asked for (nothing is held). */
  autoSync = false;
  failWrites: string | null = null;
  constructor(private readonly real: FileIo = realIo) {}
  openAppend = (p: string) => this.real.openAppend(p);
  openWrite = (p: string) => this.real.openWrite(p);
  write = (fd: number, d: Uint8Array, o: number, l: number) => {
    if (this.failWrites !== null) throw errno(this.failWrites);
    return this.real.write(fd, d, o, l);
  };
  fsync = (fd: number) => this.real.fsync(fd);
  fdatasyncAsync = (fd: number, done: IoDone) => {
    if (this.autoSync) this.real.fdatasyncAsync(fd, done);
    else this.pendingSyncs.push({ fd, done });
  };
  /** Let the held fsyncs run for real, on the thread pool. */
  releaseSyncs(): void {
    for (const s of this.takeSyncs()) this.real.fdatasyncAsync(s.fd, s.done);
  }
  /** Complete the held fsyncs now: really synced, or failed with errno `code`. */
  completeSyncs(code: string | null = null): void {
    for (const s of this.takeSyncs()) {
      if (code !== null) {
        s.done(errno(code));
      } else {
        fdatasyncSync(s.fd);
        s.done(null);
      }
    }
  }
  private takeSyncs(): { fd: number; done: IoDone }[] {
    const s = this.pendingSyncs;
    this.pendingSyncs = [];
    return s;
  }
  ftruncate = (fd: number, l: number) => this.real.ftruncate(fd, l);
  close = (fd: number) => this.real.close(fd);
  closeAsync = (fd: number, done?: IoDone) => this.real.closeAsync(fd, done);
  writevAsync = (fd: number, b: Buffer[], done: (err: NodeJS.ErrnoException | null, written: number) => void) => this.real.writevAsync(fd, b, done);
  fsyncAsync = (fd: number, done: IoDone) => this.real.fsyncAsync(fd, done);
  renameAsync = (a: string, b: string, done: IoDone) => this.real.renameAsync(a, b, done);
  fsyncDirAsync = (d: string, done: IoDone) => this.real.fsyncDirAsync(d, done);
  rename = (a: string, b: string) => this.real.rename(a, b);
  fsyncDir = (d: string) => this.real.fsyncDir(d);
  truncate = (p: string, l: number) => this.real.truncate(p, l);
  unlink = (p: string) => this.real.unlink(p);
  bgUnlink = (p: string) => this.real.bgUnlink(p);
  readFile = (p: string) => this.real.readFile(p);
  size = (p: string) => this.real.size(p);
  exists = (p: string) => this.real.exists(p);
  isDir = (p: string) => this.real.isDir(p);
  mkdir = (p: string) => this.real.mkdir(p);
}

export function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}
