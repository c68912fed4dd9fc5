/** `turnout watch`'s memory of the poll-check files it imported or refused, on PostgreSQL (importedFilesStore in src/store/status.ts). */
import type { KnownContent } from '../../app/watch.js';
import type { PgDb } from './connect.js';

export interface PgImportedFiles {
  known(hash: string): Promise<KnownContent | undefined>;
  record(file: { hash: string; name: string; size: number; importedAt: string; summary: unknown }): Promise<void>;
  recordBad(file: { hash: string; name: string; size: number; at: string; error: string }): Promise<void>;
}

export function pgImportedFilesStore(db: PgDb): PgImportedFiles {
  return {
    known: async (hash) => {
      const row = (await db.query<{ name: string; summary: string | null }>('SELECT name, summary FROM imported_files WHERE hash = $1', [hash])).rows[0];
      if (row === undefined) return undefined;
      const summary = row.summary === null ? null : (JSON.parse(row.summary) as unknown);
      const bad = summary !== null && typeof summary === 'object' ? (summary as { bad_file?: unknown }).bad_file : undefined;
      return typeof bad === 'string' ? { outcome: 'bad', name: row.name, error: bad } : { outcome: 'imported' };
    },
    // A content imported since it was refused (it cannot be, unless the rules changed) replaces the refusal.
    record: async (file) => {
      await db.query(
        `INSERT INTO imported_files (hash, name, size, imported_at, summary) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (hash) DO UPDATE SET name = excluded.name, size = excluded.size, imported_at = excluded.imported_at, summary = excluded.summary
         WHERE jsonb_typeof(imported_files.summary::jsonb -> 'bad_file') IS NOT NULL`,
        [file.hash, file.name, file.size, file.importedAt, JSON.stringify(file.summary ?? null)],
      );
    },
    recordBad: async (file) => {
      await db.query('INSERT INTO imported_files (hash, name, size, imported_at, summary) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING', [
        file.hash,
        file.name,
        file.size,
        file.at,
        JSON.stringify({ bad_file: file.error }),
      ]);
    },
  };
}
