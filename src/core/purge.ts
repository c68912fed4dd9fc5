import { UsageError } from './errors.js';
import { toWallClock } from './time.js';

/**
 * The purge date (`turnout init --purge-after DATE`): a calendar day in the election's time zone.
 * Personal data may be kept through that day; from the next one, every command reminds the user
 * to run `turnout purge` until it has run.
 */
export function parsePurgeDate(text: string): string {
  const value = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) {
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const d = new Date(Date.UTC(year, month - 1, day));
    if (d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day) return value;
  }
  throw new UsageError(`--purge-after "${text}" is not a date`, {
    hint: 'Write it as YYYY-MM-DD, e.g. --purge-after 2026-06-30 (a day in the election\'s time zone), or "off" to remove it.',
  });
}

/** The local day of `now` in `timeZone`, as YYYY-MM-DD. */
export function localDay(now: Date, timeZone: string): string {
  const w = toWallClock(now, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** True once the purge date has passed (the local day of `now` is after it) and no purge has run. */
export function purgeIsDue(settings: { purgeAfter: string | undefined; purgedAt: string | undefined }, now: Date, timeZone: string): boolean {
  if (settings.purgeAfter === undefined || settings.purgedAt !== undefined) return false;
  return localDay(now, timeZone) > settings.purgeAfter;
}

/** The one-line reminder every command prints once the date has passed. */
export function purgeReminder(purgeAfter: string): string {
  return `the purge date of this database (${purgeAfter}) has passed: delete its personal data with \`turnout purge\` (GDPR: support levels are political opinions)`;
}
