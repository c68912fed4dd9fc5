import { jsonbPath } from '../core/jsonbRows.js';
import { VOTER_ROW_COLUMNS, type VoterRowColumn } from '../core/voterRecord.js';
import type { VoterImportStore } from '../app/importVoters.js';
import type { Db } from './db.js';
import { applyUnmatchedChecks } from './checks.js';
import { applyAreas, hasAreas } from './areas.js';
import { importTransaction } from './journal.js';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
function jsonPath(key: string): string {
  return sqlString(`$.${JSON.stringify(key)}`);
}

/**
 * The upsert for `rows` voters: new ids are inserted; existing ones get the file's columns only
 * when something differs (so "unchanged" voters are not written and not counted). Extras merge:
 * this file's extra columns replace the voter's values for those columns, others stay.
 */
export function upsertSql(supplied: readonly VoterRowColumn[], extras: readonly string[]): string {
  // Values arrive as text or null (see VoterRows); the column types turn '2' into 2.
  const updated = supplied.filter((c) => c !== 'id');
  const sets: string[] = [];
  const differs: string[] = [];
  for (const column of updated) {
    if (column === 'extra') continue;
    sets.push(`${column} = excluded.${column}`);
    differs.push(`voters.${column} IS NOT excluded.${column}`);
  }
  if (extras.length > 0) {
    const paths = extras.map(jsonPath).join(', ');
    sets.push(`extra = nullif(json_patch(json_remove(coalesce(voters.extra, '{}'), ${paths}), coalesce(excluded.extra, '{}')), '{}')`);
    for (const key of extras) {
      differs.push(`json_extract(voters.extra, ${jsonPath(key)}) IS NOT json_extract(excluded.extra, ${jsonPath(key)})`);
    }
  }
  // WHERE true: an INSERT … SELECT's upsert clause needs one, or ON would be read as a join's.
  const head = `${insertHead(supplied)} WHERE true`;
  if (sets.length === 0) return `${head} ON CONFLICT (id) DO NOTHING`;
  return `${head} ON CONFLICT (id) DO UPDATE SET ${sets.join(', ')} WHERE ${differs.join(' OR ')}`;
}

/**
 * The insert for `rows` voters into an empty table (a first load): no ON CONFLICT clause to
 * evaluate, since the reader already rejects duplicate ids (one that slipped through would fail
 * the import, never be dropped silently).
 */
export function insertSql(supplied: readonly VoterRowColumn[]): string {
  return insertHead(supplied);
}

/**
 * OR FAIL, not the default ABORT: the import never needs a statement undone on its own (any error
 * rolls the whole import transaction back). It kept multi-row VALUES statements from keeping a
 * statement journal (~1 GB of temporary-file writes for 1M voters); the JSON functions that now
 * feed the rows make SQLite keep one anyway, in memory (see beginWithJournalInMemory).
 */
function insertHead(supplied: readonly VoterRowColumn[]): string {
  return `INSERT OR FAIL INTO voters (${supplied.join(', ')}) ${rowsOfBatch(supplied.length)}`;
}

/**
 * A batch's rows out of its JSONB bytes (VoterBatchForm 'jsonb-rows', src/core/jsonbRows.ts), in
 * file order: the writing thread binds one value per batch.
 * - Measured on 1M voters of 14 columns, the main thread alone: 1.9-2.0 s, where splitting the
 *   batches' joined values back into strings (0.4 s) and binding them 250 rows per statement
 *   (2.2-2.3 s) took 2.7 s.
 * - jsonb_each, not json_each: its rows are JSONB, which `->>` reads without parsing each row's
 *   text again (4.4 s so).
 * - Bytes, not JSON text (until 4 December 2026): SQLite converted each batch's text to UTF-8 and
 *   parsed it into JSONB on this thread first.
 */
function rowsOfBatch(width: number): string {
  return `SELECT ${Array.from({ length: width }, (_, i) => `value ->> '${jsonbPath(i)}'`).join(', ')} FROM jsonb_each(?)`;
}

/** The staging table of a first load whose ids are out of order (see voterWriter). */
const STAGE = 'voters_load';

/** A writer of reader batches through one statement taking a batch's JSONB bytes. */
function batchInserter(db: Db, sql: string): (data: string | Uint8Array) => number {
  const statement = db.prepare<[string | Uint8Array]>(sql);
  return (data) => statement.run(data).changes;
}

/**
 * Runs a big sort (CREATE INDEX, ORDER BY) with runs of 2 MB and one sorter helper thread.
 * - CREATE INDEX sorts its keys in runs of cache_size bytes, then merges the runs. Runs of 2 MB
 *   (SQLite's own default) sort inside the CPU caches; better-sqlite3's 16 MB default makes one
 *   long cache-missing sort: measured on 1M voters, 1.04-1.15 s -> 0.65-0.71 s CPU.
 * - One helper thread (PRAGMA threads): SQLite sorts each run on it while this thread reads the
 *   next keys off the table, on the core the file reader has just left. Measured on the
 *   precinct/list-number index of 1M voters: 0.91-0.99 s -> 0.65-0.69 s wall (for 1.1 s CPU);
 *   2 helpers did worse on 2 cores (0.76-0.77 s).
 */
function withSorter(db: Db, fn: () => void): void {
  const cacheSize = db.pragma('cache_size', { simple: true }) as number;
  const threads = db.pragma('threads', { simple: true }) as number;
  db.pragma('cache_size = -2000');
  db.pragma('threads = 1');
  try {
    fn();
  } finally {
    db.pragma(`cache_size = ${cacheSize}`);
    db.pragma(`threads = ${threads}`);
  }
}

