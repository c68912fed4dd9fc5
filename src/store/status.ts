import type { AreaSupportCount, MinuteCount, StatusSource } from '../app/computeStatus.js';
import type { ImportedFiles } from '../app/watch.js';
import type { Db } from './db.js';
import { fieldExpression } from './fields.js';

/**
 * The queries behind `turnout status`. Counting is done per (area, support level) in SQL, where
 * the covering indexes of migration 002 make it an index-only scan for neighborhood and
 * precinct; the few hundred rows that come back are finished in JS (src/core/mobilization.ts).
 */
export function statusStore(db: Db): StatusSource {
  return {
    defaultAreaField() {
      const known = db.prepare("SELECT 1 FROM voters WHERE neighborhood IS NOT NULL AND neighborhood <> '' LIMIT 1").get();
      return known ? 'neighborhood' : 'precinct';
    },
    checkField(field) {
      fieldExpression(db, field);
    },
    areaSupportCounts(field, at) {
      const area = fieldExpression(db, field);
      return db
        .prepare<[string], AreaSupportCount>(
          `SELECT ${area} AS area, v.support AS support, COUNT(*) AS voters,
                  COUNT(CASE WHEN v.voted_at <= ? THEN 1 END) AS voted
             FROM voters v
            GROUP BY 1, 2`,
        )
        .all(at);
    },
    supporterChecksByMinute(field, support, at) {
      const area = fieldExpression(db, field);
      const levels = support.map(() => '?').join(', ');
      return db
        .prepare<unknown[], MinuteCount>(
          `SELECT ${area} AS area, substr(v.voted_at, 1, 16) AS minute, COUNT(*) AS count
             FROM voters v
            WHERE v.voted_at <= ? AND v.support IN (${levels})
            GROUP BY 1, 2`,
        )
        .all(at, ...support);
    },
  };
}

/** The hashes of poll-check files already imported by `turnout watch`. */
export function importedFilesStore(db: Db): ImportedFiles {
  const has = db.prepare<[string], { hash: string }>('SELECT hash FROM imported_files WHERE hash = ?');
  const add = db.prepare(
    'INSERT INTO imported_files (hash, name, size, imported_at, summary) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING',
  );
  return {
    has: (hash) => has.get(hash) !== undefined,
    record: (file) => void add.run(file.hash, file.name, file.size, file.importedAt, JSON.stringify(file.summary ?? null)),
  };
}
