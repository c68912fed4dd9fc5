import type { Db, OpenOptions } from '../store/db.js';
import type { CliContext } from './context.js';

/** Opens the context's database for the length of `fn`. better-sqlite3 loads only here. */
export async function withDatabase<T>(
  ctx: CliContext,
  fn: (db: Db) => T | Promise<T>,
  options: OpenOptions & { scratchIfMissing?: boolean } = {},
): Promise<T> {
  const { openDatabase } = await import('../store/db.js');
  const fs = await import('node:fs');
  // A dry run against a database that does not exist yet works on an empty one in memory: it writes no file.
  const path = options.scratchIfMissing && !fs.existsSync(ctx.dbPath) ? ':memory:' : ctx.dbPath;
  const db = openDatabase(path, options);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}
