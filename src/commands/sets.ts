/**
 * Set commands (t_set.c).
 */

import type { CommandSpec } from './spec.js';

export const specs: readonly CommandSpec[] = [];
