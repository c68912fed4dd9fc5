/**
 * Rejected rows, as both imports handle them: counted, the first few kept and warned about, every
 * one written to the --rejects file when there is one; and --strict turning any of them into a
 * failure of the whole import.
 */
import { DataError } from '../core/errors.js';
import type { RejectedRow, RejectSink } from './importVoters.js';
import type { Reporter } from './ports.js';

export interface RejectTally {
  rejected: number;
  firstRejects: RejectedRow[];
}

export interface RejectContext {
  file: string;
  headers: readonly string[];
  /** How many to keep in the summary and warn about. */
  keep: number;
  reporter: Reporter;
  sink: RejectSink | undefined;
}

export async function recordReject(tally: RejectTally, row: RejectedRow, context: RejectContext): Promise<void> {
  tally.rejected++;
  if (tally.firstRejects.length < context.keep) {
    tally.firstRejects.push(row);
    context.reporter.warn(`${context.file}:${row.line}: rejected: ${row.reason}`);
  }
  if (context.sink) await context.sink.write(context.headers, row);
}

/** Throws when --strict is set and any row was rejected: the import's transaction is then rolled back. */
export function failIfStrict(strict: boolean | undefined, tally: RejectTally, file: string): void {
  if (!strict || tally.rejected === 0) return;
  const first = tally.firstRejects[0]!;
  throw new DataError(`${tally.rejected} row${tally.rejected === 1 ? '' : 's'} rejected and --strict is set: nothing was imported (first: ${first.reason})`, {
    where: { file, line: first.line },
    hint: 'Fix the rows listed above (or see --rejects FILE), or run without --strict to import the rest.',
  });
}
