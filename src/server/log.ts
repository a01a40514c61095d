/**
 * Logging in Redis's line format, so that log tooling written for Redis reads ours:
 *   <pid>:<role> <dd Mon yyyy HH:MM:SS.mmm> <level char> <message>
 * role M (primary), S (replica); level . debug, - verbose, * notice, # warning.
 * `logfile ""` writes to stdout; lines below `loglevel` cost one comparison.
 *
 * A relative `logfile` lives in `dir`, as in Redis, which chdir()s there and opens the
 * file for each line: after CONFIG SET dir, lines go to the file of that name in the new
 * directory. Vellum never chdir()s (one process may run several servers), so the server
 * tells the logger its directory instead.
 */

import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';

const LEVELS = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 } as const;
export type LogLevel = keyof typeof LEVELS;
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  private threshold: number;
  role = 'M';
  /** The log file's absolute path, '' for stdout. */
  private path = '';

  constructor(level: string, private readonly file: string, dir: string) {
    this.threshold = LEVELS[level as LogLevel] ?? LEVELS.notice;
    this.setDir(dir);
  }

  /** The server's `dir` changed: a relative log file now lives there. */
  setDir(dir: string): void {
    this.path = this.file === '' ? '' : resolve(dir, this.file);
  }

  /** Redis's start-up check that the log file can be opened; throws its message. */
  checkFile(): void {
    if (this.path === '') return;
    try {
      appendFileSync(this.path, '');
    } catch (err) {
      throw new Error(`Can't open the log file: ${(err as Error).message}`);
    }
  }

  setLevel(level: string): void {
    this.threshold = LEVELS[level as LogLevel];
  }

  debug(msg: string): void { if (this.threshold <= 0) this.write(0, msg); }
  verbose(msg: string): void { if (this.threshold <= 1) this.write(1, msg); }
  notice(msg: string): void { if (this.threshold <= 2) this.write(2, msg); }
  warning(msg: string): void { if (this.threshold <= 3) this.write(3, msg); }

  private write(level: number, msg: string): void {
    const line = `${process.pid}:${this.role} ${timestamp(new Date())} ${MARKS[level]} ${msg}\n`;
    if (this.path === '') process.stdout.write(line);
    else appendFileSync(this.path, line);
  }
}

function timestamp(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
