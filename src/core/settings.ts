import { UsageError } from './errors.js';
import { isValidTimeZone, systemTimeZone } from './time.js';

/** Election settings recorded by `turnout init`, stored in the database's settings table. */
export interface ElectionSettings {
  /** Default phone region, ISO 3166 alpha-2 (FR, US). Undefined: numbers must be written in +international form. */
  region: string | undefined;
  /** IANA zone of the election (Europe/Paris): check times, --at, quiet hours. */
  timeZone: string;
  name: string | undefined;
  /** Opt-out footer appended to SMS reminders. */
  footer: string | undefined;
  /** The day after which the personal data should be purged (`turnout init --purge-after`), YYYY-MM-DD. */
  purgeAfter: string | undefined;
  /** When `turnout purge` ran (ISO UTC): the database holds aggregates only. */
  purgedAt: string | undefined;
}

export const SETTING_KEYS = {
  region: 'region',
  timeZone: 'timezone',
  name: 'name',
  footer: 'footer',
  purgeAfter: 'purge_after',
  purgedAt: 'purged_at',
  /** The last poll check's time, recorded by the purge (status --at after it counts every vote). */
  votesUntil: 'purge_votes_until',
} as const;

export function readSettings(values: Record<string, string>): ElectionSettings {
  return {
    region: values[SETTING_KEYS.region],
    timeZone: values[SETTING_KEYS.timeZone] ?? systemTimeZone(),
    name: values[SETTING_KEYS.name],
    footer: values[SETTING_KEYS.footer],
    purgeAfter: values[SETTING_KEYS.purgeAfter],
    purgedAt: values[SETTING_KEYS.purgedAt],
  };
}

export function checkTimeZone(input: string): string {
  const zone = input.trim();
  if (!isValidTimeZone(zone)) {
    throw new UsageError(`unknown time zone "${input}"`, {
      hint: 'Use an IANA zone name such as Europe/Paris or America/New_York.',
    });
  }
  return zone;
}
