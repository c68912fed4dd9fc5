import type { Migration } from './index.js';

/**
 * Voters, poll checks and settings.
 * Times are ISO-8601 UTC text (see src/core/time.ts). Ids, zips, phones and list numbers
 * are TEXT: "06000" stays "06000".
 */
export const foundation: Migration = {
  name: 'foundation',
  up(db) {
    db.exec(`
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE voters (
        id            TEXT PRIMARY KEY NOT NULL,
        first_name    TEXT,
        last_name     TEXT,
        phone         TEXT,     -- as written in the voter file
        phone_e164    TEXT,     -- normalized; NULL when empty or invalid
        phone_valid   INTEGER,  -- 1 valid, 0 could not be normalized, NULL no phone
        email         TEXT,
        street_number TEXT,
        street        TEXT,
        city          TEXT,
        zip           TEXT,
        precinct      TEXT,
        neighborhood  TEXT,
        polling_place TEXT,
        list_number   TEXT,
        support       INTEGER,  -- 1 strong support .. 5 strong opposition
        turnout_score REAL,     -- 0..100
        extra         TEXT,     -- JSON object: every other column of the file, by its header
        voted_at      TEXT      -- first poll check; kept in step with checks by the triggers below
      ) WITHOUT ROWID;          -- one B-tree keyed by id: imports write half as much as with a rowid table

      -- Columns beyond the standard fields, in file order, so exports and --by can name them.
      CREATE TABLE voter_columns (
        name     TEXT PRIMARY KEY NOT NULL,
        position INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- One row per voter seen voting; the first (earliest) check time is kept.
      CREATE TABLE checks (
        voter_id    TEXT PRIMARY KEY NOT NULL REFERENCES voters(id),
        checked_at  TEXT NOT NULL,
        source      TEXT,
        recorded_at TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TRIGGER checks_after_insert AFTER INSERT ON checks BEGIN
        UPDATE voters SET voted_at = NEW.checked_at WHERE id = NEW.voter_id;
      END;
      CREATE TRIGGER checks_after_update AFTER UPDATE OF checked_at ON checks BEGIN
        UPDATE voters SET voted_at = NEW.checked_at WHERE id = NEW.voter_id;
      END;
      CREATE TRIGGER checks_after_delete AFTER DELETE ON checks BEGIN
        UPDATE voters SET voted_at = NULL WHERE id = OLD.voter_id;
      END;

      -- Checks that matched no voter yet: applied when a later voter import brings the voter.
      CREATE TABLE unmatched_checks (
        key         TEXT PRIMARY KEY NOT NULL, -- 'id:<voter id>' or 'pl:<precinct>\x1f<list number>'
        voter_id    TEXT,
        precinct    TEXT,
        list_number TEXT,
        checked_at  TEXT NOT NULL,
        source      TEXT,
        file        TEXT,
        line        INTEGER,
        recorded_at TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE INDEX voters_precinct_list ON voters (precinct, list_number);
    `);
  },
};
