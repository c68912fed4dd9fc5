import {
  assessAreas,
  buildTimeline,
  DEFAULT_FLAG_RULE,
  interpolateCurve,
  type AreaCounts,
  type AreaStatus,
  type CheckCount,
  type CurvePoint,
  type FlagRule,
  type ReferenceRule,
  type TimelineSeries,
} from '../core/mobilization.js';
import { DEFAULT_SUPPORTERS } from '../core/fields.js';
import { UsageError } from '../core/errors.js';
import { toWallClock } from '../core/time.js';
import type { Awaitable } from './ports.js';

/** Voters and votes of one (area, support level) pair, as counted by the store. */
export interface AreaSupportCount {
  area: string | number | null;
  support: number | null;
  voters: number;
  voted: number;
}

/** Supporters checked in one area during one UTC minute (`2026-03-15T13:35`). */
export interface MinuteCount {
  area: string | number | null;
  minute: string;
  count: number;
}

/** What is left to count from once `turnout purge` has run. */
export interface PurgedCounts {
  /** ISO UTC. */
  purgedAt: string;
  /** The last poll check's time (ISO UTC): from it on, every vote counts; null when there were none. */
  votesUntil: string | null;
  /** The fields the kept tallies count by: `--by` can only be one of these. */
  areaFields: string[];
}

/** What computeStatus needs from the database (src/store/status.ts implements it). */
export interface StatusSource {
  /** Set once the database was purged: the counts are then per hour, by area fields only. */
  purged?(): Awaitable<PurgedCounts | undefined>;
  /** Votes (all voters) in the UTC hour of `at`. */
  votesInHour?(at: string): Awaitable<number>;
  /** `neighborhood` when any voter has one, else `precinct`. */
  defaultAreaField(): Awaitable<string>;
  /** Throws a UsageError naming the fields that exist when `field` is unknown. */
  checkField(field: string): Awaitable<void>;
  /** Counts per (area, support) of all voters, with votes checked at or before `at` (ISO UTC). */
  areaSupportCounts(field: string, at: string): Awaitable<AreaSupportCount[]>;
  supporterChecksByMinute(field: string, support: readonly number[], at: string): Awaitable<MinuteCount[]>;
}

/** The rate each area is compared with, as given on the command line. Rates are fractions. */
export type ReferenceInput =
  | { kind: 'overall' }
  | { kind: 'expected'; rate: number }
  | { kind: 'targets'; rates: ReadonlyMap<string, number>; file: string }
  | { kind: 'curve'; points: readonly CurvePoint[]; file: string };

export interface StatusInput {
  /** Voter field or extra column to group by; default neighborhood, else precinct. */
  by?: string;
  /** Support levels that count as supporters; default 1, 2. */
  support?: readonly number[];
  reference?: ReferenceInput;
  /** The moment the figures refer to: later checks are ignored. */
  at: Date;
  /** The election's zone: curve times and timeline hours are read in it. */
  timeZone: string;
  flag?: Partial<FlagRule>;
  timeline?: boolean;
}

export interface StatusReport {
  /** ISO UTC instant the figures refer to. */
  at: string;
  timeZone: string;
  by: string;
  support: number[];
  reference: { kind: ReferenceInput['kind']; rate: number | null; file?: string };
  flag: FlagRule;
  /** Flagged first, by shortfall (see orderAreas). */
  areas: AreaStatus[];
  totals: AreaStatus;
  /** Present when asked for: the whole election first (area "(total)"), then areas in report order. */
  timeline?: TimelineSeries[];
  /** Things the user should know (areas missing from the targets file…). */
  warnings: string[];
}

/**
 * The status of every area at one moment: the use case behind `turnout status`, `turnout watch`
 * and `turnout remind --under-mobilized` (one rule for all three).
 */
