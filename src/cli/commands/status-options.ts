import { Option, type Command } from 'commander';
import type { StatusInput } from '../../app/computeStatus.js';
import { statusInputFrom as parseStatusQuery, type StatusContext, type StatusQuery } from '../../app/statusQuery.js';

/**
 * The options that decide which areas are under-mobilized, shared by `turnout status`,
 * `turnout watch` and `turnout remind --under-mobilized` so the three apply one rule
 * (src/app/statusQuery.ts, which the field server's /api/status reads too).
 */
export type StatusCliOptions = StatusQuery;

export function addStatusOptions(command: Command): Command {
  return command
    .option('--by <field>', 'group by this voter field or imported column (default: neighborhood, else precinct)')
    .option('--support <levels>', 'support levels that count as supporters, 1 strong support … 5 strong opposition', '1,2')
    .addOption(new Option('--expected <pct>', 'compare every area with this supporter turnout (percent) instead of the overall one'))
    .addOption(new Option('--targets <file>', 'CSV of area, target percent: a reference per area'))
    .addOption(
      new Option('--curve <file>', 'CSV of time of day, expected cumulative turnout percent: the reference is the curve at --at'),
    )
    .option('--at <time>', "figures as of this time (later checks ignored), e.g. 14:30 or 2026-03-15T14:30; default: now")
    .option('--z <score>', 'flag an area when its z-score is at or below minus this', '1.96')
    .option('--min-remaining <n>', 'and it still has at least this many supporters to vote', '10');
}

/** Turns the parsed options into the use case's input, reading --targets/--curve files; throws UsageError for bad values. */
export function statusInputFrom(options: StatusCliOptions, context: StatusContext): Promise<StatusInput> {
  return parseStatusQuery(options, context, {
    targets: async (file) => (await import('../../io/referenceFiles.js')).readTargets(file),
    curve: async (file) => (await import('../../io/referenceFiles.js')).readCurve(file),
  });
}
