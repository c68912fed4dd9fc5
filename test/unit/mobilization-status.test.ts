import { describe, expect, it } from 'vitest';
import { computeStatus, type AreaSupportCount, type MinuteCount, type StatusSource } from '../../src/app/computeStatus.js';
import { UsageError } from '../../src/core/errors.js';

/** A store stand-in that records what it was asked. */
function source(rows: AreaSupportCount[], minutes: MinuteCount[] = [], defaultField = 'neighborhood') {
  const asked: Array<{ field: string; at: string; support?: readonly number[] }> = [];
  const port: StatusSource = {
    defaultAreaField: () => defaultField,
    checkField: (field) => {
      if (field === 'nope') throw new UsageError('unknown field "nope"');
    },
    areaSupportCounts: (field, at) => {
      asked.push({ field, at });
      return rows;
    },
    supporterChecksByMinute: (field, support, at) => {
      asked.push({ field, at, support });
      return minutes;
    },
  };
  return { port, asked };
}

const at = new Date('2026-03-15T12:00:00Z'); // 13:00 in Paris

describe('computeStatus', () => {
  it('adds up support levels into voters and supporters, and merges empty and missing areas', async () => {
    const { port, asked } = source([
      { area: 'A', support: 1, voters: 10, voted: 4 },
      { area: 'A', support: 2, voters: 10, voted: 2 },
      { area: 'A', support: 4, voters: 30, voted: 20 },
      { area: 'A', support: null, voters: 5, voted: 5 },
      { area: null, support: 1, voters: 3, voted: 0 },
      { area: '', support: 2, voters: 2, voted: 1 },
      { area: 12, support: 1, voters: 4, voted: 2 },
    ]);
    const report = await computeStatus({ source: port }, { at, timeZone: 'Europe/Paris' });
    expect(asked).toEqual([{ field: 'neighborhood', at: '2026-03-15T12:00:00.000Z' }]);
    expect(report.by).toBe('neighborhood');
    expect(report.support).toEqual([1, 2]);
    const byArea = new Map(report.areas.map((a) => [a.area, a]));
    expect(byArea.get('A')).toMatchObject({ voters: 55, voted: 31, supporters: 20, supporters_voted: 6 });
    expect(byArea.get(null)).toMatchObject({ voters: 5, voted: 1, supporters: 5, supporters_voted: 1 });
    expect(byArea.get('12')).toMatchObject({ voters: 4, supporters: 4, supporters_voted: 2 });
    // Overall: 9 of 29 supporters.
    expect(report.reference).toEqual({ kind: 'overall', rate: 9 / 29 });
    expect(report.totals).toMatchObject({ voters: 64, voted: 34, supporters: 29, supporters_voted: 9 });
    expect(report.warnings).toEqual([]);
  });

  it('reads the curve at the time of day of --at in the election’s zone', async () => {
    const { port } = source([{ area: 'A', support: 1, voters: 100, voted: 20 }]);
    const points = [
      { minute: 12 * 60, rate: 0.2 },
      { minute: 14 * 60, rate: 0.3 },
    ];
    const paris = await computeStatus({ source: port }, { at, timeZone: 'Europe/Paris', reference: { kind: 'curve', points, file: 'c.csv' } });
    expect(paris.reference).toEqual({ kind: 'curve', rate: 0.25, file: 'c.csv' }); // 13:00 local
    const utc = await computeStatus({ source: port }, { at, timeZone: 'UTC', reference: { kind: 'curve', points, file: 'c.csv' } });
    expect(utc.reference.rate).toBe(0.2); // 12:00
    expect(paris.areas[0]).toMatchObject({ reference: 0.25, shortfall: 5 }); // 25 − 20
  });

  it('passes the support levels, the field and the flag rule through', async () => {
    const { port, asked } = source(
      [
        { area: 'A', support: 3, voters: 40, voted: 8 },
        { area: 'B', support: 3, voters: 40, voted: 24 },
      ],
      [{ area: 'A', minute: '2026-03-15T08:10', count: 8 }],
    );
    const report = await computeStatus(
      { source: port },
      { at, timeZone: 'UTC', by: 'precinct', support: [3], flag: { zThreshold: 3 }, timeline: true },
    );
    expect(asked.map((a) => [a.field, a.support])).toEqual([
      ['precinct', undefined],
      ['precinct', [3]],
    ]);
    // A: 8 of 40 against 32 / 80 = 0.4: z = −0.2 / sqrt(0.24 / 40) = −2.582 > −3: not flagged.
    expect(report.flag).toEqual({ zThreshold: 3, minRemaining: 10 });
    expect(report.areas.find((a) => a.area === 'A')).toMatchObject({ under_mobilized: false, shortfall: 8 });
    expect(report.timeline!.map((s) => [s.area, s.points.map((p) => p.supportersVoted)])).toEqual([
      ['(total)', [8]],
      ['A', [8]], // report order: A's shortfall is larger
      ['B', [0]],
    ]);
  });

  it('falls back to the store’s default field and refuses unknown ones', async () => {
    const { port, asked } = source([], [], 'precinct');
    const report = await computeStatus({ source: port }, { at, timeZone: 'UTC' });
    expect(asked[0]!.field).toBe('precinct');
    expect(report.warnings).toEqual(['no voters in the database yet: import a voter file first (turnout import voters FILE)']);
    await expect(computeStatus({ source: port }, { at, timeZone: 'UTC', by: 'nope' })).rejects.toThrow(UsageError);
  });
});
