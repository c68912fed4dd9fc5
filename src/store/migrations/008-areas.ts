import type { Migration } from './index.js';

/**
 * The campaign's own map of polling stations onto areas (`turnout import areas`). Official lists
 * (the French REU, registers) give each voter a bureau but no quartier: campaigns group bureaux
 * into quartiers themselves. One row per precinct; a voter's `neighborhood` follows its precinct
 * through this table whenever areas are imported, and at every later voter import of a file that
 * has no area column of its own (so a fresh list export keeps its voters in their quartiers).
 * IF NOT EXISTS, as written when the numbers of this migration and the field server's were not yet settled.
 */
export const areas: Migration = {
  name: 'areas',
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS precinct_areas (
        precinct     TEXT PRIMARY KEY,
        neighborhood TEXT NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
