import { readSettings, type ElectionSettings } from '../core/settings.js';
import type { Db } from './db.js';

export interface SettingsStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  remove(key: string): void;
  all(): Record<string, string>;
}

export function settingsStore(db: Db): SettingsStore {
  const getStmt = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const setStmt = db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const removeStmt = db.prepare('DELETE FROM settings WHERE key = ?');
  const allStmt = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings ORDER BY key');
  return {
    get: (key) => getStmt.get(key)?.value,
    set: (key, value) => void setStmt.run(key, value),
    remove: (key) => void removeStmt.run(key),
    all: () => Object.fromEntries(allStmt.all().map((r) => [r.key, r.value])),
  };
}

/** The election settings (region, time zone, name, footer) with their defaults. */
export function loadSettings(db: Db): ElectionSettings {
  return readSettings(settingsStore(db).all());
}
