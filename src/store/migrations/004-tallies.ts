import type { Migration } from './index.js';

/**
 * The triggers that keep `voter_tally` in step with `voters`. A first load into an empty table
 * drops them (with the indexes) and fills the tally in one statement at the end; exported so the
 * tests can check that nothing else needs them.
 */
export const VOTER_TALLY_TRIGGERS = ['voters_tally_insert', 'voters_tally_update', 'voters_tally_delete'] as const;

/** The per-row count of a new check, which the poll-check import replaces with one grouped count. */
export const CHECKS_TALLY_INSERT = 'checks_tally_insert';

/**
 * Counts that make `turnout status` and poll-check imports independent of the number of voters
 * (issue 3's targets: status in half the time of a plain LEFT JOIN over 1M voters, 10,000 new
 * checks in under half a second).
 *
 * Before this migration `voters.voted_at` was a copy of the check time, and two covering indexes
 * (area, support, voted_at) served status. Each check then rewrote its voter's row and two index
 * entries at random places of a 1M-row table: 10,000 checks dirtied ~10,000 pages (16 KiB each)
 * that the commit wrote to the WAL and the checkpoint wrote again (3.5 s, mostly system time).
 *
 * Now:
 * - `voter_tally`: voters per (neighborhood, precinct, support), kept by triggers on voters
 *   (a few thousand rows for a city). Status reads it instead of scanning the voters.
 * - `checks` is a rowid table filled in arrival order, with the voter's neighborhood, precinct and
 *   support copied in by a trigger (and moved by another when a voter import changes them). The
 *   checks of a file are appended together instead of scattered through a B-tree keyed by voter id.
 * - `vote_tally`: votes per (neighborhood, precinct, support, UTC hour), kept by triggers on checks.
 *   Status sums the hours before the one of `at`, and reads the checks themselves (their copied
 *   keys, never a voter) only when that hour has any.
 *   No index on the check time: on the 1M-voter bench, maintaining one (checks_time: checked_at
 *   and the keys) cost 10,000 new checks ~1,300 more dirty 16 KiB pages and a checkpoint, about
 *   a fifth of their import, while the scan it saves status is ~30 ms per 350,000 checks.
 *
 * Keys are never NULL in the tallies (ON CONFLICT needs equal keys): no neighborhood or precinct is
 * '', no support level is 0. `turnout status` shows both as "no value", as before.
 * Zero counts are left in place (a voter who moves leaves a 0); readers skip them.
 */
