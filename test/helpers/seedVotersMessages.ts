/**
 * Reminder test helpers that write what no command of the list half writes: the message log
 * of the sending half (for cooldown tests). Voters and checks come in through `turnout import`.
 */
import Database from 'better-sqlite3';

/** Records a sent SMS naming `voterIds`, as the sending half does, for cooldown tests. */
export function recordMessage(dbFile: string, message: { phone: string; voterIds: string[]; status: string; createdAt: string }): void {
  const db = new Database(dbFile);
  try {
    db.transaction(() => {
      const { lastInsertRowid } = db
        .prepare(
          `INSERT INTO messages (run_id, phone, body, segments, encoding, status, created_at, updated_at)
           VALUES ('test-run', ?, 'Bonjour, pensez à voter !', 1, 'GSM-7', ?, ?, ?)`,
        )
        .run(message.phone, message.status, message.createdAt, message.createdAt);
      const link = db.prepare('INSERT INTO message_voters (message_id, voter_id) VALUES (?, ?)');
      for (const id of message.voterIds) link.run(lastInsertRowid, id);
    })();
  } finally {
    db.close();
  }
}

/** Marks a number as unable to take SMS, as the sending half does on Twilio errors 21211/21614/21635. */
export function markSmsUnusable(dbFile: string, phone: string, errorCode: number, recordedAt: string): void {
  const db = new Database(dbFile);
  try {
    db.prepare('INSERT INTO sms_unusable (phone, error_code, recorded_at) VALUES (?, ?, ?)').run(phone, errorCode, recordedAt);
  } finally {
    db.close();
  }
}
