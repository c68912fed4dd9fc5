import type { Command } from 'commander';
import type { StatusReport } from '../../app/computeStatus.js';
import { STATUS_FIELDS, TOTAL_AREA, type AreaStatus, type TimelineSeries } from '../../core/mobilization.js';
import { localTime, statusRows, timelineRows, timelineSeries } from '../../app/statusRows.js';
import { action, examples } from '../action.js';
import type { CliContext } from '../context.js';
import { withStores } from '../database.js';
import { addOutputOptions, chooseFormat, renderTable, RowSink, writeRows, type OutputOptions, type Row } from '../output.js';
import { addStatusOptions, statusInputFrom, type StatusCliOptions } from './status-options.js';

interface StatusOptions extends StatusCliOptions, OutputOptions {
  underMobilized?: boolean;
  timeline?: boolean;
}

export function registerStatus(program: Command): void {
  const command = program
    .command('status')
    .description('supporter turnout per area: where supporters are not voting, and how many votes are still to get');
  addStatusOptions(command)
    .option('--under-mobilized', 'only the flagged areas')
    .option('--timeline', 'supporter turnout hour by hour, for the election and per area');
  addOutputOptions(command)
    .addHelpText(
      'after',
      `
An area is flagged (under-mobilized) when its supporter turnout p is significantly below the
reference r: z = (p - r) / sqrt(r (1 - r) / n) <= -Z, n its supporters, and it still has at
least --min-remaining supporters who have not voted. Rates are fractions in csv/json/ndjson.
${examples(
  'turnout status',
  'turnout status --by precinct --under-mobilized',
  'turnout status --expected 55 --at 15:00 --format csv > status-15h.csv',
  'turnout status --curve fixtures/status-curve.csv --at "2026-03-15 16:00"',
  'turnout status --by canvass_team --timeline',
)}`,
    )
    .action(
      action<StatusOptions>(async (ctx, options) => {
        const report = await runStatus(ctx, options, { timeline: options.timeline === true });
        for (const warning of report.warnings) ctx.reporter.warn(warning);
        const format = chooseFormat(ctx, options, 'json');
        const areas = options.underMobilized ? report.areas.filter((a) => a.under_mobilized) : report.areas;
        if (options.timeline) {
          await printTimeline(ctx, report, areas, format, options.out);
          return;
        }
        if (format === 'table') {
          const sink = RowSink.open(ctx, options.out);
          await sink.write(renderStatus(ctx, report, areas));
          await sink.close();
          return;
        }
        // Machine formats: the areas, then the totals row (area "(total)"), unless only flagged areas were
        // asked for; each row says the moment its figures describe (as_of), so a saved file still does.
        const rows = statusRows(report, options.underMobilized === true);
        await writeRows(ctx, rows, [...STATUS_FIELDS, 'as_of'], { format, ...(options.out ? { out: options.out } : {}) });
      }),
    );
}

/** Opens the database, reads the settings and computes the report (shared with watch). */
export async function runStatus(ctx: CliContext, options: StatusCliOptions, extra: { timeline?: boolean } = {}): Promise<StatusReport> {
  const { computeStatus } = await import('../../app/computeStatus.js');
  const { electionSettings } = await import('../../app/settings.js');
  return withStores(
    ctx,
    async (stores) => {
      const settings = await electionSettings(await stores.settings());
      const input = await statusInputFrom(options, { timeZone: settings.timeZone, now: ctx.clock.now() });
      return computeStatus({ source: await stores.status() }, { ...input, timeline: extra.timeline === true });
    },
    { create: false, allowPurged: true },
  );
}

// ---------------------------------------------------------------------------------------------
// The terminal view

function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

/** Ten cells: supporter turnout filled, the reference marked with a bar. */
function turnoutBar(p: number | null, r: number | null): string {
  const width = 10;
  const filled = p === null ? 0 : Math.round(p * width);
  const mark = r === null ? -1 : Math.min(width - 1, Math.floor(r * width));
  let bar = '';
  for (let i = 0; i < width; i++) bar += i === mark && i >= filled ? '│' : i < filled ? '█' : '·';
  return bar;
}

function describeReference(report: StatusReport): string {
  const r = report.reference;
  switch (r.kind) {
    case 'overall':
      return `overall supporter turnout (${percent(r.rate)})`;
    case 'expected':
      return `expected ${percent(r.rate)}`;
    case 'targets':
      return `targets from ${r.file}`;
    case 'curve':
      return `${r.file} at ${localTime(report.at, report.timeZone, false)} (${percent(r.rate)})`;
  }
}

/** The status fields, with the turnout bar drawn after the supporters' turnout. */
const TABLE_COLUMNS: readonly string[] = STATUS_FIELDS.flatMap((field) => (field === 'supporter_turnout' ? [field, 'bar'] : [field]));

const HEADERS: Record<string, string> = {
  supporters_voted: 'sup. voted',
  supporter_turnout: 'sup. turnout',
  bar: '',
  under_mobilized: 'flag',
};

export interface TableMarks {
  /** Areas to mark as newly flagged / recovered (watch). */
  newlyFlagged?: ReadonlySet<string | null>;
  recovered?: ReadonlySet<string | null>;
}

