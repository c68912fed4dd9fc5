import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { isQuietTime, parseQuietHours, quietHoursEnd } from '../../src/core/quietHours.js';

const paris = 'Europe/Paris';

describe('quiet hours', () => {
  it('parses HH:MM-HH:MM (and 21h00-8h00), and "off"', () => {
    expect(parseQuietHours('21:00-08:00')).toEqual({ start: 1260, end: 480, text: '21:00-08:00' });
    expect(parseQuietHours('21h00 - 8h00')).toMatchObject({ text: '21:00-08:00' });
    expect(parseQuietHours('off')).toBeUndefined();
    for (const bad of ['21-8', '25:00-08:00', '21:00-21:00', 'tonight']) {
      expect(() => parseQuietHours(bad), bad).toThrow(UsageError);
    }
  });

  it('crosses midnight in the election time zone, start included, end excluded', () => {
    const w = parseQuietHours('21:00-08:00')!;
    // Paris is UTC+1 in March 2026 (before the DST change of 29 March).
    expect(isQuietTime(new Date('2026-03-15T19:59:00Z'), w, paris)).toBe(false); // 20:59
    expect(isQuietTime(new Date('2026-03-15T20:00:00Z'), w, paris)).toBe(true); // 21:00
    expect(isQuietTime(new Date('2026-03-15T23:30:00Z'), w, paris)).toBe(true); // 00:30
    expect(isQuietTime(new Date('2026-03-16T06:59:00Z'), w, paris)).toBe(true); // 07:59
    expect(isQuietTime(new Date('2026-03-16T07:00:00Z'), w, paris)).toBe(false); // 08:00
    expect(quietHoursEnd(w)).toBe('08:00');
  });

  it('reads the same instant differently in another zone, and a same-day window too', () => {
    const w = parseQuietHours('12:00-14:00')!;
    const instant = new Date('2026-11-03T17:30:00Z'); // 12:30 in New York, 18:30 in Paris
    expect(isQuietTime(instant, w, 'America/New_York')).toBe(true);
    expect(isQuietTime(instant, w, paris)).toBe(false);
    expect(isQuietTime(instant, undefined, paris)).toBe(false);
  });
});
