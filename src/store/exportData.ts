import type { ExportStore, ExportValue } from '../app/exportData.js';
import { VOTER_FIELDS } from '../core/fields.js';
import type { Db } from './db.js';
import { extraColumns } from './fields.js';

/** StoredVoterValues' order (see app/exportData.ts). */
const VOTER_VALUES = [...VOTER_FIELDS.map((f) => `v.${f}`), 'v.phone_e164', 'v.phone_valid', 'c.checked_at', 'v.extra'].join(', ');

export function exportStore(db: Db): ExportStore {
  return {
    extraColumns: () => extraColumns(db),
    // Raw arrays, not objects: better-sqlite3 builds no object with twenty named properties per row.
    voterValues: () =>
      db.prepare<[], ExportValue[]>(`SELECT ${VOTER_VALUES} FROM voters v LEFT JOIN checks c ON c.voter_id = v.id ORDER BY v.id`).raw().iterate(),
    checkValues: () => db.prepare<[], ExportValue[]>('SELECT voter_id, checked_at, source, recorded_at FROM checks ORDER BY checked_at, voter_id').raw().iterate(),
  };
}
