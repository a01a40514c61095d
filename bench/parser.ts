/**
 * Micro-benchmark of the protocol hot path, in one process (style.md U8, P6): requests
 * parsed per second by RequestParser, and replies encoded per second by ReplyBuffer, each
 * batched over many operations per sample and reported as the median of the samples. Run it
 * before and after a change to the parser or encoder and put both figures in the note.
 *
 *   node dist/bench/parser.js [--samples 7]
 */

import { RequestParser } from '../src/protocol/request-parser.js';
import { ReplyBuffer } from '../src/protocol/reply.js';

const LIMITS = { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 };

function setRequest(i: number): string {
  const key = `key:${String(i).padStart(12, '0')}`;
  return `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$16\r\nvalue:${String(i).padStart(10, '0')}\r\n`;
}

/** A 16 KiB-chunked stream of pipelined SETs, as redis-benchmark -P 16 sends them. */
function chunks(requests: number): Buffer[] {
  let s = '';
  for (let i = 0; i < requests; i++) s += setRequest(i);
  const all = Buffer.from(s, 'latin1');
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += 16 * 1024) out.push(all.subarray(i, i + 16 * 1024));
  return out;
}

function sample(name: string, ops: number, samples: number, body: () => void): void {
  const rates: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t = process.hrtime.bigint();
    body();
    rates.push(ops / (Number(process.hrtime.bigint() - t) / 1e9));
  }
  rates.sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(34)} ${Math.round(rates[rates.length >> 1]!).toLocaleString('en-US').padStart(14)} ops/s\n`);
}

function main(): void {
  const i = process.argv.indexOf('--samples');
  const samples = i >= 0 ? Number(process.argv[i + 1]) : 7;
  const requests = 200_000;
  const stream = chunks(requests);
  let sink = 0;

  sample('parse pipelined SET (16 KiB reads)', requests, samples, () => {
    const p = new RequestParser(LIMITS);
    for (const chunk of stream) {
      p.feed(chunk);
      for (let argv = p.next(); argv !== null; argv = p.next()) sink += argv.length;
    }
  });

  const value = 'value:0000001234';
  sample('encode +OK / bulk / int replies', 3 * requests, samples, () => {
    const r = new ReplyBuffer();
    for (let n = 0; n < requests; n++) {
      r.addReplyOk();
      r.addReplyBulk(value);
      r.addReplyInt(n);
      // A flush per 16 commands, as with -P 16.
      if ((n & 15) === 15) {
        sink += Buffer.byteLength(r.out, 'latin1');
        r.out = '';
      }
    }
  });
  if (sink === 0) process.stdout.write('\n');
}

main();