export async function computeStatus(ports: { source: StatusSource }, input: StatusInput): Promise<StatusReport> {
  const { source } = ports;
  const by = input.by ?? (await source.defaultAreaField());
  const purged = await source.purged?.();
  const at = input.at.toISOString();
  if (purged) await checkPurgedQuestion(source, purged, by, at, input.timeZone);
  await source.checkField(by);
  const support = [...(input.support ?? DEFAULT_SUPPORTERS)];
  const supporterLevels = new Set(support);
  const flag: FlagRule = { ...DEFAULT_FLAG_RULE, ...input.flag };

  const byArea = new Map<string | null, AreaCounts>();
  for (const row of await source.areaSupportCounts(by, at)) {
    const area = areaName(row.area);
    let counts = byArea.get(area);
    if (!counts) byArea.set(area, (counts = { area, voters: 0, voted: 0, supporters: 0, supportersVoted: 0 }));
    counts.voters += row.voters;
    counts.voted += row.voted;
    if (row.support !== null && supporterLevels.has(row.support)) {
      counts.supporters += row.voters;
      counts.supportersVoted += row.voted;
    }
  }

  const reference = input.reference ?? { kind: 'overall' };
  const rule = referenceRule(reference, input.at, input.timeZone);
  const assessment = assessAreas([...byArea.values()], rule, flag);
  const warnings: string[] = [];
  if (byArea.size === 0) warnings.push('no voters in the database yet: import a voter file first (turnout import voters FILE)');
  if (reference.kind === 'targets') {
    if (assessment.withoutReference.length > 0) {
      warnings.push(
        `no target in ${reference.file} for ${listAreas(assessment.withoutReference)}: their reference, shortfall and z are left empty`,
      );
    }
    const unknown = [...reference.rates.keys()].filter((a) => !byArea.has(a));
    if (unknown.length > 0) warnings.push(`${reference.file} names areas with no voters by ${by}: ${listAreas(unknown)}`);
  }

  const report: StatusReport = {
    at,
    timeZone: input.timeZone,
    by,
    support,
    reference: {
      kind: reference.kind,
      rate: rule.kind === 'targets' ? null : assessment.totals.reference,
      ...('file' in reference ? { file: reference.file } : {}),
    },
    flag,
    areas: assessment.areas,
    totals: assessment.totals,
    warnings,
  };

  if (input.timeline) {
    const checks: CheckCount[] = (await source.supporterChecksByMinute(by, support, at)).map((m) => ({
      area: areaName(m.area),
      instant: Date.parse(`${m.minute}:00Z`),
      count: m.count,
    }));
    if (purged && checks.some((c) => msIntoLocalHour(c.instant, input.timeZone) !== 0)) {
      throw new UsageError(
        `this database was purged: its votes are counted per UTC hour, and the hours of ${input.timeZone} do not start on UTC hours, so --timeline cannot place them`,
        { hint: 'Leave out --timeline: the status table itself is still exact.' },
      );
    }
    const supporters = new Map<string | null, number>();
    for (const a of assessment.areas) supporters.set(a.area, a.supporters);
    report.timeline = buildTimeline(checks, supporters, (instant) => msIntoLocalHour(instant, input.timeZone));
  }
  return report;
}

/**
 * A purged database answers only what its tallies can answer exactly: by neighborhood or
 * precinct, and at a time when the hour's votes are known (no votes in that hour, exactly on the
 * hour, or at or after the last check). Anything else is a usage error that says why.
 */
async function checkPurgedQuestion(source: StatusSource, purged: PurgedCounts, by: string, at: string, timeZone: string): Promise<void> {
  const day = purged.purgedAt.slice(0, 10);
  if (!purged.areaFields.includes(by)) {
    throw new UsageError(
      `--by ${by}: this database was purged on ${day}; only the counts by ${purged.areaFields.join(' and by ')} were kept, not the voters' other fields`,
      { hint: `Use ${purged.areaFields.map((f) => `--by ${f}`).join(' or ')}.` },
    );
  }
  const wholeHour = purged.votesUntil !== null && at >= purged.votesUntil;
  const onTheHour = at === `${at.slice(0, 13)}:00:00.000Z`;
  if (wholeHour || onTheHour || ((await source.votesInHour?.(at)) ?? 0) === 0) return;
  const hourStart = Date.parse(`${at.slice(0, 13)}:00:00.000Z`);
  const local = (instant: number | string): string => {
    const w = toWallClock(new Date(instant), timeZone);
    const two = (n: number): string => String(n).padStart(2, '0');
    return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}`;
  };
  throw new UsageError(
    `this database was purged on ${day}: its votes are counted per hour, so the figures as of ${local(at)} (inside an hour with votes) are no longer known`,
    {
      hint: `Ask on the hour (--at "${local(hourStart)}" or --at "${local(hourStart + 3_600_000)}")${
        purged.votesUntil ? `, or from the last poll check on (--at "${local(Math.ceil(Date.parse(purged.votesUntil) / 60_000) * 60_000)}" or later)` : ''
      }.`,
    },
  );
}

/** Empty and missing values are one area: "no value". */
function areaName(value: string | number | null): string | null {
  if (value === null) return null;
  const text = String(value);
  return text.trim() === '' ? null : text;
}

function referenceRule(reference: ReferenceInput, at: Date, timeZone: string): ReferenceRule {
  switch (reference.kind) {
    case 'overall':
      return { kind: 'overall' };
    case 'expected':
      return { kind: 'expected', rate: reference.rate };
    case 'targets':
      return { kind: 'targets', rates: reference.rates };
    case 'curve': {
      const wall = toWallClock(at, timeZone);
      return { kind: 'curve', rate: interpolateCurve(reference.points, wall.hour * 60 + wall.minute + wall.second / 60) };
    }
  }
}

function msIntoLocalHour(instant: number, timeZone: string): number {
  const wall = toWallClock(new Date(instant), timeZone);
  return (wall.minute * 60 + wall.second) * 1000 + (((instant % 1000) + 1000) % 1000);
}

function listAreas(areas: readonly (string | null)[]): string {
  const names = areas.map((a) => (a === null ? '(no value)' : `"${a}"`));
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
