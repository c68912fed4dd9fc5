import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RuntimeError } from '../core/errors.js';
import { migrations } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Create the file (mode 0600) when it does not exist. Default true. */
  create?: boolean;
  readonly?: boolean;
  /** How long to wait for another process's write lock, in ms. */
  busyTimeoutMs?: number;
}

/**
 * Opens (and creates, mode 0600) a turnout database, switches it to WAL and brings its
 * schema up to date. A voter file with support levels is political opinion: nobody but
 * the owner may read the file, and SQLite gives its -wal and -shm files the same mode.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const { create = true, readonly = false, busyTimeoutMs = 10_000 } = options;
  const inMemory = file === ':memory:';
  const exists = inMemory || fs.existsSync(file);
  if (exists && !inMemory) tightenMode(file);
  if (!exists) {
    if (!create || readonly) {
      throw new RuntimeError(`no database at ${file}`, {
        hint: 'Import a voter file first (turnout import voters FILE), or point --db / TURNOUT_DB at your database.',
      });
    }
    const dir = path.dirname(path.resolve(file));
    if (!fs.existsSync(dir)) {
      throw new RuntimeError(`cannot create the database ${file}: the folder ${dir} does not exist`, {
        hint: 'Create the folder first, or choose another path with --db.',
      });
    }
    try {
      fs.closeSync(fs.openSync(file, 'wx', 0o600));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new RuntimeError(`cannot create the database ${file}: ${(error as Error).message}`, { cause: error });
      }
    }
    fs.chmodSync(file, 0o600); // the umask may have removed bits, never added: make it exact
  }
  let db: Db;
  try {
    db = new Database(file, { readonly: readonly && !inMemory, fileMustExist: !inMemory, timeout: busyTimeoutMs });
  } catch (error) {
    throw new RuntimeError(`cannot open the database ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    db.pragma('foreign_keys = ON');
    if (!readonly) {
      // 16 KiB pages for a new database (only possible before its first table): a voter row is
      // ~200 bytes in 18 columns; bigger pages mean fewer B-tree splits and WAL frames. Measured on
      // a 200k-voter first import: see the commit. Existing databases keep their page size.
      if (!exists) db.pragma('page_size = 16384');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, file);
    } else {
      checkVersion(db, file);
    }
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new RuntimeError(`${file} is not a turnout database (not an SQLite file)`, {
        hint: 'Check the --db path or TURNOUT_DB.',
        cause: error,
      });
    }
    throw error;
  }
  return db;
}

/** A database someone made readable by others (copied, restored from a backup) is closed again to its owner. */
function tightenMode(file: string): void {
  try {
    const { mode } = fs.statSync(file);
    if ((mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  } catch {
    // Not ours to change (another owner, read-only media): SQLite's own open will say what is wrong.
  }
}

function checkVersion(db: Db, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new RuntimeError(
      `${file} was written by a newer turnout (schema ${version}, this one knows ${migrations.length})`,
      { hint: 'Upgrade turnout to use this database.' },
    );
  }
}

/** Applies the migrations the file has not seen yet, each in its own transaction. */
export function migrate(db: Db, file = 'database'): void {
  checkVersion(db, file);
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let i = version; i < migrations.length; i++) {
    const migration = migrations[i]!;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${i + 1}`);
    }).immediate();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Runs `fn` in one write transaction that may await between its statements, which
 * better-sqlite3's transaction() cannot wrap: BEGIN IMMEDIATE holds the write lock across the
 * awaits (nothing else uses this connection meanwhile); any error rolls it all back.
 */
export async function writeTransaction<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = await fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
