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

      -- Every SMS, recorded before the API call and updated after it. status: 'pending' from the
      -- commit before the call until its answer (left 'pending' only by a run that died: the next
      -- run turns it into 'unknown'); then Twilio's own (queued, accepted, sending, sent,
      -- delivered, undelivered, failed, canceled); 'failed' also when the request never left this
      -- machine; 'unknown' when it may have reached Twilio but the answer was lost (timeout, reset).
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
        updated_at    TEXT NOT NULL,
        sender        TEXT,            -- the From number or messaging service SID (never a secret)
        attempts      INTEGER NOT NULL DEFAULT 0, -- API calls made (429 answers are retried)
        sent_at       TEXT,            -- when Twilio accepted it
        synced_at     TEXT             -- last status update from \`turnout sync\`
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

      -- One send run at a time per database. The holder writes a heartbeat; a run finding the
      -- row of a dead process (same host, pid gone; or no heartbeat for minutes) takes it over.
      CREATE TABLE send_lock (
        name         TEXT PRIMARY KEY NOT NULL,  -- 'send'
        run_id       TEXT NOT NULL,
        pid          INTEGER NOT NULL,
        hostname     TEXT NOT NULL,
        acquired_at  TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Replies received by the sender, fetched by \`turnout sync\`.
      CREATE TABLE inbound_messages (
        sid         TEXT PRIMARY KEY NOT NULL,
        from_phone  TEXT NOT NULL,
        to_phone    TEXT,
        body        TEXT NOT NULL,
        received_at TEXT NOT NULL,
        optout      INTEGER NOT NULL,  -- 1 when the reply was an opt-out keyword
        recorded_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX inbound_messages_from ON inbound_messages (from_phone);
    `);
  },
};
