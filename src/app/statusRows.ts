/**
 * The status and the timeline as rows: what `status --format csv|json|ndjson` prints and what the
 * field server's /api/status and /api/timeline answer, so the two stay equal.
 */
import type { StatusReport } from './computeStatus.js';
import { TOTAL_AREA, type AreaStatus, type TimelineSeries } from '../core/mobilization.js';
import { toWallClock } from '../core/time.js';

export type StatusRow = Record<string, string | number | boolean | null>;

/** The rows of `status --format json`: the areas (only the flagged ones if asked), then the totals row unless so. */
export function statusRows(report: StatusReport, underMobilized: boolean): StatusRow[] {
  const rows = (underMobilized ? report.areas.filter((a) => a.under_mobilized) : report.areas).map((a) => ({ ...outputRow(a), as_of: report.at }));
  if (!underMobilized) rows.push({ ...outputRow(report.totals), as_of: report.at });
  return rows;
}

const round = (value: number | null, digits: number): number | null =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** An area as printed in csv/json/ndjson: rates as fractions to 4 decimals, z to 3. */
export function outputRow(a: AreaStatus): StatusRow {
  return {
    area: a.area,
    voters: a.voters,
    voted: a.voted,
    turnout: round(a.turnout, 4),
    supporters: a.supporters,
    supporters_voted: a.supporters_voted,
    supporter_turnout: round(a.supporter_turnout, 4),
    remaining: a.remaining,
    reference: round(a.reference, 4),
    shortfall: a.shortfall,
    z: round(a.z, 3),
    under_mobilized: a.under_mobilized,
  };
}

export function localTime(iso: string | number, timeZone: string, withDate = true): string {
  const w = toWallClock(new Date(iso), timeZone);
  const two = (n: number): string => String(n).padStart(2, '0');
  const time = `${two(w.hour)}:${two(w.minute)}`;
  return withDate ? `${w.year}-${two(w.month)}-${two(w.day)} ${time}` : time;
}


/** The timeline as rows (csv/json/ndjson, and the field server's /api/timeline). */
export function timelineRows(report: StatusReport, series: readonly TimelineSeries[]): StatusRow[] {
  return series.flatMap((s) =>
    s.points.map((p) => ({
      area: s.area,
      hour: new Date(p.hourStart).toISOString(),
      hour_local: localTime(p.hourStart, report.timeZone, false),
      voted_in_hour: p.votedInHour,
      supporters_voted: p.supportersVoted,
      supporters: s.supporters,
      supporter_turnout: round(p.supporterTurnout, 4),
      as_of: report.at,
    })),
  );
}

/** The series of the timeline for these areas, the election's total first. */
export function timelineSeries(report: StatusReport, areas: readonly AreaStatus[]): TimelineSeries[] {
  const wanted = new Set<string | null>([TOTAL_AREA, ...areas.map((a) => a.area)]);
  const order = new Map<string | null, number>([[TOTAL_AREA, -1], ...areas.map((a, i) => [a.area, i] as const)]);
  return (report.timeline ?? []).filter((s) => wanted.has(s.area)).sort((a, b) => order.get(a.area)! - order.get(b.area)!);
}

