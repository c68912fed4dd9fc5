import { describe, expect, it } from 'vitest';
import { parseTime, parseTimeToIso, toIso } from '../../src/core/time.js';

const PARIS = 'Europe/Paris';
// 15 March 2026, 12:00 in Paris (UTC+1).
const REFERENCE = new Date('2026-03-15T11:00:00.000Z');
const iso = (text: string): string | undefined => {
  const time = parseTime(text, PARIS, REFERENCE);
  return time === undefined ? undefined : toIso(time);
};

describe('parseTime', () => {
  it('reads instants with a zone as they are', () => {
    expect(iso('2026-03-15T13:35:00Z')).toBe('2026-03-15T13:35:00.000Z');
    expect(iso('2026-03-15 13:35Z')).toBe('2026-03-15T13:35:00.000Z');
    expect(iso('2026-03-15T14:35:10.250+01:00')).toBe('2026-03-15T13:35:10.250Z');
    expect(iso('2026-03-15T14:35:10+0100')).toBe('2026-03-15T13:35:10.000Z');
  });

  it('reads local dates and times of day in the election time zone', () => {
    expect(iso('2026-03-15 14:35')).toBe('2026-03-15T13:35:00.000Z');
    expect(iso('2026-07-14 14:35')).toBe('2026-07-14T12:35:00.000Z'); // summer time
    expect(iso('14h35')).toBe('2026-03-15T13:35:00.000Z');
    expect(iso('9:05:30')).toBe('2026-03-15T08:05:30.000Z');
  });

  it('refuses dates and times that do not exist, whatever the form', () => {
    for (const text of [
      '2026-02-30T10:00:00Z',
      '2026-02-29T10:00:00.000Z',
      '2026-04-31 10:00',
      '2026-03-15T24:00:00Z',
      '2026-03-15T12:60:00+01:00',
      '2026-13-01T10:00:00Z',
      '25:00',
      '0000-02-29 10:00',
      '0050-03-01T10:00:00.000Z',
      'noon',
      '',
    ]) {
      expect(iso(text), text).toBeUndefined();
    }
    expect(iso('2024-02-29T10:00:00Z'), 'a leap day').toBe('2024-02-29T10:00:00.000Z');
    expect(iso('2000-02-29 10:00'), 'a leap day in a year divisible by 400').toBe('2000-02-29T09:00:00.000Z');
  });
});

describe('parseTimeToIso', () => {
  it('gives what parseTime then toIso give, for text already in that form and any other', () => {
    for (const text of [
      '2026-03-15T13:35:00.000Z',
      '2024-02-29T23:59:59.999Z',
      '2026-02-29T10:00:00.000Z',
      '2026-02-30T10:00:00.000Z',
      '2026-03-15T24:00:00.000Z',
      '2026-03-15T13:35:00Z',
      '2026-03-15T14:35:00.000+01:00',
      '2026-03-15 14:35',
      '14h35',
      'soon',
      // Near the exact form: each is read by parseTime, or refused, as it would be without the fast path.
      '2026-03-15t13:35:00.000z',
      '2026-0a-15T13:35:00.000Z',
      '2026-03-15T13:35:00.0a0Z',
      '2026-03-15T13:35:00,000Z',
      '2026-03-15T13:35:60.000Z',
      '0099-12-31T23:59:59.000Z',
      ' 2026-03-15T13:35:00.000Z',
    ]) {
      expect(parseTimeToIso(text, PARIS, REFERENCE), text).toBe(iso(text));
    }
  });
});
