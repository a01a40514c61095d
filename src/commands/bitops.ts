/**
 * Bit commands on strings (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
 * BITFIELD_RO. Bit 0 is the most significant bit of the first byte, as in Redis.
 *
 * Values are immutable latin1 strings (strings.ts), so the reads are charCodeAt over the
 * value (a rope is flattened once, in O(n), by the first read) and the writes build a new
 * string. Costs, n = current length:
 *  - SETBIT past the end is O(padding), like an append; inside the value it is O(n) (the
 *    byte must be read, which flattens, and the value is rebuilt from two O(1) slices),
 *    where Redis is O(1). Keep that in mind for multi-megabyte bitmaps.
 *  - BITFIELD with a write copies the value into a Buffer and back: O(n) per command,
 *    whatever the number of operations. Read-only BITFIELD is O(1) per GET.
 *  - BITCOUNT, BITPOS, BITOP are O(n) as in Redis.
 *
 * BITFIELD arithmetic is done in BigInt with Redis's overflow rules (WRAP, SAT, FAIL),
 * including its quirks: an unsigned SET of a negative value is its 64-bit two's complement,
 * so SAT saturates it to the maximum.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../config/keyspace-events.js';
import { parseLongLong } from '../util/numbers.js';
import { type CommandSpec, DENYOOM, FAST, READONLY, WRITE } from './spec.js';
import { maxStringLength, parseLongLongOrReply } from './strings.js';
import { lookupStringOrReply, lookupStringWriteOrReply } from './lookup.js';

export const specs: readonly CommandSpec[] = [
  { name: 'setbit', arity: 4, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['bitmap'], run: setbitCommand },
  { name: 'getbit', arity: 3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['bitmap'], run: getbitCommand },
  { name: 'bitcount', arity: -2, flags: READONLY, keys: [1, 1, 1], acl: ['bitmap'], run: bitcountCommand },
  { name: 'bitpos', arity: -3, flags: READONLY, keys: [1, 1, 1], acl: ['bitmap'], run: bitposCommand },
  { name: 'bitop', arity: -4, flags: WRITE | DENYOOM, keys: [2, -1, 1], acl: ['bitmap'], run: bitopCommand },
  { name: 'bitfield', arity: -2, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['bitmap'], run: bitfieldCommand },
  { name: 'bitfield_ro', arity: -2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['bitmap'], run: bitfieldroCommand },
];

const BIT_OFFSET_ERROR = 'ERR bit offset is not an integer or out of range';

/** Set bits per byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/**
 * getBitOffsetFromArgument: a bit offset whose byte lies below the longest string, or -1
 * after replying the error. With `bits` > 0 a "#n" offset means n * bits (BITFIELD).
 */
function bitOffsetOrReply(c: Client, arg: string, bits: number): number {
  const hash = bits > 0 && arg.charCodeAt(0) === 0x23;
  const raw = parseLongLong(hash ? arg.slice(1) : arg);
  if (raw !== null) {
    const offset = hash ? BigInt(raw) * BigInt(bits) : raw;
    if (offset >= 0 && Number(offset) / 8 < c.server.parserLimits.maxBulkLen) return Number(offset);
  }
  c.addReplyError(BIT_OFFSET_ERROR);
  return -1;
}

/** Set by paddedStringOrReply: the key was created or lengthened. */
let bitPadded = false;

/**
 * lookupStringForBitCommand's lookup and padding: the string value of `key` NUL-padded so
 * that byte `byte` exists ('' padded for a missing key), or null after replying WRONGTYPE
 * or, for a byte past V8's longest string (the last 24 bytes below 512 MiB), the bit
 * offset error. The caller stores the result.
 */
function paddedStringOrReply(c: Client, key: string, byte: number): string | null {
  const old = lookupStringWriteOrReply(c, key);
  if (old === null) return null;
  if (byte >= maxStringLength(c)) {
    c.addReplyError(BIT_OFFSET_ERROR);
    return null;
  }
  const v = old ?? '';
  bitPadded = old === undefined || v.length <= byte;
  return v.length <= byte ? v + '\0'.repeat(byte + 1 - v.length) : v;
}

