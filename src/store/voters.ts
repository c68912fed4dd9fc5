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
  // Values arrive as text with '' for none (see VoterBatch); the column types turn '2' into 2.
  const placeholders = `(${new Array(WIDTH).fill("nullif(?,'')").join(',')})`;
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
  return {
    begin: () => db.exec('BEGIN IMMEDIATE'),
    commit: () => db.exec('COMMIT'),
    rollback: () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    countVoters: () => (db.prepare('SELECT count(*) AS n FROM voters').get() as { n: number }).n,
    addExtraColumns(names) {
      const known = new Set(db.prepare<[], { name: string }>('SELECT name FROM voter_columns').all().map((r) => r.name));
      let position = (db.prepare('SELECT coalesce(max(position), 0) AS p FROM voter_columns').get() as { p: number }).p;
      const insert = db.prepare('INSERT INTO voter_columns (name, position) VALUES (?, ?)');
      for (const name of names) if (!known.has(name)) insert.run(name, ++position);
    },
    voterWriter(supplied, extras) {
      const full = db.prepare(upsertSql(ROWS_PER_STATEMENT, supplied, extras));
      const partial = new Map<number, ReturnType<Db['prepare']>>();
      return (values: readonly string[], rows: number): number => {
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
    bulkLoad(phase) {
      // Building the (precinct, list_number) index once after a first load beats maintaining it row by row.
      if (phase === 'before') db.exec('DROP INDEX IF EXISTS voters_precinct_list');
      else db.exec('CREATE INDEX IF NOT EXISTS voters_precinct_list ON voters (precinct, list_number)');
    },
    applyUnmatchedChecks: () => applyUnmatchedChecks(db),
  };
}

/** Quoting helpers shared by the stores of this folder. */
export const sql = { quoteIdent, sqlString, jsonPath };
