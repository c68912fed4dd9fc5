import type { Stores } from '../../app/stores.js';
import type { PgDb } from './connect.js';

/** The ports over a PostgreSQL database: the same answers as sqliteStores, as promises. */
export function pgStores(db: PgDb): Stores {
  return {
    engine: 'postgres',
    settings: async () => (await import('./settings.js')).pgSettingsStore(db),
    voterImport: async () => (await import('./voters.js')).pgVoterImportStore(db),
    checkImport: async () => (await import('./checks.js')).pgCheckImportStore(db),
    status: async () => (await import('./status.js')).pgStatusStore(db),
    export: async () => (await import('./exportData.js')).pgExportStore(db),
    mark: async () => (await import('./checks.js')).pgMarkStore(db),
    reminders: async () => (await import('./messages.js')).pgReminderSource(db),
    messageLog: async () => (await import('./messages.js')).pgMessageLog(db),
    optouts: async () => (await import('./messages.js')).pgOptoutStore(db),
    sendLock: async () => (await import('./messages.js')).pgSendLock(db),
    unmatchedChecks: async () => {
      const { UNMATCHED_COLUMNS } = await import('../checks.js');
      const r = await db.query(`SELECT ${UNMATCHED_COLUMNS.join(', ')} FROM unmatched_checks ORDER BY checked_at, key`);
      return r.rows;
    },
    contactImport: async () => (await import('./contacts.js')).pgContactImportStore(db),
    areaImport: async () => (await import('./areas.js')).pgAreaImportStore(db),
    purge: async () => (await import('./purge.js')).pgPurgeStore(db),
    sync: async () => (await import('./messages.js')).pgSyncStore(db),
    reminderLog: async () => (await import('./messages.js')).pgReminderLogStore(db),
    importedFiles: async () => (await import('./importedFiles.js')).pgImportedFilesStore(db),
    fieldTokens: async () => (await import('./field.js')).pgFieldTokenStore(db),
    fieldChecks: async () => (await import('./field.js')).pgFieldCheckStore(db),
    fieldActivity: async () => (await import('./field.js')).pgFieldActivitySource(db),
  };
}
