/**
 * Sending on PostgreSQL, where the senders may be on several machines. SQLite serializes writers
 * with its file lock; here the database's own locks do it:
 * - the send lock is the `send_lock` row read FOR UPDATE, so two machines cannot both take it;
 * - every claim runs under a transaction-level advisory lock, so even a sender that lost its lock
 *   while paused (a stalled VM) re-checks a phone only after any other claim of it has committed,
 *   and finds the other's 'pending' or sent message: no number is texted twice.
 * - a killed sender's 'pending' rows become 'unknown' when the next run takes the lock, as on SQLite.
 */
import type { ClaimRequest, ClaimResult, LockHolder, LockResult } from '../../app/sendReminders.js';
import type { CandidateQuery, CandidateVoter } from '../../app/remind.js';
import type { OptoutRecord } from '../../app/optouts.js';
import type { InboundReply, TrackedMessage } from '../../app/sync.js';
import type { LogQuery, ReminderLogRow, StatusCount } from '../../app/reminderLog.js';
import type { PgDb } from './connect.js';
import { extraColumnsPg, fieldExpressionPg } from './status.js';

/** Advisory lock keys ('turnout send' and 'turnout claim', as numbers). */
const SEND_LOCK_KEY = 0x74736e64;
const CLAIM_LOCK_KEY = 0x74636c6d;
const LOCK = 'send';
const NOT_SENT = "('failed')";
const AMBIGUOUS = "('pending', 'unknown')";

export interface PgMessageLog {
  claimMany(requests: readonly ClaimRequest[]): Promise<ClaimResult[]>;
  attempt(id: number, now: string): Promise<void>;
  accepted(id: number, sid: string, status: string, now: string): Promise<void>;
  sidHolder(sid: string, id: number): Promise<number | undefined>;
  acceptedUntracked(id: number, status: string, note: string, now: string): Promise<void>;
  flush(): Promise<void>;
  failed(id: number, code: number | undefined, message: string, now: string): Promise<void>;
  unknown(id: number, message: string, now: string): Promise<void>;
  recordOptout(phone: string, source: string, now: string): Promise<boolean>;
  recordUnusable(phone: string, code: number, now: string): Promise<boolean>;
}

