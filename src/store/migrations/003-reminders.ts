import type { Migration } from './index.js';

/** Opt-outs and the message log (issue 4). */
export const reminders: Migration = {
  name: 'reminders',
  up(db) {
    db.exec(`
      -- Numbers that must never be texted or called: E.164.
      CREATE TABLE optouts (
        phone      TEXT PRIMARY KEY NOT NULL,
        source     TEXT NOT NULL,   -- 'manual', 'file:<name>', 'twilio:21610', 'reply'
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Numbers Twilio said cannot receive SMS (21211 invalid, 21614 not mobile, 21635 landline).
      CREATE TABLE sms_unusable (
        phone       TEXT PRIMARY KEY NOT NULL,
        error_code  INTEGER NOT NULL,
        recorded_at TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Every SMS, recorded before the API call and updated after it.
      CREATE TABLE messages (
        id            INTEGER PRIMARY KEY,
        run_id        TEXT NOT NULL,
        phone         TEXT NOT NULL,   -- E.164
        body          TEXT NOT NULL,
        segments      INTEGER NOT NULL,
        encoding      TEXT NOT NULL,   -- 'GSM-7' | 'UCS-2'
        status        TEXT NOT NULL,   -- pending, sending, queued, sent, delivered, undelivered, failed, unknown
        sid           TEXT UNIQUE,
        error_code    INTEGER,
        error_message TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE INDEX messages_phone ON messages (phone, created_at);
      CREATE INDEX messages_status ON messages (status);

      -- Who each message stands for (a household sharing a phone gets one message).
      CREATE TABLE message_voters (
        message_id INTEGER NOT NULL REFERENCES messages(id),
        voter_id   TEXT NOT NULL,
        PRIMARY KEY (message_id, voter_id)
      ) WITHOUT ROWID;
      CREATE INDEX message_voters_voter ON message_voters (voter_id);
    `);
  },
};
