/**
 * Pub/sub bookkeeping (Redis 7.0's pubsub.c): channels, patterns and shard channels, and
 * the publish path that keyspace notifications use too.
 *
 * Each kind of subscription is kept twice, as Redis does: the server maps a channel or
 * pattern to its subscribers (for PUBLISH, PUBSUB NUMSUB), and the client keeps its own set
 * (for UNSUBSCRIBE with no argument, the counts in confirmations, and cleanup on close).
 * Insertion-ordered Sets give Redis's order where it is observable: subscribers receive in
 * subscription order, and a mass unsubscribe confirms in subscription order.
 *
 * A message or confirmation is written into the client's reply buffer as a push frame
 * (RESP3) or an array (RESP2) and leaves with that client's next flush. Shard channels
 * (SSUBSCRIBE, SPUBLISH) live in their own namespace: without cluster mode they behave as
 * plain channels that patterns never match, and a client's confirmations count them apart
 * from channels and patterns.
 */

import { stringMatch } from '../util/glob.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

/** The two channel namespaces: their server-side map, client-side set, and reply words. */
export interface ChannelKind {
  readonly subscribers: Map<string, Set<Client>>;
  readonly ofClient: (c: Client) => Set<string>;
  readonly subscribeWord: string;
  readonly unsubscribeWord: string;
  readonly messageWord: string;
  /** The count a confirmation reports. */
  readonly count: (c: Client) => number;
}

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();
  readonly global: ChannelKind;
  readonly shard: ChannelKind;

  constructor(private readonly server: Server) {
    this.global = {
      subscribers: this.channels, ofClient: clientChannels, count: subscriptionCount,
      subscribeWord: 'subscribe', unsubscribeWord: 'unsubscribe', messageWord: 'message',
    };
    this.shard = {
      subscribers: this.shardChannels, ofClient: clientShardChannels, count: shardSubscriptionCount,
      subscribeWord: 'ssubscribe', unsubscribeWord: 'sunsubscribe', messageWord: 'smessage',
    };
  }

  /** PUBLISH: deliver to channel subscribers, then pattern subscribers; returns receivers. */
  publish(channel: string, message: string): number {
    return this.publishGeneric(this.global, channel, message);
  }

  /** SPUBLISH: shard channel subscribers only (patterns never see shard messages). */
  spublish(channel: string, message: string): number {
    return this.publishGeneric(this.shard, channel, message);
  }

  private publishGeneric(kind: ChannelKind, channel: string, message: string): number {
    let receivers = 0;
    const subs = kind.subscribers.get(channel);
    if (subs !== undefined) {
      for (const c of subs) {
        c.addReplyPushLen(3);
        c.addReplyBulk(kind.messageWord);
        c.addReplyBulk(channel);
        c.addReplyBulk(message);
        this.server.scheduleWrite(c);
        receivers++;
      }
    }
    if (kind === this.shard || this.patterns.size === 0) return receivers;
    for (const [pattern, clients] of this.patterns) {
      if (!stringMatch(pattern, channel)) continue;
      for (const c of clients) {
        c.addReplyPushLen(4);
        c.addReplyBulk('pmessage');
        c.addReplyBulk(pattern);
        c.addReplyBulk(channel);
        c.addReplyBulk(message);
        this.server.scheduleWrite(c);
        receivers++;
      }
    }
    return receivers;
  }

  /** Subscribe to a channel of `kind` and confirm; false if already subscribed. */
  subscribe(c: Client, channel: string, kind: ChannelKind = this.global): boolean {
    const mine = kind.ofClient(c);
    const added = !mine.has(channel);
    if (added) {
      mine.add(channel);
      let set = kind.subscribers.get(channel);
      if (set === undefined) kind.subscribers.set(channel, (set = new Set()));
      set.add(c);
    }
    addReplySubscription(c, kind.subscribeWord, channel, kind.count(c));
    return added;
  }

  /** Unsubscribe from a channel of `kind`, confirming when `notify`; false if not subscribed. */
  unsubscribe(c: Client, channel: string, notify: boolean, kind: ChannelKind = this.global): boolean {
    const removed = kind.ofClient(c).delete(channel);
    if (removed) removeSubscriber(kind.subscribers, channel, c);
    if (notify) addReplySubscription(c, kind.unsubscribeWord, channel, kind.count(c));
    return removed;
  }

  /** UNSUBSCRIBE / SUNSUBSCRIBE with no argument: from everything, or a null confirmation. */
  unsubscribeAll(c: Client, notify: boolean, kind: ChannelKind = this.global): number {
    const mine = kind.ofClient(c);
    let count = 0;
    for (const channel of [...mine]) if (this.unsubscribe(c, channel, notify, kind)) count++;
    if (notify && count === 0) addReplySubscription(c, kind.unsubscribeWord, null, kind.count(c));
    return count;
  }

  psubscribe(c: Client, pattern: string): boolean {
    const added = !c.patterns.has(pattern);
    if (added) {
      c.patterns.add(pattern);
      let set = this.patterns.get(pattern);
      if (set === undefined) this.patterns.set(pattern, (set = new Set()));
      set.add(c);
    }
    addReplySubscription(c, 'psubscribe', pattern, subscriptionCount(c));
    return added;
  }

  punsubscribe(c: Client, pattern: string, notify: boolean): boolean {
    const removed = c.patterns.delete(pattern);
    if (removed) removeSubscriber(this.patterns, pattern, c);
    if (notify) addReplySubscription(c, 'punsubscribe', pattern, subscriptionCount(c));
    return removed;
  }

  punsubscribeAll(c: Client, notify: boolean): number {
    let count = 0;
    for (const pattern of [...c.patterns]) if (this.punsubscribe(c, pattern, notify)) count++;
    if (notify && count === 0) addReplySubscription(c, 'punsubscribe', null, subscriptionCount(c));
    return count;
  }

  /** Drop every subscription without confirmations (a closing client, RESET). */
  removeClient(c: Client): void {
    this.unsubscribeAll(c, false, this.global);
    this.unsubscribeAll(c, false, this.shard);
    this.punsubscribeAll(c, false);
  }
}

/** A (un)subscribe confirmation: [word, channel or null, count], pushed in RESP3. */
function addReplySubscription(c: Client, word: string, channel: string | null, count: number): void {
  c.addReplyPushLen(3);
  c.addReplyBulk(word);
  if (channel === null) c.addReplyNull();
  else c.addReplyBulk(channel);
  c.addReplyInt(count);
}

function removeSubscriber(map: Map<string, Set<Client>>, channel: string, c: Client): void {
  const set = map.get(channel)!;
  set.delete(c);
  // Forget empty channels, so that subscribing to many channels once costs nothing later.
  if (set.size === 0) map.delete(channel);
}

function clientChannels(c: Client): Set<string> {
  return c.channels;
}

function clientShardChannels(c: Client): Set<string> {
  return c.shardChannels;
}

/** Channels plus patterns: what SUBSCRIBE and PSUBSCRIBE confirmations report. */
function subscriptionCount(c: Client): number {
  return c.channels.size + c.patterns.size;
}

function shardSubscriptionCount(c: Client): number {
  return c.shardChannels.size;
}
