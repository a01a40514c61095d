/**
 * Server and connection administration: HELLO, AUTH, RESET, CLIENT, TIME, ROLE, INFO,
 * CONFIG and COMMAND (Redis's networking.c, acl.c, config.c and server.c).
 *
 * Authentication is Redis's `default` user only: `requirepass` is its password, and with
 * no password it is a nopass user, so AUTH default <anything> succeeds as in Redis. ACL
 * users beyond `default` do not exist here, so any other name is WRONGPASS.
 *
 * COMMAND answers from the one command table (style.md R6). What the table does not hold
 * is derived: key specs come from [first, last, step] (RO or RW by the command's flags),
 * a command with getKeys gets one "unknown" key spec, tips are empty, DOCS has the group
 * only. CLIENT PAUSE / UNPAUSE and client-side caching (TRACKING, CACHING) are not
 * implemented and answer as unknown subcommands, which is better than pretending.
 */

import type { Client } from '../server/client.js';
import { ReplyMode } from '../server/client.js';
import type { Server } from '../server/server.js';
import { allowProtectedAction, unwatchAll } from '../server/server.js';
import { genInfoString } from '../server/info.js';
import { REDIS_VERSION } from '../config/config.js';
// index.ts imports this file too: its bindings are read only inside handlers, once both are loaded.
import { allCommands } from './index.js';
import { errors } from '../protocol/reply.js';
import { stringMatch } from '../util/glob.js';
import { parseLongLong } from '../util/numbers.js';
import {
  type CommandSpec, ADMIN, ALLOW_BUSY, FAST, LOADING, NO_AUTH, NO_MANDATORY_KEYS, NOSCRIPT, READONLY, STALE, WRITE,
  aclCategories, commandKeys, flagNames,
} from './spec.js';

const CONN = NOSCRIPT | LOADING | STALE;

function sub(name: string, arity: number, flags: number, run: (c: Client, argv: string[]) => void, acl = ['connection']): CommandSpec {
  return { name, arity, flags, keys: [0, 0, 0], acl, run };
}

export const specs: readonly CommandSpec[] = [
  { name: 'hello', arity: -1, flags: CONN | FAST | NO_AUTH | ALLOW_BUSY, keys: [0, 0, 0], acl: ['connection'], run: helloCommand },
  { name: 'auth', arity: -2, flags: CONN | FAST | NO_AUTH | ALLOW_BUSY, keys: [0, 0, 0], acl: ['connection'], run: authCommand },
  { name: 'reset', arity: 1, flags: CONN | FAST | NO_AUTH | ALLOW_BUSY, keys: [0, 0, 0], acl: ['connection'], run: resetCommand },
  {
    name: 'client', arity: -2, flags: 0, keys: [0, 0, 0], acl: [],
    subcommands: [
      sub('id', 2, CONN, clientIdCommand),
      sub('info', 2, CONN, clientInfoCommand),
      sub('list', -2, ADMIN | CONN, clientListCommand),
      sub('kill', -3, ADMIN | CONN, clientKillCommand),
      sub('reply', 3, CONN, clientReplyCommand),
      sub('getname', 2, CONN, clientGetnameCommand),
      sub('setname', 3, CONN, clientSetnameCommand),
      sub('getredir', 2, CONN, clientGetredirCommand),
      sub('unblock', -3, ADMIN | CONN, clientUnblockCommand),
      sub('no-evict', 3, ADMIN | CONN, clientNoEvictCommand),
      sub('help', 2, LOADING | STALE, clientHelpCommand),
    ],
  },
  { name: 'time', arity: 1, flags: LOADING | STALE | FAST, keys: [0, 0, 0], acl: [], run: timeCommand },
  { name: 'role', arity: 1, flags: CONN | FAST, keys: [0, 0, 0], acl: ['admin', 'dangerous'], run: roleCommand },
  { name: 'info', arity: -1, flags: LOADING | STALE, keys: [0, 0, 0], acl: ['dangerous'], run: infoCommand },
  {
    name: 'config', arity: -2, flags: 0, keys: [0, 0, 0], acl: [],
    subcommands: [
      sub('get', -3, ADMIN | CONN, configGetCommand, []),
      sub('set', -4, ADMIN | CONN, configSetCommand, []),
      sub('resetstat', 2, ADMIN | CONN, configResetstatCommand, []),
      sub('rewrite', 2, ADMIN | CONN, configRewriteCommand, []),
      sub('help', 2, LOADING | STALE, configHelpCommand, []),
    ],
  },
  {
    name: 'command', arity: -1, flags: LOADING | STALE, keys: [0, 0, 0], acl: ['connection'], run: commandCommand,
    subcommands: [
      sub('count', 2, LOADING | STALE, commandCountCommand),
      sub('info', -2, LOADING | STALE, commandInfoCommand),
      sub('docs', -2, LOADING | STALE, commandDocsCommand),
      sub('list', -2, LOADING | STALE, commandListCommand),
      sub('getkeys', -4, LOADING | STALE, commandGetkeysCommand),
      sub('getkeysandflags', -4, LOADING | STALE, commandGetkeysCommand),
      sub('help', 2, LOADING | STALE, commandHelpCommand),
    ],
  },
];

