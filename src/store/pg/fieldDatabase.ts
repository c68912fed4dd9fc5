/**
 * `turnout serve`'s database on PostgreSQL: a pool of connections (pg.Pool), so that a slow
 * dashboard query does not hold up the tellers' requests, and several servers behind a load
 * balancer share one database. Each use borrows a connection for its length.
 *
 * While the server cannot be reached, a use fails at once with DatabaseUnavailableError (the
 * routes answer 503); the pool opens new connections as soon as it answers again. A connection
 * lost while idle is dropped by the pool (its 'error' is handled here: unhandled, Node would exit).
 */
import pg from 'pg';
import type { FieldDatabase, FieldPorts } from '../../app/fieldServer.js';
import { clientConfig, clientDb, pgError, redactUrl, timeoutLabel, DEFAULT_STATEMENT_TIMEOUT_MS, type PgDb, type PgOptions } from './connect.js';
import { openPostgres } from './open.js';
import { pgFieldActivitySource, pgFieldCheckStore, pgFieldTokenStore, pgTokenLoader } from './field.js';
import { pgSettingsStore } from './settings.js';
import { pgStatusStore } from './status.js';

export interface PgFieldOptions extends PgOptions {
  /** Connections at most (default 8: the requests' group commit needs one, the rest read). */
  max?: number;
}

export async function openPgFieldDatabase(url: string, options: PgFieldOptions = {}): Promise<FieldDatabase> {
  // The schema must exist (and is brought up to date) before serving, as for any command that reads.
  const first = await openPostgres(url, { ...options, create: false });
  await first.close();

  const schema = options.schema;
  const label = `${redactUrl(url)}${schema === undefined ? '' : ` (schema ${schema})`}`;
  const timeoutMs = options.statementTimeoutMs === undefined ? DEFAULT_STATEMENT_TIMEOUT_MS : options.statementTimeoutMs;
  const limit = timeoutLabel(timeoutMs);
  const pool = new pg.Pool({
    ...clientConfig(url, { ...options, connectTimeoutMs: options.connectTimeoutMs ?? 3000 }),
    max: options.max ?? 8,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that drops (the server restarted, a network cut) is removed by the pool;
  // without this listener its 'error' would end the program.
  pool.on('error', () => {});
  const setup = [timeoutMs === 0 ? 'SET statement_timeout = 0' : '', schema === undefined ? '' : `SET search_path TO "${schema}"`].filter(Boolean).join('; ');

  const borrow = async (): Promise<{ client: pg.PoolClient; fresh: boolean }> => {
    try {
      const client = await pool.connect();
      return { client, fresh: (client as pg.PoolClient & { turnoutReady?: boolean }).turnoutReady !== true };
    } catch (error) {
      throw pgError(error, label, limit);
    }
  };

  const withDb = async <T>(fn: (db: PgDb) => Promise<T>): Promise<T> => {
    const { client, fresh } = await borrow();
    // A connection that was lost is destroyed, not given back for the next request.
    const db = clientDb(client, { label, schema, limit, rollbackOnly: false, end: async (lost) => client.release(lost) });
    try {
      if (fresh && setup !== '') await db.query(setup);
      (client as pg.PoolClient & { turnoutReady?: boolean }).turnoutReady = true;
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  return {
    tokens: pgTokenLoader(withDb),
    use: (fn) =>
      withDb((db) => {
        const ports: FieldPorts = {
          tokens: pgFieldTokenStore(db),
          checks: pgFieldCheckStore(db),
          status: pgStatusStore(db),
          settings: pgSettingsStore(db),
          activity: pgFieldActivitySource(db),
        };
        return fn(ports);
      }),
    // What the dashboards show moves with these: the tallies (checks and voters, kept by the
    // triggers whoever writes), the unmatched checks, and the tellers' entries (undo included).
    // A few hundred tally rows, and the field checks in one scan.
    version: () =>
      withDb(async (db) => {
        const r = await db.query<{ v: string }>(
          `SELECT concat_ws('/',
             (SELECT coalesce(sum(votes), 0) FROM vote_tally),
             (SELECT count(*) FROM vote_tally),
             (SELECT coalesce(sum(voters), 0) FROM voter_tally),
             (SELECT count(*) FROM unmatched_checks),
             (SELECT concat(count(*), '/', count(*) FILTER (WHERE undone_at IS NOT NULL)) FROM field_checks),
             (SELECT count(*) FROM field_tokens WHERE revoked_at IS NOT NULL)) AS v`,
        );
        return r.rows[0]!.v;
      }),
    async close() {
      await pool.end().catch(() => {});
    },
  };
}
