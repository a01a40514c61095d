/**
 * Persistence commands (BGSAVE is in bgsave.ts): SAVE, LASTSAVE, SHUTDOWN, DUMP, RESTORE, DEBUG (rdb.c, server.c,
 * cluster.c, debug.c). The codec and the file protocol live in src/persistence; these
 * handlers only parse arguments, reply in Redis 7.0's words and state their effects.
 *
 * RESTORE with a relative TTL propagates `RESTORE key <abs-ms> payload … ABSTTL`, and a
 * REPLACE whose TTL is already past propagates `DEL key`: a replica or an AOF replay must
 * not recompute the deadline with its own clock (invariant 2).
 *
 * DEBUG is refused unless enable-debug-command allows it (yes, or local for loopback and
 * unix-socket clients), with Redis's text. Subcommands: RELOAD, SLEEP, SET-ACTIVE-EXPIRE,
 * OBJECT.
 */

import type { Client } from '../server/client.js';
import { allowProtectedAction } from '../server/server.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC } from '../config/keyspace-events.js';
import { parseLongLong } from '../util/numbers.js';
import { stringEncoding, type Value } from '../store/value.js';
import { dumpPayload, RdbSink, RdbWriter, rdbWriterOptions } from '../persistence/rdb/writer.js';
import { loadDumpValue, verifyDumpPayload } from '../persistence/rdb/reader.js';
import { StoreValueBuilder } from '../persistence/rdb/values.js';
import {
  type CommandSpec, ADMIN, ALLOW_BUSY, DENYOOM, FAST, LOADING, NO_ASYNC_LOADING, NO_MULTI, NOSCRIPT, READONLY, STALE, WRITE,
} from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'save', arity: 1, flags: ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, keys: [0, 0, 0], acl: [], run: saveCommand },
  { name: 'lastsave', arity: 1, flags: LOADING | STALE | FAST, keys: [0, 0, 0], acl: ['admin', 'dangerous'], run: lastsaveCommand },
  {
    name: 'shutdown', arity: -1, flags: ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY, keys: [0, 0, 0],
    acl: [], run: shutdownCommand,
  },
  { name: 'dump', arity: 2, flags: READONLY, keys: [1, 1, 1], acl: ['keyspace'], run: dumpCommand },
  { name: 'restore', arity: -4, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['keyspace', 'dangerous'], run: restoreCommand },
  { name: 'debug', arity: -2, flags: ADMIN | NOSCRIPT | LOADING | STALE, keys: [0, 0, 0], acl: [], run: debugCommand },
];

/** SAVE: synchronous, refused while a BGSAVE runs (its rename would race this one's). */
function saveCommand(c: Client): void {
  const persistence = c.server.persistence;
  if (persistence.background.inProgress) c.addReplyError('ERR Background save already in progress');
  else if (persistence.save()) c.addReplyOk();
  else c.addReplyError('ERR');
}

function lastsaveCommand(c: Client): void {
  c.addReplyInt(c.server.persistence.lastSave);
}

/** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] */
function shutdownCommand(c: Client, argv: string[]): void {
  let save: boolean | undefined;
  let nosave = false;
  let force = false;
  let abort = false;
  let now = false;
  if (argv.length > 5) {
    c.addReplyError(errors.syntax);
    return;
  }
  for (let i = 1; i < argv.length; i++) {
    const opt = argv[i]!.toLowerCase();
    if (opt === 'nosave') nosave = true;
    else if (opt === 'save') save = true;
    else if (opt === 'now') now = true;
    else if (opt === 'force') force = true;
    else if (opt === 'abort') abort = true;
    else {
      c.addReplyError(errors.syntax);
      return;
    }
  }
  if ((abort && (nosave || save === true || now || force)) || (nosave && save === true)) {
    c.addReplyError(errors.syntax);
    return;
  }
  // No shutdown ever waits for replicas here, so none is pending.
  if (abort) {
    c.addReplyError('ERR No shutdown in progress.');
    return;
  }
  const server = c.server;
  server.log.warning('User requested shutdown...');
  if (nosave) save = false;
  if (!server.persistence.saveForShutdown(save) && !force) {
    c.addReplyError('ERR Errors trying to SHUTDOWN. Check logs.');
    return;
  }
  // Success: no reply, the connection closes with the server.
  void server.close({ save: false }).then(() => server.log.warning('Vellum is now ready to exit, bye bye...'));
}

function dumpCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]!);
  if (v === undefined) {
    c.addReplyNull();
    return;
  }
  c.addReplyBulk(dumpPayload(v, rdbWriterOptions(c.server.config)).toString('latin1'));
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restoreCommand(c: Client, argv: string[]): void {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const more = j + 1 < argv.length;
    if (opt === 'replace') replace = true;
    else if (opt === 'absttl') absttl = true;
    else if (opt === 'idletime' && more && freq === -1) {
      const n = parseLongLong(argv[++j]!);
      if (n === null) return c.addReplyError(errors.notInteger);
      if (n < 0) return c.addReplyError('ERR Invalid IDLETIME value, must be >= 0');
      idle = Number(n); // LRU idle time is not tracked by Vellum; accepted for compatibility
    } else if (opt === 'freq' && more && idle === -1) {
      const n = parseLongLong(argv[++j]!);
      if (n === null) return c.addReplyError(errors.notInteger);
      if (n < 0 || n > 255) return c.addReplyError('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = Number(n); // LFU counters are not tracked by Vellum; accepted for compatibility
    } else {
      return c.addReplyError(errors.syntax);
    }
  }
  const key = argv[1]!;
  const db = c.db;
  const exists = db.lookupWrite(key) !== undefined;
  if (!replace && exists) return c.addReplyError('BUSYKEY Target key name already exists.');
  const rawTtl = parseLongLong(argv[2]!);
  if (rawTtl === null) return c.addReplyError(errors.notInteger);
  if (rawTtl < 0) return c.addReplyError('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3]!, 'latin1');
  if (!verifyDumpPayload(payload)) return c.addReplyError('ERR DUMP payload version or checksum are wrong');
  let value: Value | null;
  try {
    value = loadDumpValue(payload, StoreValueBuilder.fromConfig(c.server.config));
  } catch {
    value = null;
  }
  if (value === null) return c.addReplyError('ERR Bad data format');
  const deleted = replace && exists && db.delete(key);
  let ttl = Number(rawTtl);
  if (ttl !== 0 && !absttl) ttl += c.server.keyspace.now;
  if (ttl !== 0 && ttl <= c.server.keyspace.now) {
    if (deleted) {
      notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', key, db.id);
      c.rewriteEffect(['DEL', key]);
    }
    c.addReplyOk();
    return;
  }
  db.setKey(key, value);
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    // The deadline goes out absolute so a replica or AOF replay keeps it.
    if (!absttl) c.rewriteEffect([argv[0]!, key, String(ttl), ...argv.slice(3), 'ABSTTL']);
  }
  notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'restore', key, db.id);
  c.addReplyOk();
}

// ---------------------------------------------------------------- DEBUG

const DEBUG_REFUSED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a ' +
  'local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

function debugCommand(c: Client, argv: string[]): void {
  if (!allowProtectedAction(c.server.config.string('enable-debug-command'), c)) return c.addReplyError(DEBUG_REFUSED);
  const sub = argv[1]!.toLowerCase();
  if (sub === 'help' && argv.length === 2) {
    c.addReplyHelp(argv[0]!, [
      'OBJECT <key>',
      '    Show low level info about the key and associated value.',
      'RELOAD [option ...]',
      '    Save the RDB on disk and reload it back to memory. Options: MERGE, NOFLUSH, NOSAVE.',
      'SET-ACTIVE-EXPIRE <0|1>',
      '    Setting it to 0 disables expiring keys in background when they are not accessed.',
      'SLEEP <seconds>',
      '    Stop the server for <seconds>. Decimals allowed.',
    ]);
  } else if (sub === 'reload') {
    debugReload(c, argv);
  } else if (sub === 'sleep' && argv.length === 3) {
    const ms = Number.parseFloat(argv[2]!) * 1000;
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    c.addReplyOk();
  } else if (sub === 'set-active-expire' && argv.length === 3) {
    c.server.activeExpireEnabled = Number.parseInt(argv[2]!, 10) !== 0;
    c.addReplyOk();
  } else if (sub === 'object' && argv.length === 3) {
    debugObject(c, argv[2]!);
  } else {
    c.addReplyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try DEBUG HELP.`);
  }
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the dataset, load the file back. */
function debugReload(c: Client, argv: string[]): void {
  let merge = false;
  let flush = true;
  let save = true;
  for (let j = 2; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'merge') merge = true;
    else if (opt === 'noflush') flush = false;
    else if (opt === 'nosave') save = false;
    else return c.addReplyError('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const server = c.server;
  const persistence = server.persistence;
  if (save && !persistence.save()) return c.addReplyError('ERR');
  // Emptying and reloading is not a change of the dataset: nothing to propagate or save.
  const dirty = server.keyspace.dirty;
  if (flush) server.keyspace.flushAll();
  try {
    persistence.loadRdb(persistence.rdbPath, { merge });
  } catch (err) {
    server.log.warning(`Error loading the RDB for DEBUG RELOAD: ${(err as Error).message}`);
    server.keyspace.dirty = dirty;
    return c.addReplyError('ERR Error trying to load the RDB dump');
  }
  server.keyspace.dirty = dirty;
  server.log.warning('DB reloaded by DEBUG RELOAD');
  c.addReplyOk();
}

/** DEBUG OBJECT: Redis's line, with the RDB-serialised length of the value (no type byte). */
function debugObject(c: Client, key: string): void {
  const v = c.db.lookupRead(key);
  if (v === undefined) return c.addReplyError(errors.noSuchKey);
  let length = 0;
  const w = new RdbWriter(new RdbSink((chunk) => { length += chunk.length; }, false), rdbWriterOptions(c.server.config));
  w.object(v);
  w.sink.flush();
  const encoding = typeof v === 'string' ? stringEncoding(v) : v.encoding();
  // Vellum tracks no address, refcount or LRU clock; those fields are constants.
  c.addReplyStatus(`Value at:0x0 refcount:1 encoding:${encoding} serializedlength:${length - 1} lru:0 lru_seconds_idle:0`);
}
