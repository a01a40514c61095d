/**
 * Pub/sub commands (Redis 7.0's pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
 * PUBLISH, the sharded SSUBSCRIBE / SUNSUBSCRIBE / SPUBLISH (a separate namespace; without
 * cluster mode there is no slot check), and PUBSUB introspection. The bookkeeping and the
 * frames (push in RESP3, arrays in RESP2) live in server/pubsub.ts.
 *
 * The RESP2 subscribed context (only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET) is enforced by
 * the dispatcher from c.inPubSub; RESP3 clients may run anything while subscribed.
 *
 * PUBLISH changes no key, so the dispatcher never propagates it. Redis 7.0 sends PUBLISH to
 * replicas (not to the AOF) so that their subscribers hear it too; Vellum keeps it out of
 * the one propagation stream until replication has a replica-only channel.
 */

import type { Client } from '../server/client.js';
import { stringMatch } from '../util/glob.js';
import { type CommandSpec, FAST, LOADING, MAY_REPLICATE, NOSCRIPT, PUBSUB, STALE } from './spec.js';

const SUB_FLAGS = PUBSUB | NOSCRIPT | LOADING | STALE;
const INTROSPECT_FLAGS = PUBSUB | LOADING | STALE;

export const specs: readonly CommandSpec[] = [
  { name: 'subscribe', arity: -2, flags: SUB_FLAGS, keys: [0, 0, 0], acl: [], run: subscribeCommand },
  { name: 'unsubscribe', arity: -1, flags: SUB_FLAGS, keys: [0, 0, 0], acl: [], run: unsubscribeCommand },
  { name: 'psubscribe', arity: -2, flags: SUB_FLAGS, keys: [0, 0, 0], acl: [], run: psubscribeCommand },
  { name: 'punsubscribe', arity: -1, flags: SUB_FLAGS, keys: [0, 0, 0], acl: [], run: punsubscribeCommand },
  { name: 'publish', arity: 3, flags: PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, keys: [0, 0, 0], acl: [], run: publishCommand },
  { name: 'ssubscribe', arity: -2, flags: SUB_FLAGS, keys: [1, -1, 1], acl: [], run: ssubscribeCommand },
  { name: 'sunsubscribe', arity: -1, flags: SUB_FLAGS, keys: [1, -1, 1], acl: [], run: sunsubscribeCommand },
  { name: 'spublish', arity: 3, flags: PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, keys: [1, 1, 1], acl: [], run: spublishCommand },
  {
    name: 'pubsub', arity: -2, flags: 0, keys: [0, 0, 0], acl: [],
    subcommands: [
      { name: 'channels', arity: -2, flags: INTROSPECT_FLAGS, keys: [0, 0, 0], acl: [], run: pubsubChannelsCommand },
      { name: 'numsub', arity: -2, flags: INTROSPECT_FLAGS, keys: [0, 0, 0], acl: [], run: pubsubNumsubCommand },
      { name: 'numpat', arity: 2, flags: INTROSPECT_FLAGS, keys: [0, 0, 0], acl: [], run: pubsubNumpatCommand },
      { name: 'shardchannels', arity: -2, flags: INTROSPECT_FLAGS, keys: [0, 0, 0], acl: [], run: pubsubShardchannelsCommand },
      { name: 'shardnumsub', arity: -2, flags: INTROSPECT_FLAGS, keys: [0, 0, 0], acl: [], run: pubsubShardnumsubCommand },
      { name: 'help', arity: 2, flags: LOADING | STALE, keys: [0, 0, 0], acl: [], run: pubsubHelpCommand },
    ],
  },
];

// SUBSCRIBE and PSUBSCRIBE are allowed inside EXEC (Redis keeps that for backward
// compatibility); SSUBSCRIBE, newer, is not.

function subscribeCommand(c: Client, argv: string[]): void {
  for (let i = 1; i < argv.length; i++) c.server.pubsub.subscribe(c, argv[i]!);
}

