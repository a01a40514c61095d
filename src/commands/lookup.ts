/**
 * Typed key lookups shared by the command families: Redis's lookupKeyReadOrReply /
 * lookupKeyWriteOrReply followed by checkType. Each answers the value when the key holds the
 * expected type, undefined when the key is missing (the caller chooses the reply: 0, null,
 * an empty array…), and null after replying WRONGTYPE, so a handler reads
 *
 *   const list = lookupReadOrReply(c, key, ListValue);
 *   if (list === null) return;
 *
 * A collection is tested with instanceof against its class, passed as a parameter, so one
 * body serves every family. A string value is a bare JS string (value.ts), a primitive that
 * instanceof cannot test, hence its own pair with typeof.
 *
 * Also here: deleteIfEmpty, the "an emptied collection is deleted at once" step that every
 * family repeats after removing elements, since Redis never keeps an empty collection.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC } from '../config/keyspace-events.js';
import type { CollectionValue, Value } from '../store/value.js';

/**
 * A collection's class (ListValue, HashValue, SetValue, ZSetValue), as instanceof takes it;
 * typed by its prototype because some of these classes keep their constructor private.
 */
export type ValueClass<T extends CollectionValue> = Function & { readonly prototype: T };

/**
 * The value of `key` for a command that only reads it (Db.lookupRead: lazy expiry, hit/miss
 * counted); undefined when missing; null after replying WRONGTYPE for another type.
 */
export function lookupReadOrReply<T extends CollectionValue>(c: Client, key: string, type: ValueClass<T>): T | undefined | null {
  return checkTypeOrReply(c, c.db.lookupRead(key), type);
}

/**
 * As lookupReadOrReply, for a command that may modify the value in place (Db.lookupWrite:
 * lazy expiry, snapshot pre-image, no hit/miss count); follow a change with signalModified.
 */
export function lookupWriteOrReply<T extends CollectionValue>(c: Client, key: string, type: ValueClass<T>): T | undefined | null {
  return checkTypeOrReply(c, c.db.lookupWrite(key), type);
}

function checkTypeOrReply<T extends CollectionValue>(c: Client, v: Value | undefined, type: ValueClass<T>): T | undefined | null {
  // instanceof proves v is a T; TypeScript cannot narrow through a generic class type.
  if (v === undefined || v instanceof type) return v as T | undefined;
  c.addReplyError(errors.wrongType);
  return null;
}

/** lookupReadOrReply for a string value. */
export function lookupStringOrReply(c: Client, key: string): string | undefined | null {
  return checkStringOrReply(c, c.db.lookupRead(key));
}

/** lookupWriteOrReply for a string value, for a command about to replace it. */
export function lookupStringWriteOrReply(c: Client, key: string): string | undefined | null {
  return checkStringOrReply(c, c.db.lookupWrite(key));
}

function checkStringOrReply(c: Client, v: Value | undefined): string | undefined | null {
  if (v === undefined || typeof v === 'string') return v;
  c.addReplyError(errors.wrongType);
  return null;
}

/**
 * After elements were removed from the collection at `key`, now holding `size` elements:
 * when it is empty, delete the key and fire the `del` event, as Redis does right after the
 * type's own event. Returns whether the key was deleted (Db.delete counts one change).
 */
export function deleteIfEmpty(c: Client, key: string, size: number): boolean {
  if (size > 0) return false;
  c.db.delete(key);
  notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', key, c.db.id);
  return true;
}

/** A collection whose members can be removed one by one (sets, sorted sets). */
interface MemberRemovable extends CollectionValue {
  readonly size: number;
  remove(member: string): boolean;
}

/**
 * The body of SREM and ZREM: remove argv[2..] from the collection at argv[1], reply how
 * many were removed. Side effects, when any was: the change count, the type's event
 * (`srem`/`zrem`), then `del` if the collection is now empty, as Redis orders them.
 */
export function removeMembersGeneric<T extends MemberRemovable>(
  c: Client, argv: string[], type: ValueClass<T>, notifyClass: number, event: string,
): void {
  const key = argv[1]!;
  const coll = lookupWriteOrReply(c, key, type);
  if (coll === null) return;
  let removed = 0;
  if (coll !== undefined) {
    for (let i = 2; i < argv.length && coll.size > 0; i++) if (coll.remove(argv[i]!)) removed++;
    if (removed > 0) {
      c.db.signalModified(key, removed);
      notifyKeyspaceEvent(c.server, notifyClass, event, key, c.db.id);
      deleteIfEmpty(c, key, coll.size);
    }
  }
  c.addReplyInt(removed);
}
