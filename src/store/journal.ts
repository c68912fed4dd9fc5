import type { Db } from './db.js';

/**
 * Takes the database out of WAL into a rollback journal for one big write transaction, when
 * nobody else has it open; true when it did. For a first load into an empty voters table: a
 * rollback journal holds only the pages the database had before the transaction (pages past the
 * old end of the file are not journaled), so the load is written once, where WAL writes every page
 * twice (into the WAL, then by the checkpoint).
 *
 * The price: while the transaction runs, a command started after it cannot even open the file
 * (opening sets WAL, which needs the lock the import holds) and fails after its busy timeout.
 * Acceptable for a first load, before anything else has a reason to run; not for an import into a
 * campaign's live database (contacts were measured here, then kept in WAL: see
 * test/bench/README.md, 4 December 06:27).
 *
 * A failed or killed import still leaves the database as it was: the journal restores the old pages
 * and cuts the file back to its old size. synchronous=FULL while out of WAL, as SQLite advises for
 * a rollback journal.
 */
function leaveWal(db: Db): boolean {
  if (db.inTransaction || db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return false;
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  try {
    // Leaving WAL needs the only connection: another one (turnout status, watch, serve) makes it
    // fail at once (SQLITE_BUSY, no waiting): the import then runs in WAL as usual.
    db.pragma('busy_timeout = 0');
    if (db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') return false;
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    return false;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
  db.pragma('synchronous = FULL');
  return true;
}

/** Back to WAL after leaveWal. Best effort: the import is already committed or rolled back, and openDatabase switches to WAL anyway. */
function returnToWal(db: Db): void {
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  } catch {
    // Busy for longer than the busy timeout: the next openDatabase does it.
  }
}

/**
 * BEGIN IMMEDIATE, with SQLite's statement journals in memory for the whole transaction.
 *
 * An import writes in multi-row statements, and SQLite keeps a statement journal for each (a copy
 * of every page the statement changes that the database had before it, to undo it alone) whenever
 * a trigger fires or a JSON function feeds the rows, whatever the OR clause (see
 * test/bench/README.md, 4 December 09:27). In a temporary file that was, on 1M voters: 354 MB for
 * a first load, 7 GB for re-importing them with a third changed, 294 MB for 100,000 contacts. One
 * statement's journal is a batch's pages at most, so it may as well stay in memory.
 *
 * SQLite decides where when the write transaction begins (from temp_store), so temp_store is
 * MEMORY for the BEGIN only and the connection's own again right after: TEMP tables (a first
 * load's staging table) and big sorts (its indexes) still go to temporary files. Setting it closes
 * the connection's TEMP database, which an import holds nothing in between transactions.
 */
export function beginWithJournalInMemory(db: Db): void {
  const own = db.pragma('temp_store', { simple: true }) as number;
  db.pragma('temp_store = MEMORY');
  try {
    db.exec('BEGIN IMMEDIATE');
  } finally {
    db.pragma(`temp_store = ${own}`);
  }
}

/**
 * An import's transaction (beginWithJournalInMemory … COMMIT or ROLLBACK). A first load
 * (`firstLoad` says so, before the transaction begins) runs out of WAL when leaveWal can, back in
 * WAL after.
 */
export function importTransaction(db: Db, firstLoad: () => boolean): { begin(): void; commit(): void; rollback(): void } {
  let outOfWal = false;
  const end = (): void => {
    if (outOfWal) returnToWal(db);
    outOfWal = false;
  };
  return {
    begin() {
      if (firstLoad()) outOfWal = leaveWal(db);
      try {
        beginWithJournalInMemory(db);
      } catch (error) {
        end();
        throw error;
      }
    },
    commit() {
      db.exec('COMMIT');
      end();
    },
    rollback() {
      if (db.inTransaction) db.exec('ROLLBACK');
      end();
    },
  };
}
