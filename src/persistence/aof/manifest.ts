/**
 * The multi-part AOF manifest (Redis 7.0's aof.c, "AOF Manifest file implementation"):
 * which files make the AOF, in load order. One base (type b, RDB or RESP), zero or more
 * incr files (type i, RESP, strictly increasing seq) and history files (type h, obsolete,
 * deleted when nothing else needs them):
 *
 *   file appendonly.aof.1.base.rdb seq 1 type b
 *   file appendonly.aof.1.incr.aof seq 1 type i
 *
 * Parsing keeps the 7.0 reader's rules and words (persistence-spec.md §3.2): a fatal error
 * is a ManifestError carrying the line number and line. Persisting goes temp → fsync →
 * rename → fsync dir (invariant 4) through the FileIo of the caller.
 */

import { join } from 'node:path';
import { splitArgs } from '../../util/split-args.js';
import { escapeForMonitor } from '../../server/server.js';
import type { FileIo } from '../io.js';
import { writeAll } from '../io.js';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export class AofManifest {
  base: AofInfo | null = null;
  incrs: AofInfo[] = [];
  history: AofInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;

  /** No base and no incr: the AOF does not exist. */
  get isEmpty(): boolean {
    return this.base === null && this.incrs.length === 0;
  }

  /** Base then incr files: the load order. */
  get loadOrder(): AofInfo[] {
    return this.base === null ? [...this.incrs] : [this.base, ...this.incrs];
  }

  clone(): AofManifest {
    const m = new AofManifest();
    m.base = this.base === null ? null : { ...this.base };
    m.incrs = this.incrs.map((i) => ({ ...i }));
    m.history = this.history.map((i) => ({ ...i }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    return m;
  }

  /** Base first, then history, then incr lines, as Redis writes them. */
  format(): string {
    let s = '';
    const line = (ai: AofInfo) => {
      s += `file ${needsRepr(ai.name) ? '"' + escapeForMonitor(ai.name) + '"' : ai.name} seq ${ai.seq} type ${ai.type}\n`;
    };
    if (this.base !== null) line(this.base);
    this.history.forEach(line);
    this.incrs.forEach(line);
    return s;
  }
}

/** A fatal manifest error, in Redis's words; `line` is 0 when no line is at fault. */
export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(readonly reason: string, readonly lineNo: number, readonly lineText: string | null) {
    super(lineText === null ? reason : `${reason} (reading the manifest file, at line ${lineNo}: '${lineText}')`);
  }
}

const MANIFEST_MAX_LINE = 1024;

/** Parse manifest text (latin1) with the 7.0 reader's rules. Throws ManifestError. */
export function parseManifest(text: string): AofManifest {
  const am = new AofManifest();
  let maxSeq = 0;
  let lineNo = 0;
  let pos = 0;
  if (text.length === 0) throw new ManifestError('Found an empty AOF manifest', 0, null);
  while (pos < text.length) {
    // fgets with a 1025-byte buffer: a longer line is read in pieces.
    let end = text.indexOf('\n', pos);
    const hasNl = end >= 0 && end - pos < MANIFEST_MAX_LINE;
    if (!hasNl) end = Math.min(text.length, pos + MANIFEST_MAX_LINE) - 1;
    const raw = text.slice(pos, end + 1);
    pos = end + 1;
    lineNo++;
    if (raw[0] === '#') continue;
    if (!hasNl) throw new ManifestError('The AOF manifest file contains too long line', lineNo, null);
    const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    const fail = (reason: string): never => {
      throw new ManifestError(reason, lineNo, line);
    };
    if (line.length === 0) fail('Invalid AOF manifest file format');
    const argv = splitArgs(line);
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) fail('Invalid AOF manifest file format');
    let name: string | null = null;
    let seq = 0;
    let type = '';
    for (let i = 0; i < argv!.length; i += 2) {
      const k = argv![i]!.toLowerCase();
      const v = argv![i + 1]!;
      if (k === 'file') {
        name = v;
        if (v.includes('/')) fail("File can't be a path, just a filename");
      } else if (k === 'seq') {
        seq = atoll(v);
      } else if (k === 'type') {
        type = v[0] ?? '';
      }
    }
    if (name === null || name === '' || seq === 0 || type === '') fail('Invalid AOF manifest file format');
    const ai: AofInfo = { name: name!, seq, type: type as AofFileType };
    if (type === 'b') {
      if (am.base !== null) fail('Found duplicate base file information');
      am.base = ai;
      am.baseSeq = seq;
    } else if (type === 'h') {
      am.history.push(ai);
    } else if (type === 'i') {
      if (seq <= maxSeq) fail('Found a non-monotonic sequence number');
      am.incrs.push(ai);
      am.incrSeq = seq;
      maxSeq = seq;
    } else {
      fail('Unknown AOF file type');
    }
  }
  return am;
}

/** C's atoll: optional sign and leading digits, 0 when there are none. */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
}

/** Redis's sdsneedsrepr: quote a name with spaces, quotes, escapes or unprintable bytes. */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) return true;
  }
  return false;
}

/** The names Redis 7.0 derives from `appendfilename`. */
export class AofNames {
  constructor(readonly filename: string) {}
  get manifest(): string { return `${this.filename}.manifest`; }
  get tempManifest(): string { return `temp-${this.filename}.manifest`; }
  get tempIncr(): string { return `temp-${this.filename}.incr`; }
  base(seq: number, rdb: boolean): string { return `${this.filename}.${seq}.base.${rdb ? 'rdb' : 'aof'}`; }
  incr(seq: number): string { return `${this.filename}.${seq}.incr.aof`; }
}

/** Read the manifest of `dir`; an empty manifest when the directory or the file is missing. */
export function loadManifest(io: FileIo, dir: string, names: AofNames): AofManifest {
  if (!io.isDir(dir)) return new AofManifest();
  const path = join(dir, names.manifest);
  if (!io.exists(path)) return new AofManifest();
  return parseManifest(io.readFile(path).toString('latin1'));
}

/** Replace the manifest atomically: temp, fsync, rename, fsync the directory. */
export function persistManifest(io: FileIo, dir: string, names: AofNames, am: AofManifest): void {
  const temp = join(dir, names.tempManifest);
  const fd = io.openWrite(temp);
  try {
    writeAll(io, fd, Buffer.from(am.format(), 'latin1'));
    io.fsync(fd);
  } catch (err) {
    io.close(fd);
    try { io.unlink(temp); } catch { /* already gone */ }
    throw new Error(`Error trying to write the temporary AOF manifest file ${names.tempManifest}: ${(err as Error).message}`);
  }
  io.close(fd);
  io.rename(temp, join(dir, names.manifest));
  io.fsyncDir(dir);
}
