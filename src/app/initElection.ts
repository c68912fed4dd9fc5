import { normalizeRegion } from '../core/region.js';
import { parsePurgeDate } from '../core/purge.js';
import { checkTimeZone, readSettings, SETTING_KEYS, type ElectionSettings } from '../core/settings.js';
import type { Awaitable } from './ports.js';

/** The part of the settings store this use case needs. */
export interface SettingsPort {
  all(): Awaitable<Record<string, string>>;
  set(key: string, value: string): Awaitable<void>;
  remove(key: string): Awaitable<void>;
}

export interface InitInput {
  region?: string;
  timeZone?: string;
  name?: string;
  footer?: string;
  /** YYYY-MM-DD, or "off" to forget the date. */
  purgeAfter?: string;
}

/** Records the election's settings; options not given keep their current value. */
export async function initElection(settings: SettingsPort, input: InitInput): Promise<ElectionSettings> {
  if (input.region !== undefined) await settings.set(SETTING_KEYS.region, normalizeRegion(input.region));
  if (input.timeZone !== undefined) await settings.set(SETTING_KEYS.timeZone, checkTimeZone(input.timeZone));
  if (input.name !== undefined) await settings.set(SETTING_KEYS.name, input.name);
  if (input.footer !== undefined) await settings.set(SETTING_KEYS.footer, input.footer);
  if (input.purgeAfter !== undefined) {
    if (input.purgeAfter.trim().toLowerCase() === 'off') await settings.remove(SETTING_KEYS.purgeAfter);
    else await settings.set(SETTING_KEYS.purgeAfter, parsePurgeDate(input.purgeAfter));
  }
  const current = await settings.all();
  // Record the zone explicitly so that moving the laptop does not move the election.
  if (current[SETTING_KEYS.timeZone] === undefined) await settings.set(SETTING_KEYS.timeZone, readSettings(current).timeZone);
  return readSettings(await settings.all());
}
