/**
 * Pub/sub commands (pubsub.c).
 */

import type { CommandSpec } from './spec.js';

export const specs: readonly CommandSpec[] = [];
