/**
 * Server and connection administration: HELLO, AUTH, CLIENT, INFO, CONFIG, COMMAND, TIME...
 */

import type { CommandSpec } from './spec.js';

export const specs: readonly CommandSpec[] = [];