export function pgMessageLog(db: PgDb): PgMessageLog {
  const claimOne = async (r: ClaimRequest): Promise<ClaimResult> => {
    const checks = await db.query<{ opted: boolean; unusable: boolean; ambiguous: boolean; recent: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM optouts WHERE phone = $1) AS opted,
              EXISTS (SELECT 1 FROM sms_unusable WHERE phone = $1) AS unusable,
              EXISTS (SELECT 1 FROM messages WHERE phone = $1 AND status IN ${AMBIGUOUS}) AS ambiguous,
              ($2::text IS NOT NULL AND (
                 EXISTS (SELECT 1 FROM messages WHERE phone = $1 AND status NOT IN ${NOT_SENT} AND created_at >= $2)
                 OR EXISTS (SELECT 1 FROM message_voters mv JOIN messages m ON m.id = mv.message_id
                             WHERE mv.voter_id = ANY($3::text[]) AND m.status NOT IN ${NOT_SENT} AND m.created_at >= $2))) AS recent`,
      [r.phone, r.since ?? null, r.voterIds],
    );
    const c = checks.rows[0]!;
    if (c.opted) return { kind: 'opted-out' };
    if (c.unusable) return { kind: 'unusable' };
    if (c.ambiguous) return { kind: 'ambiguous' };
    if (c.recent) return { kind: 'recent' };
    const inserted = await db.query<{ id: number }>(
      `WITH m AS (
         INSERT INTO messages (run_id, phone, body, segments, encoding, status, sender, attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, 1, $7, $7) RETURNING id
       ), l AS (
         INSERT INTO message_voters (message_id, voter_id) SELECT m.id, v FROM m, unnest($8::text[]) AS v ON CONFLICT DO NOTHING
       )
       SELECT id FROM m`,
      [r.runId, r.phone, r.body, r.segments, r.encoding, r.sender ?? null, r.now, [...new Set(r.voterIds)]],
    );
    return { kind: 'claimed', id: inserted.rows[0]!.id };
  };
  const update = (sql: string, values: unknown[]) => db.query(sql, values).then(() => undefined);
  // Answers are handled several at a time, and each of sidHolder and accepted is a round trip:
  // a SID this process is recording counts as held from the moment sidHolder finds it free
  // until its accepted() is written, so that a second message answered with the same SID (a
  // mock) in between is recorded without it, as on SQLite, instead of failing on UNIQUE.
  const recording = new Map<string, number>();
  return {
    claimMany: (requests) =>
      db.transaction(async () => {
        await db.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK_KEY]);
        const results: ClaimResult[] = [];
        for (const r of requests) results.push(await claimOne(r));
        return results;
      }),
    attempt: (id, now) => update('UPDATE messages SET attempts = attempts + 1, updated_at = greatest(updated_at, $2) WHERE id = $1', [id, now]),
    accepted: async (id, sid, status, now) => {
      try {
        // A SID taken meanwhile by another message (sync on another machine) is not taken again: recorded without it.
        await update(
          `UPDATE messages SET status = $3, sent_at = $4, updated_at = $4, error_code = NULL,
             sid = CASE WHEN o.id IS NULL THEN $2 ELSE NULL END,
             error_message = CASE WHEN o.id IS NULL THEN NULL
               ELSE 'accepted with SID ' || $2 || ', which the provider had already given to message ' || o.id || ': recorded without it' END
           FROM (SELECT (SELECT min(id) FROM messages WHERE sid = $2 AND id <> $1) AS id) AS o
           WHERE messages.id = $1`,
          [id, sid, status, now],
        );
      } finally {
        if (recording.get(sid) === id) recording.delete(sid);
      }
    },
    sidHolder: async (sid, id) => {
      const other = recording.get(sid);
      if (other !== undefined && other !== id) return other;
      recording.set(sid, id);
      const holder = (await db.query<{ id: number }>('SELECT id FROM messages WHERE sid = $1 AND id <> $2 LIMIT 1', [sid, id])).rows[0]?.id;
      if (holder !== undefined && recording.get(sid) === id) recording.delete(sid);
      return holder;
    },
    acceptedUntracked: (id, status, note, now) =>
      update('UPDATE messages SET status = $2, sid = NULL, sent_at = $4, updated_at = $4, error_code = NULL, error_message = $3 WHERE id = $1', [id, status, note, now]),
    flush: async () => {},
    failed: (id, code, message, now) => update("UPDATE messages SET status = 'failed', error_code = $2, error_message = $3, updated_at = $4 WHERE id = $1", [id, code ?? null, message, now]),
    unknown: (id, message, now) => update("UPDATE messages SET status = 'unknown', error_code = NULL, error_message = $2, updated_at = $3 WHERE id = $1", [id, message, now]),
    recordOptout: async (phone, source, now) =>
      ((await db.query('INSERT INTO optouts (phone, source, created_at) VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING', [phone, source, now])).rowCount ?? 0) === 1,
    recordUnusable: async (phone, code, now) =>
      ((await db.query('INSERT INTO sms_unusable (phone, error_code, recorded_at) VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING', [phone, code, now])).rowCount ?? 0) === 1,
  };
}

export interface PgSendLock {
  acquire(me: LockHolder, isStale: (holder: LockHolder) => boolean): Promise<LockResult>;
  heartbeat(runId: string, now: string): Promise<boolean>;
  release(runId: string): Promise<void>;
}

export function pgSendLock(db: PgDb): PgSendLock {
  return {
    acquire: (me, isStale) =>
      db.transaction(async () => {
        // The advisory lock orders two first runs (no row yet to lock); FOR UPDATE holds the row.
        await db.query('SELECT pg_advisory_xact_lock($1)', [SEND_LOCK_KEY]);
        const found = await db.query<LockHolder>(
          'SELECT run_id AS "runId", pid, hostname, acquired_at AS "acquiredAt", heartbeat_at AS "heartbeatAt" FROM send_lock WHERE name = $1 FOR UPDATE',
          [LOCK],
        );
        const holder = found.rows[0];
        if (holder && holder.runId !== me.runId && !isStale(holder)) return { acquired: false as const, holder };
        await db.query(
          `INSERT INTO send_lock (name, run_id, pid, hostname, acquired_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (name) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid, hostname = excluded.hostname,
             acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`,
          [LOCK, me.runId, me.pid, me.hostname, me.acquiredAt, me.heartbeatAt],
        );
        const orphans = await db.query(
          "UPDATE messages SET status = 'unknown', error_message = 'the run sending it stopped during the API call', updated_at = $1 WHERE status = 'pending'",
          [me.acquiredAt],
        );
        return { acquired: true as const, previous: holder, recovered: orphans.rowCount ?? 0 };
      }),
    heartbeat: async (runId, now) => ((await db.query('UPDATE send_lock SET heartbeat_at = $1 WHERE name = $2 AND run_id = $3', [now, LOCK, runId])).rowCount ?? 0) === 1,
    release: async (runId) => {
      await db.query('DELETE FROM send_lock WHERE name = $1 AND run_id = $2', [LOCK, runId]);
    },
  };
}

export interface PgOptoutStore {
  add(phone: string, source: string, at: string): Promise<boolean>;
  remove(phone: string): Promise<boolean>;
  list(): Promise<OptoutRecord[]>;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

export function pgOptoutStore(db: PgDb): PgOptoutStore {
  return {
    add: async (phone, source, at) =>
      ((await db.query('INSERT INTO optouts (phone, source, created_at) VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING', [phone, source, at])).rowCount ?? 0) === 1,
    remove: async (phone) => ((await db.query('DELETE FROM optouts WHERE phone = $1', [phone])).rowCount ?? 0) === 1,
    list: async () => (await db.query<OptoutRecord>('SELECT phone, source, created_at FROM optouts ORDER BY phone')).rows,
    transaction: (fn) => db.transaction(fn),
  };
}

export interface PgReminderSource {
  extraColumns(): Promise<string[]>;
  candidates(query: CandidateQuery): Promise<CandidateVoter[]>;
}

/** The supporters still to contact (src/store/reminders.ts), in PostgreSQL's SQL. */
export function pgReminderSource(db: PgDb): PgReminderSource {
  return {
    extraColumns: () => extraColumnsPg(db),
    async candidates(query) {
      const area = await fieldExpressionPg(db, query.areaField);
      const levels = query.supportLevels;
      if (levels.length === 0 || !levels.every((l) => Number.isInteger(l))) throw new Error(`support levels must be integers: ${levels.join(',')}`);
      const since = query.remindedSince ?? null;
      const named = query.areas?.filter((a): a is string => a !== null) ?? [];
      const withNull = query.areas?.includes(null) === true;
      const areaFilter =
        query.areas === undefined ? 'AND cardinality($3::text[]) >= 0' : `AND ((${area})::text = ANY($3::text[]) ${withNull ? `OR ${area} IS NULL OR trim((${area})::text) = ''` : ''})`;
      const r = await db.query<Record<string, unknown>>(
        `SELECT v.id, v.first_name, v.last_name, v.phone, v.phone_e164, v.phone_valid, v.email,
                v.street_number, v.street, v.city, v.zip, v.precinct, v.neighborhood, v.polling_place,
                v.list_number, v.support, v.turnout_score, v.extra, (${area})::text AS area,
                (v.phone_e164 IS NOT NULL AND EXISTS (SELECT 1 FROM optouts o WHERE o.phone = v.phone_e164)) AS opted_out,
                (v.phone_e164 IS NOT NULL AND EXISTS (SELECT 1 FROM sms_unusable u WHERE u.phone = v.phone_e164)) AS sms_unusable,
                ($2::text IS NOT NULL AND EXISTS (SELECT 1 FROM message_voters mv JOIN messages m ON m.id = mv.message_id
                   WHERE mv.voter_id = v.id AND m.status <> 'failed' AND m.created_at >= $2)) AS reminded,
                ($2::text IS NOT NULL AND v.phone_e164 IS NOT NULL AND EXISTS (SELECT 1 FROM messages m
                   WHERE m.phone = v.phone_e164 AND m.status <> 'failed' AND m.created_at >= $2)) AS phone_reminded
           FROM voters v
          WHERE v.support = ANY($4::int[])
            AND NOT EXISTS (SELECT 1 FROM checks c WHERE c.voter_id = v.id AND c.checked_at <= $1)
            ${areaFilter}
          ORDER BY v.id`,
        [query.at, since, named, levels],
      );
      return r.rows.map((row) => {
        const a = row.area as string | null;
        return {
          ...(row as unknown as CandidateVoter),
          extra: query.withExtra === true ? (row.extra as string | null) : undefined,
          area: a === null || a.trim() === '' ? null : a,
        };
      });
    },
  };
}

/** Statuses `turnout sync` asks Twilio about again (src/store/messages.ts syncStore). */
const TRACKED = "('unknown', 'queued', 'accepted', 'scheduled', 'sending', 'sent')";

export interface PgSyncStore {
  tracked(): Promise<TrackedMessage[]>;
  update(id: number, change: { status: string; sid?: string; errorCode?: number | null; errorMessage?: string | null }, now: string): Promise<void>;
  firstSent(): Promise<{ at: string | undefined; senders: string[] }>;
  wasContacted(phone: string): Promise<boolean>;
  recordReply(reply: InboundReply, now: string): Promise<boolean>;
  recordOptout(phone: string, source: string, now: string): Promise<boolean>;
  recordUnusable(phone: string, code: number, now: string): Promise<boolean>;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** `turnout sync` on PostgreSQL: the same reads and writes as syncStore in src/store/messages.ts. */
export function pgSyncStore(db: PgDb): PgSyncStore {
  const log = pgMessageLog(db);
  return {
    tracked: async () =>
      (
        await db.query<TrackedMessage>(
          `SELECT id, phone, body, status, sid, created_at AS "createdAt", sender FROM messages WHERE status IN ${TRACKED} ORDER BY id`,
        )
      ).rows,
    update: async (id, change, now) => {
      // A SID another message already holds is not taken (a mock may give every message the same one):
      // the status is recorded, the message keeps its own SID or none, and the note saying why.
      await db.query(
        `UPDATE messages SET status = $2,
           sid = CASE WHEN $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.sid = $3::text AND o.id <> $1) THEN $3::text ELSE sid END,
           error_code = $4,
           error_message = CASE WHEN $5::text IS NULL AND EXISTS (SELECT 1 FROM messages o WHERE o.sid = $3::text AND o.id <> $1) THEN error_message ELSE $5::text END,
           synced_at = $6, updated_at = $6 WHERE id = $1`,
        [id, change.status, change.sid ?? null, change.errorCode ?? null, change.errorMessage ?? null, now],
      );
    },
    firstSent: async () => {
      const row = (
        await db.query<{ at: string | null; senders: string[] | null }>(
          'SELECT min(created_at) AS at, array_agg(DISTINCT sender) AS senders FROM messages WHERE sender IS NOT NULL',
        )
      ).rows[0];
      return { at: row?.at ?? undefined, senders: row?.senders ?? [] };
    },
    wasContacted: async (phone) => (await db.query('SELECT 1 FROM messages WHERE phone = $1 LIMIT 1', [phone])).rows.length > 0,
    recordReply: async (reply, now) =>
      (
        (
          await db.query(
            `INSERT INTO inbound_messages (sid, from_phone, to_phone, body, received_at, optout, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sid) DO NOTHING`,
            [reply.sid, reply.from, reply.to ?? null, reply.body, reply.receivedAt, reply.optout ? 1 : 0, now],
          )
        ).rowCount ?? 0
      ) === 1,
    recordOptout: log.recordOptout,
    recordUnusable: log.recordUnusable,
    transaction: (fn) => db.transaction(fn),
  };
}

export interface PgReminderLogStore {
  rows(query: LogQuery): AsyncIterable<ReminderLogRow>;
  counts(query: LogQuery): Promise<StatusCount[]>;
}

/** Rows of the log read per page, so that a long log streams instead of sitting in memory. */
const LOG_PAGE = 5000;

/** `turnout reminders` on PostgreSQL: the rows and counts of reminderLogStore in src/store/messages.ts, in the same order. */
export function pgReminderLogStore(db: PgDb): PgReminderLogStore {
  /** The filters as SQL conditions on `m`, their parameters numbered from `first`. */
  const where = (q: LogQuery, first: number): { sql: string[]; values: unknown[] } => {
    const sql: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown): string => {
      values.push(value);
      return `$${first + values.length - 1}`;
    };
    if (q.status?.length) sql.push(`m.status = ANY(${param(q.status)}::text[])`);
    if (q.since !== undefined) sql.push(`m.created_at >= ${param(q.since)}`);
    if (q.phone !== undefined) sql.push(`m.phone = ${param(q.phone)}`);
    return { sql, values };
  };
  return {
    async *rows(q) {
      const w = where(q, 2);
      let after: number | null = null;
      for (;;) {
        const page: { rows: ReminderLogRow[] } = await db.query<ReminderLogRow>(
          `SELECT m.id, m.created_at, m.phone,
                  (SELECT string_agg(mv.voter_id, '; ' ORDER BY mv.voter_id) FROM message_voters mv WHERE mv.message_id = m.id) AS voter_ids,
                  (SELECT string_agg(trim(coalesce(v.first_name, '') || ' ' || coalesce(v.last_name, '')), '; ' ORDER BY mv.voter_id)
                     FROM message_voters mv JOIN voters v ON v.id = mv.voter_id WHERE mv.message_id = m.id) AS names,
                  m.status, m.error_code, m.error_message, m.segments, m.encoding, m.sid, m.sender, m.sent_at, m.updated_at, m.run_id
           FROM messages m WHERE ($1::bigint IS NULL OR m.id > $1) ${w.sql.map((c) => `AND ${c}`).join(' ')}
           ORDER BY m.id LIMIT ${LOG_PAGE}`,
          [after, ...w.values],
        );
        yield* page.rows;
        if (page.rows.length < LOG_PAGE) return;
        after = page.rows[page.rows.length - 1]!.id;
      }
    },
    async counts(q) {
      const w = where(q, 1);
      // NULLS FIRST and the C collation: the order SQLite gives (no error code first, byte order).
      return (
        await db.query<StatusCount>(
          `SELECT m.status, m.error_code, count(*) AS count FROM messages m ${w.sql.length ? `WHERE ${w.sql.join(' AND ')}` : ''}
           GROUP BY 1, 2 ORDER BY 3 DESC, m.status COLLATE "C", m.error_code NULLS FIRST`,
          w.values,
        )
      ).rows;
    },
  };
}
