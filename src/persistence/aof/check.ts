/**
 * The AOF checker behind vellum-check-aof: Redis 7.0's redis-check-aof (same arguments,
 * output lines and exit codes; persistence-spec.md §3.9). Unlike the loader it is strict:
 * every `*n` and `$len` line must end in CRLF, every bulk must be followed by CRLF, and
 * MULTI/EXEC must nest. It records the offset of the last complete command outside a
 * transaction (ok_up_to) and, with --fix and a confirmation, truncates the file there —
 * everything after the first bad byte goes, as with Redis. Only the last file of a
 * manifest may be truncated. The RDB part of a base is checked with the RDB codec.
 */

import { dirname, join } from 'node:path';
import { parseRdb, RdbReader, discardBuilder } from '../rdb/reader.js';
import { realIo, type FileIo } from '../io.js';
import { parseManifest } from './manifest.js';

export interface CheckEnv {
  out(line: string): void;
  /** Print without a newline (the prompt). */
  write(text: string): void;
  /** The answer to `Continue? [y/N]: `. */
  confirm(): string;
  io?: FileIo;
}

/** exit(code) from deep inside, as the C tool does. */
class Exit {
  constructor(readonly code: number) {}
}

const CHECK_OK = 0;
const CHECK_EMPTY = 1;
const CHECK_TRUNCATED = 2;
const CHECK_TS_TRUNCATED = 3;

/** Run with argv after the program name; returns the exit code. */
export function checkAofMain(args: readonly string[], env: CheckEnv): number {
  try {
    run(args, env);
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  }
}

function run(args: readonly string[], env: CheckEnv): void {
  const io = env.io ?? realIo;
  let fix = false;
  let toTs = 0;
  let path: string;
  const usage = () => {
    env.out('Usage: vellum-check-aof [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>');
    throw new Exit(1);
  };
  if (args.length === 1) path = args[0]!;
  else if (args.length === 2 && args[0] === '--fix') {
    fix = true;
    path = args[1]!;
  } else if (args.length === 3 && args[0] === '--truncate-to-timestamp') {
    if (!/^[+-]?\d+$/.test(args[1]!)) {
      env.out('Invalid timestamp, aborting...');
      throw new Exit(1);
    }
    toTs = Number(args[1]);
    path = args[2]!;
  } else return usage();

  if (!io.exists(path)) {
    env.out(`Cannot open file ${path}: No such file or directory`);
    throw new Exit(1);
  }
  const data = io.readFile(path);
  const checker = new Checker(env, io, fix, toTs);
  if (isManifest(data)) {
    env.out('Start checking Multi Part AOF');
    let am;
    try {
      am = parseManifest(data.toString('latin1'));
    } catch (err) {
      env.out('*** FATAL AOF MANIFEST FILE ERROR ***');
      env.out((err as Error).message);
      throw new Exit(1);
    }
    const dir = dirname(path);
    const total = am.loadOrder.length;
    let n = 0;
    if (am.base !== null) {
      const file = join(dir, am.base.name);
      const rdb = isRdb(io, file);
      env.out(`Start to check BASE AOF (${rdb ? 'RDB' : 'RESP'} format).`);
      report(env, 'BASE AOF ', am.base.name, checker.checkSingle(am.base.name, file, ++n === total, rdb), toTs);
    }
    if (am.incrs.length > 0) {
      env.out('Start to check INCR files.');
      for (const ai of am.incrs) {
        report(env, 'INCR AOF ', ai.name, checker.checkSingle(ai.name, join(dir, ai.name), ++n === total, false), toTs);
      }
    }
    env.out('All AOF files and manifest are valid');
  } else {
    env.out('Start checking Old-Style AOF');
    report(env, 'AOF ', path, checker.checkSingle(path, path, true, isRdb(io, path)), toTs);
  }
}

