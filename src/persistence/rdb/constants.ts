/**
 * RDB on-disk constants, frozen by the file format (Redis 7.0.15 rdb.h). They never change
 * and never mirror in-memory encodings: the store's encodings are free to evolve, and the
 * one mapping between the two lives in value-codec.ts (style.md R7).
 *
 * Byte order reminders (persistence-spec.md §0): RDB lengths are big-endian, integer
 * encoded strings, expire times, binary doubles and the CRC trailer little-endian.
 */

/** Redis 7.0 writes "REDIS0010" and loads versions 1..10. */
export const RDB_VERSION = 10;
export const RDB_MIN_VERSION = 1;

// ------------------------------------------------------------------ value types (1 byte)

/** Plain string: one RDB string. */
export const RDB_TYPE_STRING = 0;
/** Legacy list: length, then that many RDB strings. Loaded, never written by 7.0. */
export const RDB_TYPE_LIST = 1;
/** Hashtable set: length, then members as RDB strings. */
export const RDB_TYPE_SET = 2;
/** Legacy zset with text scores (1 length byte, 253 NaN, 254 +inf, 255 -inf). Read-only. */
export const RDB_TYPE_ZSET = 3;
/** Hashtable hash: length (pairs), then field, value RDB strings. */
export const RDB_TYPE_HASH = 4;
/** Skiplist zset: length, then member RDB string + 8-byte LE double score. */
export const RDB_TYPE_ZSET_2 = 5;
/** Module value, old format, not self-describing: cannot be skipped. */
export const RDB_TYPE_MODULE = 6;
/** Module value, self-describing (opcode-tagged items ending with 0). */
export const RDB_TYPE_MODULE_2 = 7;
// 8 was never used in a released format.
/** Redis <= 2.4 hash as a zipmap blob. Read-only. */
export const RDB_TYPE_HASH_ZIPMAP = 9;
/** Redis <= 3.0 list as one ziplist blob. Read-only. */
export const RDB_TYPE_LIST_ZIPLIST = 10;
/** Small integer set as an intset blob. */
export const RDB_TYPE_SET_INTSET = 11;
/** Redis <= 6.2 small zset as a ziplist blob (member, score pairs). Read-only. */
export const RDB_TYPE_ZSET_ZIPLIST = 12;
/** Redis <= 6.2 small hash as a ziplist blob (field, value pairs). Read-only. */
export const RDB_TYPE_HASH_ZIPLIST = 13;
/** Redis 3.2..6.2 list: length (nodes), then one ziplist blob per node. Read-only. */
export const RDB_TYPE_LIST_QUICKLIST = 14;
/** Redis 5..6.2 stream: as type 19 without first ID, max deleted ID, entries added/read. Read-only. */
export const RDB_TYPE_STREAM_LISTPACKS = 15;
/** Small hash as a listpack blob (field, value pairs). */
export const RDB_TYPE_HASH_LISTPACK = 16;
/** Small zset as a listpack blob (member, score pairs ascending by score, then member). */
export const RDB_TYPE_ZSET_LISTPACK = 17;
/** List: length (nodes), then per node a container (1 plain, 2 packed) and a blob. */
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
/** Redis 7.0 stream: listpack nodes keyed by master ID, metadata, consumer groups (rdb/stream.ts). */
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;

/** Quicklist v2 node containers. */
export const QUICKLIST_NODE_PLAIN = 1;
export const QUICKLIST_NODE_PACKED = 2;

/** Redis's rdbIsObjectType: every value type byte 7.0 can meet. */
export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}

// ------------------------------------------------------------------ opcodes (1 byte)

/** Reserved for a function library in the 7.0-rc format: name, engine, desc?, code. Read-only. */
export const RDB_OPCODE_FUNCTION = 246;
/** Function library: one RDB string holding the library source. */
export const RDB_OPCODE_FUNCTION2 = 245;
/** Module auxiliary data: module id, when, opcode-tagged items. */
export const RDB_OPCODE_MODULE_AUX = 247;
/** LRU idle time of the next key, a length in seconds. */
export const RDB_OPCODE_IDLE = 248;
/** LFU counter of the next key, one raw byte. */
export const RDB_OPCODE_FREQ = 249;
/** Auxiliary field: two RDB strings, name and value. Unknown names are ignored. */
export const RDB_OPCODE_AUX = 250;
/** Sizing hint: length (keys), length (keys with a deadline). */
export const RDB_OPCODE_RESIZEDB = 251;
/** Deadline of the next key: 8-byte LE unix milliseconds. */
export const RDB_OPCODE_EXPIRETIME_MS = 252;
/** Legacy deadline of the next key: 4-byte LE unix seconds. Read-only. */
export const RDB_OPCODE_EXPIRETIME = 253;
/** Database selector: a length, the database index. */
export const RDB_OPCODE_SELECTDB = 254;
/** End of the keyspace; the 8-byte LE CRC-64 trailer follows (version >= 5). */
export const RDB_OPCODE_EOF = 255;

// ------------------------------------------------------------------ lengths and strings

/** Top two bits of a length byte: 6-bit, 14-bit, 32/64-bit (by the whole byte), special. */
export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;

/** Special string encodings after a `11xxxxxx` byte. */
export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

/** Redis tries LZF only on strings longer than this (rdbSaveRawString). */
export const LZF_MIN_LENGTH = 20;

/** Legacy ZSET text scores: special length bytes. */
export const RDB_SCORE_NAN = 253;
export const RDB_SCORE_POS_INF = 254;
export const RDB_SCORE_NEG_INF = 255;
