import type { Migration } from './index.js';

/**
 * `turnout status` and `turnout watch` (issue 3).
 * - Covering indexes for the default groupings: status counts voters and votes per
 *   (area, support) from the index alone, without touching the table (1M voters in a blink).
 *   `voters.voted_at` is kept in step with `checks` by the triggers of migration 001.
 * - `imported_files`: the content hashes of the poll-check files `turnout watch` has imported,
 *   so a file (or a copy of it under another name) is imported once.
 */
export const status: Migration = {
  name: 'status',
  up(db) {
    db.exec(`
      CREATE INDEX voters_neighborhood_status ON voters (neighborhood, support, voted_at);
      CREATE INDEX voters_precinct_status ON voters (precinct, support, voted_at);

      CREATE TABLE imported_files (
        hash        TEXT PRIMARY KEY NOT NULL, -- SHA-256 of the file's bytes, hex
        name        TEXT NOT NULL,             -- the file's name when it was imported
        size        INTEGER NOT NULL,
        imported_at TEXT NOT NULL,
        summary     TEXT                       -- JSON: what the import reported
      ) WITHOUT ROWID;
    `);
  },
};
