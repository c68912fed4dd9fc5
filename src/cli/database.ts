import type { Db, OpenOptions } from '../store/db.js';
import type { CliContext } from './context.js';

/** Opens the context's database for the length of `fn`. better-sqlite3 loads only here. */
export async function withDatabase<T>(ctx: CliContext, fn: (db: Db) => T | Promise<T>, options: OpenOptions = {}): Promise<T> {
  const { openDatabase } = await import('../store/db.js');
  const db = openDatabase(ctx.dbPath, options);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}
