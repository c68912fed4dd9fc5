/**
 * The options of `status`, `watch`, `remind --under-mobilized` and the field server's
 * /api/status, as the user typed them (flags or query parameters), turned into the status use
 * case's input: one rule, whichever adapter reads them.
 */
import type { ReferenceInput, StatusInput } from './computeStatus.js';
import { UsageError } from '../core/errors.js';
import { SUPPORT_MAX, SUPPORT_MIN } from '../core/fields.js';
import { parsePercent, type CurvePoint } from '../core/mobilization.js';
import { parseTime } from '../core/time.js';

/**
 * The options that decide which areas are under-mobilized, shared by `turnout status`,
 * `turnout watch` and `turnout remind --under-mobilized` so the three apply one rule.
 */
export interface StatusQuery {
  by?: string;
  support?: string;
  expected?: string;
  targets?: string;
  curve?: string;
  at?: string;
  z?: string;
  minRemaining?: string;
}

/** Reads the reference files that --targets and --curve name (the CLI's; the server has none). */
export interface ReferenceFiles {
  targets(file: string): Promise<ReadonlyMap<string, number>>;
  curve(file: string): Promise<readonly CurvePoint[]>;
}

/** What the conversion needs from the election and the moment. */
export interface StatusContext {
  timeZone: string;
  now: Date;
}

/** Turns the parsed options into the use case's input; throws UsageError for bad values. */
export async function statusInputFrom(options: StatusQuery, context: StatusContext, files?: ReferenceFiles): Promise<StatusInput> {
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
  } else if (options.targets !== undefined || options.curve !== undefined) {
    if (files === undefined) throw new UsageError('--targets and --curve name files, which can only be read from the command line', { hint: 'Use --expected, or run turnout status.' });
    reference =
      options.targets !== undefined
        ? { kind: 'targets', rates: await files.targets(options.targets), file: options.targets }
        : { kind: 'curve', points: await files.curve(options.curve!), file: options.curve! };
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
