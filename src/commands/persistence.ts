/**
 * Persistence commands: SAVE, LASTSAVE, SHUTDOWN, DUMP, RESTORE, DEBUG (rdb.c, cluster.c, debug.c).
 */

import type { CommandSpec } from './spec.js';

export const specs: readonly CommandSpec[] = [];
