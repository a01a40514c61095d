#!/usr/bin/env node
/**
 * vellum-check-aof [--fix|--truncate-to-timestamp <unix-ts>] <file.manifest|file.aof>:
 * redis-check-aof's arguments, output and exit codes. A thin wrapper over
 * persistence/aof/check.ts; the --fix confirmation is read from stdin.
 */

import { readSync } from 'node:fs';
import { checkAofMain } from '../persistence/aof/check.js';

function readAnswer(): string {
  const buf = Buffer.alloc(64);
  try {
    const n = readSync(0, buf, 0, buf.length, null);
    return buf.toString('latin1', 0, n);
  } catch {
    return '';
  }
}

process.exitCode = checkAofMain(process.argv.slice(2), {
  out: (line) => process.stdout.write(line + '\n'),
  write: (text) => process.stdout.write(text),
  confirm: readAnswer,
});
