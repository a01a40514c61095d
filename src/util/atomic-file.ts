/**
 * Replace a file so that a crash at any moment leaves either the old content or the new,
 * never a mix (invariant 4): write a temp file beside it, fsync it, rename it over the
 * target, fsync the directory so the rename itself is durable. A failure removes the temp
 * file, leaves the target untouched and names the step that failed.
 */

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The protocol above with the content written by `write(fd)` into `temp` (a name the
 * caller may choose, as Redis's temp-<pid>.rdb). Throws an Error naming the failed step
 * and the paths.
 */
export function replaceFileAtomicSync(path: string, temp: string, write: (fd: number) => void): void {
  let step = 'open the temp file';
  let fd = -1;
  try {
    fd = openSync(temp, 'w');
    step = 'write';
    write(fd);
    step = 'fsync';
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    step = 'rename';
    renameSync(temp, path);
    step = 'fsync the directory';
    fsyncDirSync(dirname(path));
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    if (step !== 'fsync the directory') {
      try { unlinkSync(temp); } catch { /* the temp file may not exist */ }
    }
    throw new Error(`${step} (${step === 'rename' ? `${temp} -> ${path}` : temp}): ${(err as Error).message}`);
  }
}

/** Write all of `data` to `fd` (writeSync may write less than asked). */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  replaceFileAtomicSync(path, `${path}.tmp-${process.pid}`, (fd) => writeAllSync(fd, bytes));
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
