import { describe, expect, it } from 'vitest';
import { computeStatus, type PurgedCounts, type StatusSource } from '../../src/app/computeStatus.js';
import { UsageError } from '../../src/core/errors.js';
import { parsePurgeDate, purgeIsDue } from '../../src/core/purge.js';

describe('the purge date', () => {
  it('is a calendar day written YYYY-MM-DD', () => {
    expect(parsePurgeDate(' 2026-06-30 ')).toBe('2026-06-30');
    expect(parsePurgeDate('2028-02-29')).toBe('2028-02-29');
    for (const bad of ['2026-02-29', '2026-13-01', '30/06/2026', '2026-6-30', '', 'tomorrow']) {
      expect(() => parsePurgeDate(bad), bad).toThrow(UsageError);
    }
  });

  it('has passed from the next day in the election time zone, and never once purged', () => {
    const settings = { purgeAfter: '2026-06-30', purgedAt: undefined };
    // 23:30 UTC on 30 June is 01:30 on 1 July in Paris, still 30 June in New York.
    const instant = new Date('2026-06-30T23:30:00Z');
    expect(purgeIsDue(settings, instant, 'Europe/Paris')).toBe(true);
    expect(purgeIsDue(settings, instant, 'America/New_York')).toBe(false);
    expect(purgeIsDue(settings, new Date('2026-06-30T21:59:00Z'), 'Europe/Paris')).toBe(false);
    expect(purgeIsDue({ ...settings, purgedAt: '2026-07-02T08:00:00.000Z' }, instant, 'Europe/Paris')).toBe(false);
    expect(purgeIsDue({ purgeAfter: undefined, purgedAt: undefined }, instant, 'Europe/Paris')).toBe(false);
  });
});

/** A purged store stand-in: counts by neighborhood, votes in the hours 07 and 08 UTC, the last at 08:40. */
function purgedSource(overrides: Partial<PurgedCounts> = {}): { port: StatusSource; asked: string[] } {
  const asked: string[] = [];
  const purged: PurgedCounts = { purgedAt: '2026-03-20T10:00:00.000Z', votesUntil: '2026-03-15T08:40:00.000Z', areaFields: ['neighborhood', 'precinct'], ...overrides };
  const port: StatusSource = {
    purged: () => purged,
    votesInHour: (at) => (['2026-03-15T07', '2026-03-15T08'].includes(at.slice(0, 13)) ? 5 : 0),
    defaultAreaField: () => 'neighborhood',
    checkField: () => {},
    areaSupportCounts: (field, at) => {
      asked.push(`${field} ${at}`);
      return [{ area: 'A', support: 1, voters: 10, voted: 4 }];
    },
    supporterChecksByMinute: () => [{ area: 'A', minute: '2026-03-15T07:00', count: 4 }],
  };
  return { port, asked };
}

describe('computeStatus on a purged database', async () => {
  it('answers by the kept fields, on the hour, in an hour without votes, and from the last check on', async () => {
    for (const at of ['2026-03-15T08:00:00.000Z', '2026-03-15T09:30:00.000Z', '2026-03-15T08:40:00.000Z', '2026-03-15T06:15:00.000Z']) {
      const { port, asked } = purgedSource();
      const report = await computeStatus({ source: port }, { at: new Date(at), timeZone: 'Europe/Paris', by: 'precinct' });
      expect(asked).toEqual([`precinct ${at}`]);
      expect(report.totals.voters).toBe(10);
    }
  });

  it('refuses a time inside an hour with votes before the last check, naming the hours it can give', async () => {
    const { port, asked } = purgedSource();
    const run = () => computeStatus({ source: port }, { at: new Date('2026-03-15T07:20:00Z'), timeZone: 'Europe/Paris' });
    await expect(run()).rejects.toThrow(UsageError);
    await expect(run()).rejects.toThrow('the figures as of 2026-03-15 08:20 (inside an hour with votes) are no longer known');
    try {
      await run();
    } catch (error) {
      expect((error as UsageError).hint).toBe('Ask on the hour (--at "2026-03-15 08:00" or --at "2026-03-15 09:00"), or from the last poll check on (--at "2026-03-15 09:40" or later).');
    }
    expect(asked).toEqual([]);
  });

  it('refuses --by a field the tallies do not count by', async () => {
    const { port } = purgedSource();
    await expect(computeStatus({ source: port }, { at: new Date('2026-03-16T00:00:00Z'), timeZone: 'Europe/Paris', by: 'city' })).rejects.toThrow(
      '--by city: this database was purged on 2026-03-20; only the counts by neighborhood and by precinct were kept',
    );
  });

  it('draws the timeline in a zone of whole hours, and refuses it in one of half hours', async () => {
    const at = new Date('2026-03-16T00:00:00Z');
    const paris = await computeStatus({ source: purgedSource().port }, { at, timeZone: 'Europe/Paris', timeline: true });
    expect(paris.timeline?.[0]?.points.map((p) => p.votedInHour)).toEqual([4]);
    await expect(computeStatus({ source: purgedSource().port }, { at, timeZone: 'Asia/Kolkata', timeline: true })).rejects.toThrow(
      'the hours of Asia/Kolkata do not start on UTC hours, so --timeline cannot place them',
    );
    // Without --timeline the table itself is exact in any zone.
    expect((await computeStatus({ source: purgedSource().port }, { at, timeZone: 'Asia/Kolkata' })).totals.voters).toBe(10);
  });
});
