import { describe, expect, it } from 'vitest';
import {
  assessArea,
  assessAreas,
  buildTimeline,
  DEFAULT_FLAG_RULE,
  flagChanges,
  interpolateCurve,
  isUnderMobilized,
  orderAreas,
  parsePercent,
  parseTimeOfDay,
  shortfall,
  TOTAL_AREA,
  zScore,
  type AreaCounts,
  type AreaStatus,
} from '../../src/core/mobilization.js';

const counts = (area: string | null, supporters: number, supportersVoted: number, voters = supporters, voted = supportersVoted): AreaCounts => ({
  area,
  voters,
  voted,
  supporters,
  supportersVoted,
});

describe('zScore', () => {
  it('is (p - r) / sqrt(r (1 - r) / n)', () => {
    // sqrt(0.5 × 0.5 / 100) = 0.05; (0.4 − 0.5) / 0.05 = −2
    expect(zScore(0.4, 0.5, 100)).toBeCloseTo(-2, 12);
    // sqrt(0.2 × 0.8 / 25) = 0.08; (0.36 − 0.2) / 0.08 = 2
    expect(zScore(0.36, 0.2, 25)).toBeCloseTo(2, 12);
  });

  it('is null, never NaN or Infinity, where it is undefined', () => {
    expect(zScore(null, 0.5, 0)).toBeNull(); // no supporters
    expect(zScore(0.5, 0.5, 0)).toBeNull();
    expect(zScore(0.3, 0, 10)).toBeNull(); // r = 0: no variance
    expect(zScore(0, 0, 10)).toBeNull();
    expect(zScore(0.9, 1, 10)).toBeNull(); // r = 1: no variance
    expect(zScore(1, 1, 10)).toBeNull();
    expect(zScore(0.5, null, 10)).toBeNull(); // unknown reference
  });
});

describe('shortfall', () => {
  it('is round(r × supporters − supporters_voted), never below 0', () => {
    expect(shortfall(0.5, 100, 40)).toBe(10);
    expect(shortfall(0.3, 10, 5)).toBe(0); // 3 − 5 = −2 → 0
    expect(shortfall(0.475, 100, 40)).toBe(8); // 7.5 rounds up
    expect(shortfall(0.45, 10, 4)).toBe(1); // 4.5 − 4 = 0.5 rounds up
  });

  it('is not thrown off by binary fractions', () => {
    // 0.35 × 20 is 7.000000000000001 in binary floating point: 7 − 6 = 1, not 2.
    expect(shortfall(0.35, 20, 6)).toBe(1);
    expect(shortfall(0.07, 100, 6)).toBe(1); // 0.07 × 100 = 7.000000000000001
  });

  it('is null when the reference is unknown and 0 for an area without supporters', () => {
    expect(shortfall(null, 100, 40)).toBeNull();
    expect(shortfall(0.5, 0, 0)).toBe(0);
  });
});

describe('the under-mobilized rule', () => {
  const rule = DEFAULT_FLAG_RULE;

  it('does not flag a small area low by chance', () => {
    // 2 of 10 against 50 %: z = −0.3 / sqrt(0.025) = −1.897 > −1.96
    expect(zScore(0.2, 0.5, 10)).toBeCloseTo(-1.8974, 4);
    expect(isUnderMobilized(0.2, 0.5, 10, 8, { zThreshold: 1.96, minRemaining: 0 })).toBe(false);
  });

  it('flags a large area a little low', () => {
    // 180 of 400 (45 %) against 50 %: z = −0.05 / 0.025 = −2
    expect(isUnderMobilized(0.45, 0.5, 400, 220, rule)).toBe(true);
  });

  it('flags at exactly −Z', () => {
    expect(isUnderMobilized(0.4, 0.5, 100, 60, { zThreshold: 2, minRemaining: 10 })).toBe(true);
    expect(isUnderMobilized(0.4, 0.5, 100, 60, { zThreshold: 2.01, minRemaining: 10 })).toBe(false);
  });

  it('needs at least --min-remaining supporters left to vote', () => {
    expect(isUnderMobilized(0.45, 0.5, 400, 9, rule)).toBe(false);
    expect(isUnderMobilized(0.45, 0.5, 400, 10, rule)).toBe(true);
  });

  it('at r = 1 flags any area below 100 % with enough left to vote; at r = 0 never', () => {
    expect(isUnderMobilized(0.9, 1, 100, 10, rule)).toBe(true);
    expect(isUnderMobilized(0.95, 1, 100, 5, rule)).toBe(false); // only 5 left
    expect(isUnderMobilized(1, 1, 100, 0, rule)).toBe(false);
    expect(isUnderMobilized(0, 0, 100, 100, rule)).toBe(false);
  });

  it('never flags an area without supporters or without a reference', () => {
    expect(isUnderMobilized(null, 0.5, 0, 0, { zThreshold: 1.96, minRemaining: 0 })).toBe(false);
    expect(isUnderMobilized(0.1, null, 100, 90, rule)).toBe(false);
  });
});