export const tallies: Migration = {
  name: 'tallies',
  up(db) {
    db.exec(`
      DROP TRIGGER IF EXISTS checks_after_insert;
      DROP TRIGGER IF EXISTS checks_after_update;
      DROP TRIGGER IF EXISTS checks_after_delete;
      DROP INDEX IF EXISTS voters_neighborhood_status;
      DROP INDEX IF EXISTS voters_precinct_status;
      ALTER TABLE voters DROP COLUMN voted_at;

      CREATE TABLE voter_tally (
        neighborhood TEXT NOT NULL,
        precinct     TEXT NOT NULL,
        support      INTEGER NOT NULL,
        voters       INTEGER NOT NULL,
        PRIMARY KEY (neighborhood, precinct, support)
      ) WITHOUT ROWID;

      CREATE TABLE vote_tally (
        neighborhood TEXT NOT NULL,
        precinct     TEXT NOT NULL,
        support      INTEGER NOT NULL,
        hour         TEXT NOT NULL,     -- UTC, '2026-03-15T13'
        votes        INTEGER NOT NULL,
        PRIMARY KEY (neighborhood, precinct, support, hour)
      ) WITHOUT ROWID;

      ALTER TABLE checks RENAME TO checks_before_tallies;
      -- One row per voter seen voting; the first (earliest) check time is kept.
      CREATE TABLE checks (
        id           INTEGER PRIMARY KEY,
        voter_id     TEXT NOT NULL UNIQUE REFERENCES voters(id),
        checked_at   TEXT NOT NULL,
        source       TEXT,
        recorded_at  TEXT NOT NULL,
        -- The voter's, given by the writer or copied by checks_fill_area, and kept by
        -- voters_tally_update. NULL only between an insert without them and its trigger.
        neighborhood TEXT,
        precinct     TEXT,
        support      INTEGER
      );

      CREATE TRIGGER voters_tally_insert AFTER INSERT ON voters BEGIN
        INSERT INTO voter_tally (neighborhood, precinct, support, voters)
          VALUES (ifnull(NEW.neighborhood, ''), ifnull(NEW.precinct, ''), ifnull(NEW.support, 0), 1)
          ON CONFLICT DO UPDATE SET voters = voters + 1;
      END;
      CREATE TRIGGER voters_tally_delete AFTER DELETE ON voters BEGIN
        UPDATE voter_tally SET voters = voters - 1
         WHERE neighborhood = ifnull(OLD.neighborhood, '') AND precinct = ifnull(OLD.precinct, '') AND support = ifnull(OLD.support, 0);
      END;
      CREATE TRIGGER voters_tally_update AFTER UPDATE OF neighborhood, precinct, support ON voters
        WHEN OLD.neighborhood IS NOT NEW.neighborhood OR OLD.precinct IS NOT NEW.precinct OR OLD.support IS NOT NEW.support
      BEGIN
        UPDATE voter_tally SET voters = voters - 1
         WHERE neighborhood = ifnull(OLD.neighborhood, '') AND precinct = ifnull(OLD.precinct, '') AND support = ifnull(OLD.support, 0);
        INSERT INTO voter_tally (neighborhood, precinct, support, voters)
          VALUES (ifnull(NEW.neighborhood, ''), ifnull(NEW.precinct, ''), ifnull(NEW.support, 0), 1)
          ON CONFLICT DO UPDATE SET voters = voters + 1;
        -- The voter's check moves with them (checks_tally_update recounts it).
        UPDATE checks SET neighborhood = ifnull(NEW.neighborhood, ''), precinct = ifnull(NEW.precinct, ''), support = ifnull(NEW.support, 0)
         WHERE voter_id = NEW.id;
      END;

      -- A writer may give the voter's keys itself (checkImportStore does, from the join it needs
      -- anyway); otherwise they are filled in here.
      CREATE TRIGGER checks_fill_area AFTER INSERT ON checks WHEN NEW.support IS NULL BEGIN
        UPDATE checks SET (neighborhood, precinct, support) =
          (SELECT ifnull(v.neighborhood, ''), ifnull(v.precinct, ''), ifnull(v.support, 0) FROM voters v WHERE v.id = NEW.voter_id)
         WHERE id = NEW.id;
      END;
      CREATE TRIGGER checks_tally_insert AFTER INSERT ON checks WHEN NEW.support IS NOT NULL BEGIN
        INSERT INTO vote_tally (neighborhood, precinct, support, hour, votes)
          VALUES (NEW.neighborhood, NEW.precinct, NEW.support, substr(NEW.checked_at, 1, 13), 1)
          ON CONFLICT DO UPDATE SET votes = votes + 1;
      END;
      -- Fires for the fill above (OLD keys NULL: nothing to take back), an earlier check time,
      -- and a voter who moved.
      CREATE TRIGGER checks_tally_update AFTER UPDATE OF checked_at, neighborhood, precinct, support ON checks BEGIN
        UPDATE vote_tally SET votes = votes - 1
         WHERE OLD.support IS NOT NULL
           AND neighborhood = OLD.neighborhood AND precinct = OLD.precinct AND support = OLD.support
           AND hour = substr(OLD.checked_at, 1, 13);
        INSERT INTO vote_tally (neighborhood, precinct, support, hour, votes)
          SELECT NEW.neighborhood, NEW.precinct, NEW.support, substr(NEW.checked_at, 1, 13), 1
           WHERE NEW.support IS NOT NULL
          ON CONFLICT DO UPDATE SET votes = votes + 1;
      END;
      CREATE TRIGGER checks_tally_delete AFTER DELETE ON checks BEGIN
        UPDATE vote_tally SET votes = votes - 1
         WHERE neighborhood = OLD.neighborhood AND precinct = OLD.precinct AND support = OLD.support
           AND hour = substr(OLD.checked_at, 1, 13);
      END;

      INSERT INTO voter_tally (neighborhood, precinct, support, voters)
        SELECT ifnull(neighborhood, ''), ifnull(precinct, ''), ifnull(support, 0), count(*) FROM voters GROUP BY 1, 2, 3;
      INSERT INTO checks (voter_id, checked_at, source, recorded_at)
        SELECT voter_id, checked_at, source, recorded_at FROM checks_before_tallies ORDER BY checked_at, voter_id;
      DROP TABLE checks_before_tallies;
    `);
  },
};
