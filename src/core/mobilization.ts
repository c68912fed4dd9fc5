/**
 * Mobilization math: which areas' supporters are not turning out, by how many votes, and
 * whether the gap is more than noise. Pure: counts in, figures out.
 *
 * Definitions (also in the README):
 * - p, supporter turnout: supporters_voted / supporters (null when the area has no supporters);
 * - r, reference: the rate the area is compared with (overall supporter turnout, --expected,
 *   --targets, --curve); null when unknown (no supporters anywhere, area missing from targets);
 * - shortfall: round(r × supporters − supporters_voted), never below 0 (halves round up);
 *   null when r is unknown;
 * - z = (p − r) / sqrt(r (1 − r) / n), n = supporters. Null when it is undefined: n = 0, r
 *   unknown, or r = 0 or 1 (no binomial variance). Never NaN or Infinity;
 * - flagged (under_mobilized) when z ≤ −zThreshold and remaining ≥ minRemaining. At r = 1 an
 *   area below 100 % is as far below as it can be (z tends to −∞): it is flagged when it has
 *   minRemaining supporters left. At r = 0 nothing can be below the reference: never flagged.
 */

/** Raw counts of one area, for all voters and for supporters. */
export interface AreaCounts {
  /** The --by value; null for voters without one. */
  area: string | null;
  voters: number;
  voted: number;
  supporters: number;
  supportersVoted: number;
}

/** One row of the status report; field names are the output's. */
export interface AreaStatus {
  area: string | null;
  voters: number;
  voted: number;
  turnout: number | null;
  supporters: number;
  supporters_voted: number;
  supporter_turnout: number | null;
  remaining: number;
  reference: number | null;
  shortfall: number | null;
  z: number | null;
  under_mobilized: boolean;
}

export const STATUS_FIELDS = [
  'area',
  'voters',
  'voted',
  'turnout',
  'supporters',
  'supporters_voted',
  'supporter_turnout',
  'remaining',
  'reference',
  'shortfall',
  'z',
  'under_mobilized',
] as const satisfies readonly (keyof AreaStatus)[];

/** The area label of the totals row in machine-readable output. */
export const TOTAL_AREA = '(total)';

export interface FlagRule {
  /** Flag when z ≤ −zThreshold. Default 1.96 (one-sided, about 2.5 % false alarms per area). */
  zThreshold: number;
  /** …and at least this many supporters are still to vote. Default 10. */
  minRemaining: number;
}

export const DEFAULT_FLAG_RULE: FlagRule = { zThreshold: 1.96, minRemaining: 10 };

export function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** The noise-aware score; null where it is undefined (see the module comment). */
export function zScore(p: number | null, r: number | null, n: number): number | null {
  if (p === null || r === null || n <= 0) return null;
  if (r <= 0 || r >= 1) return null;
  const z = (p - r) / Math.sqrt((r * (1 - r)) / n);
  return Number.isFinite(z) ? z : null;
}

/** Votes short of the reference, never below 0; null when the reference is unknown. */
export function shortfall(r: number | null, supporters: number, supportersVoted: number): number | null {
  if (r === null) return null;
  // Round the product first so that 0.35 × 20 = 7.000000000000001 does not become 8 - 1.
  const expected = Math.round(r * supporters * 1e9) / 1e9;
  return Math.max(0, Math.round(expected - supportersVoted));
}

export function isUnderMobilized(p: number | null, r: number | null, n: number, remaining: number, rule: FlagRule): boolean {
  if (p === null || r === null || n <= 0 || remaining < rule.minRemaining) return false;
  if (r >= 1) return p < 1;
  const z = zScore(p, r, n);
  // A hair of tolerance so that z = −2.0000 computed as −1.9999999999999996 counts as −2.
  return z !== null && z <= -rule.zThreshold + 1e-9;
}

/** Assesses one area against its reference. */
export function assessArea(counts: AreaCounts, reference: number | null, rule: FlagRule): AreaStatus {
  const p = rate(counts.supportersVoted, counts.supporters);
  const remaining = counts.supporters - counts.supportersVoted;
  return {
    area: counts.area,
    voters: counts.voters,
    voted: counts.voted,
    turnout: rate(counts.voted, counts.voters),
    supporters: counts.supporters,
    supporters_voted: counts.supportersVoted,
    supporter_turnout: p,
    remaining,
    reference,
    shortfall: shortfall(reference, counts.supporters, counts.supportersVoted),
    z: zScore(p, reference, counts.supporters),
    under_mobilized: isUnderMobilized(p, reference, counts.supporters, remaining, rule),
  };
}

