import type { Migration } from './index.js';

/**
 * The covering indexes that served `turnout status` until migration 004 replaced them with
 * tallies (and dropped `voters.voted_at`): kept here as shipped, since migrations replay in order.
 */
const STATUS_INDEXES: ReadonlyArray<{ name: string; create: string }> = [
  {
    name: 'voters_neighborhood_status',
    create: 'CREATE INDEX IF NOT EXISTS voters_neighborhood_status ON voters (neighborhood, support, voted_at)',
  },
  {
    name: 'voters_precinct_status',
    create: 'CREATE INDEX IF NOT EXISTS voters_precinct_status ON voters (precinct, support, voted_at)',
  },
];

/**
 * `turnout status` and `turnout watch` (issue 3).
 * - The covering indexes above, for the default groupings (neighborhood, else precinct).
 * - `imported_files`: the content hashes of the poll-check files `turnout watch` has imported,
 *   so a file (or a copy of it under another name) is imported once.
 */
export const status: Migration = {
  name: 'status',
  up(db) {
    for (const index of STATUS_INDEXES) db.exec(index.create);
    db.exec(`
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
