/**
 * `turnout purge`, after the election (issue 11). Support levels are political opinions (GDPR
 * art. 9): once the campaign no longer needs them, everything personal goes, and what is left is
 * the per-area counts that `turnout status` reads.
 */

/** One table of the database and what the purge does with it. */
export interface PurgeTable {
  table: string;
  rows: number;
  action: 'delete' | 'keep';
  /** What it holds, in the user's words. */
  holds: string;
}

export interface PurgeOptions {
  /** Keep the opt-out list: the proof that objections were honoured. Deleted by default. */
  keepOptouts: boolean;
}

export interface PurgeOutcome {
  tables: PurgeTable[];
  /** Database file size before and after (bytes, pages × page size). */
  bytesBefore: number;
  bytesAfter: number;
}

/** What the purge needs from the database (src/store/purge.ts implements it). */
export interface PurgeStore {
  /** Every table with its row count and what the purge would do with it. */
  plan(options: PurgeOptions): PurgeTable[];
  /**
   * Secures the aggregates, deletes every other row (secure_delete), records the purge, then
   * VACUUMs and truncates the WAL. Throws when another connection keeps the WAL from being emptied.
   */
  purge(options: PurgeOptions & { at: string }): PurgeOutcome;
}

export function planPurge(store: PurgeStore, options: PurgeOptions): PurgeTable[] {
  return store.plan(options);
}

export function purgeDatabase(store: PurgeStore, options: PurgeOptions, clock: { now(): Date }): PurgeOutcome {
  return store.purge({ ...options, at: clock.now().toISOString() });
}

/** Rows the purge deletes, in all. */
export function rowsToDelete(tables: readonly PurgeTable[]): number {
  return tables.filter((t) => t.action === 'delete').reduce((n, t) => n + t.rows, 0);
}
