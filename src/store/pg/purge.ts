/**
 * `turnout purge` on PostgreSQL: the same tables kept and emptied as src/store/purge.ts (a table is
 * personal until that file lists it as counts), the same aggregates secured first. What "nothing
 * recoverable" can mean on a server differs from a file:
 * - TRUNCATE gives each emptied table new, empty files and unlinks the old ones at the commit
 *   (a DELETE would leave the rows in place as dead tuples until a vacuum);
 * - ANALYZE's statistics (pg_statistic: most common values, histogram bounds) keep samples of the
 *   columns (names, phones) and an ANALYZE of an empty table does not replace them: each column
 *   that has some is altered to its own type, which drops them (no superuser needed);
 * - VACUUM FULL then rewrites every table of the schema, the kept ones included;
 * - the server's WAL, its archives, replicas and earlier backups are out of turnout's reach (README).
 */
import type { PurgeOptions, PurgeStore, PurgeTable } from '../../app/purge.js';
import { RuntimeError } from '../../core/errors.js';
import { SETTING_KEYS } from '../../core/settings.js';
import { HOLDS, KEPT, OPTOUTS } from '../purge.js';
import type { PgDb } from './connect.js';

/** turnout's own bookkeeping (SQLite keeps the version in the file header): neither listed nor emptied. */
const SCHEMA_VERSION_TABLE = 'turnout_schema';

/** How long the purge waits for another session's lock before giving up, deleting nothing. */
const LOCK_TIMEOUT = '10s';

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export function pgPurgeStore(db: PgDb): PurgeStore {
  const tables = async (): Promise<string[]> => {
    const r = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> $1
        ORDER BY c.relname COLLATE "C"`,
      [SCHEMA_VERSION_TABLE],
    );
    return r.rows.map((row) => row.name);
  };
  const count = async (table: string): Promise<number> => (await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${quote(table)}`)).rows[0]!.n;
  const keeps = (table: string, options: PurgeOptions): boolean => table in KEPT || (table === OPTOUTS && options.keepOptouts);

  const plan = async (options: PurgeOptions): Promise<PurgeTable[]> => {
    const result: PurgeTable[] = [];
    for (const table of await tables()) {
      result.push({
        table,
        rows: await count(table),
        action: keeps(table, options) ? 'keep' : 'delete',
        holds: KEPT[table] ?? HOLDS[table] ?? 'added by a later version of turnout; not known to hold counts only, so deleted',
      });
    }
    return result;
  };

  /** The schema's tables with their indexes and TOAST, in bytes. */
  const bytes = async (): Promise<number> =>
    (
      await db.query<{ n: number }>(
        `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS n FROM pg_class c
          WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')`,
      )
    ).rows[0]!.n;

  const setSetting = (key: string, value: string) =>
    db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);

  /** Counts the checks into what status needs once they are gone (on a first purge only), as SQLite does. */
  const secureAggregates = async (): Promise<void> => {
    await db.query('DELETE FROM vote_tally_on_the_hour');
    await db.query(
      `INSERT INTO vote_tally_on_the_hour (neighborhood, precinct, support, hour, votes)
         SELECT neighborhood, precinct, support, substr(checked_at, 1, 13), count(*)
           FROM checks
          WHERE support IS NOT NULL AND substr(checked_at, 14) = ':00:00.000Z'
          GROUP BY 1, 2, 3, 4`,
    );
    const last = (await db.query<{ last: string | null }>('SELECT max(checked_at) AS last FROM checks')).rows[0]!.last;
    if (last !== null) await setSetting(SETTING_KEYS.votesUntil, last);
  };

  /**
   * Drops the statistics of the emptied tables' columns: ALTER COLUMN … TYPE to the column's own
   * type and collation removes them. A trigger whose WHEN names the column forbids the change: it
   * is dropped and created again as it was, in the same transaction.
   */
  const forgetStatistics = async (emptied: readonly string[]): Promise<void> => {
    const columns = await db.query<{ table: string; column: string; type: string; collation: string | null }>(
      `SELECT DISTINCT s.tablename AS table, s.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
              CASE WHEN a.attcollation <> 0 THEN (SELECT quote_ident(n.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS collation
         FROM pg_stats s
         JOIN pg_attribute a ON a.attrelid = (quote_ident(s.schemaname) || '.' || quote_ident(s.tablename))::regclass AND a.attname = s.attname
        WHERE s.schemaname = current_schema() AND s.tablename = ANY($1::text[])
        ORDER BY 1, 2`,
      [emptied],
    );
    const byTable = new Map<string, string[]>();
    for (const c of columns.rows) {
      const alter = `ALTER COLUMN ${quote(c.column)} TYPE ${c.type}${c.collation === null ? '' : ` COLLATE ${c.collation}`}`;
      byTable.set(c.table, [...(byTable.get(c.table) ?? []), alter]);
    }
    for (const [table, alters] of byTable) {
      const triggers = await db.query<{ name: string; definition: string }>(
        `SELECT tgname AS name, pg_get_triggerdef(oid) AS definition FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname`,
        [quote(table)],
      );
      for (const t of triggers.rows) await db.query(`DROP TRIGGER ${quote(t.name)} ON ${quote(table)}`);
      await db.query(`ALTER TABLE ${quote(table)} ${alters.join(', ')}`);
      for (const t of triggers.rows) await db.query(t.definition);
    }
  };

  return {
    plan,
    async purge(options) {
      const bytesBefore = await bytes();
      let before: PurgeTable[];
      try {
        before = await db.transaction(async () => {
          // Another turnout (serve, watch, a send run) holding these tables: give up, deleting nothing.
          await db.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
          const listed = await plan(options);
          const all = [...listed.map((t) => t.table), SCHEMA_VERSION_TABLE];
          await db.query(`LOCK TABLE ${all.map(quote).join(', ')} IN ACCESS EXCLUSIVE MODE`);
          const alreadyPurged = (await db.query('SELECT 1 FROM settings WHERE key = $1', [SETTING_KEYS.purgedAt])).rowCount! > 0;
          if (!alreadyPurged) await secureAggregates();
          const deleted = listed.filter((t) => t.action === 'delete').map((t) => t.table);
          // TRUNCATE fires no DELETE trigger: the tallies stay as they are, and every table goes at once (foreign keys between them).
          if (deleted.length > 0) {
            await db.query(`TRUNCATE ${deleted.map(quote).join(', ')} RESTART IDENTITY`);
            await forgetStatistics(deleted);
          }
          if (!alreadyPurged) await setSetting(SETTING_KEYS.purgedAt, options.at);
          return listed;
        });
      } catch (error) {
        if ((error as { cause?: { code?: string } }).cause?.code === '55P03') {
          throw new RuntimeError('another turnout is using the database (turnout serve, watch, a send run): nothing was deleted', {
            hint: 'Stop it, then run turnout purge again.',
            cause: error,
          });
        }
        throw error;
      }
      // Outside any transaction (VACUUM cannot run in one): every table rewritten, then counted afresh.
      for (const table of await tables()) {
        await db.query(`VACUUM (FULL) ${quote(table)}`);
        await db.query(`ANALYZE ${quote(table)}`);
      }
      return { tables: before, bytesBefore, bytesAfter: await bytes() };
    },
  };
}