/** SETBIT key offset 0|1: replies the old bit; a write only when something changes. */
function setbitCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const offset = bitOffsetOrReply(c, argv[2]!, 0);
  if (offset < 0) return;
  const on = argv[3]!;
  if (on !== '0' && on !== '1') {
    c.addReplyError('ERR bit is not an integer or out of range');
    return;
  }
  const byte = Math.floor(offset / 8);
  const v = paddedStringOrReply(c, key, byte);
  if (v === null) return;
  const mask = 1 << (7 - (offset & 7));
  const old = v.charCodeAt(byte);
  const bitval = old & mask;
  if (bitPadded || (bitval !== 0) !== (on === '1')) {
    const updated = on === '1' ? old | mask : old & ~mask;
    const next = updated === old ? v : v.slice(0, byte) + String.fromCharCode(updated) + v.slice(byte + 1);
    c.db.setKey(key, next, true);
    notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'setbit', key, c.db.id);
  }
  c.addReplyInt(bitval !== 0 ? 1 : 0);
}

/** GETBIT key offset */
function getbitCommand(c: Client, argv: string[]): void {
  const offset = bitOffsetOrReply(c, argv[2]!, 0);
  if (offset < 0) return;
  const v = lookupStringOrReply(c, argv[1]!);
  if (v === null) return;
  const byte = Math.floor(offset / 8);
  if (v === undefined || byte >= v.length) c.addReplyInt(0);
  else c.addReplyInt(v.charCodeAt(byte) & (1 << (7 - (offset & 7))) ? 1 : 0);
}

/**
 * A BITCOUNT / BITPOS range in bytes, with masks of the bits to ignore in its first and
 * last bytes when the range was given in bits. Filled by parseRange.
 */
const range = { start: 0, end: 0, firstMask: 0, lastMask: 0 };

/**
 * Redis's range normalisation: negative indexes from the end, clamped; in BIT mode the
 * bit range becomes a byte range plus edge masks. `totlen` is the length in bytes.
 */
function normaliseRange(start: number, end: number, totlen: number, isBit: boolean): void {
  if (isBit) totlen *= 8;
  if (start < 0) start += totlen;
  if (end < 0) end += totlen;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= totlen) end = totlen - 1;
  range.firstMask = 0;
  range.lastMask = 0;
  if (isBit && start <= end) {
    range.firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
    range.lastMask = (1 << (7 - (end & 7))) - 1;
    start = Math.floor(start / 8);
    end = Math.floor(end / 8);
  }
  range.start = start;
  range.end = end;
}

/** BIT or BYTE (any case); null after a syntax error. */
function unitIsBitOrReply(c: Client, arg: string): boolean | null {
  const unit = arg.toLowerCase();
  if (unit === 'bit') return true;
  if (unit === 'byte') return false;
  c.addReplyError(errors.syntax);
  return null;
}

function popcount(v: string, start: number, end: number): number {
  let bits = 0;
  for (let i = start; i <= end; i++) bits += POPCOUNT[v.charCodeAt(i)]!;
  return bits;
}

/** BITCOUNT key [start end [BYTE | BIT]] */
function bitcountCommand(c: Client, argv: string[]): void {
  const v = lookupStringOrReply(c, argv[1]!);
  if (v === null) return;
  if (v === undefined) {
    c.addReplyInt(0);
    return;
  }
  if (argv.length === 4 || argv.length === 5) {
    const start = parseLongLongOrReply(c, argv[2]!);
    if (start === null) return;
    const end = parseLongLongOrReply(c, argv[3]!);
    if (end === null) return;
    if (start < 0 && end < 0 && start > end) {
      c.addReplyInt(0);
      return;
    }
    const isBit = argv.length === 5 ? unitIsBitOrReply(c, argv[4]!) : false;
    if (isBit === null) return;
    normaliseRange(Number(start), Number(end), v.length, isBit);
  } else if (argv.length === 2) {
    normaliseRange(0, -1, v.length, false); // the whole string
  } else {
    c.addReplyError(errors.syntax);
    return;
  }
  const { start, end, firstMask, lastMask } = range;
  if (start > end) {
    c.addReplyInt(0);
    return;
  }
  let count = popcount(v, start, end);
  // The edge bytes were counted whole; take back the bits outside the bit range.
  if (firstMask !== 0) count -= POPCOUNT[v.charCodeAt(start) & firstMask]!;
  if (lastMask !== 0) count -= POPCOUNT[v.charCodeAt(end) & lastMask]!;
  c.addReplyInt(count);
}

/**
 * redisBitpos over bytes [from, from + count) of v: the position (relative to `from`, in
 * bits) of the first bit equal to `bit`; for a 0 not found, count * 8 (the string reads as
 * zero-padded on the right); for a 1 not found, -1.
 */
