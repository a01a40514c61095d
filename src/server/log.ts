/**
 * Logging in Redis's line format, so that log tooling written for Redis reads ours:
 *   <pid>:<role> <dd Mon yyyy HH:MM:SS.mmm> <level char> <message>
 * role M (primary), S (replica); level . debug, - verbose, * notice, # warning.
 * `logfile ""` writes to stdout; lines below `loglevel` cost one comparison.
 */

import { appendFileSync } from 'node:fs';

const LEVELS = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 } as const;
export type LogLevel = keyof typeof LEVELS;
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  private threshold: number;
  role = 'M';

  constructor(level: string, private readonly file: string) {
    this.threshold = LEVELS[level as LogLevel] ?? LEVELS.notice;
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
    if (this.file === '') process.stdout.write(line);
    else appendFileSync(this.file, line);
  }
}

function timestamp(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
