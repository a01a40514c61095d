/**
 * Connection commands: PING, ECHO, SELECT, QUIT. The rest of the connection family (HELLO,
 * AUTH, RESET, CLIENT) lives in admin.ts beside the server state it reads.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { parseSafeInt } from '../util/numbers.js';
import { type CommandSpec, FAST, LOADING, STALE, NO_AUTH, NOSCRIPT, ALLOW_BUSY } from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'ping', arity: -1, flags: FAST, keys: [0, 0, 0], acl: ['connection'], run: pingCommand },
  { name: 'echo', arity: 2, flags: FAST | LOADING | STALE, keys: [0, 0, 0], acl: ['connection'], run: echoCommand },
  { name: 'select', arity: 2, flags: LOADING | STALE | FAST, keys: [0, 0, 0], acl: ['connection'], run: selectCommand },
  { name: 'quit', arity: -1, flags: NOSCRIPT | ALLOW_BUSY | NO_AUTH | LOADING | STALE | FAST, keys: [0, 0, 0], acl: ['connection'], run: quitCommand },
];

function pingCommand(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    c.addReplyError(`ERR wrong number of arguments for 'ping' command`);
    return;
  }
  if (c.inPubSub && c.resp === 2) {
    // In the RESP2 pub/sub context PING answers with a pong array.
    c.addReplyArrayLen(2);
    c.addReplyBulk('pong');
    c.addReplyBulk(argv.length === 2 ? argv[1]! : '');
  } else if (argv.length === 2) {
    c.addReplyBulk(argv[1]!);
  } else {
    c.addReplyRaw('+PONG\r\n');
  }
}

function echoCommand(c: Client, argv: string[]): void {
  c.addReplyBulk(argv[1]!);
}

function selectCommand(c: Client, argv: string[]): void {
  const id = parseSafeInt(argv[1]!);
  if (Number.isNaN(id)) {
    c.addReplyError('ERR value is not an integer or out of range');
    return;
  }
  const db = c.server.keyspace.dbs[id];
  if (db === undefined) {
    c.addReplyError(errors.dbIndexOutOfRange);
    return;
  }
  c.db = db;
  c.addReplyOk();
}

function quitCommand(c: Client): void {
  c.addReplyOk();
  c.closeAfterReply = true;
}
