/**
 * Poll checks on PostgreSQL. A file's checks are matched a reader batch at a time (one query per
 * batch, not per check: a round trip costs more than the lookup), queued, and written by one COPY
 * into a temporary table and one ordered upsert into `checks`; the statement triggers of the
 * schema move the tallies. Several imports (and `serve`) writing at once keep exact tallies: each
 * tally change is an upsert under its row lock, and every writer locks in key order. A voter's move
 * and a check for that voter are put in order by the tally lock (see tallyLock in migrations.ts).
 */
import type { CheckOutcome, CheckToRecord } from '../../app/importChecks.js';
import { unmatchedKey } from '../checks.js';
import type { PgDb } from './connect.js';
import { copyLine } from './copy.js';
import { tallyLockSql } from './migrations.js';

/** Unmatched checks whose voter now exists become checks (earliest time kept); returns how many voters got one. */
export async function applyUnmatchedChecksPg(db: PgDb): Promise<number> {
  // Exclusive (usually held already since the merge): a check in flight that did not find a voter
  // this import is adding becomes an unmatched row only when it commits, so wait for it.
  await db.query(tallyLockSql('exclusive'));
  const pending = await db.query<{ n: number }>('SELECT count(*) AS n FROM unmatched_checks');
  if (pending.rows[0]!.n === 0) return 0;
  const r = await db.query<{ key: string; n: number }>(
    `WITH matched AS (
       SELECT u.key, v.id AS voter_id, u.checked_at, u.source, u.recorded_at
         FROM unmatched_checks u JOIN voters v ON v.id = u.voter_id WHERE u.voter_id IS NOT NULL
       UNION ALL
       SELECT u.key, v.id, u.checked_at, u.source, u.recorded_at
         FROM unmatched_checks u JOIN voters v ON v.precinct = u.precinct AND v.list_number = u.list_number WHERE u.voter_id IS NULL
     ), gone AS (
       DELETE FROM unmatched_checks WHERE key IN (SELECT key FROM matched)
     ), earliest AS (
       SELECT DISTINCT ON (voter_id) voter_id, checked_at, source, recorded_at FROM matched ORDER BY voter_id, checked_at
     ), w AS (${
       db.rollbackOnly
         ? // A dry run counts the same rows without inserting them: an insert would take ids from
           // the checks' sequence, which no rollback gives back.
           `SELECT 1 FROM earliest e LEFT JOIN checks c ON c.voter_id = e.voter_id
             WHERE c.voter_id IS NULL OR e.checked_at < c.checked_at`
         : `INSERT INTO checks (voter_id, checked_at, source, recorded_at)
              SELECT voter_id, checked_at, source, recorded_at FROM earliest ORDER BY voter_id
            ON CONFLICT (voter_id) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source
              WHERE excluded.checked_at < checks.checked_at
            RETURNING 1`
     })
     SELECT count(*) AS n FROM w`,
  );
  return r.rows[0]!.n;
}

export interface PgCheckImportStore {
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Matches a batch of checks with one query; the outcomes in the batch's order. */
  recordBatch(checks: readonly CheckToRecord[]): Promise<CheckOutcome[]>;
  /**
   * One check, answered with the others recorded in the same turn of the event loop: they are
   * matched together by recordBatch once the caller yields (a reader batch, one round trip).
   */
  record(check: CheckToRecord): Promise<CheckOutcome>;
  write(): Promise<number>;
}

type Match = { i: number; id: string; neighborhood: string; precinct: string; support: number };
type Row = [voterId: string, checkedAt: string, source: string | null, recordedAt: string, neighborhood: string, precinct: string, support: number];
type Unmatched = [key: string, voterId: string | null, precinct: string | null, listNumber: string | null, checkedAt: string, source: string | null, file: string, line: number, recordedAt: string];

/** An unmatched check as the row of unmatched_checks it becomes, in the table's column order. */
export function unmatchedRow(check: CheckToRecord): Unmatched {
  const t = check.target;
  const byId = 'voterId' in t;
  return [
    unmatchedKey(t),
    byId ? t.voterId : null,
    byId ? null : t.precinct,
    byId ? null : t.listNumber,
    check.checkedAt,
    check.source,
    check.file,
    check.line,
    check.recordedAt,
  ];
}

/** Keeping an unmatched check: the earliest time wins (the same rule as SQLite's unmatchedKeeper). */
export const UNMATCHED_UPSERT = `ON CONFLICT (key) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source, file = excluded.file, line = excluded.line
           WHERE excluded.checked_at < unmatched_checks.checked_at`;