/* ---------------------------------------------------------------- authentication */

/** Redis's ACLAuthenticateUser for the default user alone. */
function authenticate(c: Client, user: string, pass: string): boolean {
  const required = c.server.config.string('requirepass');
  if (user !== 'default' || (required !== '' && pass !== required)) return false;
  c.authenticated = true;
  c.parser.authRequired = false;
  return true;
}

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/** AUTH [username] password */
function authCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.addReplyError(errors.syntax);
    return;
  }
  if (argv.length === 2 && c.server.config.string('requirepass') === '') {
    c.addReplyError('ERR AUTH <password> called without any password configured for the default user. ' +
      'Are you sure your configuration is correct?');
    return;
  }
  const ok = argv.length === 2 ? authenticate(c, 'default', argv[1]!) : authenticate(c, argv[1]!, argv[2]!);
  if (ok) c.addReplyOk();
  else c.addReplyError(WRONGPASS);
}

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
function helloCommand(c: Client, argv: string[]): void {
  let ver = 0;
  if (argv.length >= 2) {
    const v = parseLongLong(argv[1]!);
    if (v === null) {
      c.addReplyError('ERR Protocol version is not an integer or out of range');
      return;
    }
    if (v < 2 || v > 3) {
      c.addReplyError('NOPROTO unsupported protocol version');
      return;
    }
    ver = Number(v);
  }
  for (let j = 2; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!.toLowerCase();
    if (opt === 'auth' && more >= 2) {
      if (!authenticate(c, argv[j + 1]!, argv[j + 2]!)) {
        c.addReplyError(WRONGPASS);
        return;
      }
      j += 2;
    } else if (opt === 'setname' && more >= 1) {
      if (!setNameOrReply(c, argv[j + 1]!)) return;
      j++;
    } else {
      c.addReplyError(`ERR Syntax error in HELLO option '${argv[j]}'`);
      return;
    }
  }
  if (!c.authenticated) {
    c.addReplyError('NOAUTH HELLO must be called with the client already authenticated, otherwise the ' +
      'HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP ' +
      'protocol version at the same time');
    return;
  }
  if (ver !== 0) c.resp = ver as 2 | 3;
  c.addReplyMapLen(7);
  c.addReplyBulk('server');
  c.addReplyBulk('redis');
  c.addReplyBulk('version');
  c.addReplyBulk(REDIS_VERSION);
  c.addReplyBulk('proto');
  c.addReplyInt(c.resp);
  c.addReplyBulk('id');
  c.addReplyInt(c.id);
  c.addReplyBulk('mode');
  c.addReplyBulk('standalone');
  c.addReplyBulk('role');
  c.addReplyBulk('master');
  c.addReplyBulk('modules');
  c.addReplyArrayLen(0);
}

/**
 * RESET: the connection's state as if it had just connected (Redis's
 * clearClientConnectionState): MONITOR off, db 0, RESP2, default-user authentication,
 * transaction and WATCHes discarded, subscriptions dropped silently, no name, replies on.
 */
function resetCommand(c: Client): void {
  const server = c.server;
  if (c.monitor) {
    c.monitor = false;
    server.monitors.delete(c);
  }
  c.db = server.keyspace.dbs[0]!;
  c.resp = 2;
  c.authenticated = server.config.string('requirepass') === '';
  c.parser.authRequired = !c.authenticated;
  c.multi = null;
  c.multiAborted = false;
  unwatchAll(c);
  server.pubsub.removeClient(c);
  c.name = '';
  c.replyMode = ReplyMode.On;
  c.addReplyStatus('RESET');
}

/* ---------------------------------------------------------------- CLIENT */

