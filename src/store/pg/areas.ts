/**
 * The map of precincts onto areas on PostgreSQL (`turnout import areas`), as src/store/areas.ts:
 * the map is replaced, then one UPDATE … FROM moves the voters whose area differs (the statement
 * trigger of the voters moves their tallies and their checks). One transaction.
 */
import type { AreaImportStore } from '../../app/importAreas.js';
import type { PgDb } from './connect.js';
import { tallyLockSql } from './migrations.js';

/**
 * Each voter's neighborhood follows its precinct through the map (`import areas`, and `import
 * voters` when a map exists); the update trigger moves the tallies and the voters' checks. Returns
 * how many voters moved.
 */
export async function moveVotersToAreasPg(db: PgDb): Promise<number> {
  // Before the UPDATE locks any voter's row (see tallyLock in migrations.ts); a voter import holds
  // it already.
  await db.query(tallyLockSql('exclusive'));
  const r = await db.query(
    `UPDATE voters SET neighborhood = a.neighborhood FROM precinct_areas a
      WHERE voters.precinct = a.precinct AND voters.neighborhood IS DISTINCT FROM a.neighborhood`,
  );
  return r.rowCount ?? 0;
}

export function pgAreaImportStore(db: PgDb): AreaImportStore {
  let open = false;
  return {
    async begin() {
      await db.query('BEGIN');
      open = true;
    },
    async commit() {
      await db.query('COMMIT');
      open = false;
    },
    async rollback() {
      if (!open) return;
      open = false;
      await db.query('ROLLBACK').catch(() => {});
    },
    async replaceAreas(pairs) {
      // Locked first: two imports of a map at once replace it one after the other.
      await db.query('LOCK TABLE precinct_areas IN EXCLUSIVE MODE');
      const before = (await db.query<{ n: number }>('SELECT count(*) AS n FROM precinct_areas')).rows[0]!.n;
      await db.query('DELETE FROM precinct_areas');
      await db.query('INSERT INTO precinct_areas (precinct, neighborhood) SELECT * FROM unnest($1::text[], $2::text[])', [
        pairs.map(([precinct]) => precinct),
        pairs.map(([, area]) => area),
      ]);
      return before;
    },
    applyAreas: () => moveVotersToAreasPg(db),
    async unmappedPrecincts(limit) {
      const r = await db.query<{ precinct: string; voters: number }>(
        `SELECT t.precinct, sum(t.voters) AS voters FROM voter_tally t
          WHERE t.precinct <> '' AND NOT EXISTS (SELECT 1 FROM precinct_areas a WHERE a.precinct = t.precinct)
          GROUP BY t.precinct HAVING sum(t.voters) > 0 ORDER BY t.precinct`,
      );
      return { count: r.rows.length, first: r.rows.slice(0, limit) };
    },
  };
}
