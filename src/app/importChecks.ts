/**
 * Use case: import a poll-check file (who has voted). Rows name voters by id, or by precinct and
 * list number. Idempotent: a voter checked twice keeps the earliest time; checks that match no
 * voter are kept as unmatched and applied when a later voter import brings the voter.
 */
import { DataError, UsageError } from '../core/errors.js';
import { CHECK_SYNONYMS, mapHeaders, type CheckField } from '../core/mapping.js';
import { parseTime, parseTimeToIso, toIso } from '../core/time.js';
import type { Awaitable, Clock, Reporter } from './ports.js';
import { failIfStrict, recordReject } from './rejected.js';
import type { RejectedRow, RejectSink } from './importVoters.js';

export type CheckKey = 'id' | 'precinct,list_number';

export interface CheckFileReading {
  file: string;
  headers: string[];
  delimiter: string;
  encoding: string;
  /** Data rows in batches: cells as read and the line each starts on. */
  rows: AsyncIterable<Array<{ fields: string[]; line: number }>>;
}

/** A voter named by a check row. */
export type CheckTarget = { voterId: string } | { precinct: string; listNumber: string };

export interface CheckToRecord {
  target: CheckTarget;
  checkedAt: string;
  source: string | null;
  file: string;
  line: number;
  recordedAt: string;
}

/** A check names a voter ('matched'), none ('unmatched', kept aside), or several. */
export type CheckOutcome = 'matched' | 'unmatched' | { ambiguous: number };

export interface CheckImportStore {
  begin(): Awaitable<void>;
  commit(): Awaitable<void>;
  rollback(): Awaitable<void>;
  /**
   * Records one check; a voter's earliest check wins. SQLite answers at once; PostgreSQL answers
   * with a promise that settles when the checks recorded in the same turn of the event loop are
   * matched together (one round trip for a reader batch): the use case awaits a batch's promises
   * at its end, never one row's.
   */
  record(check: CheckToRecord): Awaitable<CheckOutcome>;
  /**
   * Writes what record() has matched so far (a dry run too, before its rollback); returns how
   * many voters got their first check since begin().
   */
  write(): Awaitable<number>;
}

export interface ImportChecksOptions {
  key?: CheckKey;
  /** Field → header overrides (--map). */
  map?: Partial<Record<CheckField, string>>;
  source?: string;
  /** Time for rows without one, as typed (--at); default now. */
  at?: string;
  timeZone: string;
  dryRun?: boolean;
  strict?: boolean;
  rejects?: RejectSink;
  keepRejects?: number;
}

export interface ImportChecksSummary {
  file: string;
  delimiter: string;
  encoding: string;
  key: CheckKey;
  read: number;
  newlyChecked: number;
  alreadyChecked: number;
  unmatched: number;
  rejected: number;
  firstRejects: RejectedRow[];
  dryRun: boolean;
}

export interface ImportChecksPorts {
  store: CheckImportStore;
  reporter: Reporter;
  clock: Clock;
}

/** `--key` as typed → a key; usage error otherwise. */
export function parseCheckKey(text: string | undefined): CheckKey | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(/[,+ ]+/).map((p) => p.trim().toLowerCase()).filter(Boolean);
  if (parts.length === 1 && ['id', 'voter_id'].includes(parts[0]!)) return 'id';
  if (parts.length === 2 && parts.includes('precinct') && parts.includes('list_number')) return 'precinct,list_number';
  throw new UsageError(`--key must be "id" or "precinct,list_number", not "${text}"`, {
    hint: 'Use --key id when the file has voter ids, --key precinct,list_number when watchers noted list numbers.',
  });
}

