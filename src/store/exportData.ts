import type { ExportStore, ExportValue } from '../app/exportData.js';
import type { Db } from './db.js';
import { extraColumns } from './fields.js';

export function exportStore(db: Db): ExportStore {
  return {
    extraColumns: () => extraColumns(db),
    voters: () => db.prepare<[], Record<string, ExportValue>>('SELECT v.*, c.checked_at AS voted_at FROM voters v LEFT JOIN checks c ON c.voter_id = v.id ORDER BY v.id').iterate(),
    checks: () =>
      db.prepare<[], Record<string, ExportValue>>('SELECT voter_id, checked_at, source, recorded_at FROM checks ORDER BY checked_at, voter_id').iterate(),
  };
}