/** Redis's clientSetNameOrReply: printable ASCII without spaces; "" removes the name. */
function setNameOrReply(c: Client, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 0x21 || ch > 0x7e) {
      c.addReplyError('ERR Client names cannot contain spaces, newlines or special characters.');
      return false;
    }
  }
  c.name = name;
  return true;
}

/**
 * Full names ("client|list") of every command and subcommand, built on first use: from the
 * whole table, since a server's own may lack what rename-command removed, and a renamed
 * command keeps its own name (Redis's cmd->fullname).
 */
let fullNames: Map<CommandSpec, string> | null = null;

export function commandFullName(spec: CommandSpec): string {
  if (fullNames === null) {
    fullNames = new Map();
    for (const cmd of allCommands) {
      fullNames.set(cmd, cmd.name);
      for (const s of cmd.subcommands ?? []) fullNames.set(s, `${cmd.name}|${s.name}`);
    }
  }
  return fullNames.get(spec) ?? spec.name;
}

type ClientType = 'normal' | 'slave' | 'pubsub' | 'master';

/** Redis's getClientTypeByName; null for an unknown name. */
function clientTypeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal': return 'normal';
    case 'slave': case 'replica': return 'slave';
    case 'pubsub': return 'pubsub';
    case 'master': return 'master';
    default: return null;
  }
}

function clientType(c: Client): ClientType {
  if (c.monitor) return 'slave';
  if (c.inPubSub) return 'pubsub';
  return 'normal';
}

/** One CLIENT LIST line (Redis's catClientInfoString), without the newline. */
function clientInfoString(c: Client): string {
  const server = c.server;
  let flags = '';
  if (c.monitor) flags += 'O';
  if (c.inPubSub) flags += 'P';
  if (c.multi !== null) flags += 'x';
  if (c.blocked !== null) flags += 'b';
  if (c.watcher.touched) flags += 'd';
  if (c.closeAfterReply) flags += 'c';
  if (c.socket !== null && c.socket.remoteAddress === undefined) flags += 'U';
  if (c.noEvict) flags += 'e';
  if (flags === '') flags = 'N';
  const now = Date.now();
  // Node keeps the descriptor on the socket's libuv handle; -1 when there is none.
  const fd = (c.socket as unknown as { _handle?: { fd?: number } } | null)?._handle?.fd ?? -1;
  return `id=${c.id} addr=${c.remote} laddr=${c.local} fd=${fd} name=${c.name} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} ` +
    `flags=${flags} db=${c.db.id} sub=${c.channels.size} psub=${c.patterns.size} ssub=0 ` +
    `multi=${c.multi === null ? -1 : c.multi.length} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 ` +
    `rbs=0 rbp=0 obl=${c.out.length} oll=0 omem=0 tot-mem=0 events=r ` +
    `cmd=${c.lastCommand === null ? 'NULL' : commandFullName(c.lastCommand)} user=default redir=-1 resp=${c.resp}`;
}

function clientIdCommand(c: Client): void {
  c.addReplyInt(c.id);
}

function clientInfoCommand(c: Client): void {
  c.addReplyVerbatim(clientInfoString(c) + '\n');
}

/** CLIENT LIST [TYPE type | ID id [id ...]] */
function clientListCommand(c: Client, argv: string[]): void {
  let out = '';
  if (argv.length === 4 && argv[2]!.toLowerCase() === 'type') {
    const type = clientTypeByName(argv[3]!);
    if (type === null) {
      c.addReplyError(`ERR Unknown client type '${argv[3]}'`);
      return;
    }
    for (const other of c.server.clients.values()) {
      if (clientType(other) === type) out += clientInfoString(other) + '\n';
    }
  } else if (argv.length > 3 && argv[2]!.toLowerCase() === 'id') {
    for (let j = 3; j < argv.length; j++) {
      const id = parseLongLong(argv[j]!);
      if (id === null) {
        c.addReplyError('ERR Invalid client ID');
        return;
      }
      const other = c.server.clients.get(Number(id));
      if (other !== undefined) out += clientInfoString(other) + '\n';
    }
  } else if (argv.length !== 2) {
    c.addReplyError(errors.syntax);
    return;
  } else {
    for (const other of c.server.clients.values()) out += clientInfoString(other) + '\n';
  }
  c.addReplyVerbatim(out);
}

