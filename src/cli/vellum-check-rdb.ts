#!/usr/bin/env node
/**
 * vellum-check-rdb <file.rdb>: validate an RDB file the way redis-check-rdb does, with the
 * same codec the server loads with (deep blob validation, checksum), and report in its
 * style: AUX fields, then "\o/ RDB looks OK! \o/" and counts, or the error with its byte
 * offset and exit status 1. A thin wrapper: reads the file, never writes it.
 */

import { closeSync, openSync } from 'node:fs';
import { FileSource } from '../persistence/rdb-file.js';
import { parseRdb, RdbReader, discardBuilder } from '../persistence/rdb/reader.js';
import { RdbError } from '../persistence/rdb/errors.js';

const path = process.argv[2];
if (path === undefined || process.argv.length > 3) {
  process.stderr.write('Usage: vellum-check-rdb <rdb-file-name>\n');
  process.exit(1);
}

let keys = 0;
let expires = 0;
let expired = 0;
let empty = 0;
const now = Date.now();
const out = (line: string) => process.stdout.write(line + '\n');
let fd = -1;
let reader: RdbReader | null = null;
try {
  fd = openSync(path, 'r');
  reader = new RdbReader(new FileSource(fd));
  out(`[offset 0] Checking RDB file ${path}`);
  const r = reader;
  const info = parseRdb(r, {
    builder: discardBuilder, // counts only: the check keeps no values
    aux: (name, value) => out(`[offset ${r.offset}] AUX FIELD ${name} = '${value}'`),
    selectDb: (db, offset) => out(`[offset ${offset}] Selecting DB ID ${db}`),
    key: (_db, _key, value, expireAt) => {
      keys++;
      if (value === null) empty++;
      if (expireAt >= 0) {
        expires++;
        if (expireAt < now) expired++;
      }
    },
    functionLibrary: () => {},
  }, true);
  if (info.checksum === 'ok') out(`[offset ${r.offset}] Checksum OK`);
  else if (info.checksum === 'disabled') out(`[offset ${r.offset}] RDB file was saved with checksum disabled: no check performed.`);
  out(`[offset ${r.offset}] \\o/ RDB looks OK! \\o/`);
  out(`[info] ${keys} keys read`);
  out(`[info] ${expires} expires`);
  out(`[info] ${expired} already expired`);
  if (empty > 0) out(`[info] ${empty} empty keys (skipped on load)`);
} catch (err) {
  out('--- RDB ERROR DETECTED ---');
  if (err instanceof RdbError) out(`[offset ${err.offset}] ${err.kind === 'truncated' ? `Unexpected EOF reading RDB file: ${err.reason}` : err.reason}`);
  else out(`[offset ${reader?.offset ?? 0}] ${(err as Error).message}`);
  out(`[info] ${keys} keys read`);
  out(`[info] ${expires} expires`);
  out(`[info] ${expired} already expired`);
  process.exitCode = 1;
} finally {
  if (fd >= 0) closeSync(fd);
}
