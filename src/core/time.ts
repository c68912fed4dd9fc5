/**
 * Time rules. The database stores instants as ISO-8601 UTC strings with milliseconds
 * (`2026-03-15T13:35:00.000Z`, what Date#toISOString gives), so they sort and compare as text.
 * People type local wall-clock times in the election's time zone; these helpers convert.
 */

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading of an instant in a time zone. */
export function toWallClock(instant: Date, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/**
 * The instant at which clocks in `timeZone` read `wall`. In a DST gap the time is read with
 * the offset in force just before the gap; in an overlap the earlier instant is chosen.
 */
export function fromWallClock(wall: WallClock, timeZone: string): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // offset(t) = wall(t) - t; solve t = asUtc - offset(t) by two fixed-point steps.
  let guess = asUtc - offsetAt(new Date(asUtc), timeZone);
  guess = asUtc - offsetAt(new Date(guess), timeZone);
  return new Date(guess);
}

function offsetAt(instant: Date, timeZone: string): number {
  const w = toWallClock(instant, timeZone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

export function toIso(instant: Date): string {
  return instant.toISOString();
}

const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
/** Exactly what toIso writes. */
const CANONICAL_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2})[:h](\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/i;
const LOCAL_TIME = /^(\d{1,2})(?:[:h](\d{2})?)(?::(\d{2}))?$/i;

/**
 * Reads a time as people write it:
 * - an ISO instant with a zone (`2026-03-15T13:35:00Z`, `...+01:00`): taken as is;
 * - a local date and time (`2026-03-15 14:35`, `2026-03-15T14:35:10`, `2026-03-15`): in `timeZone`;
 * - a time of day (`14:35`, `14:35:10`, `14h35`, `14h`): that time on the local date of `reference`.
 * Returns undefined when the text is none of these.
 */
export function parseTime(text: string, timeZone: string, reference: Date): Date | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  let m = ISO_WITH_ZONE.exec(value);
  if (m) {
    // Checked field by field first: Date would read 2026-02-30 as 2 March.
    if (!validWall(wallOf(m))) return undefined;
    const d = new Date(value.replace(' ', 'T'));
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  m = LOCAL_DATE_TIME.exec(value);
  if (m) {
    const wall: WallClock = {
      year: Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4] ?? 0),
      minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0),
    };
    return validWall(wall) ? fromWallClock(wall, timeZone) : undefined;
  }
  m = LOCAL_TIME.exec(value);
  if (m) {
    const today = toWallClock(reference, timeZone);
    const wall: WallClock = { ...today, hour: Number(m[1]), minute: Number(m[2] ?? 0), second: Number(m[3] ?? 0) };
    return validWall(wall) ? fromWallClock(wall, timeZone) : undefined;
  }
  return undefined;
}

/**
 * parseTime then toIso. Text already written as toIso writes it (2026-03-15T13:35:00.000Z: turnout's
 * own exports, most tools' UTC times) is returned as it is once its fields are checked, without
 * building a Date: a poll-check file has a time on every row (10,000 rows: ~20 ms -> ~5 ms).
 */
export function parseTimeToIso(text: string, timeZone: string, reference: Date): string | undefined {
  const m = text.length === 24 ? CANONICAL_UTC.exec(text) : null;
  if (m) return validWall(wallOf(m)) ? text : undefined;
  const time = parseTime(text, timeZone, reference);
  return time === undefined ? undefined : toIso(time);
}

/** The wall clock of a match whose groups 1-6 are year, month, day, hour, minute and (optional) second. */
function wallOf(m: RegExpExecArray): WallClock {
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6] ?? 0) };
}

function validWall(w: WallClock): boolean {
  // Date.UTC reads years 0-99 as 1900-1999: refused rather than moved.
  if (w.year < 100) return false;
  if (w.month < 1 || w.month > 12 || w.day < 1) return false;
  if (w.hour > 23 || w.minute > 59 || w.second > 59) return false;
  const leap = w.year % 4 === 0 && (w.year % 100 !== 0 || w.year % 400 === 0);
  const days = w.month === 2 ? (leap ? 29 : 28) : w.month === 4 || w.month === 6 || w.month === 9 || w.month === 11 ? 30 : 31;
  return w.day <= days;
}

const DURATION_PART = /(\d+(?:\.\d+)?)\s*(d|h|m|min|s)/gi;

/** `2h`, `30m`, `90s`, `1h30m`, `1d` → milliseconds; undefined when not a duration. A bare number is minutes. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 60_000;
  if (!/^(\d+(\.\d+)?\s*(d|h|min|m|s)\s*)+$/.test(value)) return undefined;
  const unit: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, min: 60_000, s: 1000 };
  let total = 0;
  for (const part of value.matchAll(DURATION_PART)) total += Number(part[1]) * (unit[part[2]!] ?? 0);
  return total;
}

/** The machine's own zone, the default when the database has none. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
