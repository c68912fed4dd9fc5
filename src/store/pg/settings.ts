import { readSettings, type ElectionSettings } from '../../core/settings.js';
import type { PgDb } from './connect.js';

export interface PgSettingsStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
  all(): Promise<Record<string, string>>;
}

export function pgSettingsStore(db: PgDb): PgSettingsStore {
  return {
    get: async (key) => (await db.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key])).rows[0]?.value,
    set: async (key, value) => {
      await db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
    remove: async (key) => {
      await db.query('DELETE FROM settings WHERE key = $1', [key]);
    },
    all: async () => Object.fromEntries((await db.query<{ key: string; value: string }>('SELECT key, value FROM settings ORDER BY key')).rows.map((r) => [r.key, r.value])),
  };
}

/** The election settings (region, time zone, name, footer) with their defaults. */
export async function loadSettingsPg(db: PgDb): Promise<ElectionSettings> {
  return readSettings(await pgSettingsStore(db).all());
}
