export { Keyspace } from './keyspace.js';
export type { SnapshotHook, KeyspaceStats } from './keyspace.js';
export { Db, Slot } from './db.js';
export type { KeyWatcher } from './db.js';
export { crc16, SLOT_COUNT } from './crc16.js';
export { keyHashSlot } from './key-hash.js';
export { typeOf, stringEncoding } from './value.js';
export type { Value, CollectionValue, TypeName } from './value.js';
