import { Option, type Command } from 'commander';
import type { ReferenceInput, StatusInput } from '../../app/computeStatus.js';
import { UsageError } from '../../core/errors.js';
import { SUPPORT_MAX, SUPPORT_MIN } from '../../core/fields.js';
import { parsePercent } from '../../core/mobilization.js';
import { parseTime } from '../../core/time.js';

/**
 * The options that decide which areas are under-mobilized, shared by `turnout status`,
 * `turnout watch` and `turnout remind --under-mobilized` so the three apply one rule.
 */
export interface StatusCliOptions {
  by?: string;
  support?: string;
  expected?: string;
  targets?: string;
  curve?: string;
  at?: string;
  z?: string;
  minRemaining?: string;
}

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

/** What the conversion needs from the election and the moment. */
export interface StatusContext {
  timeZone: string;
  now: Date;
}

/** Turns the parsed options into the use case's input; throws UsageError for bad values. */
export async function statusInputFrom(options: StatusCliOptions, context: StatusContext): Promise<StatusInput> {
  const references = [options.expected, options.targets, options.curve].filter((v) => v !== undefined);
  if (references.length > 1) {
    throw new UsageError('--expected, --targets and --curve are alternatives: give one', {
      hint: 'Without any of them each area is compared with the overall supporter turnout.',
    });
  }
  let reference: ReferenceInput = { kind: 'overall' };
  if (options.expected !== undefined) {
    const rate = parsePercent(options.expected);
    if (rate === undefined) {
      throw new UsageError(`--expected "${options.expected}" is not a percentage between 0 and 100`, { hint: 'For 62 %, write --expected 62.' });
    }
    reference = { kind: 'expected', rate };
  } else if (options.targets !== undefined) {
    const { readTargets } = await import('../../io/referenceFiles.js');
    reference = { kind: 'targets', rates: readTargets(options.targets), file: options.targets };
  } else if (options.curve !== undefined) {
    const { readCurve } = await import('../../io/referenceFiles.js');
    reference = { kind: 'curve', points: readCurve(options.curve), file: options.curve };
  }

  let at = context.now;
  if (options.at !== undefined) {
    const parsed = parseTime(options.at, context.timeZone, context.now);
    if (!parsed) {
      throw new UsageError(`--at "${options.at}" is not a time`, {
        hint: `Write 14:30 (today, ${context.timeZone}), 2026-03-15 14:30, or an ISO time with a zone.`,
      });
    }
    at = parsed;
  }

  const input: StatusInput = {
    support: parseSupport(options.support ?? '1,2'),
    reference,
    at,
    timeZone: context.timeZone,
    flag: {
      zThreshold: parseNumber('--z', options.z ?? '1.96', 0),
      minRemaining: parseNumber('--min-remaining', options.minRemaining ?? '10', 0, true),
    },
  };
  if (options.by !== undefined) input.by = options.by;
  return input;
}

function parseSupport(text: string): number[] {
  const levels = new Set<number>();
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const range = /^(\d)(?:-(\d))?$/.exec(part);
    const low = Number(range?.[1]);
    const high = Number(range?.[2] ?? range?.[1]);
    if (!range || low < SUPPORT_MIN || high > SUPPORT_MAX || low > high) {
      throw new UsageError(`--support "${text}": "${part}" is not a support level ${SUPPORT_MIN}–${SUPPORT_MAX}`, {
        hint: 'Write levels separated by commas, e.g. --support 1,2 or --support 1-3.',
      });
    }
    for (let l = low; l <= high; l++) levels.add(l);
  }
  if (levels.size === 0) throw new UsageError('--support needs at least one level', { hint: 'For example --support 1,2.' });
  return [...levels].sort((a, b) => a - b);
}

function parseNumber(flag: string, text: string, min: number, integer = false): number {
  const value = Number(text.trim().replace(',', '.'));
  if (text.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} "${text}" is not ${integer ? 'a whole number' : 'a number'} of at least ${min}`);
  }
  return value;
}