/** How each area's reference rate is chosen. Rates are fractions (0–1). */
export type ReferenceRule =
  | { kind: 'overall' }
  | { kind: 'expected'; rate: number }
  | { kind: 'targets'; rates: ReadonlyMap<string, number> }
  | { kind: 'curve'; rate: number };

export interface Assessment {
  areas: AreaStatus[];
  totals: AreaStatus;
  /** Areas that have no reference (not in the targets file), for a warning. */
  withoutReference: (string | null)[];
}

/**
 * Assesses every area and the totals row. The totals row's reference is the election-wide
 * rate (for --targets: the supporter-weighted mean of the areas' targets); its shortfall is
 * the sum of the areas' shortfalls (votes to get where areas lag), not a net figure.
 */
export function assessAreas(counts: readonly AreaCounts[], rule: ReferenceRule, flag: FlagRule): Assessment {
  const all = sumCounts(counts);
  const overall = rate(all.supportersVoted, all.supporters);
  const referenceOf = (area: string | null): number | null => {
    switch (rule.kind) {
      case 'overall':
        return overall;
      case 'expected':
      case 'curve':
        return rule.rate;
      case 'targets':
        return area === null ? null : (rule.rates.get(area) ?? null);
    }
  };
  const areas = counts.map((c) => assessArea(c, referenceOf(c.area), flag));
  let totalReference: number | null;
  if (rule.kind === 'targets') {
    let weighted = 0;
    let weight = 0;
    for (const a of areas) {
      if (a.reference === null) continue;
      weighted += a.reference * a.supporters;
      weight += a.supporters;
    }
    totalReference = weight > 0 ? weighted / weight : null;
  } else {
    totalReference = referenceOf(null);
  }
  const totals = assessArea(all, totalReference, flag);
  const anyShortfall = areas.some((a) => a.shortfall !== null);
  totals.shortfall = anyShortfall ? areas.reduce((sum, a) => sum + (a.shortfall ?? 0), 0) : null;
  return {
    areas: orderAreas(areas),
    totals,
    withoutReference: areas.filter((a) => a.reference === null && a.supporters > 0).map((a) => a.area),
  };
}

function sumCounts(counts: readonly AreaCounts[]): AreaCounts {
  const all: AreaCounts = { area: TOTAL_AREA, voters: 0, voted: 0, supporters: 0, supportersVoted: 0 };
  for (const c of counts) {
    all.voters += c.voters;
    all.voted += c.voted;
    all.supporters += c.supporters;
    all.supportersVoted += c.supportersVoted;
  }
  return all;
}

/**
 * Flagged areas first, then the rest; within each group by shortfall, largest first (unknown
 * shortfall last), then by remaining supporters, most first, then by area name (code-point
 * order, areas without a name last), so the order never depends on the database.
 */
export function orderAreas(areas: readonly AreaStatus[]): AreaStatus[] {
  return [...areas].sort((a, b) => {
    if (a.under_mobilized !== b.under_mobilized) return a.under_mobilized ? -1 : 1;
    const sa = a.shortfall ?? -1;
    const sb = b.shortfall ?? -1;
    if (sa !== sb) return sb - sa;
    if (a.remaining !== b.remaining) return b.remaining - a.remaining;
    if (a.area === b.area) return 0;
    if (a.area === null) return 1;
    if (b.area === null) return -1;
    return a.area < b.area ? -1 : 1;
  });
}

/** What changed between two refreshes (turnout watch). */
export interface FlagChanges {
  newlyFlagged: (string | null)[];
  recovered: (string | null)[];
}

export function flagChanges(before: readonly AreaStatus[] | undefined, after: readonly AreaStatus[]): FlagChanges {
  if (!before) return { newlyFlagged: [], recovered: [] };
  const was = new Set(before.filter((a) => a.under_mobilized).map((a) => a.area));
  const now = new Set(after.filter((a) => a.under_mobilized).map((a) => a.area));
  return {
    newlyFlagged: [...now].filter((a) => !was.has(a)),
    recovered: [...was].filter((a) => !now.has(a)),
  };
}

// ---------------------------------------------------------------------------------------------
// Expected-turnout curve

export interface CurvePoint {
  /** Minutes after local midnight. */
  minute: number;
  /** Expected cumulative turnout, fraction 0–1. */
  rate: number;
}

/**
 * The expected rate at `minute` (after local midnight): linear between the surrounding points,
 * the first point's rate before it, the last point's after it. Points need not be sorted.
 */
