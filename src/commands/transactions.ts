/**
 * MULTI, EXEC, DISCARD, WATCH, UNWATCH (multi.c).
 */

import type { CommandSpec } from './spec.js';

export const specs: readonly CommandSpec[] = [];
