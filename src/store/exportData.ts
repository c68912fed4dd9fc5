import type { ExportStore, ExportValue } from '../app/exportData.js';
import type { Db } from './db.js';
import { extraColumns } from './fields.js';

export function exportStore(db: Db): ExportStore {
  return {
    extraColumns: () => extraColumns(db),
    voters: () => db.prepare<[], Record<string, ExportValue>>('SELECT * FROM voters ORDER BY id').iterate(),
    checks: () =>
      db.prepare<[], Record<string, ExportValue>>('SELECT voter_id, checked_at, source, recorded_at FROM checks ORDER BY checked_at, voter_id').iterate(),
  };
}
