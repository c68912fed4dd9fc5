import { readSettings, type ElectionSettings } from '../core/settings.js';
import type { SettingsStore } from './stores.js';

/** The election settings (region, time zone, name, footer) with their defaults, from either engine. */
export async function electionSettings(settings: Pick<SettingsStore, 'all'>): Promise<ElectionSettings> {
  return readSettings(await settings.all());
}
