/** Export on PostgreSQL: COPY … TO STDOUT streamed and read back line by line, numbers as numbers (as SQLite gives them). */
import type { ExportStore, ExportValue } from '../../app/exportData.js';
import { VOTER_FIELDS } from '../../core/fields.js';
import type { PgDb } from './connect.js';
import { parseCopyLine } from '../../core/copyText.js';
import { extraColumnsPg } from './status.js';

const NUMERIC = new Set(['phone_valid', 'support', 'turnout_score', 'birth_date_valid']);

/** Rows of a COPY (SELECT …) TO STDOUT as arrays; the columns named numeric come back as numbers. */
async function* copyRowsOut(db: PgDb, select: string, columns: readonly string[]): AsyncGenerator<ExportValue[]> {
  const numeric = columns.map((c) => NUMERIC.has(c));
  let rest = '';
  // A character's bytes may straddle two chunks: the decoder keeps the first part for the next.
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of db.copyOut(`COPY (${select}) TO STDOUT`)) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    const lines = text.split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const fields: ExportValue[] = parseCopyLine(line);
      for (let i = 0; i < fields.length; i++) if (numeric[i] && fields[i] !== null) fields[i] = Number(fields[i]);
      yield fields;
    }
  }
}

/** StoredVoterValues' order (see app/exportData.ts). */
const VOTER_COLUMNS = [...VOTER_FIELDS, 'phone_e164', 'phone_valid', 'checked_at', 'extra'];
const VOTER_VALUES = [...VOTER_FIELDS.map((f) => `v.${f}`), 'v.phone_e164', 'v.phone_valid', 'c.checked_at', 'v.extra'].join(', ');

export function pgExportStore(db: PgDb): ExportStore {
  return {
    extraColumns: () => extraColumnsPg(db),
    voterValues: () => copyRowsOut(db, `SELECT ${VOTER_VALUES} FROM voters v LEFT JOIN checks c ON c.voter_id = v.id ORDER BY v.id`, VOTER_COLUMNS),
    checkValues: () =>
      copyRowsOut(db, 'SELECT voter_id, checked_at, source, recorded_at FROM checks ORDER BY checked_at, voter_id', ['voter_id', 'checked_at', 'source', 'recorded_at']),
  };
}
