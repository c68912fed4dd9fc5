/**
 * The database engines every e2e test runs against, in the manner of Kysely's test setup: one
 * list, filtered by the environment, and each test file loops over it with the same assertions.
 *
 * - sqlite: always (a fresh file in a temporary folder per test).
 * - postgres: when TURNOUT_TEST_PG is set (a postgres:// URL, or 1 for the default below; the
 *   suite then fails if the server does not answer), or when a server answers on 127.0.0.1:5432.
 *   Each test gets a fresh schema (--db-schema), dropped afterwards.
 * TURNOUT_TEST_BACKENDS=sqlite (or postgres) runs one only.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type BackendName = 'sqlite' | 'postgres';

/** One test's database on one engine. */
export interface TestDatabase {
  backend: BackendName;
  /** Global options naming it: prepend to the command's arguments. */
  args: string[];
  /** The same as environment variables (TURNOUT_DB, TURNOUT_DB_SCHEMA). */
  env: Record<string, string>;
  /** Rows of a query (placeholders written `?`), read on a fresh connection. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** Every table's rows (and on SQLite the schema), as text: equal dumps mean equal contents. */
  dump(): Promise<string>;
  /** Removes it (the schema on PostgreSQL; the temporary folder is the test's own). */
  drop(): Promise<void>;
}

export interface Backend {
  name: BackendName;
  /** A fresh, empty database for one test; `dir` is the test's temporary folder. */
  create(dir: string): Promise<TestDatabase>;
}

const sqlite: Backend = {
  name: 'sqlite',
  async create(dir) {
    const file = path.join(dir, 'test.db');
    return {
      backend: 'sqlite',
      args: ['--db', file],
      env: { TURNOUT_DB: file },
      async query<T>(sql: string, ...params: unknown[]) {
        const conn = new Database(file, { readonly: true });
        try {
          return conn.prepare(sql).all(...params) as T[];
        } finally {
          conn.close();
        }
      },
      async dump() {
        const conn = new Database(file, { readonly: true });
        try {
          const tables = conn.prepare("SELECT name, sql FROM sqlite_master WHERE type IN ('table','index','trigger') ORDER BY name").all() as Array<{ name: string; sql: string | null }>;
          const parts = tables.map((t) => t.sql ?? t.name);
          for (const t of tables) {
            if (!t.sql?.startsWith('CREATE TABLE')) continue;
            parts.push(JSON.stringify(conn.prepare(`SELECT * FROM "${t.name}" ORDER BY 1, 2`).all()));
          }
          return parts.join('\n');
        } finally {
          conn.close();
        }
      },
      async drop() {},
    };
  },
};

let counter = 0;

function postgres(url: string): Backend {
  return {
    name: 'postgres',
    async create() {
      const schema = `turnout_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
      const withSchema = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
        const client = new pg.Client({ connectionString: url, types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 || oid === 1700 ? Number : pg.types.getTypeParser(oid, format ?? 'text')) } as never });
        await client.connect();
        try {
          await client.query(`SET search_path TO "${schema}"`);
          return await fn(client);
        } finally {
          await client.end();
        }
      };
      return {
        backend: 'postgres',
        args: ['--db', url, '--db-schema', schema],
        env: { TURNOUT_DB: url, TURNOUT_DB_SCHEMA: schema },
        async query<T>(sql: string, ...params: unknown[]) {
          let n = 0;
          const text = sql.replace(/\?/g, () => `$${++n}`);
          return withSchema(async (client) => (await client.query(text, params)).rows as T[]);
        },
        async dump() {
          return withSchema(async (client) => {
            const tables = (await client.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [schema])).rows.map((r) => r.t);
            const parts: string[] = [...tables];
            for (const t of tables) parts.push(JSON.stringify((await client.query(`SELECT * FROM "${t}" AS r ORDER BY r::text`)).rows));
            return parts.join('\n');
          });
        },
        async drop() {
          await withSchema((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
        },
      };
    },
  };
}

/** Whether a PostgreSQL server answers at `url` within a second. */
export async function pgAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

let said = false;

/** The backends this run tests, told once on stderr when PostgreSQL is skipped. */
export async function testBackends(env: NodeJS.ProcessEnv = process.env): Promise<Backend[]> {
  const only = env.TURNOUT_TEST_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);
  const wanted = (name: BackendName): boolean => only === undefined || only.length === 0 || only.includes(name);
  const list: Backend[] = [];
  if (wanted('sqlite')) list.push(sqlite);
  if (!wanted('postgres')) return list;
  const required = env.TURNOUT_TEST_PG !== undefined && env.TURNOUT_TEST_PG !== '';
  const url = required && /^postgres(ql)?:\/\//.test(env.TURNOUT_TEST_PG!) ? env.TURNOUT_TEST_PG! : DEFAULT_PG_URL;
  if (await pgAnswers(url)) {
    list.push(postgres(url));
  } else if (required) {
    throw new Error(`TURNOUT_TEST_PG is set but no PostgreSQL answers at ${url.replace(/:[^:@/]*@/, ':***@')}: start it (pg_ctlcluster 15 main start, or docker run -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15)`);
  } else if (!said) {
    said = true;
    process.stderr.write(
      `PostgreSQL tests SKIPPED: no server answers at ${DEFAULT_PG_URL} and TURNOUT_TEST_PG is not set (set it to require them).\n`,
    );
  }
  return list;
}
