/**
 * Hash commands (t_hash.c).
 */

import type { CommandSpec } from './spec.js';

export const specs: readonly CommandSpec[] = [];