/** CLIENT KILL addr:port | CLIENT KILL [ID id] [TYPE t] [ADDR a] [LADDR a] [USER u] [SKIPME yes/no] */
function clientKillCommand(c: Client, argv: string[]): void {
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: ClientType | null = null;
  let id = 0;
  let skipme = true;
  if (argv.length === 3) {
    addr = argv[2]!;
    skipme = false; // the old form may kill the caller
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i]!.toLowerCase();
      const value = argv[i + 1];
      if (value === undefined) {
        c.addReplyError(errors.syntax);
        return;
      }
      if (opt === 'id') {
        const n = parseLongLong(value);
        if (n === null || n < 1) {
          c.addReplyError('ERR client-id should be greater than 0');
          return;
        }
        id = Number(n);
      } else if (opt === 'type') {
        type = clientTypeByName(value);
        if (type === null) {
          c.addReplyError(`ERR Unknown client type '${value}'`);
          return;
        }
      } else if (opt === 'addr') {
        addr = value;
      } else if (opt === 'laddr') {
        laddr = value;
      } else if (opt === 'user') {
        if (value !== 'default') {
          c.addReplyError(`ERR No such user '${value}'`);
          return;
        }
      } else if (opt === 'skipme') {
        const v = value.toLowerCase();
        if (v !== 'yes' && v !== 'no') {
          c.addReplyError(errors.syntax);
          return;
        }
        skipme = v === 'yes';
      } else {
        c.addReplyError(errors.syntax);
        return;
      }
    }
  }
  let killed = 0;
  let closeSelf = false;
  for (const other of [...c.server.clients.values()]) {
    if (addr !== null && other.remote !== addr) continue;
    if (laddr !== null && other.local !== laddr) continue;
    if (type !== null && clientType(other) !== type) continue;
    if (id !== 0 && other.id !== id) continue;
    if (other === c && skipme) continue;
    if (other === c) closeSelf = true;
    else other.close();
    killed++;
  }
  if (argv.length === 3) {
    if (killed === 0) c.addReplyError('ERR No such client');
    else c.addReplyOk();
  } else {
    c.addReplyInt(killed);
  }
  // Flagged after the reply is queued, so the caller still reads it.
  if (closeSelf) c.closeAfterReply = true;
}

/** CLIENT REPLY ON|OFF|SKIP; the dispatcher drops replies per c.replyMode. */
function clientReplyCommand(c: Client, argv: string[]): void {
  const mode = argv[2]!.toLowerCase();
  if (mode === 'on') {
    c.replyMode = ReplyMode.On;
    c.addReplyOk();
  } else if (mode === 'off') {
    c.replyMode = ReplyMode.Off;
  } else if (mode === 'skip') {
    // Skip the next command's reply. When this very command is being skipped, SkipNext
    // makes the dispatcher drop this reply and still skip the next one.
    if (c.replyMode === ReplyMode.On) c.replyMode = ReplyMode.Skip;
    else if (c.replyMode === ReplyMode.Skip) c.replyMode = ReplyMode.SkipNext;
  } else {
    c.addReplyError(errors.syntax);
  }
}

function clientGetnameCommand(c: Client): void {
  if (c.name === '') c.addReplyNull();
  else c.addReplyBulk(c.name);
}

function clientSetnameCommand(c: Client, argv: string[]): void {
  if (setNameOrReply(c, argv[2]!)) c.addReplyOk();
}

