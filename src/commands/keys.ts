/**
 * Generic keyspace commands (db.c, expire.c): DEL, EXISTS, EXPIRE, SCAN, OBJECT...
 */

import type { CommandSpec } from './spec.js';

export const specs: readonly CommandSpec[] = [];
