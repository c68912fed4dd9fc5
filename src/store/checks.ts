import type { Db } from './db.js';

/**
 * Turns unmatched checks whose voter now exists (by id, or by precinct + list number) into
 * checks, keeping the earliest time, and forgets them. Returns how many checks were applied.
 */
export function applyUnmatchedChecks(db: Db): number {
  const pending = (db.prepare('SELECT count(*) AS n FROM unmatched_checks').get() as { n: number }).n;
  if (pending === 0) return 0;
  db.exec(`
    CREATE TEMP TABLE IF NOT EXISTS matched_checks (key TEXT PRIMARY KEY, voter_id TEXT NOT NULL, checked_at TEXT NOT NULL, source TEXT, recorded_at TEXT NOT NULL);
    DELETE FROM temp.matched_checks;
    INSERT OR IGNORE INTO temp.matched_checks (key, voter_id, checked_at, source, recorded_at)
      SELECT u.key, v.id, u.checked_at, u.source, u.recorded_at FROM unmatched_checks u JOIN voters v ON v.id = u.voter_id
      WHERE u.voter_id IS NOT NULL;
    INSERT OR IGNORE INTO temp.matched_checks (key, voter_id, checked_at, source, recorded_at)
      SELECT u.key, v.id, u.checked_at, u.source, u.recorded_at FROM unmatched_checks u
      JOIN voters v ON v.precinct = u.precinct AND v.list_number = u.list_number
      WHERE u.voter_id IS NULL;
  `);
  const applied = db
    .prepare(
      `INSERT INTO checks (voter_id, checked_at, source, recorded_at)
         SELECT voter_id, min(checked_at), source, min(recorded_at) FROM temp.matched_checks WHERE true GROUP BY voter_id
       ON CONFLICT (voter_id) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source
         WHERE excluded.checked_at < checks.checked_at`,
    )
    .run().changes;
  db.exec('DELETE FROM unmatched_checks WHERE key IN (SELECT key FROM temp.matched_checks); DELETE FROM temp.matched_checks;');
  return applied;
}