export function voterImportStore(db: Db): VoterImportStore {
  let deferredSchema: Array<{ type: string; name: string; sql: string }> = [];
  let bulk = false;
  /** The columns of the staging table while a first load goes through it. */
  let stage: readonly VoterRowColumn[] | undefined;
  // A first load into an empty table runs out of WAL: a rollback journal holds only the pages the
  // database had before (pages past its old end are not journaled), so the load is written once,
  // where WAL writes every page twice (into the WAL, then by the checkpoint).
  const transaction = importTransaction(db, () => (db.prepare('SELECT NOT EXISTS (SELECT 1 FROM voters) AS empty').get() as { empty: number }).empty === 1);
  return {
    ...transaction,
    batchForm: 'jsonb-rows',
    // From the tally (kept by triggers, or written by bulkLoad before this is asked): count(*)
    // would read all the voters, ~0.2 s per million.
    countVoters: () => (db.prepare('SELECT ifnull(sum(voters), 0) AS n FROM voter_tally').get() as { n: number }).n,
    addExtraColumns(names) {
      const known = new Set(db.prepare<[], { name: string }>('SELECT name FROM voter_columns').all().map((r) => r.name));
      let position = (db.prepare('SELECT coalesce(max(position), 0) AS p FROM voter_columns').get() as { p: number }).p;
      const insert = db.prepare('INSERT INTO voter_columns (name, position) VALUES (?, ?)');
      for (const name of names) if (!known.has(name)) insert.run(name, ++position);
    },
    voterWriter(supplied, extras) {
      if (bulk) {
        // A partial index on `column IS NOT NULL` stays empty when the file does not supply that
        // column (identity_key for a file without birth dates): made now, on the empty table, it
        // costs each row one false test, instead of a scan of the whole loaded table afterwards.
        deferredSchema = deferredSchema.filter((entry) => {
          const only = /\bWHERE\s+(\w+)\s+IS\s+NOT\s+NULL\s*$/i.exec(entry.sql);
          if (entry.type !== 'index' || only === null || supplied.includes(only[1] as VoterRowColumn)) return true;
          db.exec(entry.sql);
          return false;
        });
      }
      // After bulkLoad('before') the table is empty: plain inserts.
      // Each voter's values are the file's supplied columns, in that order (the reader sends no others).
      let insert = batchInserter(db, bulk ? insertSql(supplied) : upsertSql(supplied, extras));
      // A first load whose ids come in ascending order (most voter files) is an append to the
      // voters B-tree. One that does not (an official list in bureau order, whose ids are
      // "<bureau>/<numéro>", or a file in name order) would insert all over a table far larger
      // than the page cache: every insert reads and writes back evicted pages (an REU export of
      // 1M voters spent 7.5 s of system time so). From the first id out of order, the rest of the
      // load goes to an unindexed staging table, appended, then into voters sorted by id (see
      // endVoterWrites).
      stage = undefined;
      return ({ data, rows, ascending }): number => {
        if (rows === 0) return 0;
        if (bulk && stage === undefined && !ascending) {
          stage = supplied;
          db.exec(`CREATE TEMP TABLE ${STAGE} (${supplied.join(', ')})`);
          insert = batchInserter(db, `INSERT INTO temp.${STAGE} (${supplied.join(', ')}) ${rowsOfBatch(supplied.length)}`);
        }
        return insert(data);
      };
    },
    endVoterWrites: () => {
      if (stage === undefined) return 0;
      const columns = stage.join(', ');
      stage = undefined;
      // The sorter on one helper thread, as for the indexes (see bulkLoad).
      withSorter(db, () => db.exec(`INSERT OR FAIL INTO voters (${columns}) SELECT ${columns} FROM temp.${STAGE} ORDER BY id`));
      db.exec(`DROP TABLE temp.${STAGE}`);
      // Counted by the writer already, as they went into the staging table.
      return 0;
    },
    bulkLoad(phase, tally = []) {
      // Building the secondary indexes once after a first load beats maintaining them row by row:
      // ids arrive in file order, but every index key (precinct, list number) lands at random
      // places, so each insert dirties pages all over the indexes, the page cache spills and each
      // multi-row statement journals hundreds of pages (measured: 200k rows, 8.5 s CPU → see commit).
      // Every index and trigger on voters is dropped here, whichever migration made it, and made
      // again from its own SQL, inside the import's transaction (a failed import rolls the drop
      // back too). The triggers keep voter_tally: the use case counts the rows instead (tally).
      bulk = phase === 'before';
      if (phase === 'before') {
        deferredSchema = db
          .prepare<[], { type: string; name: string; sql: string }>(
            "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') AND tbl_name = 'voters' AND sql IS NOT NULL",
          )
          .all();
        for (const entry of deferredSchema) db.exec(`DROP ${entry.type === 'index' ? 'INDEX' : 'TRIGGER'} ${quoteIdent(entry.name)}`);
      } else {
        withSorter(db, () => {
          for (const entry of deferredSchema) db.exec(entry.sql);
        });
        deferredSchema = [];
        // The table was empty, so the tally was all zeros (rows a moved voter left behind).
        db.exec('DELETE FROM voter_tally');
        const add = db.prepare('INSERT INTO voter_tally (neighborhood, precinct, support, voters) VALUES (?, ?, ?, ?)');
        for (const row of tally) add.run(row.neighborhood, row.precinct, row.support, row.voters);
      }
    },
    applyUnmatchedChecks: () => applyUnmatchedChecks(db),
    applyAreas: () => (hasAreas(db) ? applyAreas(db) : undefined),
  };
}

/** Quoting helpers shared by the stores of this folder. */
export const sql = { quoteIdent, sqlString, jsonPath };