/** Client-side caching is not implemented: no client ever redirects. */
function clientGetredirCommand(c: Client): void {
  c.addReplyInt(-1);
}

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: end a blocking command as its timeout or with an error. */
function clientUnblockCommand(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let asError = false;
  if (argv.length === 4) {
    const reason = argv[3]!.toLowerCase();
    if (reason === 'error') asError = true;
    else if (reason !== 'timeout') {
      c.addReplyError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const id = parseLongLong(argv[2]!);
  if (id === null) {
    c.addReplyError(errors.notInteger);
    return;
  }
  const target = c.server.clients.get(Number(id));
  if (target === undefined || target.blocked === null) {
    c.addReplyInt(0);
    return;
  }
  const state = target.blocked;
  c.server.blocking.unblock(target);
  if (asError) target.addReplyError('UNBLOCKED client unblocked via CLIENT UNBLOCK');
  else if (state.timeoutReply === 'null') target.addReplyNull();
  else target.addReplyNullArray();
  c.server.scheduleWrite(target);
  // Its pipelined input resumes after this command, not inside it.
  setImmediate(() => target.processInput());
  c.addReplyInt(1);
}

function clientNoEvictCommand(c: Client, argv: string[]): void {
  const v = argv[2]!.toLowerCase();
  if (v !== 'on' && v !== 'off') {
    c.addReplyError(errors.syntax);
    return;
  }
  c.noEvict = v === 'on';
  c.addReplyOk();
}

function clientHelpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0]!, [
    'GETREDIR',
    '    Return the client ID we are redirecting to when tracking is enabled.',
    'GETNAME',
    '    Return the name of the current connection.',
    'ID',
    '    Return the ID of the current connection.',
    'INFO',
    '    Return information about the current client connection.',
    'KILL <ip:port>',
    '    Kill connection made from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections. Options are:',
    '    * ADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made from the specified address',
    '    * LADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made to specified local address',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Kill connections by type.',
    '    * USER <username>',
    '      Kill connections authenticated by <username>.',
    '    * SKIPME (YES|NO)',
    '      Skip killing current connection (default: yes).',
    'LIST [options ...]',
    '    Return information about client connections. Options:',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Return clients of specified type.',
    'REPLY (ON|OFF|SKIP)',
    '    Control the replies sent to the current connection.',
    'SETNAME <name>',
    '    Assign the name <name> to the current connection.',
    'UNBLOCK <clientid> [TIMEOUT|ERROR]',
    '    Unblock the specified blocked client.',
    'NO-EVICT (ON|OFF)',
    '    Protect current client connection from eviction.',
  ]);
}