describe('assessArea', () => {
  it('fills every field', () => {
    // 50 voters, 20 voted; 40 supporters, 12 voted; reference 50 %:
    // shortfall 20 − 12 = 8; z = (0.3 − 0.5) / sqrt(0.25 / 40) = −0.2 / 0.0790569 = −2.5298
    const a = assessArea(counts('Belsunce', 40, 12, 50, 20), 0.5, DEFAULT_FLAG_RULE);
    expect(a).toEqual({
      area: 'Belsunce',
      voters: 50,
      voted: 20,
      turnout: 0.4,
      supporters: 40,
      supporters_voted: 12,
      supporter_turnout: 0.3,
      remaining: 28,
      reference: 0.5,
      shortfall: 8,
      z: expect.closeTo(-2.5298, 4),
      under_mobilized: true,
    });
  });

  it('gives an area without supporters null rates and no flag', () => {
    const a = assessArea(counts('Empty', 0, 0, 12, 3), 0.5, DEFAULT_FLAG_RULE);
    expect(a).toMatchObject({ turnout: 0.25, supporter_turnout: null, remaining: 0, shortfall: 0, z: null, under_mobilized: false });
  });
});

describe('assessAreas', () => {
  // A: 40 of 100 supporters; B: 150 of 300. Overall: 190 / 400 = 0.475.
  const data = [counts('A', 100, 40, 160, 60), counts('B', 300, 150, 500, 240)];

  it('compares with the overall supporter turnout by default', () => {
    const { areas, totals } = assessAreas(data, { kind: 'overall' }, DEFAULT_FLAG_RULE);
    const a = areas.find((x) => x.area === 'A')!;
    const b = areas.find((x) => x.area === 'B')!;
    expect(a.reference).toBe(0.475);
    // (0.4 − 0.475) / sqrt(0.475 × 0.525 / 100) = −0.075 / 0.0499375 = −1.5019
    expect(a.z).toBeCloseTo(-1.5019, 4);
    expect(a.shortfall).toBe(8); // 47.5 − 40 = 7.5 → 8
    expect(a.under_mobilized).toBe(false);
    // (0.5 − 0.475) / sqrt(0.475 × 0.525 / 300) = 0.025 / 0.0288320 = 0.8671
    expect(b.z).toBeCloseTo(0.8671, 4);
    expect(b.shortfall).toBe(0);
    expect(totals).toEqual({
      area: TOTAL_AREA,
      voters: 660,
      voted: 300,
      turnout: 300 / 660,
      supporters: 400,
      supporters_voted: 190,
      supporter_turnout: 0.475,
      remaining: 210,
      reference: 0.475,
      shortfall: 8, // the sum of the areas' shortfalls
      z: 0,
      under_mobilized: false,
    });
  });

  it('uses a fixed expected rate', () => {
    const { areas, totals } = assessAreas(data, { kind: 'expected', rate: 0.6 }, DEFAULT_FLAG_RULE);
    const a = areas.find((x) => x.area === 'A')!;
    // A: (0.4 − 0.6) / sqrt(0.24 / 100) = −0.2 / 0.0489898 = −4.0825; shortfall 60 − 40 = 20
    expect(a).toMatchObject({ reference: 0.6, shortfall: 20, under_mobilized: true });
    expect(a.z).toBeCloseTo(-4.0825, 4);
    // B: 180 − 150 = 30; (0.5 − 0.6) / sqrt(0.24 / 300) = −0.1 / 0.0282843 = −3.5355
    expect(areas[0]!.area).toBe('B'); // both flagged, larger shortfall first
    expect(totals.shortfall).toBe(50);
    // totals: (0.475 − 0.6) / sqrt(0.24 / 400) = −0.125 / 0.0244949 = −5.1031
    expect(totals.z).toBeCloseTo(-5.1031, 4);
    expect(totals.under_mobilized).toBe(true);
  });

  it('uses a target per area and reports areas without one', () => {
    const rates = new Map([
      ['A', 0.5],
      ['B', 0.4],
    ]);
    const result = assessAreas([...data, counts('C', 20, 5)], { kind: 'targets', rates }, DEFAULT_FLAG_RULE);
    const a = result.areas.find((x) => x.area === 'A')!;
    expect(a.reference).toBe(0.5);
    expect(a.shortfall).toBe(10);
    // (0.4 − 0.5) / sqrt(0.25 / 100) = −2
    expect(a.z).toBeCloseTo(-2, 12);
    expect(a.under_mobilized).toBe(true);
    const c = result.areas.find((x) => x.area === 'C')!;
    expect(c).toMatchObject({ reference: null, shortfall: null, z: null, under_mobilized: false });
    expect(result.withoutReference).toEqual(['C']);
    // totals: supporter-weighted targets (0.5 × 100 + 0.4 × 300) / 400 = 0.425
    expect(result.totals.reference).toBeCloseTo(0.425, 12);
    expect(result.totals.shortfall).toBe(10);
    expect(result.areas.map((x) => x.area)).toEqual(['A', 'B', 'C']); // unknown shortfall last
  });

  it('has no reference at all when nobody is a supporter', () => {
    const result = assessAreas([counts('A', 0, 0, 10, 5)], { kind: 'overall' }, DEFAULT_FLAG_RULE);
    expect(result.totals).toMatchObject({ reference: null, shortfall: null, z: null, supporter_turnout: null, under_mobilized: false });
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/NaN|Infinity/);
  });
});

