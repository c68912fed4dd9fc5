/** `turnout status` on PostgreSQL: the same tallies and queries as src/store/status.ts, in PostgreSQL's SQL. */
import type { AreaSupportCount, MinuteCount, PurgedCounts } from '../../app/computeStatus.js';
import { UsageError } from '../../core/errors.js';
import { isVoterField } from '../../core/fields.js';
import { SETTING_KEYS } from '../../core/settings.js';
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
  purged(): Promise<PurgedCounts | undefined>;
  votesInHour(at: string): Promise<number>;
}

export function pgStatusStore(db: PgDb): PgStatusSource {
  // After `turnout purge`, as src/store/status.ts: the checks are gone, and the hour of `at` counts
  // whole (at or after the last check) or from vote_tally_on_the_hour (exactly on the hour).
  const purgedCounts = async (): Promise<PurgedCounts | undefined> => {
    const r = await db.query<{ key: string; value: string }>('SELECT key, value FROM settings WHERE key = ANY($1::text[])', [[SETTING_KEYS.purgedAt, SETTING_KEYS.votesUntil]]);
    const values = new Map(r.rows.map((row) => [row.key, row.value]));
    const purgedAt = values.get(SETTING_KEYS.purgedAt);
    if (purgedAt === undefined) return undefined;
    return { purgedAt, votesUntil: values.get(SETTING_KEYS.votesUntil) ?? null, areaFields: [...TALLIED] };
  };
  const purgedHourTable = (purged: PurgedCounts, at: string): string => {
    if (purged.votesUntil !== null && at >= purged.votesUntil) return 'vote_tally';
    if (at === `${at.slice(0, 13)}:00:00.000Z`) return 'vote_tally_on_the_hour';
    throw new UsageError(`this database was purged: its votes are counted per hour, and ${at} is inside an hour that has some`, {
      hint: 'Give --at on the hour, or leave it out.',
    });
  };
  const votesInHour = async (at: string): Promise<number> =>
    (await db.query<{ n: number }>('SELECT coalesce(sum(votes), 0) AS n FROM vote_tally WHERE hour = $1', [at.slice(0, 13)])).rows[0]!.n;
  /** On a purged database, the table that holds the hour of `at` (undefined: no votes in it); undefined too when not purged. */
  const purgedHour = async (at: string): Promise<{ table: string | undefined } | undefined> => {
    const purged = await purgedCounts();
    if (purged === undefined) return undefined;
    return { table: (await votesInHour(at)) > 0 ? purgedHourTable(purged, at) : undefined };
  };
  return {
    purged: purgedCounts,
    votesInHour,
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
      const purged = await purgedHour(at);
      if (purged !== undefined) {
        const during = purged.table === undefined ? 'SELECT NULL::text AS area, 0 AS support, 0 AS n WHERE false' : `SELECT ${field} AS area, support, sum(votes) AS n FROM ${purged.table} WHERE hour = $1 AND votes > 0 GROUP BY 1, 2`;
        const p = await db.query<{ area: string; support: number; voters: number; voted: number }>(
          `WITH v AS (SELECT ${field} AS area, support, sum(voters) AS n FROM voter_tally GROUP BY 1, 2 HAVING sum(voters) > 0),
                b AS (SELECT ${field} AS area, support, sum(votes) AS n FROM vote_tally WHERE hour < $1 AND votes > 0 GROUP BY 1, 2),
                d AS (${during})
           SELECT v.area, v.support, v.n AS voters, coalesce(b.n, 0) + coalesce(d.n, 0) AS voted
             FROM v LEFT JOIN b ON b.area = v.area AND b.support = v.support LEFT JOIN d ON d.area = v.area AND d.support = v.support
            ORDER BY v.area, v.support`,
          [hour],
        );
        return p.rows.map((row) => ({ area: row.area, support: row.support === 0 ? null : row.support, voters: row.voters, voted: row.voted }));
      }
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
      const purged = await purgedHour(at);
      if (purged !== undefined) {
        // Each hour's votes at the hour's first minute: buildTimeline places them by the local hour.
        const during = purged.table === undefined ? '' : `UNION ALL SELECT ${field}, hour || ':00', sum(votes) FROM ${purged.table} WHERE hour = $1 AND votes > 0 AND support = ANY($2::int[]) GROUP BY 1, 2`;
        const p = await db.query<MinuteCount>(
          `SELECT ${field} AS area, hour || ':00' AS minute, sum(votes) AS count FROM vote_tally
            WHERE hour < $1 AND votes > 0 AND support = ANY($2::int[]) GROUP BY 1, 2 ${during} ORDER BY 1, 2`,
          [at.slice(0, 13), support],
        );
        return p.rows;
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
