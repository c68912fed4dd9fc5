import type { AreaImportStore } from '../app/importAreas.js';
import type { Db } from './db.js';

/**
 * Voters' neighborhood from their precinct (migration 008's precinct_areas). One UPDATE … FROM
 * for every voter: only the rows whose area differs are written, and the tally triggers of
 * migration 004 move their counts (and their check's) as for any other change of neighborhood.
 */
export function applyAreas(db: Db): number {
  return db
    .prepare(
      `UPDATE voters SET neighborhood = a.neighborhood
         FROM precinct_areas a
        WHERE voters.precinct = a.precinct AND voters.neighborhood IS NOT a.neighborhood`,
    )
    .run().changes;
}

/** Whether the campaign has mapped precincts onto areas (then voter imports keep voters in theirs). */
export function hasAreas(db: Db): boolean {
  return db.prepare('SELECT 1 FROM precinct_areas LIMIT 1').get() !== undefined;
}

export function areaImportStore(db: Db): AreaImportStore {
  return {
    begin: () => void db.exec('BEGIN IMMEDIATE'),
    commit: () => void db.exec('COMMIT'),
    rollback: () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    replaceAreas(pairs) {
      const before = (db.prepare('SELECT count(*) AS n FROM precinct_areas').get() as { n: number }).n;
      db.exec('DELETE FROM precinct_areas');
      const insert = db.prepare('INSERT INTO precinct_areas (precinct, neighborhood) VALUES (?, ?)');
      for (const [precinct, area] of pairs) insert.run(precinct, area);
      return before;
    },
    applyAreas: () => applyAreas(db),
    unmappedPrecincts(limit) {
      // From the tally (a few thousand rows), not the voters.
      const rows = db
        .prepare<[], { precinct: string; voters: number }>(
          `SELECT t.precinct, sum(t.voters) AS voters FROM voter_tally t
            WHERE t.precinct <> '' AND NOT EXISTS (SELECT 1 FROM precinct_areas a WHERE a.precinct = t.precinct)
            GROUP BY t.precinct HAVING sum(t.voters) > 0 ORDER BY t.precinct`,
        )
        .all();
      return { count: rows.length, first: rows.slice(0, limit) };
    },
  };
}