describe('orderAreas', () => {
  const s = (area: string | null, shortfall: number | null, remaining: number, flagged = false): AreaStatus => ({
    area,
    voters: 0,
    voted: 0,
    turnout: null,
    supporters: 0,
    supporters_voted: 0,
    supporter_turnout: null,
    remaining,
    reference: null,
    shortfall,
    z: null,
    under_mobilized: flagged,
  });

  it('puts flagged areas first, each group by shortfall, then remaining, then name', () => {
    const ordered = orderAreas([
      s('Noailles', 5, 40),
      s('Belsunce', 12, 30, true),
      s('Panier', 30, 100),
      s('Chapitre', 20, 50, true),
      s(null, 5, 40),
      s('Arenc', 5, 40),
      s('Opéra', 5, 60),
      s('Vide', null, 0),
    ]);
    expect(ordered.map((a) => a.area)).toEqual(['Chapitre', 'Belsunce', 'Panier', 'Opéra', 'Arenc', 'Noailles', null, 'Vide']);
  });
});

describe('flagChanges', () => {
  it('lists newly flagged and recovered areas, nothing at the first refresh', () => {
    const area = (name: string, flagged: boolean) => ({ ...assessArea(counts(name, 1, 1), 0.5, DEFAULT_FLAG_RULE), under_mobilized: flagged });
    const before = [area('A', true), area('B', false), area('C', true)];
    const after = [area('A', true), area('B', true), area('C', false)];
    expect(flagChanges(undefined, after)).toEqual({ newlyFlagged: [], recovered: [] });
    expect(flagChanges(before, after)).toEqual({ newlyFlagged: ['B'], recovered: ['C'] });
  });
});

