/**
 * `turnout optout`: the numbers that asked not to be contacted. They are stored in E.164, read
 * as the import reads voters' phones (the database's region for numbers without a country
 * code), so that "06 12 34 56 78" here matches +33612345678 on a voter. A number that cannot be
 * read is an error naming it, and nothing is written: a half-applied opt-out list is a list
 * that texts someone who said stop.
 */
import { DataError, UsageError, type SourceLocation } from '../core/errors.js';
import { normalizeHeader, VOTER_SYNONYMS } from '../core/mapping.js';
import { phoneNormalizer } from '../core/phone.js';
import type { Awaitable } from './ports.js';

export interface OptoutRecord {
  phone: string;
  /** 'manual', 'file:<name>', 'twilio:21610', 'reply'. */
  source: string;
  created_at: string;
}

export interface OptoutStore {
  /** True when the number was not yet in the list (an existing entry keeps its source and time). */
  add(phone: string, source: string, at: string): Awaitable<boolean>;
  /** True when the number was in the list. */
  remove(phone: string): Awaitable<boolean>;
  list(): Awaitable<Iterable<OptoutRecord>>;
  /** Runs `fn` as one write transaction (committed when its promise resolves). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

export interface OptoutChange {
  /** Numbers whose list status changed (added, or removed). */
  changed: string[];
  /** Numbers already in that state (already opted out, or not in the list). */
  unchanged: string[];
}

function normalizeAll(phones: readonly string[], region: string | undefined): string[] {
  const normalize = phoneNormalizer(region);
  return phones.map((text) => {
    const e164 = normalize(text).e164;
    if (e164 === null) throw unreadable(text, region);
    return e164;
  });
}

function unreadable(text: string, region: string | undefined, where?: SourceLocation): DataError {
  return new DataError(`"${text}" is not a phone number${region ? ` (read in region ${region})` : ''}`, {
    where,
    hint: region
      ? 'Correct or remove it; a number from another country needs its +country code.'
      : 'Write it with its +country code, or record the default region with `turnout init --region FR`.',
  });
}

export async function addOptouts(store: OptoutStore, phones: readonly string[], options: { region?: string; source: string; now: Date }): Promise<OptoutChange> {
  const numbers = normalizeAll(phones, options.region);
  const at = options.now.toISOString();
  return store.transaction(() => split(numbers, (p) => store.add(p, options.source, at)));
}

export async function removeOptouts(store: OptoutStore, phones: readonly string[], options: { region?: string }): Promise<OptoutChange> {
  const numbers = normalizeAll(phones, options.region);
  return store.transaction(() => split(numbers, (p) => store.remove(p)));
}

async function split(numbers: string[], apply: (phone: string) => Awaitable<boolean>): Promise<OptoutChange> {
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const phone of new Set(numbers)) ((await apply(phone)) ? changed : unchanged).push(phone);
  return { changed, unchanged };
}

/** A CSV file as read: its header row (when it has one) and its records with their line numbers. */
export interface Table {
  /** The file name as the user wrote it ("-" reads as "stdin"). */
  file: string;
  records: Array<{ line: number; values: string[] }>;
}

/**
 * Headers that name a phone column: the import's synonyms for a voter's phone, plus what opt-out
 * exports call it. Compared as the import compares headers (case, accents, punctuation ignored).
 */
const PHONE_HEADERS = new Set(
  ['phone', ...VOTER_SYNONYMS.phone, 'phones', 'phone e164', 'e164', 'numero', 'number', 'msisdn', 'cellular'].map(normalizeHeader),
);

export interface ImportOptoutsResult extends OptoutChange {
  /** Records whose phone cell was empty. */
  empty: number;
  /** The column read, or undefined when the file has no header (a bare list of numbers). */
  column: string | undefined;
  /**
   * Cells that are not phone numbers. The readable numbers are recorded all the same: one typo in
   * a provider's stop list must not leave everyone else on it reachable.
   */
  rejected: Array<{ text: string; where: SourceLocation; error: DataError }>;
}

/**
 * Imports a CSV of opt-outs. The phone column is found by its header (phone, téléphone,
 * portable, mobile, numéro… or `column`); a file without a header whose first row holds a
 * phone number is read as a bare list of numbers (the first column that has one).
 */
export async function importOptouts(
  store: OptoutStore,
  table: Table,
  options: { region?: string; column?: string; now: Date; source: string },
): Promise<ImportOptoutsResult> {
  const [first, ...rest] = table.records;
  if (first === undefined) {
    throw new DataError('the file is empty', { where: { file: table.file }, hint: 'Give a CSV with a phone column, or one number per line.' });
  }
  const headers = first.values;
  const normalize = phoneNormalizer(options.region);
  let index: number;
  let records = rest;
  let column: string | undefined;
  if (options.column !== undefined) {
    index = headers.findIndex((h) => h.trim() === options.column);
    if (index === -1) index = headers.findIndex((h) => normalizeHeader(h) === normalizeHeader(options.column!));
    if (index === -1) {
      throw new UsageError(`the file has no column "${options.column}"`, {
        hint: `Its columns are: ${headers.map((h) => `"${h}"`).join(', ')}.`,
      });
    }
    column = headers[index];
  } else {
    index = headers.findIndex((h) => PHONE_HEADERS.has(normalizeHeader(h)));
    if (index !== -1) {
      column = headers[index];
    } else {
      index = headers.findIndex((h) => normalize(h).e164 !== null);
      if (index === -1) {
        throw new DataError('no phone column found', {
          where: { file: table.file, line: first.line },
          hint: `Its columns are: ${headers.map((h) => `"${h}"`).join(', ')}. Name the one to read with --column.`,
        });
      }
      records = table.records; // no header: the first row is a number too
    }
  }
  const numbers: string[] = [];
  const rejected: ImportOptoutsResult['rejected'] = [];
  let empty = 0;
  for (const record of records) {
    const text = record.values[index] ?? '';
    if (text.trim() === '') {
      empty++;
      continue;
    }
    const e164 = normalize(text).e164;
    if (e164 === null) {
      const where = { file: table.file, line: record.line, column: index + 1 };
      rejected.push({ text, where, error: unreadable(text, options.region, where) });
      continue;
    }
    numbers.push(e164);
  }
  const at = options.now.toISOString();
  const change = await store.transaction(() => split(numbers, (p) => store.add(p, options.source, at)));
  return { ...change, empty, column, rejected };
}

export async function listOptouts(store: OptoutStore): Promise<Iterable<OptoutRecord>> {
  return store.list();
}