export async function importChecks(ports: ImportChecksPorts, reading: CheckFileReading, options: ImportChecksOptions): Promise<ImportChecksSummary> {
  const { store, reporter, clock } = ports;
  const now = clock.now();
  const mapping = mapHeaders(reading.headers, CHECK_SYNONYMS, options.map ?? {}, ['reject_line', 'reject_reason']);
  const f = mapping.fields;
  const listHeaders = `The headers are: ${reading.headers.map((h) => JSON.stringify(h)).join(', ')}.`;
  let key = options.key;
  if (key === undefined) {
    if (f.id !== undefined) key = 'id';
    else if (f.precinct !== undefined && f.list_number !== undefined) key = 'precinct,list_number';
    else {
      throw new DataError('no voter id column, nor precinct and list number columns, found', {
        where: { file: reading.file, line: 1 },
        hint: `${listHeaders} Name them with --map id="<header>", or --map precinct=… --map list_number=….`,
      });
    }
  }
  if (key === 'id' && f.id === undefined) {
    throw new DataError('--key id but no voter id column found', { where: { file: reading.file, line: 1 }, hint: `${listHeaders} Use --map id="<header>".` });
  }
  if (key === 'precinct,list_number' && (f.precinct === undefined || f.list_number === undefined)) {
    throw new DataError(`--key precinct,list_number but no ${f.precinct === undefined ? 'precinct' : 'list number'} column found`, {
      where: { file: reading.file, line: 1 },
      hint: `${listHeaders} Use --map precinct="<header>" --map list_number="<header>".`,
    });
  }
  let defaultTime = toIso(now);
  if (options.at !== undefined) {
    const at = parseTime(options.at, options.timeZone, now);
    if (!at) {
      throw new UsageError(`--at "${options.at}" is not a time`, { hint: `Write 14:35, 2026-03-15 14:35, or an ISO time; read in ${options.timeZone}.` });
    }
    defaultTime = toIso(at);
  }
  const recordedAt = toIso(now);
  const keep = options.keepRejects ?? 5;
  const summary: ImportChecksSummary = {
    file: reading.file,
    delimiter: reading.delimiter,
    encoding: reading.encoding,
    key,
    read: 0,
    newlyChecked: 0,
    alreadyChecked: 0,
    unmatched: 0,
    rejected: 0,
    firstRejects: [],
    dryRun: options.dryRun === true,
  };
  const cell = (fields: string[], index: number | undefined): string => (index === undefined ? '' : (fields[index] ?? '').trim());
  const rejectContext = { file: reading.file, headers: reading.headers, keep, reporter, sink: options.rejects };
  const reject = (row: { fields: string[]; line: number }, reason: string): Promise<void> =>
    recordReject(summary, { line: row.line, reason, fields: row.fields }, rejectContext);

  let open = false;
  let matched = 0;
  const AMBIGUOUS = 'precinct and list number match several voters; use voter ids (--key id)';
  // Outcomes still to come (PostgreSQL), with their rows, in file order. A synchronous answer
  // (SQLite) is counted at once: nothing is kept per row, as before the store could be async.
  const waiting: Array<Promise<CheckOutcome>> = [];
  const waitingRows: Array<{ fields: string[]; line: number }> = [];
  const settle = async (): Promise<void> => {
    if (waiting.length === 0) return;
    const outcomes = await Promise.all(waiting);
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome === 'matched') matched++;
      else if (outcome === 'unmatched') summary.unmatched++;
      else await reject(waitingRows[i]!, AMBIGUOUS);
    }
    waiting.length = 0;
    waitingRows.length = 0;
  };
  // Rejects stay in file order: by precinct and list number a row still waiting may yet be
  // rejected as ambiguous, so its outcome comes first (by id none can be).
  const rejectInOrder = async (row: { fields: string[]; line: number }, reason: string): Promise<void> => {
    if (key !== 'id') await settle();
    await reject(row, reason);
  };
  try {
    await store.begin();
    open = true;
    for await (const batch of reading.rows) {
      for (const row of batch) {
        summary.read++;
        let target: CheckTarget;
        if (key === 'id') {
          const voterId = cell(row.fields, f.id);
          if (voterId === '') {
            await rejectInOrder(row, 'no voter id');
            continue;
          }
          target = { voterId };
        } else {
          const precinct = cell(row.fields, f.precinct);
          const listNumber = cell(row.fields, f.list_number);
          if (precinct === '' || listNumber === '') {
            await rejectInOrder(row, precinct === '' ? 'no precinct' : 'no list number');
            continue;
          }
          target = { precinct, listNumber };
        }
        let checkedAt = defaultTime;
        const timeText = cell(row.fields, f.checked_at);
        if (timeText !== '') {
          const time = parseTimeToIso(timeText, options.timeZone, now);
          if (time === undefined) {
            await rejectInOrder(row, `check time "${timeText}" is not a time (write 14:35 or 2026-03-15 14:35)`);
            continue;
          }
          checkedAt = time;
        }
        const source = cell(row.fields, f.source) || options.source || null;
        const outcome = store.record({ target, checkedAt, source, file: reading.file, line: row.line, recordedAt });
        if (outcome === 'matched') matched++;
        else if (outcome === 'unmatched') summary.unmatched++;
        else if (outcome instanceof Promise) {
          waiting.push(outcome);
          waitingRows.push(row);
        } else await reject(row, AMBIGUOUS);
      }
      await settle();
      reporter.progress({ task: 'importing checks', done: summary.read, unit: 'rows' });
    }
    failIfStrict(options.strict, summary, reading.file);
    summary.newlyChecked = await store.write();
    summary.alreadyChecked = matched - summary.newlyChecked;
    if (summary.dryRun) await store.rollback();
    else await store.commit();
    open = false;
    return summary;
  } finally {
    // Answers nobody will read (the import failed mid-batch) must not surface as unhandled rejections.
    for (const pending of waiting) pending.catch(() => {});
    if (open) await store.rollback();
    await options.rejects?.close();
  }
}
