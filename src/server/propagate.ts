/**
 * The one propagation stream (design.md; invariant 2). Every write command's deterministic
 * effect, each lazy or active expiry's DEL, and anything a handler adds with alsoPropagate
 * is collected here during one top-level command and leaves as one unit: a single effect
 * alone, several wrapped in MULTI … EXEC so that AOF replay and replicas apply them
 * atomically (Redis 7.0's propagatePendingCommands).
 *
 * Sinks (the AOF writer, the replication backlog, tests) receive (db, argv) in order; each
 * emits SELECT itself when the db differs from the last it wrote, since that state is per
 * sink (an AOF incr file starts with SELECT; a replica link has its own).
 */

export interface PropagationSink {
  feed(db: number, argv: readonly string[]): void;
}

const MULTI: readonly string[] = ['MULTI'];
const EXEC: readonly string[] = ['EXEC'];
const DELIVERED: readonly string[] = [];

export class Propagator {
  readonly sinks: PropagationSink[] = [];
  /**
   * The current unit: its first `pending` entries. The arrays are reused, not truncated
   * per command (setting an array's length is a runtime call: ~2% of a SET load's CPU).
   */
  private readonly pendingDb: number[] = [];
  private readonly pendingArgv: (readonly string[])[] = [];
  private pending = 0;

  /** Add an effect to the current unit. */
  also(db: number, argv: readonly string[]): void {
    if (this.sinks.length === 0) return;
    const i = this.pending++;
    this.pendingDb[i] = db;
    this.pendingArgv[i] = argv;
  }

  /**
   * Deliver the current unit; `wrap` false sends several effects unwrapped, as Redis 7.0
   * does for active expiry and for commands that touch arbitrary keys (their DELs are
   * independent, and a MULTI around them would only delay replicas). Returns whether
   * anything was delivered (the caller may then need to wait for durability).
   */
  endUnit(wrap = true): boolean {
    const n = this.pending;
    if (n === 0) return false;
    // Sinks only record what they are fed and never propagate from feed().
    const dbs = this.pendingDb;
    const argvs = this.pendingArgv;
    if (n === 1 || !wrap) {
      for (let i = 0; i < n; i++) this.deliver(dbs[i]!, argvs[i]!);
    } else {
      this.deliver(dbs[0]!, MULTI);
      for (let i = 0; i < n; i++) this.deliver(dbs[i]!, argvs[i]!);
      this.deliver(dbs[n - 1]!, EXEC);
    }
    // Delivered arguments are not kept alive here (a value may be hundreds of MB).
    for (let i = 0; i < n; i++) argvs[i] = DELIVERED;
    this.pending = 0;
    return true;
  }

  private deliver(db: number, argv: readonly string[]): void {
    for (const sink of this.sinks) sink.feed(db, argv);
  }
}