/** The status table for a person: heading, rows (flagged in red), totals, and the rule. */
export function renderStatus(ctx: CliContext, report: StatusReport, areas: readonly AreaStatus[], marks: TableMarks = {}): string {
  const out = ctx.out;
  const asRow = (a: AreaStatus, total = false): Row => ({
    area: total ? 'TOTAL' : (a.area ?? '(no value)'),
    voters: a.voters,
    voted: a.voted,
    turnout: percent(a.turnout),
    supporters: a.supporters,
    supporters_voted: a.supporters_voted,
    supporter_turnout: percent(a.supporter_turnout),
    bar: turnoutBar(a.supporter_turnout, a.reference),
    remaining: a.remaining,
    reference: percent(a.reference),
    shortfall: a.shortfall ?? '–',
    z: a.z === null ? '–' : a.z.toFixed(2),
    under_mobilized: flagText(a, marks, total),
    _flagged: a.under_mobilized && !total,
    _recovered: !total && marks.recovered?.has(a.area) === true,
    _total: total,
  });
  const rows = [...areas.map((a) => asRow(a)), asRow(report.totals, true)];
  const right = ['voters', 'voted', 'turnout', 'supporters', 'supporters_voted', 'supporter_turnout', 'remaining', 'reference', 'shortfall', 'z'];
  const table = renderTable(rows, TABLE_COLUMNS, {
    headers: HEADERS,
    align: Object.fromEntries(right.map((c) => [c, 'right' as const])),
    rowStyle: (row, text) => (row._flagged ? out.red(text) : row._recovered ? out.green(text) : row._total ? out.bold(text) : text),
  }, ctx);
  const flagged = report.areas.filter((a) => a.under_mobilized).length;
  const heading =
    `${out.bold(`Supporter turnout by ${report.by}`)}, as of ${localTime(report.at, report.timeZone)} (${report.timeZone})` +
    ` · supporters: support ${report.support.join(',')} · reference: ${describeReference(report)}\n`;
  const footer =
    `${flagged === 0 ? 'No area is under-mobilized' : out.red(`${flagged} under-mobilized area${flagged === 1 ? '' : 's'}`)}` +
    ` (z ≤ −${report.flag.zThreshold} and at least ${report.flag.minRemaining} supporters left to vote)` +
    (areas.length < report.areas.length ? `; ${report.areas.length - areas.length} other areas not shown` : '') +
    '\n';
  return `${heading}\n${table}\n${footer}`;
}

function flagText(a: AreaStatus, marks: TableMarks, total: boolean): string {
  if (total) return a.under_mobilized ? 'LOW' : '';
  if (marks.newlyFlagged?.has(a.area)) return 'LOW (new)';
  if (marks.recovered?.has(a.area)) return 'recovered';
  return a.under_mobilized ? 'LOW' : '';
}

// ---------------------------------------------------------------------------------------------
// --timeline

const TIMELINE_FIELDS = ['area', 'hour', 'hour_local', 'voted_in_hour', 'supporters_voted', 'supporters', 'supporter_turnout', 'as_of'] as const;

async function printTimeline(
  ctx: CliContext,
  report: StatusReport,
  areas: readonly AreaStatus[],
  format: ReturnType<typeof chooseFormat>,
  out: string | undefined,
): Promise<void> {
  const series = timelineSeries(report, areas);
  if (format === 'table') {
    const sink = RowSink.open(ctx, out);
    await sink.write(renderTimeline(ctx, report, series));
    await sink.close();
    return;
  }
  const rows = timelineRows(report, series);
  await writeRows(ctx, rows, TIMELINE_FIELDS, { format, ...(out ? { out } : {}) });
}

const LEVELS = ' ▁▂▃▄▅▆▇█';

function renderTimeline(ctx: CliContext, report: StatusReport, series: readonly TimelineSeries[]): string {
  const heading = `${ctx.out.bold(`Supporter turnout by hour and ${report.by}`)}, as of ${localTime(report.at, report.timeZone)} (${report.timeZone})\n`;
  const hours = series[0]?.points.map((p) => p.hourStart) ?? [];
  if (hours.length === 0) return `${heading}\nNo supporter has been checked yet.\n`;
  const name = (s: TimelineSeries): string => (s.area === TOTAL_AREA ? 'TOTAL' : (s.area ?? '(no value)'));
  const width = Math.max(5, ...series.map((s) => [...name(s)].length));
  const cell = 3;
  const hourRow =
    ' '.repeat(width) + '  ' + hours.map((h) => localTime(h, report.timeZone, false).slice(0, 2).padEnd(cell)).join('') + '  now';
  // Scale to the highest turnout on the chart so that the pace of the day shows, not just its end.
  const top = Math.max(0.01, ...series.flatMap((s) => s.points.map((p) => p.supporterTurnout ?? 0)));
  const lines = series.map((s) => {
    const blocks = s.points
      .map((p) => {
        const v = p.supporterTurnout ?? 0;
        const level = v <= 0 ? 0 : Math.max(1, Math.round((v / top) * (LEVELS.length - 1)));
        return LEVELS[level]!.repeat(2).padEnd(cell);
      })
      .join('');
    const last = s.points[s.points.length - 1];
    const text = `${name(s).padEnd(width)}  ${blocks}  ${percent(last?.supporterTurnout ?? null).padStart(6)}`;
    return s.area === TOTAL_AREA ? ctx.out.bold(text) : text;
  });
  return (
    `${heading}\n${hourRow}\n${lines.join('\n')}\n\n` +
    `Each column is an hour (local time): the supporters' cumulative turnout at its end; a full block is ${percent(top)}.\n`
  );
}
