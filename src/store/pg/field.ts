/**
 * `turnout serve`'s links and checks on PostgreSQL: the same rows and answers as src/store/field.ts.
 * A teller's check goes through the same writes as `turnout mark` (pgMarkStore: the check row
 * locked, then one upsert; the statement triggers move the tallies under their row locks), so
 * several servers and `import checks` runs writing at once keep every tally exact.
 */
import type { FieldTokenRow, FieldTokenStore } from '../../app/fieldAccess.js';
import type { FieldActivitySource, FieldCheckStore, FieldEntry, PrecinctActivity } from '../../app/fieldChecks.js';
import { pgMarkStore, UNMATCHED_UPSERT, unmatchedRow } from './checks.js';
import { tallyLockSql } from './migrations.js';
import type { PgDb } from './connect.js';
import { asEntry, asTellerActivity, asToken, PRECINCT_ACTIVITY_SQL, TELLER_ACTIVITY_SQL, type EntryRecord, type TellerActivityRecord, type TokenRecord } from '../fieldRows.js';



/**
 * Who presents a token, for a server answering many requests at once: the tokens asked in the same
 * turn of the event loop are looked up together, in one query on one borrowed connection.
 */
export function pgTokenLoader(withDb: <T>(fn: (db: PgDb) => Promise<T>) => Promise<T>): Pick<FieldTokenStore, 'byHash'> {
  let waiting = new Map<string, { hash: Buffer; answers: Array<{ resolve: (row: FieldTokenRow | undefined) => void; reject: (e: unknown) => void }> }>();
  const run = async (): Promise<void> => {
    const batch = waiting;
    waiting = new Map();
    try {
      const rows = await withDb(async (db) => (await db.query<TokenRecord>('SELECT * FROM field_tokens WHERE token_hash = ANY($1::bytea[])', [[...batch.values()].map((w) => w.hash)])).rows);
      const found = new Map(rows.map((r) => [r.token_hash.toString('hex'), asToken(r)]));
      for (const [key, w] of batch) for (const a of w.answers) a.resolve(found.get(key));
    } catch (error) {
      for (const w of batch.values()) for (const a of w.answers) a.reject(error);
    }
  };
  return {
    byHash: (hash) =>
      new Promise((resolve, reject) => {
        if (waiting.size === 0) setImmediate(() => void run());
        const key = hash.toString('hex');
        const w = waiting.get(key) ?? { hash, answers: [] };
        w.answers.push({ resolve, reject });
        waiting.set(key, w);
      }),
  };
}

export function pgFieldTokenStore(db: PgDb): FieldTokenStore {
  return {
    async insert(row) {
      const r = await db.query<{ id: number }>(
        'INSERT INTO field_tokens (role, name, token_hash, precincts, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
        [row.role, row.name, row.hash, JSON.stringify(row.precincts), row.createdAt, row.expiresAt, row.revokedAt],
      );
      return Number(r.rows[0]!.id);
    },
    async byHash(hash) {
      const r = await db.query<TokenRecord>('SELECT * FROM field_tokens WHERE token_hash = $1', [hash]);
      return r.rows[0] === undefined ? undefined : asToken(r.rows[0]);
    },
    async list(role) {
      return (await db.query<TokenRecord>('SELECT * FROM field_tokens WHERE role = $1 ORDER BY id', [role])).rows.map(asToken);
    },
    async revoke(role, which, at) {
      if (which.hash !== undefined) {
        return (await db.query('UPDATE field_tokens SET revoked_at = $1 WHERE role = $2 AND token_hash = $3 AND revoked_at IS NULL', [at, role, which.hash])).rowCount ?? 0;
      }
      if (which.name !== undefined) {
        return (await db.query('UPDATE field_tokens SET revoked_at = $1 WHERE role = $2 AND name = $3 AND revoked_at IS NULL', [at, role, which.name])).rowCount ?? 0;
      }
      return 0;
    },
    transaction: (fn) => db.transaction(fn),
  };
}



const entryKey = (tokenId: number, clientId: string): string => `${tokenId}\u0000${clientId}`;
const placeKey = (precinct: string, listNumber: string): string => `${precinct}\u0000${listNumber}`;

/**
 * The teller page's checks. A batch is read ahead in four queries (its entries, its voters by id
 * and by place, and their checks locked FOR UPDATE in voter order) and written at the end of its
 * transaction in two (the checks, in voter order, and the entries): a round trip costs more than
 * the lookups, so the per-check questions of the use case are answered from what was read. A
 * question about anything not read ahead (an undo, a store used without lookAhead) is a query.
 */