function unsubscribeCommand(c: Client, argv: string[]): void {
  const pubsub = c.server.pubsub;
  if (argv.length === 1) pubsub.unsubscribeAll(c, true);
  else for (let i = 1; i < argv.length; i++) pubsub.unsubscribe(c, argv[i]!, true);
}

function psubscribeCommand(c: Client, argv: string[]): void {
  for (let i = 1; i < argv.length; i++) c.server.pubsub.psubscribe(c, argv[i]!);
}

function punsubscribeCommand(c: Client, argv: string[]): void {
  const pubsub = c.server.pubsub;
  if (argv.length === 1) pubsub.punsubscribeAll(c, true);
  else for (let i = 1; i < argv.length; i++) pubsub.punsubscribe(c, argv[i]!, true);
}

function publishCommand(c: Client, argv: string[]): void {
  c.addReplyInt(c.server.pubsub.publish(argv[1]!, argv[2]!));
}

function ssubscribeCommand(c: Client, argv: string[]): void {
  if (c.inExec) {
    // A client that expects one reply per command (EXEC's array) cannot enter a push stream.
    c.addReplyError(`ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client`);
    return;
  }
  const pubsub = c.server.pubsub;
  for (let i = 1; i < argv.length; i++) pubsub.subscribe(c, argv[i]!, pubsub.shard);
}

function sunsubscribeCommand(c: Client, argv: string[]): void {
  const pubsub = c.server.pubsub;
  if (argv.length === 1) pubsub.unsubscribeAll(c, true, pubsub.shard);
  else for (let i = 1; i < argv.length; i++) pubsub.unsubscribe(c, argv[i]!, true, pubsub.shard);
}

function spublishCommand(c: Client, argv: string[]): void {
  c.addReplyInt(c.server.pubsub.spublish(argv[1]!, argv[2]!));
}

function pubsubChannelsCommand(c: Client, argv: string[]): void {
  channelListGeneric(c, argv, c.server.pubsub.channels);
}

function pubsubShardchannelsCommand(c: Client, argv: string[]): void {
  channelListGeneric(c, argv, c.server.pubsub.shardChannels);
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]: the active channels, optionally filtered. */
function channelListGeneric(c: Client, argv: string[], channels: Map<string, Set<Client>>): void {
  if (argv.length > 3) return subcommandSyntaxError(c, argv);
  const pattern = argv[2];
  const out: string[] = [];
  for (const channel of channels.keys()) {
    if (pattern === undefined || stringMatch(pattern, channel)) out.push(channel);
  }
  c.addReplyBulks(out);
}

function pubsubNumsubCommand(c: Client, argv: string[]): void {
  numsubGeneric(c, argv, c.server.pubsub.channels);
}

function pubsubShardnumsubCommand(c: Client, argv: string[]): void {
  numsubGeneric(c, argv, c.server.pubsub.shardChannels);
}

/** PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat channel, count list (patterns excluded). */
function numsubGeneric(c: Client, argv: string[], channels: Map<string, Set<Client>>): void {
  c.addReplyArrayLen((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.addReplyBulk(argv[i]!);
    c.addReplyInt(channels.get(argv[i]!)?.size ?? 0);
  }
}

function pubsubNumpatCommand(c: Client): void {
  c.addReplyInt(c.server.pubsub.patterns.size);
}

function pubsubHelpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0]!, [
    'CHANNELS [<pattern>]',
    "    Return the currently active channels matching a <pattern> (default: '*').",
    'NUMPAT',
    '    Return number of subscriptions to patterns.',
    'NUMSUB [<channel> ...]',
    '    Return the number of subscribers for the specified channels, excluding',
    '    pattern subscriptions(default: no channels).',
    'SHARDCHANNELS [<pattern>]',
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    'SHARDNUMSUB [<shardchannel> ...]',
    '    Return the number of subscribers for the specified shard level channel(s)',
  ]);
}

/** Redis's addReplySubcommandSyntaxError. */
function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.addReplyError(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try ${argv[0]!.toUpperCase()} HELP.`);
}
