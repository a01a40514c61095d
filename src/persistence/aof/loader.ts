/**
 * Loading the AOF at start-up (Redis 7.0's loadAppendOnlyFiles / loadSingleAppendOnlyFile).
 *
 * Protocol:
 *  1. upgrade: a single `<dir>/<appendfilename>` with no usable manifest is moved into the
 *     AOF directory under a manifest naming it as the base (a crash between the steps
 *     leaves a state the next start retries, as in Redis);
 *  2. every file the manifest lists must exist; none with any bytes means "no AOF";
 *  3. base, then each incr in order: an RDB part (a file starting with REDIS) is loaded
 *     with deadlines kept, then RESP commands run one by one through the command handlers
 *     with a fake client whose replies are discarded; MULTI … EXEC is replayed as a block;
 *  4. a torn tail (or a MULTI with no EXEC at the end) is cut back to the last complete
 *     command when `aof-load-truncated yes`: the file is physically truncated; that is
 *     fatal anyway unless it is the last file. Garbage, an unknown command or a bad RDB
 *     part is always fatal. Every refusal names the file and the byte offset.
 *
 * Keys do not expire while loading, as in Redis: the command clock is held at 0, so a
 * deadline that passed while the server was down is kept until loading ends (a logged
 * PEXPIREAT must not delete a key that later logged commands still modify). Handlers run
 * directly, as Redis calls cmd->proc: no propagation, no statistics.
 */

import { join } from 'node:path';
import type { Server } from '../../server/server.js';
import { Client } from '../../server/client.js';
import type { CommandSpec } from '../../commands/spec.js';
import { parseRdb, RdbReader } from '../rdb/reader.js';
import { RdbError } from '../rdb/errors.js';
import { storeLoadVisitor } from '../rdb-load.js';
import type { FileIo } from '../io.js';
import { AofManifest, AofNames, loadManifest, persistManifest } from './manifest.js';
import { latin1Of } from '../../util/latin1.js';

/** A refusal to load: the server must not start (invariant 4). */
export class AofLoadError extends Error {
  override name = 'AofLoadError';
}

/** What scanning one file's RESP part found. */
export interface ScanResult {
  /** ok: clean end; truncated: torn tail (or unfinished MULTI); format: garbage. */
  status: 'ok' | 'truncated' | 'format';
  /** Offset just past the last complete command outside a MULTI block. */
  validUpTo: number;
  /** Offset of the line that was not RESP (format), or where the data ran out. */
  errorAt: number;
  /** The tail was an unfinished MULTI block. */
  unfinishedMulti: boolean;
}

/**
 * fgets with Redis's 1024-byte buffer: a line up to and including '\n', at most 1023 bytes.
 * A loop, not buf.indexOf: the lines are a few bytes (`$16\r\n`), and the native call
 * per line cost more than the scan (4 lines per SET).
 */
function lineEnd(buf: Buffer, pos: number): number {
  const limit = Math.min(buf.length, pos + 1023);
  for (let i = pos; i < limit; i++) if (buf[i] === 10) return i + 1;
  return limit;
}

/** Command names, as scanAof classifies them for MULTI blocks. */
const enum NameKind { Other, Multi, Exec }

function nameKind(name: string): NameKind {
  if (name.length === 5 && name.toLowerCase() === 'multi') return NameKind.Multi;
  if ((name.length === 4 || name.length === 7) && (name.toLowerCase() === 'exec' || name.toLowerCase() === 'discard')) return NameKind.Exec;
  return NameKind.Other;
}