function report(env: CheckEnv, what: string, name: string, ret: number, toTs: number): void {
  if (ret === CHECK_OK) env.out(`${what}${name} is valid`);
  else if (ret === CHECK_EMPTY) env.out(`${what}${name} is empty`);
  else if (ret === CHECK_TS_TRUNCATED) env.out(`Successfully truncated AOF ${name} to timestamp ${toTs}`);
  else if (ret === CHECK_TRUNCATED) env.out(`Successfully truncated AOF ${name}`);
}

/** Some line (not a comment) starts with `file`. */
function isManifest(data: Buffer): boolean {
  const text = data.toString('latin1');
  for (const line of text.split('\n')) if (line[0] !== '#' && line.startsWith('file')) return true;
  return false;
}

function isRdb(io: FileIo, path: string): boolean {
  if (!io.exists(path)) return false;
  const d = io.readFile(path);
  return d.length >= 8 && d.toString('latin1', 0, 5) === 'REDIS';
}

class Checker {
  private line = 1;
  private epos = 0;
  private error = '';
  private p = 0;
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly env: CheckEnv, private readonly io: FileIo, private readonly fix: boolean, private readonly toTs: number) {}

  private fail(msg: string): false {
    this.error = `0x${this.epos.toString(16).padStart(16, ' ')}: ${msg}`;
    return false;
  }

  /** fgets with a buffer of `size` bytes: up to and including '\n', at most size-1 bytes. */
  private fgets(size: number): string | null {
    if (this.p >= this.buf.length) return null;
    const limit = Math.min(this.buf.length, this.p + size - 1);
    const nl = this.buf.indexOf(10, this.p);
    const end = nl >= 0 && nl < limit ? nl + 1 : limit;
    const s = this.buf.toString('latin1', this.p, end);
    this.p = end;
    return s;
  }

  private consumeNewline(s: string, at: number): boolean {
    if (s.slice(at, at + 2) !== '\r\n') {
      const hex = (i: number) => (s.charCodeAt(i) || 0).toString(16).padStart(2, '0');
      return this.fail(`Expected \\r\\n, got: ${hex(at)}${hex(at + 1)}`);
    }
    this.line++;
    return true;
  }

  private readLong(prefix: string): number | null {
    this.epos = this.p;
    const s = this.fgets(128);
    if (s === null) return null;
    if (s[0] !== prefix) {
      this.fail(`Expected prefix '${prefix}', got: '${s[0]}'`);
      return null;
    }
    const m = /^[ \t]*[+-]?\d*/.exec(s.slice(1))!;
    const n = Number(m[0].trim() === '' || m[0].trim() === '-' || m[0].trim() === '+' ? 0 : m[0]);
    return this.consumeNewline(s, 1 + m[0].length) ? n : null;
  }

  private readString(): string | null {
    const len = this.readLong('$');
    if (len === null) return null;
    if (len < 0) {
      this.fail(`Expected to read string of ${len} bytes, which is not in the suitable range`);
      return null;
    }
    this.epos = this.p;
    const avail = Math.min(len + 2, this.buf.length - this.p);
    if (avail !== len + 2) {
      this.p += avail;
      this.fail(`Expected to read ${len + 2} bytes, got ${avail} bytes`);
      return null;
    }
    const s = this.buf.toString('latin1', this.p, this.p + len + 2);
    this.p += len + 2;
    if (!this.consumeNewline(s, len)) return null;
    return s.slice(0, len);
  }

  private processResp(file: string, multi: { n: number }): boolean {
    const argc = this.readLong('*');
    if (argc === null) return false;
    for (let i = 0; i < argc; i++) {
      const s = this.readString();
      if (s === null) return false;
      if (i === 0) {
        const l = s.toLowerCase();
        if (l === 'multi' && multi.n++ !== 0) return this.fail(`Unexpected MULTI in AOF ${file}`);
        if (l === 'exec' && --multi.n !== 0) return this.fail(`Unexpected EXEC in AOF ${file}`);
      }
    }
    return true;
  }

  /** false: truncated to the timestamp (stop); true: go on. */
  private processAnnotation(file: string, path: string, last: boolean): boolean {
    this.epos = this.p;
    const s = this.fgets(1024)!;
    if (this.toTs === 0 || !s.startsWith('#TS:')) return true;
    const m = /^#TS:([+-]?\d+)\r/.exec(s);
    if (m === null) {
      this.env.out('Invalid timestamp annotation');
      throw new Exit(1);
    }
    if (Number(m[1]) <= this.toTs) return true;
    if (this.epos === 0) {
      this.env.out(`AOF ${file} has nothing before timestamp ${this.toTs}, aborting...`);
      throw new Exit(1);
    }
    if (!last) {
      this.env.out(`Failed to truncate AOF ${file} to timestamp ${this.toTs} to offset ${this.epos} because it is not the last file.`);
      this.env.out('If you insist, please delete all files after this file according to the manifest file and delete the corresponding records in manifest file manually. Then re-run vellum-check-aof.');
      throw new Exit(1);
    }
    this.io.truncate(path, this.epos);
    return false;
  }

  checkSingle(file: string, path: string, last: boolean, preamble: boolean): number {
    if (!this.io.exists(path)) {
      this.env.out(`Cannot open file ${path}: No such file or directory, aborting...`);
      throw new Exit(1);
    }
    this.buf = this.io.readFile(path);
    this.p = 0;
    this.error = '';
    const size = this.buf.length;
    if (size === 0) return CHECK_EMPTY;
    if (preamble) {
      try {
        const r = new RdbReader(this.buf);
        parseRdb(r, { builder: discardBuilder, key: () => {}, functionLibrary: () => {} }, true);
        this.p = r.offset;
      } catch (err) {
        this.env.out(`--- RDB ERROR DETECTED --- ${(err as Error).message}`);
        this.env.out('RDB preamble of AOF file is not sane, aborting.');
        throw new Exit(1);
      }
      this.env.out('RDB preamble is OK, proceeding with AOF tail...');
    }
    let pos = this.p;
    const multi = { n: 0 };
    let eof = false;
    for (;;) {
      if (multi.n === 0) pos = this.p;
      if (this.p >= size) {
        eof = true;
        break;
      }
      const c = this.buf[this.p];
      if (c === 0x23) {
        if (!this.processAnnotation(path, path, last)) return CHECK_TS_TRUNCATED;
      } else if (c === 0x2a) {
        if (!this.processResp(path, multi)) {
          eof = this.p >= size;
          break;
        }
      } else {
        this.env.out(`AOF ${file} format error`);
        break;
      }
    }
    if (eof && multi.n !== 0 && this.error === '') this.fail('Reached EOF before reading EXEC for MULTI');
    if (this.error !== '') this.env.out(this.error);
    const diff = size - pos;
    if (diff === 0 && this.toTs !== 0) {
      this.env.out(`Truncate nothing in AOF ${file} to timestamp ${this.toTs}`);
      return CHECK_OK;
    }
    this.env.out(`AOF analyzed: filename=${file}, size=${size}, ok_up_to=${pos}, ok_up_to_line=${this.line}, diff=${diff}`);
    if (diff > 0) {
      if (!this.fix) {
        this.env.out(`AOF ${file} is not valid. Use the --fix option to try fixing it.`);
        throw new Exit(1);
      }
      if (!last) {
        this.env.out(`Failed to truncate AOF ${file} because it is not the last file`);
        throw new Exit(1);
      }
      this.env.out(`This will shrink the AOF ${file} from ${size} bytes, with ${diff} bytes, to ${pos} bytes`);
      this.env.write('Continue? [y/N]: ');
      if (!/^[yY]/.test(this.env.confirm())) {
        this.env.out('Aborting...');
        throw new Exit(1);
      }
      this.io.truncate(path, pos);
      return CHECK_TRUNCATED;
    }
    return CHECK_OK;
  }
}