export function interpolateCurve(points: readonly CurvePoint[], minute: number): number {
  if (points.length === 0) throw new RangeError('empty curve');
  const sorted = [...points].sort((a, b) => a.minute - b.minute);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (minute <= first.minute) return first.rate;
  if (minute >= last.minute) return last.rate;
  for (let i = 1; i < sorted.length; i++) {
    const right = sorted[i]!;
    if (minute <= right.minute) {
      const left = sorted[i - 1]!;
      if (right.minute === left.minute) return right.rate;
      return left.rate + ((right.rate - left.rate) * (minute - left.minute)) / (right.minute - left.minute);
    }
  }
  return last.rate;
}

// ---------------------------------------------------------------------------------------------
// Timeline: supporter turnout hour by hour

/** Supporter checks counted per area and minute (UTC instant of the minute's start). */
export interface CheckCount {
  area: string | null;
  /** ms since the epoch. */
  instant: number;
  count: number;
}

export interface TimelinePoint {
  /** Start of the local hour, ms since the epoch. */
  hourStart: number;
  /** Supporters who voted during this hour. */
  votedInHour: number;
  /** Supporters who had voted by the end of this hour (cumulative). */
  supportersVoted: number;
  supporterTurnout: number | null;
}

export interface TimelineSeries {
  area: string | null;
  supporters: number;
  points: TimelinePoint[];
}

/**
 * Cumulative supporter turnout by local hour, per area and for the whole election (area
 * TOTAL_AREA, first). `localMinuteOf(instant)` gives minutes and seconds past the local hour
 * in ms (the time zone's business, passed in); hours run from the first check's to the last's.
 */
export function buildTimeline(
  checks: readonly CheckCount[],
  supportersByArea: ReadonlyMap<string | null, number>,
  msIntoLocalHour: (instant: number) => number,
): TimelineSeries[] {
  const hourOf = (instant: number): number => instant - msIntoLocalHour(instant);
  const perArea = new Map<string | null, Map<number, number>>();
  const total = new Map<number, number>();
  let first = Infinity;
  let last = -Infinity;
  for (const c of checks) {
    const hour = hourOf(c.instant);
    first = Math.min(first, hour);
    last = Math.max(last, hour);
    let m = perArea.get(c.area);
    if (!m) perArea.set(c.area, (m = new Map()));
    m.set(hour, (m.get(hour) ?? 0) + c.count);
    total.set(hour, (total.get(hour) ?? 0) + c.count);
  }
  const hours: number[] = [];
  if (checks.length > 0) {
    // Step an hour at a time, re-aligning on the local hour (a half-hour DST change moves it).
    for (let h = first; h <= last; h = hourOf(h + 3_600_000)) hours.push(h);
  }
  const series = (area: string | null, byHour: Map<number, number> | undefined, supporters: number): TimelineSeries => {
    let cumulative = 0;
    return {
      area,
      supporters,
      points: hours.map((hourStart) => {
        const votedInHour = byHour?.get(hourStart) ?? 0;
        cumulative += votedInHour;
        return { hourStart, votedInHour, supportersVoted: cumulative, supporterTurnout: rate(cumulative, supporters) };
      }),
    };
  };
  let allSupporters = 0;
  for (const n of supportersByArea.values()) allSupporters += n;
  const out = [series(TOTAL_AREA, total, allSupporters)];
  for (const [area, supporters] of supportersByArea) out.push(series(area, perArea.get(area), supporters));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the values people write in --expected, targets and curve files

/**
 * A percentage as people write it: `62`, `62.5`, `62,5`, `62 %`, `62%` → 0.625 (a fraction).
 * Undefined when it is not a number between 0 and 100.
 */
export function parsePercent(text: string): number | undefined {
  const m = /^\s*(\d+(?:[.,]\d+)?)\s*%?\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]!.replace(',', '.'));
  if (!(value >= 0 && value <= 100)) return undefined;
  return value / 100;
}

/** A time of day: `8`, `08:00`, `8h`, `8h30`, `17:45:00` → minutes after midnight. */
export function parseTimeOfDay(text: string): number | undefined {
  const m = /^\s*(\d{1,2})(?:\s*[:hH]\s*(\d{2})?)?(?::(\d{2}))?\s*$/.exec(text);
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  const second = Number(m[3] ?? 0);
  if (hour > 24 || minute > 59 || second > 59 || (hour === 24 && minute + second > 0)) return undefined;
  return hour * 60 + minute + second / 60;
}
