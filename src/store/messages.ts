/**
 * The message log, opt-outs recorded by sending and syncing, numbers that cannot take SMS,
 * inbound replies, and the one-sender-at-a-time lock. All SQL of sending, sync and the
 * reminders log is here.
 */
import type { ClaimRequest, ClaimResult, LockHolder, MessageLog, SendLock } from '../app/sendReminders.js';
import type { InboundReply, SyncStore, TrackedMessage } from '../app/sync.js';
import type { LogQuery, ReminderLogRow, ReminderLogStore, StatusCount } from '../app/reminderLog.js';
import { writeTransaction, type Db } from './db.js';

/** Statuses that never count as "reminded": the message did not go out. */
const NOT_SENT = "('failed')";
/** Outcome not known yet: never send to this number again until `turnout sync` resolves it. */
const AMBIGUOUS = "('pending', 'unknown')";

export function messageLog(db: Db): MessageLog {
  const optedOut = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM optouts WHERE phone = ?');
  const unusable = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM sms_unusable WHERE phone = ?');
  const ambiguous = db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM messages WHERE phone = ? AND status IN ${AMBIGUOUS} LIMIT 1`);
  const phoneRecent = db.prepare<[string, string], { one: number }>(
    `SELECT 1 AS one FROM messages WHERE phone = ? AND status NOT IN ${NOT_SENT} AND created_at >= ? LIMIT 1`,
  );
  const voterRecent = db.prepare<[string, string], { one: number }>(
    `SELECT 1 AS one FROM message_voters mv JOIN messages m ON m.id = mv.message_id
     WHERE mv.voter_id = ? AND m.status NOT IN ${NOT_SENT} AND m.created_at >= ? LIMIT 1`,
  );
  const insert = db.prepare(
    `INSERT INTO messages (run_id, phone, body, segments, encoding, status, sender, attempts, created_at, updated_at)
     VALUES (@runId, @phone, @body, @segments, @encoding, 'pending', @sender, 1, @now, @now)`,
  );
  const link = db.prepare('INSERT OR IGNORE INTO message_voters (message_id, voter_id) VALUES (?, ?)');
  const attempt = db.prepare('UPDATE messages SET attempts = attempts + 1, updated_at = max(updated_at, @now) WHERE id = @id');
  const accepted = db.prepare(
    "UPDATE messages SET status = @status, sid = @sid, sent_at = @now, updated_at = @now, error_code = NULL, error_message = NULL WHERE id = @id",
  );
  const failed = db.prepare('UPDATE messages SET status = @status, error_code = @code, error_message = @message, updated_at = @now WHERE id = @id');
  const sidOwner = db.prepare<[string, number], { id: number }>('SELECT id FROM messages WHERE sid = ? AND id <> ? LIMIT 1');
  const untracked = db.prepare(
    'UPDATE messages SET status = @status, sid = NULL, sent_at = @now, updated_at = @now, error_code = NULL, error_message = @note WHERE id = @id',
  );
  const addOptout = db.prepare('INSERT INTO optouts (phone, source, created_at) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING');
  const addUnusable = db.prepare(
    'INSERT INTO sms_unusable (phone, error_code, recorded_at) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING',
  );

  // Accepted answers and retry counts wait here and are written with the next claim, in its
  // transaction: one commit per batch of claims instead of one per write. (Each commit of a
  // claim rewrites ~6 pages of 16 KiB in the WAL, and the checkpoints that follow call fsync,
  // which blocks the sender's event loop: see the commit.) A crash may lose the few waiting:
  // those rows stay 'pending', become 'unknown' at the next run, and `turnout sync` finds them
  // by recipient and text; a lost retry count is only a count.
  const waiting: Array<{ kind: 'accepted'; id: number; sid: string; status: string; now: string } | { kind: 'attempt'; id: number; now: string }> = [];
  /** SIDs of the accepted answers waiting, and their message. */
  const waitingSids = new Map<string, number>();
  const applyWaiting = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const w = waiting[i]!;
      if (w.kind === 'attempt') {
        attempt.run({ id: w.id, now: w.now });
        continue;
      }
      if (waitingSids.get(w.sid) === w.id) waitingSids.delete(w.sid);
      // The sender checks with sidHolder first; this keeps a SID taken meanwhile (by sync) from
      // failing the whole transaction, and with it the claims it carries.
      const owner = sidOwner.get(w.sid, w.id);
      if (owner === undefined) accepted.run({ id: w.id, sid: w.sid, status: w.status, now: w.now });
      else untracked.run({ id: w.id, status: w.status, note: `accepted with SID ${w.sid}, which the provider had already given to message ${owner.id}: recorded without it`, now: w.now });
    }
  };
  const flushTx = db.transaction(applyWaiting);
  const flush = (): void => {
    const count = waiting.length;
    if (count === 0) return;
    flushTx.immediate(count);
    waiting.splice(0, count);
  };
  const claimOne = (request: ClaimRequest): ClaimResult => {
    if (optedOut.get(request.phone)) return { kind: 'opted-out' };
    if (unusable.get(request.phone)) return { kind: 'unusable' };
    if (ambiguous.get(request.phone)) return { kind: 'ambiguous' };
    if (request.since !== undefined) {
      if (phoneRecent.get(request.phone, request.since)) return { kind: 'recent' };
      for (const id of request.voterIds) if (voterRecent.get(id, request.since)) return { kind: 'recent' };
    }
    const { lastInsertRowid } = insert.run({ ...request, sender: request.sender ?? null });
    for (const id of request.voterIds) link.run(lastInsertRowid, id);
    return { kind: 'claimed', id: Number(lastInsertRowid) };
  };
  const claim = db.transaction((requests: readonly ClaimRequest[], count: number): ClaimResult[] => {
    applyWaiting(count);
    return requests.map(claimOne);
  });
  const claimAll = (requests: readonly ClaimRequest[]): ClaimResult[] => {
    const count = waiting.length;
    const results = claim.immediate(requests, count);
    waiting.splice(0, count);
    return results;
  };

  return {
    // IMMEDIATE: the check and the insert happen under the write lock, so two processes cannot both claim.
    claimMany: claimAll,
    attempt: (id, now) => {
      waiting.push({ kind: 'attempt', id, now });
      if (waiting.length >= 100) flush();
    },
    accepted: (id, sid, status, now) => {
      waiting.push({ kind: 'accepted', id, sid, status, now });
      waitingSids.set(sid, id);
      if (waiting.length >= 100) flush();
    },
    acceptedUntracked: (id, status, note, now) => void untracked.run({ id, status, note, now }),
    sidHolder: (sid, id) => {
      const waitingId = waitingSids.get(sid);
      if (waitingId !== undefined && waitingId !== id) return waitingId;
      return sidOwner.get(sid, id)?.id;
    },
    flush,
    failed: (id, code, message, now) => void failed.run({ id, status: 'failed', code: code ?? null, message, now }),
    unknown: (id, message, now) => void failed.run({ id, status: 'unknown', code: null, message, now }),
    recordOptout: (phone, source, now) => addOptout.run(phone, source, now).changes === 1,
    recordUnusable: (phone, code, now) => addUnusable.run(phone, code, now).changes === 1,
  };
}

const LOCK = 'send';

export function sendLock(db: Db): SendLock {
  const read = db.prepare<[string], LockHolder>(
    'SELECT run_id AS runId, pid, hostname, acquired_at AS acquiredAt, heartbeat_at AS heartbeatAt FROM send_lock WHERE name = ?',
  );
  const write = db.prepare(
    `INSERT INTO send_lock (name, run_id, pid, hostname, acquired_at, heartbeat_at) VALUES (@name, @runId, @pid, @hostname, @acquiredAt, @heartbeatAt)
     ON CONFLICT (name) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid, hostname = excluded.hostname,
       acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`,
  );
  const beat = db.prepare('UPDATE send_lock SET heartbeat_at = ? WHERE name = ? AND run_id = ?');
  const drop = db.prepare('DELETE FROM send_lock WHERE name = ? AND run_id = ?');
  // Only the lock holder creates 'pending' rows, so once we hold it any left are from a dead run.
  const orphans = db.prepare(
    "UPDATE messages SET status = 'unknown', error_message = 'the run sending it stopped during the API call', updated_at = ? WHERE status = 'pending'",
  );
  const acquire = db.transaction((me: LockHolder, isStale: (holder: LockHolder) => boolean) => {
    const holder = read.get(LOCK);
    if (holder && holder.runId !== me.runId && !isStale(holder)) return { acquired: false as const, holder };
    write.run({ name: LOCK, ...me });
    const recovered = orphans.run(me.acquiredAt).changes;
    return { acquired: true as const, previous: holder, recovered };
  });
  return {
    acquire: (me, isStale) => acquire.immediate(me, isStale),
    heartbeat: (runId, now) => beat.run(now, LOCK, runId).changes === 1,
    release: (runId) => void drop.run(LOCK, runId),
  };
}

export function syncStore(db: Db): SyncStore {
  const tracked = db.prepare<[], TrackedMessage>(
    `SELECT id, phone, body, status, sid, created_at AS createdAt, sender FROM messages
     WHERE status IN ('unknown', 'queued', 'accepted', 'scheduled', 'sending', 'sent') ORDER BY id`,
  );
  const update = db.prepare(
    // A SID another message already holds is not taken (a mock may give every message the same one):
    // the status is recorded, the message keeps its own SID or none, and the note saying why.
    `UPDATE messages SET status = @status,
       sid = CASE WHEN @sid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.sid = @sid AND o.id <> @id) THEN @sid ELSE sid END,
       error_code = @code,
       error_message = CASE WHEN @message IS NULL AND EXISTS (SELECT 1 FROM messages o WHERE o.sid = @sid AND o.id <> @id) THEN error_message ELSE @message END,
       synced_at = @now, updated_at = @now WHERE id = @id`,
  );
  const earliest = db.prepare<[], { at: string | null; senders: string | null }>(
    "SELECT min(created_at) AS at, json_group_array(DISTINCT sender) AS senders FROM messages WHERE sender IS NOT NULL",
  );
  const contacted = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM messages WHERE phone = ? LIMIT 1');
  const inbound = db.prepare(
    `INSERT INTO inbound_messages (sid, from_phone, to_phone, body, received_at, optout, recorded_at)
     VALUES (@sid, @from, @to, @body, @receivedAt, @optout, @now) ON CONFLICT (sid) DO NOTHING`,
  );
  const addOptout = db.prepare('INSERT INTO optouts (phone, source, created_at) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING');
  const addUnusable = db.prepare(
    'INSERT INTO sms_unusable (phone, error_code, recorded_at) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING',
  );
  return {
    tracked: () => tracked.all(),
    update: (id, change, now) =>
      void update.run({ id, status: change.status, sid: change.sid ?? null, code: change.errorCode ?? null, message: change.errorMessage ?? null, now }),
    firstSent: () => {
      const row = earliest.get();
      const senders = row?.senders ? (JSON.parse(row.senders) as Array<string | null>).filter((s): s is string => s !== null) : [];
      return { at: row?.at ?? undefined, senders };
    },
    wasContacted: (phone) => contacted.get(phone) !== undefined,
    recordReply: (reply: InboundReply, now) => inbound.run({ ...reply, to: reply.to ?? null, optout: reply.optout ? 1 : 0, now }).changes === 1,
    recordOptout: (phone, source, now) => addOptout.run(phone, source, now).changes === 1,
    recordUnusable: (phone, code, now) => addUnusable.run(phone, code, now).changes === 1,
    transaction: (fn) => writeTransaction(db, fn),
  };
}

export function reminderLogStore(db: Db): ReminderLogStore {
  const where = (q: LogQuery): { sql: string; params: Record<string, string> } => {
    const parts: string[] = [];
    const params: Record<string, string> = {};
    if (q.status?.length) {
      parts.push('m.status IN (SELECT value FROM json_each(@status))');
      params.status = JSON.stringify(q.status);
    }
    if (q.since !== undefined) {
      parts.push('m.created_at >= @since');
      params.since = q.since;
    }
    if (q.phone !== undefined) {
      parts.push('m.phone = @phone');
      params.phone = q.phone;
    }
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
  };
  return {
    *rows(q) {
      const w = where(q);
      const stmt = db.prepare(
        `SELECT m.id, m.created_at, m.phone,
                (SELECT group_concat(mv.voter_id, '; ') FROM message_voters mv WHERE mv.message_id = m.id) AS voter_ids,
                (SELECT group_concat(trim(coalesce(v.first_name, '') || ' ' || coalesce(v.last_name, '')), '; ')
                   FROM message_voters mv JOIN voters v ON v.id = mv.voter_id WHERE mv.message_id = m.id) AS names,
                m.status, m.error_code, m.error_message, m.segments, m.encoding, m.sid, m.sender, m.sent_at, m.updated_at, m.run_id
         FROM messages m ${w.sql} ORDER BY m.id`,
      );
      yield* stmt.iterate(w.params) as Iterable<ReminderLogRow>;
    },
    counts(q) {
      const w = where(q);
      return db
        .prepare(`SELECT m.status, m.error_code, count(*) AS count FROM messages m ${w.sql} GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`)
        .all(w.params) as StatusCount[];
    },
  };
}
