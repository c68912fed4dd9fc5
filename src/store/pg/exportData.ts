/** Export on PostgreSQL: COPY … TO STDOUT streamed and read back line by line, numbers as numbers (as SQLite gives them). */
import type { ExportValue } from '../../app/exportData.js';
import { VOTER_ROW_COLUMNS } from '../../core/voterRecord.js';
import type { PgDb } from './connect.js';
import { parseCopyLine } from './copy.js';
import { extraColumnsPg } from './status.js';

const NUMERIC = new Set(['phone_valid', 'support', 'turnout_score']);

/** Rows of a COPY (SELECT …) TO STDOUT as objects keyed by `columns`. */
async function* copyRowsOut(db: PgDb, select: string, columns: readonly string[]): AsyncGenerator<Record<string, ExportValue>> {
  const numeric = columns.map((c) => NUMERIC.has(c));
  let rest = '';
  for await (const chunk of db.copyOut(`COPY (${select}) TO STDOUT`)) {
    const text = rest + (chunk as Buffer).toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const fields = parseCopyLine(line);
      const row: Record<string, ExportValue> = {};
      for (let i = 0; i < columns.length; i++) {
        const v = fields[i] ?? null;
        row[columns[i]!] = v !== null && numeric[i] ? Number(v) : v;
      }
      yield row;
    }
  }
}

export interface PgExportStore {
  extraColumns(): Promise<string[]>;
  voters(): AsyncIterable<Record<string, ExportValue>>;
  checks(): AsyncIterable<Record<string, ExportValue>>;
}

export function pgExportStore(db: PgDb): PgExportStore {
  const voterColumns = [...VOTER_ROW_COLUMNS, 'voted_at'];
  return {
    extraColumns: () => extraColumnsPg(db),
    voters: () =>
      copyRowsOut(db, `SELECT ${VOTER_ROW_COLUMNS.map((c) => `v.${c}`).join(', ')}, c.checked_at FROM voters v LEFT JOIN checks c ON c.voter_id = v.id ORDER BY v.id COLLATE "C"`, voterColumns),
    checks: () =>
      copyRowsOut(db, 'SELECT voter_id, checked_at, source, recorded_at FROM checks ORDER BY checked_at COLLATE "C", voter_id COLLATE "C"', ['voter_id', 'checked_at', 'source', 'recorded_at']),
  };
}