/** buf[a, a+len) and buf[b, b+len) hold the same bytes. */
function sameBytes(buf: Buffer, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/** C's atoi / strtol on the digits after the first byte of a line. */
function leadingInt(buf: Buffer, from: number, to: number): number {
  let i = from;
  let neg = false;
  if (i < to && (buf[i] === 0x2d || buf[i] === 0x2b)) neg = buf[i++] === 0x2d;
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/**
 * Scan RESP commands from `start`, leniently like Redis's loader (lengths parsed with
 * atoi, the two bytes after a bulk skipped unchecked), calling `onCommand` for each
 * complete one. `onCommand` may throw to abort (unknown command). A command name spelled
 * byte for byte as the previous one is handed out as the same string: an AOF repeats a
 * few names, and this spares a string per command and lets the caller compare by identity.
 */
export function scanAof(buf: Buffer, start: number, onCommand: (argv: string[], offset: number) => void): ScanResult {
  let pos = start;
  let validUpTo = start;
  let beforeMulti = start;
  let inMulti = false;
  let prevName = '';
  let prevNameAt = 0;
  let prevKind = NameKind.Other;
  const size = buf.length;
  const truncated = (at: number): ScanResult => ({ status: 'truncated', validUpTo, errorAt: at, unfinishedMulti: false });
  while (pos < size) {
    const cmdStart = pos;
    let end = lineEnd(buf, pos);
    if (buf[pos] === 0x23) { // '#': an annotation
      pos = end;
      continue;
    }
    if (buf[pos] !== 0x2a) return { status: 'format', validUpTo, errorAt: pos, unfinishedMulti: false };
    if (end === pos + 1) return truncated(pos);
    const argc = leadingInt(buf, pos + 1, end);
    if (argc < 1) return { status: 'format', validUpTo, errorAt: pos, unfinishedMulti: false };
    pos = end;
    const argv: string[] = new Array(argc);
    for (let j = 0; j < argc; j++) {
      if (pos >= size) return truncated(pos);
      end = lineEnd(buf, pos);
      if (buf[pos] !== 0x24) return { status: 'format', validUpTo, errorAt: pos, unfinishedMulti: false };
      const len = leadingInt(buf, pos + 1, end);
      pos = end;
      if (len < 0 || pos + len + 2 > size) return truncated(pos);
      if (j > 0) {
        argv[j] = latin1Of(buf, pos, pos + len);
      } else if (len === prevName.length && sameBytes(buf, pos, prevNameAt, len)) {
        argv[0] = prevName;
      } else {
        argv[0] = prevName = latin1Of(buf, pos, pos + len);
        prevKind = nameKind(prevName);
      }
      if (j === 0) prevNameAt = pos;
      pos += len + 2;
    }
    if (prevKind === NameKind.Multi) {
      beforeMulti = validUpTo;
      inMulti = true;
    } else if (prevKind === NameKind.Exec) {
      inMulti = false;
    }
    onCommand(argv, cmdStart);
    validUpTo = pos;
  }
  if (inMulti) return { status: 'truncated', validUpTo: beforeMulti, errorAt: pos, unfinishedMulti: true };
  return { status: 'ok', validUpTo, errorAt: pos, unfinishedMulti: false };
}

export interface LoadResult {
  /** not-exist: no AOF at all; empty: files with no bytes; ok / truncated: loaded. */
  status: 'not-exist' | 'empty' | 'ok' | 'truncated';
  manifest: AofManifest;
  baseSize: number;
  totalSize: number;
}

export interface AofPaths {
  /** <dir>/<appenddirname> */
  aofDir: string;
  /** <dir> */
  dir: string;
  names: AofNames;
}

/** Steps 1 and 2 of the protocol: the manifest to load, after a possible upgrade. */
export function prepareManifest(server: Server, io: FileIo, p: AofPaths): AofManifest {
  let am = loadManifest(io, p.aofDir, p.names);
  const oldStyle = join(p.dir, p.names.filename);
  if (io.exists(oldStyle) && !io.isDir(oldStyle)) {
    const onlyOldBase = am.base !== null && am.incrs.length === 0 && am.base.name === p.names.filename &&
      !io.exists(join(p.aofDir, p.names.filename));
    if (!io.isDir(p.aofDir) || am.isEmpty || onlyOldBase) {
      io.mkdir(p.aofDir);
      am = new AofManifest();
      am.base = { name: p.names.filename, seq: 1, type: 'b' };
      am.baseSeq = 1;
      persistManifest(io, p.aofDir, p.names, am);
      io.rename(oldStyle, join(p.aofDir, p.names.filename));
      io.fsyncDir(p.aofDir);
      server.log.notice(`Successfully migrated an old-style AOF file (${p.names.filename}) into the AOF directory (${p.aofDir}).`);
    }
  }
  return am;
}

/** Load every file of the manifest into the keyspace. Throws AofLoadError on refusal. */
export function loadAofFiles(server: Server, io: FileIo, p: AofPaths, am: AofManifest): LoadResult {
  const files = am.loadOrder;
  if (files.length === 0) return { status: 'not-exist', manifest: am, baseSize: 0, totalSize: 0 };
  let total = 0;
  for (const ai of files) {
    const path = join(p.aofDir, ai.name);
    if (!io.exists(path)) {
      throw new AofLoadError(`The append log file ${ai.name} doesn't exist: No such file or directory`);
    }
    total += io.size(path);
  }
  if (total === 0) return { status: 'empty', manifest: am, baseSize: 0, totalSize: 0 };

  const keyspace = server.keyspace;
  const dirty = keyspace.dirty;
  const c = new Client(server, null, 'aof', '');
  server.loading = true;
  keyspace.now = 0; // no expiry while loading (header comment)
  let status: LoadResult['status'] = 'ok';
  let baseSize = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      const ai = files[i]!;
      const last = i === files.length - 1;
      const path = join(p.aofDir, ai.name);
      const start = performance.now();
      const size = io.size(path);
      if (ai.type === 'b') baseSize = size;
      if (size === 0) continue;
      const truncated = loadSingleFile(server, io, c, path, ai.name, ai.name === p.names.filename);
      if (truncated) {
        if (!last) throw new AofLoadError(`Fatal error: the truncated file is not the last file (${ai.name})`);
        status = 'truncated';
      }
      server.log.notice(`DB loaded from ${ai.type === 'b' ? 'base' : 'incr'} file ${ai.name}: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
    }
  } finally {
    server.loading = false;
    keyspace.now = Date.now();
    keyspace.dirty = dirty;
  }
  return { status, manifest: am, baseSize, totalSize: total };
}

/** One file; true when its tail was truncated (aof-load-truncated). */
function loadSingleFile(server: Server, io: FileIo, c: Client, path: string, name: string, oldStyle: boolean): boolean {
  const buf = io.readFile(path);
  const log = server.log;
  let pos = 0;
  if (buf.length >= 5 && buf.toString('latin1', 0, 5) === 'REDIS') {
    log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
    try {
      pos = loadRdbPart(server, buf);
    } catch (err) {
      const what = oldStyle ? `the RDB preamble of the AOF file ${name}` : `the RDB base file ${name}`;
      if (err instanceof RdbError) err.inFile(name);
      throw new AofLoadError(`Error reading ${what}, AOF loading aborted: ${(err as Error).message}`);
    }
    if (oldStyle) log.notice('Reading the remaining AOF tail...');
  }
  let queue: [CommandSpec, string[]][] | null = null;
  // An AOF repeats a few command names, spelled alike: resolve each spelling once.
  let lastName = '';
  let lastCmd: CommandSpec | undefined;
  const result = scanAof(buf, pos, (argv, offset) => {
    if (argv[0] !== lastName) {
      lastName = argv[0]!;
      // Under a renamed command's new name, as Redis finds it; under its own name too, where
      // Redis refuses: the server itself logs SREM, PEXPIREAT, MULTI… by their own names.
      lastCmd = server.dispatcher.lookupOrOriginal(lastName);
    }
    const cmd = resolveSubcommand(lastCmd, argv);
    if (cmd === undefined) {
      throw new AofLoadError(`Unknown command '${argv[0]!.slice(0, 128)}' reading the append only file ${name} at offset ${offset}`);
    }
    if (!arityOk(cmd.arity, argv.length)) {
      throw new AofLoadError(`Wrong number of arguments for '${cmd.name}' reading the append only file ${name} at offset ${offset}`);
    }
    if (cmd.name === 'multi') {
      queue = [];
    } else if (cmd.name === 'exec' && queue !== null) {
      const q: [CommandSpec, string[]][] = queue;
      queue = null;
      for (const [qc, qa] of q) runOne(c, qc, qa);
    } else if (cmd.name === 'discard') {
      queue = null;
    } else if (queue !== null) {
      (queue as [CommandSpec, string[]][]).push([cmd, argv]);
    } else {
      runOne(c, cmd, argv);
    }
  });
  if (result.status === 'format') {
    throw new AofLoadError(`Bad file format reading the append only file ${name} at offset ${result.errorAt}: ` +
      'make a backup of your AOF file, then use ./vellum-check-aof --fix <filename.manifest>');
  }
  if (result.status === 'ok') return false;
  if (result.unfinishedMulti) log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
  if (!server.config.bool('aof-load-truncated')) {
    throw new AofLoadError(`Unexpected end of file reading the append only file ${name} at offset ${result.errorAt}. You can: ` +
      '1) Make a backup of your AOF file, then use ./vellum-check-aof --fix <filename.manifest>. ' +
      "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.");
  }
  log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
  log.warning(`!!! Truncating the AOF ${name} at offset ${result.validUpTo} !!!`);
  try {
    io.truncate(path, result.validUpTo);
  } catch (err) {
    throw new AofLoadError(`Error truncating the AOF file ${name}: ${(err as Error).message}`);
  }
  log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
  return true;
}

function runOne(c: Client, cmd: CommandSpec, argv: string[]): void {
  c.lastCommand = cmd; // the running command, which handlers name in errors (Redis sets c->cmd too)
  c.propagateArgv = null;
  c.preventPropagation = false;
  cmd.run!(c, argv);
  c.out = ''; // a loading client's replies are discarded
}

function resolveSubcommand(cmd: CommandSpec | undefined, argv: string[]): CommandSpec | undefined {
  if (cmd === undefined || cmd.subcommands === undefined || argv.length < 2) return cmd;
  const sub = argv[1]!.toLowerCase();
  return cmd.subcommands.find((s) => s.name === sub);
}

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/** The RDB part of a base or an old preamble file: deadlines kept; returns the end offset. */
function loadRdbPart(server: Server, buf: Buffer): number {
  const visitor = storeLoadVisitor(server, { dropExpired: false, merge: false }, { loaded: 0, expired: 0, ctime: -1, usedMem: -1 });
  const r = new RdbReader(buf);
  parseRdb(r, visitor, server.config.bool('rdbchecksum'));
  return r.offset;
}
