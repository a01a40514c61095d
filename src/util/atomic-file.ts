/**
 * Replace a file so that a crash at any moment leaves either the old content or the new,
 * never a mix (invariant 4): write a temp file beside it, fsync it, rename it over the
 * target, fsync the directory so the rename itself is durable. A failure removes the temp
 * file, leaves the target untouched and names the step that failed.
 */

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const temp = `${path}.tmp-${process.pid}`;
  let step = 'open';
  let fd = -1;
  try {
    fd = openSync(temp, 'w');
    step = 'write';
    if (typeof data === 'string') writeSync(fd, data, null, 'latin1');
    else writeSync(fd, data);
    step = 'fsync';
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    step = 'rename';
    renameSync(temp, path);
    step = 'fsync directory';
    fsyncDirSync(dirname(path));
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    if (step !== 'fsync directory') {
      try { unlinkSync(temp); } catch { /* the temp file may not exist */ }
    }
    throw new Error(`${step} ${step === 'rename' ? temp + ' -> ' + path : temp}: ${(err as Error).message}`);
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
