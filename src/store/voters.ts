import { VOTER_ROW_COLUMNS, type VoterRowColumn } from '../core/voterRecord.js';
import type { VoterImportStore } from '../app/importVoters.js';
import type { Db } from './db.js';
import { applyUnmatchedChecks } from './checks.js';

/** Voters per INSERT statement: fewer statement executions, under SQLite's 32,766 parameters. */
const ROWS_PER_STATEMENT = 100;
const WIDTH = VOTER_ROW_COLUMNS.length;

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
export function upsertSql(rows: number, supplied: readonly VoterRowColumn[], extras: readonly string[]): string {
  // Values arrive as text or null (see VoterBatch); the column types turn '2' into 2. Plain
  // placeholders: nullif(?,'') on every value cost ~0.2 s of 3.9 s CPU per 200k voters.
  const placeholders = `(${new Array(WIDTH).fill('?').join(',')})`;
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
  const head = `INSERT INTO voters (${VOTER_ROW_COLUMNS.join(', ')}) VALUES ${new Array(rows).fill(placeholders).join(',')}`;
  if (sets.length === 0) return `${head} ON CONFLICT (id) DO NOTHING`;
  return `${head} ON CONFLICT (id) DO UPDATE SET ${sets.join(', ')} WHERE ${differs.join(' OR ')}`;
}

export function voterImportStore(db: Db): VoterImportStore {
  let deferredSchema: Array<{ type: string; name: string; sql: string }> = [];
  return {
    begin: () => db.exec('BEGIN IMMEDIATE'),
    commit: () => db.exec('COMMIT'),
    rollback: () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
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
      const full = db.prepare(upsertSql(ROWS_PER_STATEMENT, supplied, extras));
      const partial = new Map<number, ReturnType<Db['prepare']>>();
      return (values: readonly (string | null)[], rows: number): number => {
        let changes = 0;
        let offset = 0;
        const stride = ROWS_PER_STATEMENT * WIDTH;
        while (rows - offset / WIDTH >= ROWS_PER_STATEMENT) {
          changes += full.run(values.slice(offset, offset + stride)).changes;
          offset += stride;
        }
        const rest = rows - offset / WIDTH;
        if (rest > 0) {
          let stmt = partial.get(rest);
          if (!stmt) partial.set(rest, (stmt = db.prepare(upsertSql(rest, supplied, extras))));
          changes += stmt.run(values.slice(offset, offset + rest * WIDTH)).changes;
        }
        return changes;
      };
    },
    bulkLoad(phase, tally = []) {
      // Building the secondary indexes once after a first load beats maintaining them row by row:
      // ids arrive in file order, but every index key (precinct, list number) lands at random
      // places, so each insert dirties pages all over the indexes, the page cache spills and each
      // multi-row statement journals hundreds of pages (measured: 200k rows, 8.5 s CPU → see commit).
      // Every index and trigger on voters is dropped here, whichever migration made it, and made
      // again from its own SQL, inside the import's transaction (a failed import rolls the drop
      // back too). The triggers keep voter_tally: the use case counts the rows instead (tally).
      if (phase === 'before') {
        deferredSchema = db
          .prepare<[], { type: string; name: string; sql: string }>(
            "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') AND tbl_name = 'voters' AND sql IS NOT NULL",
          )
          .all();
        for (const entry of deferredSchema) db.exec(`DROP ${entry.type === 'index' ? 'INDEX' : 'TRIGGER'} ${quoteIdent(entry.name)}`);
      } else {
        for (const entry of deferredSchema) db.exec(entry.sql);
        deferredSchema = [];
        // The table was empty, so the tally was all zeros (rows a moved voter left behind).
        db.exec('DELETE FROM voter_tally');
        const add = db.prepare('INSERT INTO voter_tally (neighborhood, precinct, support, voters) VALUES (?, ?, ?, ?)');
        for (const row of tally) add.run(row.neighborhood, row.precinct, row.support, row.voters);
      }
    },
    applyUnmatchedChecks: () => applyUnmatchedChecks(db),
  };
}

/** Quoting helpers shared by the stores of this folder. */
export const sql = { quoteIdent, sqlString, jsonPath };