describe('interpolateCurve', () => {
  const curve = [
    { minute: 12 * 60, rate: 0.3 },
    { minute: 8 * 60, rate: 0.1 },
    { minute: 17 * 60, rate: 0.5 },
  ];

  it('is linear between points (in any order)', () => {
    expect(interpolateCurve(curve, 10 * 60)).toBeCloseTo(0.2, 12); // halfway from 8:00 to 12:00
    expect(interpolateCurve(curve, 12 * 60)).toBe(0.3);
    expect(interpolateCurve(curve, 14 * 60 + 30)).toBeCloseTo(0.4, 12); // 150 of 300 minutes from 0.3 to 0.5
  });

  it('is flat before the first point and after the last', () => {
    expect(interpolateCurve(curve, 6 * 60)).toBe(0.1);
    expect(interpolateCurve(curve, 20 * 60)).toBe(0.5);
  });
});

describe('parsePercent and parseTimeOfDay', () => {
  it('reads percentages as people write them', () => {
    expect(parsePercent('62')).toBe(0.62);
    expect(parsePercent('62,5')).toBe(0.625);
    expect(parsePercent(' 62.5 % ')).toBe(0.625);
    expect(parsePercent('0')).toBe(0);
    expect(parsePercent('100%')).toBe(1);
    expect(parsePercent('101')).toBeUndefined();
    expect(parsePercent('-3')).toBeUndefined();
    expect(parsePercent('abc')).toBeUndefined();
  });

  it('reads times of day', () => {
    expect(parseTimeOfDay('08:00')).toBe(480);
    expect(parseTimeOfDay('8h')).toBe(480);
    expect(parseTimeOfDay('17h30')).toBe(1050);
    expect(parseTimeOfDay('12:00:30')).toBe(720.5);
    expect(parseTimeOfDay('9')).toBe(540);
    expect(parseTimeOfDay('25:00')).toBeUndefined();
    expect(parseTimeOfDay('noon')).toBeUndefined();
  });
});

describe('buildTimeline', () => {
  const utcHour = (instant: number) => ((instant % 3_600_000) + 3_600_000) % 3_600_000;
  const t = (hhmm: string) => Date.parse(`2026-03-15T${hhmm}:00Z`);

  it('accumulates supporters per hour, per area and overall, from the first check to the last', () => {
    const series = buildTimeline(
      [
        { area: 'A', instant: t('08:05'), count: 2 },
        { area: 'A', instant: t('08:55'), count: 1 },
        { area: 'B', instant: t('10:30'), count: 4 },
        { area: 'A', instant: t('10:00'), count: 1 },
      ],
      new Map([
        ['A', 10],
        ['B', 8],
      ]),
      utcHour,
    );
    expect(series.map((s) => s.area)).toEqual([TOTAL_AREA, 'A', 'B']);
    const [total, a, b] = series;
    expect(total!.supporters).toBe(18);
    expect(total!.points.map((p) => p.hourStart)).toEqual([t('08:00'), t('09:00'), t('10:00')]);
    expect(total!.points.map((p) => p.supportersVoted)).toEqual([3, 3, 8]);
    expect(a!.points.map((p) => [p.votedInHour, p.supportersVoted, p.supporterTurnout])).toEqual([
      [3, 3, 0.3],
      [0, 3, 0.3],
      [1, 4, 0.4],
    ]);
    expect(b!.points.map((p) => p.supporterTurnout)).toEqual([0, 0, 0.5]);
  });

  it('cuts hours on the local clock (a zone 5 h 30 ahead of UTC)', () => {
    const india = (instant: number) => utcHour(instant + 5.5 * 3_600_000);
    const series = buildTimeline(
      [
        { area: 'A', instant: t('03:20'), count: 1 }, // 08:50 local
        { area: 'A', instant: t('03:40'), count: 1 }, // 09:10 local
      ],
      new Map([['A', 4]]),
      india,
    );
    expect(series[1]!.points.map((p) => [new Date(p.hourStart).toISOString(), p.supportersVoted])).toEqual([
      ['2026-03-15T02:30:00.000Z', 1],
      ['2026-03-15T03:30:00.000Z', 2],
    ]);
  });

  it('is empty before any check', () => {
    const series = buildTimeline([], new Map([['A', 4]]), utcHour);
    expect(series.map((s) => s.points)).toEqual([[], []]);
  });
});
