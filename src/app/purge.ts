/**
 * `turnout purge`, after the election (issue 11). Support levels are political opinions (GDPR
 * art. 9): once the campaign no longer needs them, everything personal goes, and what is left is
 * the per-area counts that `turnout status` reads.
 */
import type { Awaitable } from './ports.js';

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
  /** Database size before and after (bytes: the file's pages on SQLite, the schema's tables on PostgreSQL). */
  bytesBefore: number;
  bytesAfter: number;
}

/** What the purge needs from the database (src/store/purge.ts and src/store/pg/purge.ts implement it). */
export interface PurgeStore {
  /** Every table with its row count and what the purge would do with it. */
  plan(options: PurgeOptions): Awaitable<PurgeTable[]>;
  /**
   * Secures the aggregates, deletes every other row, records the purge, then rewrites what held
   * them (SQLite: secure_delete, VACUUM, the WAL truncated; PostgreSQL: TRUNCATE, the columns'
   * statistics dropped, VACUUM FULL). Throws, deleting nothing, when another connection is in the way.
   */
  purge(options: PurgeOptions & { at: string }): Awaitable<PurgeOutcome>;
}

export async function planPurge(store: PurgeStore, options: PurgeOptions): Promise<PurgeTable[]> {
  return store.plan(options);
}

export async function purgeDatabase(store: PurgeStore, options: PurgeOptions, clock: { now(): Date }): Promise<PurgeOutcome> {
  return store.purge({ ...options, at: clock.now().toISOString() });
}

/** Rows the purge deletes, in all. */
export function rowsToDelete(tables: readonly PurgeTable[]): number {
  return tables.filter((t) => t.action === 'delete').reduce((n, t) => n + t.rows, 0);
}