function bitposBytes(v: string, from: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const byte = v.charCodeAt(from + i);
    if (byte !== skip) return i * 8 + bitposInByte(byte, bit);
  }
  return bit ? -1 : count * 8;
}

/** Position of the first `bit` in a byte known to hold one. */
function bitposInByte(byte: number, bit: number): number {
  let pos = 0;
  for (let mask = 0x80; ((byte & mask) !== 0) !== (bit === 1); mask >>= 1) pos++;
  return pos;
}

/** bitposBytes over one byte value (the masked edge of a BIT range). */
function bitposOne(byte: number, bit: number): number {
  return byte === (bit ? 0 : 0xff) ? (bit ? -1 : 8) : bitposInByte(byte, bit);
}

/** BITPOS key bit [start [end [BYTE | BIT]]] */
function bitposCommand(c: Client, argv: string[]): void {
  const bitArg = parseLongLongOrReply(c, argv[2]!);
  if (bitArg === null) return;
  if (bitArg !== 0 && bitArg !== 1) {
    c.addReplyError('ERR The bit argument must be 1 or 0.');
    return;
  }
  const bit = bitArg;
  const v = lookupStringOrReply(c, argv[1]!);
  if (v === null) return;
  // A missing key is an infinite run of zeros.
  if (v === undefined) {
    c.addReplyInt(bit ? -1 : 0);
    return;
  }
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const start = parseLongLongOrReply(c, argv[3]!);
    if (start === null) return;
    const isBit = argv.length === 6 ? unitIsBitOrReply(c, argv[5]!) : false;
    if (isBit === null) return;
    let end: number | bigint;
    if (argv.length >= 5) {
      const e = parseLongLongOrReply(c, argv[4]!);
      if (e === null) return;
      end = e;
      endGiven = true;
    } else {
      end = isBit ? v.length * 8 + 7 : v.length - 1;
    }
    normaliseRange(Number(start), Number(end), v.length, isBit);
  } else if (argv.length === 3) {
    normaliseRange(0, -1, v.length, false); // the whole string
  } else {
    c.addReplyError(errors.syntax);
    return;
  }
  let { start } = range;
  const { end, firstMask, lastMask } = range;
  if (start > end) {
    c.addReplyInt(-1);
    return;
  }
  let bytes = end - start + 1;
  let pos: number;
  found: {
    if (firstMask !== 0) {
      let byte = bit ? v.charCodeAt(start) & ~firstMask : v.charCodeAt(start) | firstMask;
      if (lastMask !== 0 && bytes === 1) byte = bit ? byte & ~lastMask : byte | lastMask;
      pos = bitposOne(byte & 0xff, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break found;
      start++;
      bytes--;
    }
    // A last byte with bits outside the range is looked at apart, masked.
    const whole = bytes - (lastMask !== 0 ? 1 : 0);
    if (whole > 0) {
      pos = bitposBytes(v, start, whole, bit);
      if (bytes === whole || (pos !== -1 && pos !== whole * 8)) break found;
      start += whole;
      bytes -= whole;
    }
    const last = bit ? v.charCodeAt(end) & ~lastMask : v.charCodeAt(end) | lastMask;
    pos = bitposOne(last & 0xff, bit);
  }
  // With an explicit end, a clear bit past the range is not "found": there is none in it.
  if (endGiven && bit === 0 && pos === bytes * 8) {
    c.addReplyInt(-1);
    return;
  }
  c.addReplyInt(pos !== -1 ? pos + start * 8 : -1);
}

const BITOP_AND = 0;
const BITOP_OR = 1;
const BITOP_XOR = 2;
const BITOP_NOT = 3;

/**
 * BITOP AND|OR|XOR|NOT destkey key…: missing keys read as empty strings, shorter inputs as
 * zero-padded; an empty result deletes destkey. Propagated as is (deterministic).
 */
