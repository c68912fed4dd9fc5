import type { Migration } from './index.js';

/**
 * `turnout purge` (issue 11): after it, the checks are gone and `vote_tally` (votes per area,
 * support level and UTC hour) is what status counts from. Status at a time inside an hour reads
 * that hour's checks; once they are deleted it can still answer on the hour itself (`--at 15:00`)
 * exactly when it knows how many votes were checked at that very instant (watchers often write
 * times to the minute, so "15:00" is common). The purge fills this table from the checks before
 * deleting them; nothing else writes it. It holds counts only, like vote_tally.
 */
export const purge: Migration = {
  name: 'purge',
  up(db) {
    db.exec(`
      CREATE TABLE vote_tally_on_the_hour (
        neighborhood TEXT NOT NULL,
        precinct     TEXT NOT NULL,
        support      INTEGER NOT NULL,
        hour         TEXT NOT NULL,     -- UTC, '2026-03-15T13': votes checked at exactly 13:00:00.000Z
        votes        INTEGER NOT NULL,
        PRIMARY KEY (neighborhood, precinct, support, hour)
      ) WITHOUT ROWID;
    `);
  },
};
