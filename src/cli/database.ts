import type { Stores } from '../app/stores.js';
import { InternalError } from '../core/errors.js';
import { isPostgresTarget } from '../core/databaseUrl.js';
import type { ElectionSettings } from '../core/settings.js';
import type { Db, OpenOptions } from '../store/db.js';
import type { CliContext } from './context.js';

export interface DatabaseUse extends OpenOptions {
  /** A dry run against a database that does not exist yet works on an empty one in memory. */
  scratchIfMissing?: boolean;
  /**
   * The command must write nothing (a --dry-run): on PostgreSQL the whole connection, schema
   * creation and migrations included, is one transaction rolled back at the end.
   */
  dryRun?: boolean;
  /**
   * The command works on a purged database (it holds aggregates and settings only): status,
   * init, optout, purge. Every other command is refused there, new ones included, so that no
   * command writes personal data into a purged file or reads an empty table as "no voters".
   */
  allowPurged?: boolean;
  /** Do not print the purge-date reminder (the purge itself). */
  noPurgeReminder?: boolean;
}

/** The purge-date reminder is printed once per process, however many times a command opens the database. */
let reminded = false;

/** Opens the context's SQLite file for the length of `fn`. better-sqlite3 loads only here. */
export async function withDatabase<T>(ctx: CliContext, fn: (db: Db) => T | Promise<T>, options: DatabaseUse = {}): Promise<T> {
  // Every command reaches PostgreSQL through withStores; only SQLite files come here.
  if (isPostgresTarget(ctx.dbPath)) throw new InternalError(`withDatabase was given a PostgreSQL URL (${ctx.dbLabel})`);
  const { openDatabase } = await import('../store/db.js');
  const fs = await import('node:fs');
  // A dry run against a database that does not exist yet works on an empty one in memory: it writes no file.
  const path = options.scratchIfMissing && !fs.existsSync(ctx.dbPath) ? ':memory:' : ctx.dbPath;
  const db = openDatabase(path, options);
  try {
    await checkPurge(ctx, db, options);
    return await fn(db);
  } finally {
    db.close();
  }
}

async function checkPurge(ctx: CliContext, db: Db, options: DatabaseUse): Promise<void> {
  const { loadSettings } = await import('../store/settings.js');
  return checkPurgeSettings(ctx, loadSettings(db), options);
}

/** The purge rules above on either engine's settings. */
async function checkPurgeSettings(ctx: CliContext, settings: ElectionSettings, options: DatabaseUse): Promise<void> {
  if (settings.purgedAt !== undefined) {
    if (options.allowPurged) return;
    const { RuntimeError } = await import('../core/errors.js');
    throw new RuntimeError(
      `${ctx.dbLabel} was purged on ${settings.purgedAt.slice(0, 10)}: it holds no voters, poll checks, messages or contacts any more, only the per-area counts`,
      {
        hint: 'turnout status (by neighborhood or precinct), init and optout still work on it. For a new election, start a new database: turnout --db new.db init …',
      },
    );
  }
  if (reminded || options.noPurgeReminder || settings.purgeAfter === undefined) return;
  const { purgeIsDue, purgeReminder } = await import('../core/purge.js');
  if (purgeIsDue(settings, ctx.clock.now(), settings.timeZone)) {
    reminded = true;
    ctx.reporter.warn(purgeReminder(settings.purgeAfter));
  }
}

/**
 * Opens the context's database, SQLite or PostgreSQL by --db, for the length of `fn`, and gives it
 * as the ports the use cases take. Only the chosen engine's driver is loaded.
 */
export async function withStores<T>(ctx: CliContext, fn: (stores: Stores) => T | Promise<T>, options: DatabaseUse = {}): Promise<T> {
  if (!isPostgresTarget(ctx.dbPath)) {
    const { sqliteStores } = await import('../store/sqliteStores.js');
    return withDatabase(ctx, (db) => fn(sqliteStores(db)), options);
  }
  const { openPostgres } = await import('../store/pg/open.js');
  const { pgStores } = await import('../store/pg/stores.js');
  const db = await openPostgres(ctx.dbPath, { schema: ctx.dbSchema, create: options.create !== false && options.readonly !== true,
    rollbackOnly: options.dryRun === true,
    ...(ctx.dbTimeoutMs === undefined ? {} : { statementTimeoutMs: ctx.dbTimeoutMs }),
  });
  try {
    const stores = pgStores(db);
    // The purged-database rule holds on PostgreSQL too: a purged schema refuses the commands that need personal data.
    const { electionSettings } = await import('../app/settings.js');
    await checkPurgeSettings(ctx, await electionSettings(await stores.settings()), options);
    return await fn(stores);
  } finally {
    await db.close();
  }
}
