/**
 * Channels and patterns, and the publish path that keyspace notifications use too.
 * A message is written into each subscriber's reply buffer as a push (RESP3) or an array
 * (RESP2) and leaves with that client's next flush.
 */

import { stringMatch } from '../util/glob.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();

  constructor(private readonly server: Server) {}

  /** Deliver to channel and pattern subscribers; returns how many received it. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined) {
      for (const c of subs) {
        c.addReplyPushLen(3);
        c.addReplyBulk('message');
        c.addReplyBulk(channel);
        c.addReplyBulk(message);
        this.server.scheduleWrite(c);
        receivers++;
      }
    }
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

  subscribe(c: Client, channel: string): void {
    if (c.channels.has(channel)) return;
    c.channels.add(channel);
    let set = this.channels.get(channel);
    if (set === undefined) this.channels.set(channel, (set = new Set()));
    set.add(c);
  }

  unsubscribe(c: Client, channel: string): boolean {
    if (!c.channels.delete(channel)) return false;
    const set = this.channels.get(channel)!;
    set.delete(c);
    if (set.size === 0) this.channels.delete(channel);
    return true;
  }

  psubscribe(c: Client, pattern: string): void {
    if (c.patterns.has(pattern)) return;
    c.patterns.add(pattern);
    let set = this.patterns.get(pattern);
    if (set === undefined) this.patterns.set(pattern, (set = new Set()));
    set.add(c);
  }

  punsubscribe(c: Client, pattern: string): boolean {
    if (!c.patterns.delete(pattern)) return false;
    const set = this.patterns.get(pattern)!;
    set.delete(c);
    if (set.size === 0) this.patterns.delete(pattern);
    return true;
  }

  /** Drop every subscription of a closing client. */
  removeClient(c: Client): void {
    for (const ch of [...c.channels]) this.unsubscribe(c, ch);
    for (const p of [...c.patterns]) this.punsubscribe(c, p);
  }
}
