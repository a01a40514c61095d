/**
 * List commands (t_list.c), blocking ones included.
 */

import type { CommandSpec } from './spec.js';

export const specs: readonly CommandSpec[] = [];