const KEYS = `v.id, coalesce(v.neighborhood, '') AS neighborhood, coalesce(v.precinct, '') AS precinct, coalesce(v.support, 0) AS support`;

export function pgCheckImportStore(db: PgDb): PgCheckImportStore {
  /** Voter id → the earliest check of this import. */
  const queued = new Map<string, Row>();
  /** Unmatched key → its earliest check. */
  const unmatched = new Map<string, Unmatched>();
  let newlyChecked = 0;
  let open = false;
  let gathering: Array<{ check: CheckToRecord; resolve: (o: CheckOutcome) => void; reject: (e: unknown) => void }> = [];
  const flush = async (): Promise<void> => {
    if (unmatched.size > 0) {
      const rows = [...unmatched.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      unmatched.clear();
      await db.query('CREATE TEMP TABLE IF NOT EXISTS unmatched_in (LIKE unmatched_checks) ON COMMIT DROP');
      await db.query('TRUNCATE unmatched_in');
      await db.copyIn('COPY unmatched_in (key, voter_id, precinct, list_number, checked_at, source, file, line, recorded_at) FROM STDIN', rows.map(copyLine));
      await db.query(
        `INSERT INTO unmatched_checks SELECT * FROM unmatched_in ORDER BY key
         ${UNMATCHED_UPSERT}`,
      );
    }
    if (queued.size === 0) return;
    // In voter id order: concurrent imports lock the same checks rows in the same order.
    const rows = [...queued.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    queued.clear();
    await db.query(
      'CREATE TEMP TABLE IF NOT EXISTS checks_in (voter_id text, checked_at text, source text, recorded_at text, neighborhood text, precinct text, support integer) ON COMMIT DROP',
    );
    await db.query('TRUNCATE checks_in');
    await db.copyIn('COPY checks_in FROM STDIN', rows.map(copyLine));
    if (db.rollbackOnly) {
      // A dry run: the voters this import would check for the first time, written nowhere (an
      // insert would take ids from the checks' sequence, which no rollback gives back).
      const r = await db.query<{ n: number }>('SELECT count(*) AS n FROM checks_in i WHERE NOT EXISTS (SELECT 1 FROM checks c WHERE c.voter_id = i.voter_id)');
      newlyChecked += r.rows[0]!.n;
      return;
    }
    // (xmax = 0): the row was inserted, not updated: the voter's first check.
    const r = await db.query<{ n: number }>(
      `WITH w AS (
         INSERT INTO checks (voter_id, checked_at, source, recorded_at, neighborhood, precinct, support)
           SELECT voter_id, checked_at, source, recorded_at, neighborhood, precinct, support FROM checks_in ORDER BY voter_id
         ON CONFLICT (voter_id) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source
           WHERE excluded.checked_at < checks.checked_at
         RETURNING (xmax = 0) AS inserted
       )
       SELECT count(*) FILTER (WHERE inserted) AS n FROM w`,
    );
    newlyChecked += r.rows[0]!.n;
  };
  const store: PgCheckImportStore = {
    record(check) {
      return new Promise<CheckOutcome>((resolve, reject) => {
        if (gathering.length === 0) {
          queueMicrotask(() => {
            const batch = gathering;
            gathering = [];
            store.recordBatch(batch.map((b) => b.check)).then(
              (outcomes) => batch.forEach((b, i) => b.resolve(outcomes[i]!)),
              (error: unknown) => batch.forEach((b) => b.reject(error)),
            );
          });
        }
        gathering.push({ check, resolve, reject });
      });
    },
    async begin() {
      queued.clear();
      unmatched.clear();
      newlyChecked = 0;
      await db.begin();
      open = true;
      // Before any voter's keys are read: a voters' move waits for this transaction (see tallyLock).
      await db.query(tallyLockSql('shared'));
    },
    async write() {
      await flush();
      return newlyChecked;
    },
    async commit() {
      await flush();
      await db.commit();
      open = false;
    },
    async rollback() {
      queued.clear();
      unmatched.clear();
      if (!open) return;
      open = false;
      await db.rollback();
    },
    async recordBatch(checks) {
      const outcomes: CheckOutcome[] = new Array(checks.length);
      const byId: number[] = [];
      const byPlace: number[] = [];
      checks.forEach((c, i) => ('voterId' in c.target ? byId : byPlace).push(i));
      const found = new Map<number, Match[]>();
      const add = (m: Match): void => {
        const list = found.get(m.i);
        if (list) list.push(m);
        else found.set(m.i, [m]);
      };
      if (byId.length > 0) {
        // id = ANY(array): an index scan of the primary key (a join with unnest() was planned as a
        // hash join reading all the voters, ~50 ms a batch on 1M voters).
        const positions = new Map<string, number[]>();
        for (const i of byId) {
          const id = (checks[i]!.target as { voterId: string }).voterId;
          const list = positions.get(id);
          if (list) list.push(i);
          else positions.set(id, [i]);
        }
        const r = await db.query<Omit<Match, 'i'>>(`SELECT ${KEYS} FROM voters v WHERE v.id = ANY($1::text[])`, [[...positions.keys()]]);
        for (const m of r.rows) for (const i of positions.get(m.id) ?? []) add({ ...m, i });
      }
      if (byPlace.length > 0) {
        const targets = byPlace.map((i) => checks[i]!.target as { precinct: string; listNumber: string });
        // Up to two voters per place are enough to call it ambiguous.
        const r = await db.query<Match>(
          `SELECT t.i::int AS i, m.* FROM unnest($1::text[], $2::text[], $3::int[]) AS t(precinct, list_number, i)
             CROSS JOIN LATERAL (SELECT ${KEYS} FROM voters v WHERE v.precinct = t.precinct AND v.list_number = t.list_number LIMIT 2) m`,
          [targets.map((t) => t.precinct), targets.map((t) => t.listNumber), byPlace],
        );
        for (const m of r.rows) add(m);
      }
      for (let i = 0; i < checks.length; i++) {
        const check = checks[i]!;
        const matches = found.get(i);
        if (matches !== undefined && matches.length > 1) {
          outcomes[i] = { ambiguous: matches.length };
          continue;
        }
        const voter = matches?.[0];
        if (voter === undefined) {
          const row = unmatchedRow(check);
          const earlier = unmatched.get(row[0]);
          if (earlier === undefined || check.checkedAt < earlier[4]) unmatched.set(row[0], row);
          outcomes[i] = 'unmatched';
          continue;
        }
        const earlier = queued.get(voter.id);
        if (earlier === undefined || check.checkedAt < earlier[1]) {
          queued.set(voter.id, [voter.id, check.checkedAt, check.source, check.recordedAt, voter.neighborhood, voter.precinct, voter.support]);
        }
        outcomes[i] = 'matched';
      }
      return outcomes;
    },
  };
  return store;
}

export interface PgMarkStore {
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  voterExists(id: string): Promise<boolean>;
  mark(id: string, checkedAt: string, source: string, recordedAt: string): Promise<string | undefined>;
  unmark(id: string): Promise<boolean>;
}

export function pgMarkStore(db: PgDb): PgMarkStore {
  return {
    // The tally lock shared first: mark locks a voter's check row, then its INSERT (checks_fill_area)
    // would ask for the lock while an import holding it waited for that row.
    transaction: (fn) =>
      db.transaction(async () => {
        await db.query(tallyLockSql('shared'));
        return fn();
      }),
    async voterExists(id) {
      return (await db.query('SELECT 1 FROM voters WHERE id = $1', [id])).rowCount! > 0;
    },
    async mark(id, checkedAt, source, recordedAt) {
      const before = await db.query<{ checked_at: string }>('SELECT checked_at FROM checks WHERE voter_id = $1 FOR UPDATE', [id]);
      await db.query(
        `INSERT INTO checks (voter_id, checked_at, source, recorded_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (voter_id) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source
         WHERE excluded.checked_at < checks.checked_at`,
        [id, checkedAt, source, recordedAt],
      );
      return before.rows[0]?.checked_at;
    },
    async unmark(id) {
      const a = await db.query('DELETE FROM checks WHERE voter_id = $1', [id]);
      const b = await db.query('DELETE FROM unmatched_checks WHERE key = $1', [`id:${id}`]);
      return (a.rowCount ?? 0) + (b.rowCount ?? 0) > 0;
    },
  };
}

/** Unmatched checks, oldest check first. */
export async function unmatchedChecksPg(db: PgDb): Promise<Array<Record<string, string | number | null>>> {
  const r = await db.query(
    'SELECT voter_id, checked_at, source, file, line, recorded_at, precinct, list_number FROM unmatched_checks ORDER BY checked_at, key',
  );
  return r.rows as Array<Record<string, string | number | null>>;
}
