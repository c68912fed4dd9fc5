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
  const canonical = canonicalUtcValid(text);
  if (canonical !== undefined) return canonical ? text : undefined;
  const time = parseTime(text, timeZone, reference);
  return time === undefined ? undefined : toIso(time);
}

/** Offsets of the digits and separators of 2026-03-15T13:35:00.000Z. */
const CANONICAL_SEPARATORS: readonly [number, number][] = [[4, 45], [7, 45], [10, 84], [13, 58], [16, 58], [19, 46], [23, 90]];

/**
 * Whether text in toIso's exact form has valid fields (undefined: not that form), read with
 * charCodeAt: no match array, substrings or numbers to allocate on every row of a check file.
 * Its fields pass validWall, as parseTime's other forms must.
 */
function canonicalUtcValid(text: string): boolean | undefined {
  if (text.length !== 24) return undefined;
  for (const [at, code] of CANONICAL_SEPARATORS) if (text.charCodeAt(at) !== code) return undefined;
  const year = digits(text, 0, 4), month = digits(text, 5, 7), day = digits(text, 8, 10);
  const hour = digits(text, 11, 13), minute = digits(text, 14, 16), second = digits(text, 17, 19);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || digits(text, 20, 23) < 0) return undefined;
  return validFields(year, month, day, hour, minute, second);
}

/** The number written in text[from, to), or -1 when a character there is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** The wall clock of a match whose groups 1-6 are year, month, day, hour, minute and (optional) second. */
function wallOf(m: RegExpExecArray): WallClock {
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6] ?? 0) };
}

function validWall(w: WallClock): boolean {
  return validFields(w.year, w.month, w.day, w.hour, w.minute, w.second);
}

function validFields(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  // Date.UTC reads years 0-99 as 1900-1999: refused rather than moved.
  if (year < 100) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
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
