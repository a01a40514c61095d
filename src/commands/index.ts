/**
 * The command table: every family's specs, in one list. Each family file owns its
 * commands' metadata and handlers (style.md R6).
 */

import type { CommandSpec } from './spec.js';
import { specs as connection } from './connection.js';
import { specs as strings } from './strings.js';

export const allCommands: readonly CommandSpec[] = [...connection, ...strings];
