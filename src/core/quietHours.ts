import { UsageError } from './errors.js';
import { toWallClock } from './time.js';

/**
 * Quiet hours: a daily window of local wall-clock time (in the election's zone) during which
 * no reminder is sent. The window may cross midnight (21:00-08:00). Start is included, end is
 * not: at 21:00 sending stops, at 08:00 it may resume.
 */
export interface QuietHours {
  /** Minutes after local midnight. */
  start: number;
  end: number;
  /** As written, normalized: "21:00-08:00". */
  text: string;
}

export const DEFAULT_QUIET_HOURS = '21:00-08:00';

const WINDOW = /^\s*(\d{1,2})[:h](\d{2})\s*-\s*(\d{1,2})[:h](\d{2})\s*$/i;

/** `21:00-08:00` → window; `off` / `none` → undefined (no quiet hours). */
export function parseQuietHours(text: string): QuietHours | undefined {
  if (/^\s*(off|none)\s*$/i.test(text)) return undefined;
  const m = WINDOW.exec(text);
  const bad = (): UsageError =>
    new UsageError(`--quiet-hours is not a window: "${text}"`, {
      hint: 'Write it HH:MM-HH:MM in the election\'s time zone, e.g. 21:00-08:00 (it may cross midnight), or "off".',
    });
  if (!m) throw bad();
  const [h1, m1, h2, m2] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59) throw bad();
  const start = h1 * 60 + m1;
  const end = h2 * 60 + m2;
  if (start === end) throw bad();
  return { start, end, text: `${hhmm(start)}-${hhmm(end)}` };
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Is `instant` inside the window, read on the clocks of `timeZone`? */
export function isQuietTime(instant: Date, window: QuietHours | undefined, timeZone: string): boolean {
  if (!window) return false;
  const wall = toWallClock(instant, timeZone);
  const minute = wall.hour * 60 + wall.minute;
  return window.start < window.end
    ? minute >= window.start && minute < window.end
    : minute >= window.start || minute < window.end;
}

/** "08:00", the local time sending may resume. */
export function quietHoursEnd(window: QuietHours): string {
  return hhmm(window.end);
}
