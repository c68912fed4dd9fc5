/**
 * `turnout demo` on PostgreSQL: the demo lives in a schema of its own, which is built only where
 * there is nothing yet or a previous demo (marked in its settings), never over a campaign.
 */
import type { ExistingDatabase } from '../../app/demo.js';
import { connectPostgres } from './connect.js';
import { pgSchemaVersion } from './migrations.js';

/** What `schema` holds now: nothing, a demo (its settings carry `marker`), or something to leave alone. */
export async function inspectDemoSchema(url: string, schema: string, marker: string): Promise<ExistingDatabase> {
  const db = await connectPostgres(url, { schema });
  try {
    const exists = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) return { kind: 'absent' };
    if ((await pgSchemaVersion(db)) === 0) {
      // Not turnout's: an empty schema may be built in (it is dropped and made again); one holding
      // anything (tables, views, sequences, functions, types) is someone else's.
      const objects = await db.query(
        `SELECT 1 FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
         UNION ALL SELECT 1 FROM pg_proc WHERE pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
         UNION ALL SELECT 1 FROM pg_type WHERE typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
         LIMIT 1`,
        [schema],
      );
      return objects.rowCount === 0 ? { kind: 'absent' } : { kind: 'other', reason: 'the schema holds objects that are not turnout’s' };
    }
    const found = await db.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [marker]);
    return found.rows[0] === undefined ? { kind: 'other', reason: 'it has no demo marker' } : { kind: 'demo', name: found.rows[0].value };
  } finally {
    await db.close();
  }
}

/** Drops the demo's schema and everything in it (the caller checked it is a demo, or absent). */
export async function dropDemoSchema(url: string, schema: string): Promise<void> {
  const db = await connectPostgres(url);
  try {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await db.close();
  }
}