function bitopCommand(c: Client, argv: string[]): void {
  const opName = argv[1]!.toLowerCase();
  const op = opName === 'and' ? BITOP_AND : opName === 'or' ? BITOP_OR : opName === 'xor' ? BITOP_XOR : opName === 'not' ? BITOP_NOT : -1;
  if (op < 0) {
    c.addReplyError(errors.syntax);
    return;
  }
  if (op === BITOP_NOT && argv.length !== 4) {
    c.addReplyError('ERR BITOP NOT must be called with a single source key.');
    return;
  }
  const target = argv[2]!;
  const sources: Buffer[] = [];
  let maxLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const v = lookupStringOrReply(c, argv[j]!);
    if (v === null) return;
    const buf = Buffer.from(v ?? '', 'latin1');
    sources.push(buf);
    if (buf.length > maxLen) maxLen = buf.length;
  }
  if (maxLen > 0) {
    const res = Buffer.alloc(maxLen);
    sources[0]!.copy(res);
    if (op === BITOP_NOT) {
      for (let i = 0; i < maxLen; i++) res[i] = ~res[i]! & 0xff;
    } else {
      for (let k = 1; k < sources.length; k++) {
        const src = sources[k]!;
        const n = src.length;
        // Bytes past a source's end read as zero: AND clears them, OR and XOR keep them.
        if (op === BITOP_AND) {
          for (let i = 0; i < n; i++) res[i] = res[i]! & src[i]!;
          res.fill(0, n);
        } else if (op === BITOP_OR) {
          for (let i = 0; i < n; i++) res[i] = res[i]! | src[i]!;
        } else {
          for (let i = 0; i < n; i++) res[i] = res[i]! ^ src[i]!;
        }
      }
    }
    c.db.setKey(target, res.toString('latin1'));
    notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'set', target, c.db.id);
  } else if (c.db.has(target) && c.db.delete(target)) {
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', target, c.db.id);
  }
  c.addReplyInt(maxLen);
}

// ---------------------------------------------------------------- BITFIELD

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;

const OVERFLOW_WRAP = 0;
const OVERFLOW_SAT = 1;
const OVERFLOW_FAIL = 2;

/** One parsed BITFIELD operation. */
interface BitfieldOp {
  opcode: number;
  overflow: number;
  signed: boolean;
  bits: number;
  offset: number;
  /** SET value or INCRBY increment, as int64. */
  arg: bigint;
}

const TYPE_ERROR = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/** getBitfieldTypeFromArgument: i1..i64 or u1..u63; the width (negative when signed), or 0. */
function bitfieldTypeOrReply(c: Client, arg: string): number {
  const sign = arg.charCodeAt(0);
  if (sign === 0x69 || sign === 0x75) { // 'i' or 'u', lower case only, as Redis
    const bits = parseLongLong(arg.slice(1));
    if (bits !== null && bits >= 1 && bits <= (sign === 0x69 ? 64 : 63)) return sign === 0x69 ? -Number(bits) : Number(bits);
  }
  c.addReplyError(TYPE_ERROR);
  return 0;
}

/**
 * Parse BITFIELD's operations; null after replying an error. Redis parses everything
 * before touching the key, so a late syntax error leaves the key alone.
 */
function parseBitfieldOps(c: Client, argv: string[]): BitfieldOp[] | null {
  const ops: BitfieldOp[] = [];
  let overflow = OVERFLOW_WRAP;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = argv[j]!.toLowerCase();
    let opcode: number;
    if (sub === 'get' && remaining >= 2) opcode = OP_GET;
    else if (sub === 'set' && remaining >= 3) opcode = OP_SET;
    else if (sub === 'incrby' && remaining >= 3) opcode = OP_INCRBY;
    else if (sub === 'overflow' && remaining >= 1) {
      const kind = argv[++j]!.toLowerCase();
      overflow = kind === 'wrap' ? OVERFLOW_WRAP : kind === 'sat' ? OVERFLOW_SAT : kind === 'fail' ? OVERFLOW_FAIL : -1;
      if (overflow < 0) {
        c.addReplyError('ERR Invalid OVERFLOW type specified');
        return null;
      }
      continue;
    } else {
      c.addReplyError(errors.syntax);
      return null;
    }
    const type = bitfieldTypeOrReply(c, argv[j + 1]!);
    if (type === 0) return null;
    const bits = Math.abs(type);
    const offset = bitOffsetOrReply(c, argv[j + 2]!, bits);
    if (offset < 0) return null;
    let arg = 0n;
    if (opcode !== OP_GET) {
      const n = parseLongLongOrReply(c, argv[j + 3]!);
      if (n === null) return null;
      arg = BigInt(n);
    }
    ops.push({ opcode, overflow, signed: type < 0, bits, offset, arg });
    j += opcode === OP_GET ? 2 : 3;
  }
  return ops;
}

