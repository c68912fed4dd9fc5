/**
 * `turnout serve`'s links and checks on PostgreSQL: the same rows and answers as src/store/field.ts.
 * A teller's check goes through the same writes as `turnout mark` (pgMarkStore: the check row
 * locked, then one upsert; the statement triggers move the tallies under their row locks), so
 * several servers and `import checks` runs writing at once keep every tally exact.
 */
import type { FieldRole, FieldTokenRow, FieldTokenStore } from '../../app/fieldAccess.js';
import type { FieldActivitySource, FieldCheckStore, FieldEntry, FieldResult, PrecinctActivity } from '../../app/fieldChecks.js';
import { unmatchedKey } from '../checks.js';
import { pgMarkStore } from './checks.js';
import type { PgDb } from './connect.js';

interface TokenRecord {
  id: number;
  role: FieldRole;
  name: string;
  token_hash: Buffer;
  precincts: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const asToken = (r: TokenRecord): FieldTokenRow => ({
  id: Number(r.id),
  role: r.role,
  name: r.name,
  hash: r.token_hash,
  precincts: JSON.parse(r.precincts) as string[],
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

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

interface EntryRecord {
  token_id: number;
  client_id: string;
  result: FieldResult;
  reason: string | null;
  voter_id: string | null;
  precinct: string | null;
  list_number: string | null;
  unmatched_key: string | null;
  checked_at: string;
  recorded_at: string;
  undone_at: string | null;
}

export function pgFieldCheckStore(db: PgDb): FieldCheckStore {
  const marks = pgMarkStore(db);
  return {
    transaction: (fn) => db.transaction(fn),
    async entry(tokenId, clientId) {
      const r = (await db.query<EntryRecord>('SELECT * FROM field_checks WHERE token_id = $1 AND client_id = $2', [tokenId, clientId])).rows[0];
      if (r === undefined) return undefined;
      return {
        tokenId: Number(r.token_id),
        clientId: r.client_id,
        result: r.result,
        reason: r.reason,
        voterId: r.voter_id,
        precinct: r.precinct,
        listNumber: r.list_number,
        unmatchedKey: r.unmatched_key,
        checkedAt: r.checked_at,
        recordedAt: r.recorded_at,
        undoneAt: r.undone_at,
      } satisfies FieldEntry;
    },
    async saveEntry(e) {
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
      return (await db.query<{ id: string; precinct: string }>("SELECT id, coalesce(precinct, '') AS precinct FROM voters WHERE id = $1", [id])).rows[0];
    },
    async votersAt(precinct, listNumber) {
      return (await db.query<{ id: string }>('SELECT id FROM voters WHERE precinct = $1 AND list_number = $2 LIMIT 2', [precinct, listNumber])).rows.map((r) => r.id);
    },
    mark: (voterId, checkedAt, source, recordedAt) => marks.mark(voterId, checkedAt, source, recordedAt),
    async removeCheck(voterId) {
      return ((await db.query('DELETE FROM checks WHERE voter_id = $1', [voterId])).rowCount ?? 0) > 0;
    },
    async keepUnmatched(check) {
      const t = check.target;
      const key = unmatchedKey(t);
      await db.query(
        `INSERT INTO unmatched_checks (key, voter_id, precinct, list_number, checked_at, source, file, line, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (key) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source, file = excluded.file, line = excluded.line
         WHERE excluded.checked_at < unmatched_checks.checked_at`,
        [
          key,
          'voterId' in t ? t.voterId : null,
          'voterId' in t ? null : t.precinct,
          'voterId' in t ? null : t.listNumber,
          check.checkedAt,
          check.source,
          check.file,
          check.line,
          check.recordedAt,
        ],
      );
      return key;
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
      const precincts = (
        await db.query<PrecinctActivity>(
          `SELECT precinct, max(recorded_at) AS last_check, count(*) AS checks FROM field_checks
            WHERE precinct IS NOT NULL AND result <> 'rejected' AND undone_at IS NULL GROUP BY precinct ORDER BY precinct`,
        )
      ).rows;
      const tellers = (
        await db.query<{ name: string; precincts: string; last_check: string | null; checks: number; expires_at: string | null; revoked_at: string | null }>(
          `SELECT t.name, t.precincts, t.expires_at, t.revoked_at, max(c.recorded_at) AS last_check,
                  count(c.client_id) FILTER (WHERE c.result <> 'rejected' AND c.undone_at IS NULL) AS checks
             FROM field_tokens t LEFT JOIN field_checks c ON c.token_id = t.id
            WHERE t.role = 'teller' GROUP BY t.id ORDER BY t.id`,
        )
      ).rows.map((r) => ({
        name: r.name,
        precincts: JSON.parse(r.precincts) as string[],
        last_check: r.last_check,
        checks: r.checks,
        state: r.revoked_at !== null ? ('revoked' as const) : r.expires_at !== null && r.expires_at <= now ? ('expired' as const) : ('active' as const),
      }));
      return { precincts, tellers };
    },
  };
}
