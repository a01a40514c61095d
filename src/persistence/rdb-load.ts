/**
 * The keyspace side of loading an RDB stream: dump.rdb at start-up or DEBUG RELOAD, and the
 * RDB base (or old-style preamble) of an AOF. One visitor stores every record through the
 * Db write API; the options say what differs between callers, as Redis's rdbLoad flags do:
 * a primary loading dump.rdb drops keys already past their deadline, an AOF base keeps
 * them (RDBFLAGS_AOF_PREAMBLE), and DEBUG RELOAD MERGE replaces a key instead of failing.
 */

import type { Server } from '../server/server.js';
import type { Value } from '../store/value.js';
import { corrupt } from './rdb/errors.js';
import type { RdbVisitor } from './rdb/reader.js';
import { StoreValueBuilder } from './rdb/values.js';

export interface StoreLoadOptions {
  /** Drop keys whose deadline is before `now` (counted in `expired`). */
  dropExpired: boolean;
  /** A key already present is replaced instead of being a fatal duplicate. */
  merge: boolean;
}

/** Filled in while loading: keys stored and dropped, the ctime and used-mem AUX fields (-1 if none). */
export interface StoreLoadCounts {
  loaded: number;
  expired: number;
  ctime: number;
  usedMem: number;
}

export function storeLoadVisitor(server: Server, opts: StoreLoadOptions, counts: StoreLoadCounts): RdbVisitor<Value> {
  const keyspace = server.keyspace;
  const log = server.log;
  const now = keyspace.now;
  return {
    builder: StoreValueBuilder.fromConfig(server.config),
    aux(name, value) {
      if (name === 'redis-ver') log.notice(`Loading RDB produced by version ${value}`);
      else if (name === 'ctime') counts.ctime = Number(value);
      else if (name === 'used-mem') {
        counts.usedMem = Number(value);
        log.notice(`RDB memory usage when created ${(counts.usedMem / 1048576).toFixed(2)} Mb`);
      }
      else if (name.startsWith('%')) log.notice(`RDB '${name}': ${value}`);
    },
    selectDb(db, offset) {
      if (db >= keyspace.dbs.length) {
        throw corrupt(`FATAL: Data file was created with a Redis server configured to handle more than ${keyspace.dbs.length} databases`, offset);
      }
    },
    key(dbIndex, key, value, expireAt, offset) {
      if (value === null) {
        log.warning(`rdbLoadObject skipping empty key: ${key}`);
        return;
      }
      if (opts.dropExpired && expireAt >= 0 && expireAt < now) {
        counts.expired++;
        return;
      }
      const db = keyspace.dbs[dbIndex]!;
      // One hash operation per key: setKey reports a duplicate (merge replaces it, deadline
      // included, since setKey drops the old one).
      if (!db.setKey(key, value) && !opts.merge) {
        throw corrupt(`Duplicated key '${key.slice(0, 64)}' found in RDB file`, offset);
      }
      if (expireAt >= 0) db.setExpire(key, expireAt);
      counts.loaded++;
    },
  };
}
