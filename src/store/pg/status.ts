/** `turnout status` on PostgreSQL: the same tallies and queries as src/store/status.ts, in PostgreSQL's SQL. */
import type { AreaSupportCount, MinuteCount } from '../../app/computeStatus.js';
import { UsageError } from '../../core/errors.js';
import { isVoterField } from '../../core/fields.js';
import type { PgDb } from './connect.js';

const TALLIED = new Set(['neighborhood', 'precinct']);

export async function extraColumnsPg(db: PgDb): Promise<string[]> {
  return (await db.query<{ name: string }>('SELECT name FROM voter_columns ORDER BY position')).rows.map((r) => r.name);
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The SQL expression over `voters v` for a field named by the user; unknown names are a usage error. */
export async function fieldExpressionPg(db: PgDb, name: string): Promise<string> {
  if (isVoterField(name)) return `v.${name}`;
  if (name === 'phone_e164') return 'v.phone_e164';
  if (name === 'voted_at') return '(SELECT c.checked_at FROM checks c WHERE c.voter_id = v.id)';
  const extras = await extraColumnsPg(db);
  const extra = extras.find((c) => c === name) ?? extras.find((c) => c.toLowerCase() === name.toLowerCase());
  if (extra !== undefined) return `((v.extra::jsonb ->> ${literal(extra)}) COLLATE "C")`;
  throw new UsageError(`unknown field "${name}"`, {
    hint: `Use a voter field (neighborhood, precinct, city, zip, polling_place…) or an imported column: ${extras.join(', ') || '(none imported)'}.`,
  });
}

export interface PgStatusSource {
  defaultAreaField(): Promise<string>;
  checkField(field: string): Promise<void>;
  areaSupportCounts(field: string, at: string): Promise<AreaSupportCount[]>;
  supporterChecksByMinute(field: string, support: readonly number[], at: string): Promise<MinuteCount[]>;
}

export function pgStatusStore(db: PgDb): PgStatusSource {
  return {
    async defaultAreaField() {
      const r = await db.query("SELECT 1 FROM voter_tally WHERE neighborhood <> '' AND voters > 0 LIMIT 1");
      return r.rowCount! > 0 ? 'neighborhood' : 'precinct';
    },
    async checkField(field) {
      await fieldExpressionPg(db, field);
    },
    async areaSupportCounts(field, at) {
      if (!TALLIED.has(field)) {
        const area = await fieldExpressionPg(db, field);
        const r = await db.query<AreaSupportCount>(
          `SELECT ${area} AS area, v.support AS support, count(*) AS voters, count(CASE WHEN c.checked_at <= $1 THEN 1 END) AS voted
             FROM voters v LEFT JOIN checks c ON c.voter_id = v.id GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2 NULLS FIRST`,
          [at],
        );
        return r.rows;
      }
      // Voters, votes of the hours before `at`'s, and the checks of its own hour, in one round trip.
      const hour = at.slice(0, 13);
      const r = await db.query<{ area: string; support: number; voters: number; voted: number }>(
        `WITH v AS (SELECT ${field} AS area, support, sum(voters) AS n FROM voter_tally GROUP BY 1, 2 HAVING sum(voters) > 0),
              b AS (SELECT ${field} AS area, support, sum(votes) AS n FROM vote_tally WHERE hour < $1 AND votes > 0 GROUP BY 1, 2),
              d AS (SELECT ${field} AS area, support, count(*) AS n FROM checks
                     WHERE checked_at >= $1 AND checked_at <= $2 AND EXISTS (SELECT 1 FROM vote_tally WHERE hour = $1 AND votes > 0)
                     GROUP BY 1, 2)
         SELECT v.area, v.support, v.n AS voters, coalesce(b.n, 0) + coalesce(d.n, 0) AS voted
           FROM v LEFT JOIN b ON b.area = v.area AND b.support = v.support LEFT JOIN d ON d.area = v.area AND d.support = v.support
          ORDER BY v.area, v.support`,
        [hour, at],
      );
      return r.rows.map((row) => ({ area: row.area, support: row.support === 0 ? null : row.support, voters: row.voters, voted: row.voted }));
    },
    async supporterChecksByMinute(field, support, at) {
      if (!TALLIED.has(field)) {
        const area = await fieldExpressionPg(db, field);
        const r = await db.query<MinuteCount>(
          `SELECT ${area} AS area, substr(c.checked_at, 1, 16) AS minute, count(*) AS count
             FROM checks c JOIN voters v ON v.id = c.voter_id
            WHERE c.checked_at <= $1 AND v.support = ANY($2::int[]) GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2`,
          [at, support],
        );
        return r.rows;
      }
      const r = await db.query<MinuteCount>(
        `SELECT ${field} AS area, substr(checked_at, 1, 16) AS minute, count(*) AS count
           FROM checks WHERE checked_at <= $1 AND support = ANY($2::int[]) GROUP BY 1, 2 ORDER BY 1, 2`,
        [at, support],
      );
      return r.rows;
    },
  };
}

/** The hashes of poll-check files already imported by `turnout watch`. */
export function pgImportedFilesStore(db: PgDb) {
  return {
    has: async (hash: string) => (await db.query('SELECT 1 FROM imported_files WHERE hash = $1', [hash])).rowCount! > 0,
    record: async (file: { hash: string; name: string; size: number; importedAt: string; summary: unknown }) => {
      await db.query('INSERT INTO imported_files (hash, name, size, imported_at, summary) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING', [
        file.hash,
        file.name,
        file.size,
        file.importedAt,
        JSON.stringify(file.summary ?? null),
      ]);
    },
  };
}
