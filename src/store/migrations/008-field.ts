import type { Migration } from './index.js';

/**
 * The field server (`turnout serve`): the links given to tellers and HQ staff, and the checks
 * tellers sent, by the id their phone gave each one (a retry of the same id records nothing twice).
 * A token is stored only as its SHA-256: the database never holds a usable link.
 * IF NOT EXISTS: the numbers 005-007 are other issues' migrations; whatever order they land in,
 * this one never fails on a database that already has its tables.
 */
export const field: Migration = {
  name: 'field',
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS field_tokens (
        id          INTEGER PRIMARY KEY,
        role        TEXT NOT NULL CHECK (role IN ('teller', 'staff')),
        name        TEXT NOT NULL,
        token_hash  BLOB NOT NULL UNIQUE,   -- SHA-256 of the token; the token itself is never stored
        precincts   TEXT NOT NULL DEFAULT '[]', -- JSON array of the precincts a teller may record for
        created_at  TEXT NOT NULL,
        expires_at  TEXT,
        revoked_at  TEXT
      );

      -- One row per check a phone sent: its answer is kept so that a retry gets the same answer.
      CREATE TABLE IF NOT EXISTS field_checks (
        token_id      INTEGER NOT NULL REFERENCES field_tokens(id),
        client_id     TEXT NOT NULL,
        result        TEXT NOT NULL,          -- recorded, already, unmatched, rejected
        reason        TEXT,
        voter_id      TEXT,                   -- the voter matched, if any
        precinct      TEXT,
        list_number   TEXT,
        unmatched_key TEXT,                   -- unmatched_checks.key when kept as unmatched
        checked_at    TEXT NOT NULL,
        recorded_at   TEXT NOT NULL,
        undone_at     TEXT,
        PRIMARY KEY (token_id, client_id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS field_checks_precinct ON field_checks (precinct, recorded_at);
    `);
  },
};
