/**
 * Sorted set commands (t_zset.c), blocking ones included.
 */

import type { CommandSpec } from './spec.js';

export const specs: readonly CommandSpec[] = [];