export function pgFieldCheckStore(db: PgDb): FieldCheckStore {
  const marks = pgMarkStore(db);
  let ahead:
    | {
        entries: Map<string, FieldEntry | undefined>;
        byId: Map<string, { id: string; precinct: string } | undefined>;
        at: Map<string, string[]>;
        /** Voter id → its check time (undefined: none), rows locked. */
        checks: Map<string, string | undefined>;
      }
    | undefined;
  /** Writes held until the transaction ends. */
  let newChecks = new Map<string, { checkedAt: string; source: string; recordedAt: string }>();
  let newEntries: FieldEntry[] = [];

  const writeHeld = async (): Promise<void> => {
    if (newChecks.size > 0) {
      const rows = [...newChecks.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      newChecks = new Map();
      await db.query(
        `INSERT INTO checks (voter_id, checked_at, source, recorded_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ORDER BY 1
         ON CONFLICT (voter_id) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source
           WHERE excluded.checked_at < checks.checked_at`,
        [rows.map((r) => r[0]), rows.map((r) => r[1].checkedAt), rows.map((r) => r[1].source), rows.map((r) => r[1].recordedAt)],
      );
    }
    if (newEntries.length > 0) {
      const e = newEntries;
      newEntries = [];
      const column = <K extends keyof FieldEntry>(k: K) => e.map((x) => x[k]);
      await db.query(
        `INSERT INTO field_checks (token_id, client_id, result, reason, voter_id, precinct, list_number, unmatched_key, checked_at, recorded_at, undone_at)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`,
        [column('tokenId'), column('clientId'), column('result'), column('reason'), column('voterId'), column('precinct'), column('listNumber'), column('unmatchedKey'), column('checkedAt'), column('recordedAt'), column('undoneAt')],
      );
    }
  };

  return {
    transaction: (fn) =>
      db.transaction(async () => {
        try {
          // Before the voters are read: a check for a voter an import is moving or adding waits
          // for that import, or the import for this batch (see tallyLock in migrations.ts).
          await db.query(tallyLockSql('shared'));
          const result = await fn();
          await writeHeld();
          return result;
        } finally {
          ahead = undefined;
          newChecks = new Map();
          newEntries = [];
        }
      }),
    async lookAhead(keys) {
      const entries = new Map<string, FieldEntry | undefined>();
      const byId = new Map<string, { id: string; precinct: string } | undefined>();
      const at = new Map<string, string[]>();
      const checks = new Map<string, string | undefined>();
      for (const k of keys.entries) entries.set(entryKey(k.tokenId, k.clientId), undefined);
      if (keys.entries.length > 0) {
        const r = await db.query<EntryRecord>(
          'SELECT f.* FROM field_checks f JOIN unnest($1::bigint[], $2::text[]) AS k(token_id, client_id) ON f.token_id = k.token_id AND f.client_id = k.client_id',
          [keys.entries.map((k) => k.tokenId), keys.entries.map((k) => k.clientId)],
        );
        for (const row of r.rows) entries.set(entryKey(Number(row.token_id), row.client_id), asEntry(row));
      }
      for (const id of keys.voterIds) byId.set(id, undefined);
      if (keys.voterIds.length > 0) {
        const r = await db.query<{ id: string; precinct: string }>("SELECT id, coalesce(precinct, '') AS precinct FROM voters WHERE id = ANY($1::text[])", [[...byId.keys()]]);
        for (const row of r.rows) byId.set(row.id, row);
      }
      for (const p of keys.places) at.set(placeKey(p.precinct, p.listNumber), []);
      if (keys.places.length > 0) {
        const r = await db.query<{ id: string; precinct: string; list_number: string }>(
          'SELECT v.id, v.precinct, v.list_number FROM voters v JOIN unnest($1::text[], $2::text[]) AS k(precinct, list_number) ON v.precinct = k.precinct AND v.list_number = k.list_number ORDER BY v.id',
          [keys.places.map((p) => p.precinct), keys.places.map((p) => p.listNumber)],
        );
        for (const row of r.rows) {
          const ids = at.get(placeKey(row.precinct, row.list_number))!;
          if (!ids.includes(row.id) && ids.length < 2) ids.push(row.id);
        }
      }
      const voters = new Set<string>();
      for (const v of byId.values()) if (v !== undefined) voters.add(v.id);
      for (const ids of at.values()) if (ids.length === 1) voters.add(ids[0]!);
      if (voters.size > 0) {
        const sorted = [...voters].sort();
        for (const id of sorted) checks.set(id, undefined);
        // Locked in voter order, as every writer of checks locks: two servers cannot deadlock here.
        const r = await db.query<{ voter_id: string; checked_at: string }>('SELECT voter_id, checked_at FROM checks WHERE voter_id = ANY($1::text[]) ORDER BY voter_id FOR UPDATE', [sorted]);
        for (const row of r.rows) checks.set(row.voter_id, row.checked_at);
      }
      ahead = { entries, byId, at, checks };
    },
    async entry(tokenId, clientId) {
      const key = entryKey(tokenId, clientId);
      if (ahead?.entries.has(key)) return ahead.entries.get(key);
      const r = (await db.query<EntryRecord>('SELECT * FROM field_checks WHERE token_id = $1 AND client_id = $2', [tokenId, clientId])).rows[0];
      return r === undefined ? undefined : asEntry(r);
    },
    async saveEntry(e) {
      const key = entryKey(e.tokenId, e.clientId);
      if (ahead?.entries.has(key)) {
        // Held, and answered from here if the batch names the same id again.
        ahead.entries.set(key, { ...e });
        newEntries.push({ ...e });
        return;
      }
      await db.query(
        `INSERT INTO field_checks (token_id, client_id, result, reason, voter_id, precinct, list_number, unmatched_key, checked_at, recorded_at, undone_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [e.tokenId, e.clientId, e.result, e.reason, e.voterId, e.precinct, e.listNumber, e.unmatchedKey, e.checkedAt, e.recordedAt, e.undoneAt],
      );
    },
    async markUndone(tokenId, clientId, at) {
      await db.query('UPDATE field_checks SET undone_at = $1 WHERE token_id = $2 AND client_id = $3', [at, tokenId, clientId]);
    },
    async voterById(id) {
      if (ahead?.byId.has(id)) return ahead.byId.get(id);
      return (await db.query<{ id: string; precinct: string }>("SELECT id, coalesce(precinct, '') AS precinct FROM voters WHERE id = $1", [id])).rows[0];
    },
    async votersAt(precinct, listNumber) {
      const known = ahead?.at.get(placeKey(precinct, listNumber));
      if (known !== undefined) return known;
      return (await db.query<{ id: string }>('SELECT id FROM voters WHERE precinct = $1 AND list_number = $2 LIMIT 2', [precinct, listNumber])).rows.map((r) => r.id);
    },
    async mark(voterId, checkedAt, source, recordedAt) {
      if (ahead === undefined || !ahead.checks.has(voterId)) return marks.mark(voterId, checkedAt, source, recordedAt);
      // markVoters' rule on the locked row read ahead: the earliest time is kept.
      const before = ahead.checks.get(voterId);
      if (before === undefined || checkedAt < before) {
        ahead.checks.set(voterId, checkedAt);
        newChecks.set(voterId, { checkedAt, source, recordedAt });
      }
      return before;
    },
    async removeCheck(voterId) {
      return ((await db.query('DELETE FROM checks WHERE voter_id = $1', [voterId])).rowCount ?? 0) > 0;
    },
    async keepUnmatched(check) {
      const row = unmatchedRow(check);
      await db.query(
        `INSERT INTO unmatched_checks (key, voter_id, precinct, list_number, checked_at, source, file, line, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ${UNMATCHED_UPSERT}`,
        row,
      );
      return row[0];
    },
    async removeUnmatched(key) {
      return ((await db.query('DELETE FROM unmatched_checks WHERE key = $1', [key])).rowCount ?? 0) > 0;
    },
    async countsByPrecinct(tokenId) {
      const r = await db.query<{ precinct: string; n: number }>(
        `SELECT precinct, count(*) AS n FROM field_checks
          WHERE token_id = $1 AND undone_at IS NULL AND result <> 'rejected' AND precinct IS NOT NULL GROUP BY precinct`,
        [tokenId],
      );
      return Object.fromEntries(r.rows.map((row) => [row.precinct, row.n]));
    },
  };
}

export function pgFieldActivitySource(db: PgDb): FieldActivitySource {
  return {
    async activity(now) {
      const precincts = (await db.query<PrecinctActivity>(PRECINCT_ACTIVITY_SQL)).rows;
      const tellers = (await db.query<TellerActivityRecord>(TELLER_ACTIVITY_SQL)).rows.map(asTellerActivity(now));
      return { precincts, tellers };
    },
  };
}