/** The unsigned field of `bits` at bit `offset`; bytes past the end read as zero. */
function getField(bytes: { readonly length: number; [i: number]: number } | string, offset: number, bits: number): bigint {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  let window = 0n;
  for (let i = first; i <= last; i++) {
    const b = i < bytes.length ? (typeof bytes === 'string' ? bytes.charCodeAt(i) : bytes[i]!) : 0;
    window = (window << 8n) | BigInt(b);
  }
  const tail = BigInt((last + 1) * 8 - (offset + bits)); // bits after the field in its last byte
  return (window >> tail) & ((1n << BigInt(bits)) - 1n);
}

/** Store the low `bits` bits of `value` at bit `offset` (the buffer covers them). */
function setField(buf: Buffer, offset: number, bits: number, value: bigint): void {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  const tail = BigInt((last + 1) * 8 - (offset + bits));
  const mask = ((1n << BigInt(bits)) - 1n) << tail;
  let window = 0n;
  for (let i = first; i <= last; i++) window = (window << 8n) | BigInt(buf[i]!);
  window = (window & ~mask) | ((BigInt.asUintN(bits, value) << tail) & mask);
  for (let i = last; i >= first; i--) {
    buf[i] = Number(window & 0xffn);
    window >>= 8n;
  }
}

/**
 * The value a SET or INCRBY stores under Redis's overflow rules, or null when it overflows
 * with FAIL. Unsigned SET reads its argument as uint64 (checkUnsignedBitfieldOverflow).
 */
function bitfieldResult(op: BitfieldOp, old: bigint): bigint | null {
  const bits = BigInt(op.bits);
  let value: bigint;
  let max: bigint;
  let min: bigint;
  if (op.signed) {
    max = (1n << (bits - 1n)) - 1n;
    min = -max - 1n;
    value = op.opcode === OP_SET ? op.arg : old + op.arg;
  } else {
    max = (1n << bits) - 1n;
    min = 0n;
    value = op.opcode === OP_SET ? BigInt.asUintN(64, op.arg) : old + op.arg;
  }
  if (value >= min && value <= max) return value;
  if (op.overflow === OVERFLOW_FAIL) return null;
  if (op.overflow === OVERFLOW_SAT) return value > max ? max : min;
  return op.signed ? BigInt.asIntN(op.bits, value) : BigInt.asUintN(op.bits, value);
}

/**
 * BITFIELD and BITFIELD_RO. Writes pad the value to the farthest bit written (even when
 * every write then fails with OVERFLOW FAIL, as in Redis), work on a Buffer copy and store
 * it back once. Propagated as is: the operations are deterministic.
 */
function bitfieldGeneric(c: Client, argv: string[], readOnly: boolean): void {
  const key = argv[1]!;
  const ops = parseBitfieldOps(c, argv);
  if (ops === null) return;
  let highest = -1;
  for (const op of ops) if (op.opcode !== OP_GET && op.offset + op.bits - 1 > highest) highest = op.offset + op.bits - 1;
  if (highest < 0) {
    const v = lookupStringOrReply(c, key);
    if (v === null) return;
    c.addReplyArrayLen(ops.length);
    for (const op of ops) {
      const u = getField(v ?? '', op.offset, op.bits);
      c.addReplyInt(op.signed ? BigInt.asIntN(op.bits, u) : u);
    }
    return;
  }
  if (readOnly) {
    c.addReplyError('ERR BITFIELD_RO only supports the GET subcommand');
    return;
  }
  const v = paddedStringOrReply(c, key, Math.floor(highest / 8));
  if (v === null) return;
  const created = bitPadded;
  const buf = Buffer.from(v, 'latin1');
  let changes = 0;
  c.addReplyArrayLen(ops.length);
  for (const op of ops) {
    const u = getField(buf, op.offset, op.bits);
    const old = op.signed ? BigInt.asIntN(op.bits, u) : u;
    if (op.opcode === OP_GET) {
      c.addReplyInt(old);
      continue;
    }
    const next = bitfieldResult(op, old);
    if (next === null) {
      c.addReplyNull();
      continue;
    }
    c.addReplyInt(op.opcode === OP_SET ? old : next);
    setField(buf, op.offset, op.bits, next);
    if (created || old !== next) changes++;
  }
  if (changes > 0 || created) {
    c.db.setKey(key, changes > 0 ? buf.toString('latin1') : v, true);
    if (changes > 1) c.db.signalModified(key, changes - 1); // Redis counts each change
  }
  if (changes > 0) notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'setbit', key, c.db.id);
}

function bitfieldCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, false);
}

function bitfieldroCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, true);
}
