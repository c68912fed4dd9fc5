import { RuntimeError } from '../../core/errors.js';
import { connectPostgres, type PgDb, type PgOptions } from './connect.js';
import { migratePostgres, pgMigrations, pgSchemaVersion } from './migrations.js';

/**
 * Connects and brings the schema up to date, as openDatabase does for a file. A command that only
 * reads (create: false) finds no turnout tables in an empty database or schema and says so.
 */
export async function openPostgres(url: string, options: PgOptions & { create?: boolean } = {}): Promise<PgDb> {
  const db = await connectPostgres(url, options);
  try {
    const where = db.label;
    if (options.create === false) {
      const version = await pgSchemaVersion(db);
      if (version === 0) {
        throw new RuntimeError(`no turnout database at ${where}`, {
          hint: 'Import a voter file first (turnout import voters FILE), or check --db, --db-schema and TURNOUT_DB.',
        });
      }
    }
    const version = await migratePostgres(db);
    if (version > pgMigrations.length) {
      throw new RuntimeError(`${where} was written by a newer turnout (schema ${version}, this one knows ${pgMigrations.length})`, {
        hint: 'Upgrade turnout to use this database.',
      });
    }
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}
