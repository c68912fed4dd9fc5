import type { Stores } from '../app/stores.js';
import type { Db } from './db.js';

/** The ports over an open SQLite database (synchronous underneath: every answer is a value, not a promise). */
export function sqliteStores(db: Db): Stores {
  return {
    engine: 'sqlite',
    settings: async () => (await import('./settings.js')).settingsStore(db),
    voterImport: async () => (await import('./voters.js')).voterImportStore(db),
    checkImport: async () => (await import('./checks.js')).checkImportStore(db),
    status: async () => (await import('./status.js')).statusStore(db),
    export: async () => (await import('./exportData.js')).exportStore(db),
    mark: async () => (await import('./checks.js')).markStore(db),
    reminders: async () => (await import('./reminders.js')).reminderSource(db),
    messageLog: async () => (await import('./messages.js')).messageLog(db),
    optouts: async () => (await import('./optouts.js')).optoutStore(db),
    sendLock: async () => (await import('./messages.js')).sendLock(db),
    unmatchedChecks: async () => (await import('./checks.js')).unmatchedChecks(db) as Iterable<Record<string, unknown>>,
    contactImport: async () => (await import('./contacts.js')).contactImportStore(db),
    areaImport: async () => (await import('./areas.js')).areaImportStore(db),
    purge: async () => (await import('./purge.js')).purgeStore(db),
    sync: async () => (await import('./messages.js')).syncStore(db),
    reminderLog: async () => (await import('./messages.js')).reminderLogStore(db),
    importedFiles: async () => (await import('./status.js')).importedFilesStore(db),
    fieldTokens: async () => (await import('./field.js')).fieldTokenStore(db),
    fieldChecks: async () => (await import('./field.js')).fieldCheckStore(db),
    fieldActivity: async () => (await import('./field.js')).fieldActivitySource(db),
  };
}