/** Redis's addReplySubcommandSyntaxError. */
function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.addReplyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. ` +
    `Try ${argv[0]!.toUpperCase()} HELP.`);
}

/* ---------------------------------------------------------------- TIME, ROLE, INFO */

function timeCommand(c: Client): void {
  const ms = performance.timeOrigin + performance.now();
  const sec = Math.floor(ms / 1000);
  c.addReplyArrayLen(2);
  c.addReplyBulk(String(sec));
  c.addReplyBulk(String(Math.floor((ms - sec * 1000) * 1000)));
}

function roleCommand(c: Client): void {
  c.addReplyArrayLen(3);
  c.addReplyBulk('master');
  c.addReplyInt(0);
  c.addReplyArrayLen(0);
}

function infoCommand(c: Client, argv: string[]): void {
  c.addReplyVerbatim(genInfoString(c.server, argv.slice(1)));
}

/* ---------------------------------------------------------------- CONFIG */

/** CONFIG GET pattern [pattern ...] */
function configGetCommand(c: Client, argv: string[]): void {
  const pairs = c.server.config.getMatching(argv.slice(2), stringMatch);
  c.addReplyMapLen(pairs.length);
  for (const [name, value] of pairs) {
    c.addReplyBulk(name);
    c.addReplyBulk(value);
  }
}

/** CONFIG SET name value [name value ...]: all pairs or none. */
function configSetCommand(c: Client, argv: string[]): void {
  if (argv.length % 2 !== 0) {
    c.addReplyError(errors.syntax);
    return;
  }
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i]!, argv[i + 1]!]);
  const err = c.server.config.setMany(pairs, allowProtectedAction(c.server.config.string('enable-protected-configs'), c));
  if (err === null) c.addReplyOk();
  else c.addReplyError(err);
}

/** CONFIG RESETSTAT: Redis's resetServerStats and resetCommandTableStats. */
function configResetstatCommand(c: Client): void {
  const server = c.server;
  const st = server.stats;
  st.connectionsReceived = 0;
  st.rejectedConnections = 0;
  st.commandsProcessed = 0;
  st.netInputBytes = 0;
  st.netOutputBytes = 0;
  st.errorReplies = 0;
  const ks = server.keyspace.stats;
  ks.hits = 0;
  ks.misses = 0;
  ks.expiredKeys = 0;
  server.dispatcher.stats.clear();
  c.addReplyOk();
}

function configRewriteCommand(c: Client): void {
  const err = c.server.config.rewrite();
  if (err === null) {
    c.server.log.notice('CONFIG REWRITE executed with success.');
    c.addReplyOk();
  } else {
    c.server.log.warning(`CONFIG REWRITE failed: ${err}`);
    c.addReplyError(err);
  }
}

function configHelpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0]!, [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ]);
}

/* ---------------------------------------------------------------- COMMAND */

/** A command by name, "container|sub" form included (Redis's lookupCommandBySds). */
function lookupByFullName(server: Server, name: string): CommandSpec | undefined {
  const bar = name.indexOf('|');
  if (bar < 0) return server.dispatcher.lookup(name);
  const container = server.dispatcher.lookup(name.slice(0, bar));
  const subName = name.slice(bar + 1).toLowerCase();
  return container?.subcommands?.find((s) => s.name === subName);
}

/** COMMAND INFO's 10-element entry (Redis's addReplyCommandInfo). */
function addReplyCommandInfo(c: Client, spec: CommandSpec): void {
  c.addReplyArrayLen(10);
  c.addReplyBulk(commandFullName(spec));
  c.addReplyInt(spec.arity);
  addReplyStatusSet(c, flagNames(spec));
  c.addReplyInt(spec.keys[0]);
  c.addReplyInt(spec.keys[1]);
  c.addReplyInt(spec.keys[2]);
  addReplyStatusSet(c, aclCategories(spec));
  c.addReplySetLen(0); // tips
  addReplyKeySpecs(c, spec);
  const subs = spec.subcommands;
  if (subs === undefined) {
    c.addReplySetLen(0);
  } else {
    c.addReplyArrayLen(subs.length);
    for (const s of subs) addReplyCommandInfo(c, s);
  }
}

function addReplyStatusSet(c: Client, items: readonly string[]): void {
  c.addReplySetLen(items.length);
  for (const item of items) c.addReplyStatus(item);
}

/** A key's access flags, derived from the command's flags (the table has no per-key flags). */
function keyFlags(spec: CommandSpec): string[] {
  return spec.flags & WRITE ? ['RW'] : spec.flags & READONLY ? ['RO'] : [];
}

/** Key specs derived from the table: one range spec, or one "unknown" spec for getKeys. */
function addReplyKeySpecs(c: Client, spec: CommandSpec): void {
  const [first, last, step] = spec.keys;
  if (spec.getKeys === undefined && first === 0) {
    c.addReplySetLen(0);
    return;
  }
  c.addReplySetLen(1);
  c.addReplyMapLen(3);
  c.addReplyBulk('flags');
  addReplyStatusSet(c, keyFlags(spec));
  c.addReplyBulk('begin_search');
  c.addReplyMapLen(2);
  c.addReplyBulk('type');
  if (spec.getKeys !== undefined) {
    c.addReplyBulk('unknown');
    c.addReplyBulk('spec');
    c.addReplyMapLen(0);
    c.addReplyBulk('find_keys');
    c.addReplyMapLen(2);
    c.addReplyBulk('type');
    c.addReplyBulk('unknown');
    c.addReplyBulk('spec');
    c.addReplyMapLen(0);
    return;
  }
  c.addReplyBulk('index');
  c.addReplyBulk('spec');
  c.addReplyMapLen(1);
  c.addReplyBulk('index');
  c.addReplyInt(first);
  c.addReplyBulk('find_keys');
  c.addReplyMapLen(2);
  c.addReplyBulk('type');
  c.addReplyBulk('range');
  c.addReplyBulk('spec');
  c.addReplyMapLen(3);
  c.addReplyBulk('lastkey');
  c.addReplyInt(last < 0 ? last : last - first);
  c.addReplyBulk('keystep');
  c.addReplyInt(step);
  c.addReplyBulk('limit');
  c.addReplyInt(0);
}

/** COMMAND: every command's info. */
function commandCommand(c: Client): void {
  const all = c.server.dispatcher.commands;
  c.addReplyArrayLen(all.length);
  for (const spec of all) addReplyCommandInfo(c, spec);
}

function commandCountCommand(c: Client): void {
  c.addReplyInt(c.server.dispatcher.commands.length);
}

/** COMMAND INFO [name ...]: null for an unknown name. */
function commandInfoCommand(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    commandCommand(c);
    return;
  }
  c.addReplyArrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const spec = lookupByFullName(c.server, argv[j]!);
    if (spec === undefined) c.addReplyNullArray();
    else addReplyCommandInfo(c, spec);
  }
}

/** The COMMAND DOCS group, from the command's explicit ACL category. */
const GROUPS: Readonly<Record<string, string>> = {
  keyspace: 'generic', string: 'string', list: 'list', hash: 'hash', set: 'set', sortedset: 'sorted-set',
  connection: 'connection', pubsub: 'pubsub', transaction: 'transactions', scripting: 'scripting',
  stream: 'stream', geo: 'geo', hyperloglog: 'hyperloglog', bitmap: 'bitmap',
};

function addReplyCommandDocs(c: Client, spec: CommandSpec): void {
  const subs = spec.subcommands;
  c.addReplyMapLen(subs === undefined ? 1 : 2);
  c.addReplyBulk('group');
  let group = 'server';
  for (const cat of spec.acl) if (GROUPS[cat] !== undefined) group = GROUPS[cat]!;
  c.addReplyBulk(group);
  if (subs !== undefined) {
    c.addReplyBulk('subcommands');
    c.addReplyMapLen(subs.length);
    for (const s of subs) {
      c.addReplyBulk(commandFullName(s));
      addReplyCommandDocs(c, s);
    }
  }
}

/** COMMAND DOCS [name ...]: a map; unknown names are left out. */
function commandDocsCommand(c: Client, argv: string[]): void {
  const found: CommandSpec[] = [];
  if (argv.length === 2) found.push(...c.server.dispatcher.commands);
  for (let j = 2; j < argv.length; j++) {
    const spec = lookupByFullName(c.server, argv[j]!);
    if (spec !== undefined) found.push(spec);
  }
  c.addReplyMapLen(found.length);
  for (const spec of found) {
    c.addReplyBulk(commandFullName(spec));
    addReplyCommandDocs(c, spec);
  }
}

/** COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern] */
function commandListCommand(c: Client, argv: string[]): void {
  let filter: ((spec: CommandSpec, fullName: string) => boolean) | null = null;
  if (argv.length === 5 && argv[2]!.toLowerCase() === 'filterby') {
    const kind = argv[3]!.toLowerCase();
    const value = argv[4]!;
    if (kind === 'module') filter = () => false;
    else if (kind === 'aclcat') filter = (spec) => aclCategories(spec).includes('@' + value.toLowerCase());
    else if (kind === 'pattern') filter = (_spec, name) => stringMatch(value, name, true);
  }
  if (argv.length !== 2 && filter === null) {
    c.addReplyError(errors.syntax);
    return;
  }
  const names: string[] = [];
  for (const spec of c.server.dispatcher.commands) {
    for (const s of [spec, ...(spec.subcommands ?? [])]) {
      const name = commandFullName(s);
      if (filter === null || filter(s, name)) names.push(name);
    }
  }
  c.addReplyBulks(names);
}

/**
 * COMMAND GETKEYS / GETKEYSANDFLAGS command arg...: the key arguments by the table's key
 * positions; GETKEYSANDFLAGS pairs each with its access flags.
 */
function commandGetkeysCommand(c: Client, argv: string[]): void {
  const args = argv.slice(2);
  let spec = c.server.dispatcher.lookup(args[0]!);
  if (spec?.subcommands !== undefined && args.length > 1) {
    const subName = args[1]!.toLowerCase();
    spec = spec.subcommands.find((s) => s.name === subName) ?? spec;
  }
  if (spec === undefined) {
    c.addReplyError('ERR Invalid command specified');
    return;
  }
  if (spec.getKeys === undefined && spec.keys[0] === 0) {
    c.addReplyError('ERR The command has no key arguments');
    return;
  }
  if ((spec.arity > 0 && spec.arity !== args.length) || args.length < -spec.arity) {
    c.addReplyError('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = commandKeys(spec, args);
  if (keys.length === 0) {
    if (spec.flags & NO_MANDATORY_KEYS) c.addReplyArrayLen(0);
    else c.addReplyError('ERR Invalid arguments specified for command');
    return;
  }
  if (argv[1]!.toLowerCase() === 'getkeys') {
    c.addReplyBulks(keys.map((i) => args[i]!));
    return;
  }
  const flags = keyFlags(spec);
  c.addReplyArrayLen(keys.length);
  for (const i of keys) {
    c.addReplyArrayLen(2);
    c.addReplyBulk(args[i]!);
    addReplyStatusSet(c, flags);
  }
}

function commandHelpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0]!, [
    '(no subcommand)',
    '    Return details about all Redis commands.',
    'COUNT',
    '    Return the total number of commands in this Redis server.',
    'LIST',
    '    Return a list of all commands in this Redis server.',
    'INFO [<command-name> ...]',
    '    Return details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'DOCS [<command-name> ...]',
    '    Return documentation details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'GETKEYS <full-command>',
    '    Return the keys from a full Redis command.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys and the access flags from a full Redis command.',
  ]);
}
