/**
 * Record a server's propagation stream (what the AOF and replicas receive), to assert
 * each write command's deterministic effect (invariant 2).
 */

import type { Server } from '../../src/index.js';

export interface Effect {
  db: number;
  argv: string[];
}

/** Start recording; the returned array fills as commands run. */
export function recordEffects(server: Server): Effect[] {
  const effects: Effect[] = [];
  server.propagator.sinks.push({ feed: (db, argv) => effects.push({ db, argv: [...argv] }) });
  return effects;
}
