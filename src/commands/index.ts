/**
 * The command table: every family's specs, in one list. Each family file owns its
 * commands' metadata and handlers (style.md R6).
 *
 * A server looks commands up in its own table by name (commandTable): the one below, or
 * the one its rename-command lines made (config.ts). The specs themselves never change, so
 * a renamed command keeps its own name in COMMAND INFO, error texts and INFO commandstats,
 * as Redis's cmd->fullname does.
 */

import type { CommandSpec } from './spec.js';
import { specs as admin } from './admin.js';
import { specs as aof } from './aof.js';
import { specs as bgsave } from './bgsave.js';
import { specs as bitops } from './bitops.js';
import { specs as connection } from './connection.js';
import { specs as expire } from './expire.js';
import { specs as hashes } from './hashes.js';
import { specs as keys } from './keys.js';
import { specs as lists } from './lists.js';
import { specs as monitor } from './monitor.js';
import { specs as persistence } from './persistence.js';
import { specs as pubsub } from './pubsub.js';
import { specs as sets } from './sets.js';
import { specs as sort } from './sort.js';
import { specs as streams } from './streams.js';
import { specs as strings } from './strings.js';
import { specs as transactions } from './transactions.js';
import { specs as zsets } from './zsets.js';

export const allCommands: readonly CommandSpec[] = [
  ...connection, ...admin, ...transactions, ...pubsub, ...monitor, ...keys, ...expire, ...strings, ...bitops,
  ...lists, ...hashes, ...sort, ...sets, ...zsets, ...streams, ...persistence, ...bgsave, ...aof,
];

/** Every top-level command by its own name: the table before any rename-command. */
export const commandsByName: ReadonlyMap<string, CommandSpec> = new Map(allCommands.map((spec) => [spec.name, spec]));

/**
 * A server's table by name: commandsByName itself, or after rename-command the names the
 * config left (`renamed`: lower-case name → the command's own name).
 */
export function commandTable(renamed: ReadonlyMap<string, string> | null): ReadonlyMap<string, CommandSpec> {
  if (renamed === null) return commandsByName;
  const table = new Map<string, CommandSpec>();
  for (const [name, original] of renamed) {
    const spec = commandsByName.get(original);
    if (spec === undefined) throw new Error(`rename-command: no command named ${original}`);
    table.set(name, spec);
  }
  return table;
}
