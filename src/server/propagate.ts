/**
 * Propagation of write effects to the AOF (and later replicas): Redis's alsoPropagate /
 * propagatePendingCommands.
 *
 * call() adds the command it ran when it changed the dataset (server.dirty moved), as the client's
 * argv or the vector a handler rewrote with `rewriteArgv` (SET EX -> SET PXAT, SPOP -> SREM, ...).
 * Handlers add extra effects with `also()`; expired and evicted keys add DEL/UNLINK. At the end of
 * one execution unit (a top-level command, an EXEC, a script) `flush()` hands the ops to the
 * listeners, wrapped in MULTI/EXEC when there is more than one, as Redis 7.0 does.
 */

/** One propagated command; db -1 means "no SELECT needed" (MULTI, EXEC). */
export interface PropagatedOp {
  readonly db: number;
  readonly argv: readonly string[];
}

export type PropagationListener = (ops: readonly PropagatedOp[]) => void;

export class Propagation {
  private ops: PropagatedOp[] = [];
  /** The AOF and replication register here; with none, nothing is collected. */
  readonly listeners: PropagationListener[] = [];

  /** True when someone listens: handlers may skip building rewritten vectors otherwise. */
  get active(): boolean {
    return this.listeners.length > 0;
  }

  /** alsoPropagate: one more effect of the current execution unit. */
  also(db: number, argv: readonly string[]): void {
    if (this.listeners.length !== 0) this.ops.push({ db, argv });
  }

  get pending(): number {
    return this.ops.length;
  }

  /**
   * propagatePendingCommands: hands the unit's ops to the listeners. `wrap` false sends several
   * independent ops unwrapped (the active expiry cycle deleting many keys).
   */
  flush(wrap = true): void {
    if (this.ops.length === 0) return;
    let ops = this.ops;
    this.ops = [];
    // MULTI takes the first op's db, so the SELECT comes before it (as propagatePendingCommands).
    if (wrap && ops.length > 1) ops = [{ db: ops[0]!.db, argv: ['MULTI'] }, ...ops, { db: -1, argv: ['EXEC'] }];
    for (const l of this.listeners) l(ops);
  }

  /** Drops what was collected (a unit that must not propagate, e.g. a failed load). */
  discard(): void {
    this.ops = [];
  }
}
