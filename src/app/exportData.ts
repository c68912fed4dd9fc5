/**
 * Use case: everything the database holds about voters (standard fields, the file's other
 * columns by header, phone normalization, voted / checked_at) or checks, as rows that stream.
 *
 * Rows are arrays of values in the order of `columns`, not objects: an export of a million voters
 * is a million rows of twenty values, and building and reading an object for each was most of
 * its time.
 */
import { VOTER_FIELDS } from '../core/fields.js';
import type { Awaitable } from './ports.js';

export type ExportValue = string | number | boolean | null;

/**
 * A voter as the store reads it, in this order: the standard fields (VOTER_FIELDS), then
 * `phone_e164`, `phone_valid`, `checked_at` (null when the voter has not voted) and `extra`
 * (the other columns as stored: JSON text, or null).
 */
export type StoredVoterValues = ExportValue[];

/** Rows that stream: iterated synchronously on SQLite (no await per row), asynchronously on PostgreSQL. */
export type Rows<T> = Iterable<T> | AsyncIterable<T>;

export interface ExportStore {
  /** Extra columns in file order. */
  extraColumns(): Awaitable<string[]>;
  /** Voters by id, as StoredVoterValues; each array is the caller's to change. */
  voterValues(): Rows<StoredVoterValues>;
  /** Checks in CHECK_EXPORT_COLUMNS order, by check time then voter id. */
  checkValues(): Rows<ExportValue[]>;
}

export const CHECK_EXPORT_COLUMNS = ['voter_id', 'checked_at', 'source', 'recorded_at'] as const;

export interface Export {
  columns: string[];
  /** Arrays of values in `columns` order. */
  rows: Rows<ExportValue[]>;
}

export async function exportVoters(store: ExportStore): Promise<Export> {
  const extras = (await store.extraColumns()).filter((name) => !(VOTER_FIELDS as readonly string[]).includes(name));
  const columns = [...VOTER_FIELDS, 'phone_e164', 'phone_valid', ...extras, 'voted', 'checked_at'];
  const checkedAt = VOTER_FIELDS.length + 2;
  const extra = checkedAt + 1;
  const toRow = (values: StoredVoterValues): ExportValue[] => {
      const at = values[checkedAt] ?? null;
      // The stored array becomes the exported one: `extra` gives way to the extra columns, then voted, checked_at.
      if (extras.length === 0) values.length = checkedAt;
      else {
        const stored = values[extra];
        const parsed = typeof stored === 'string' ? (JSON.parse(stored) as Record<string, string>) : {};
        for (let i = 0; i < extras.length; i++) values[checkedAt + i] = parsed[extras[i]!] ?? null;
        values.length = checkedAt + extras.length;
      }
      values.push(at !== null, at);
      return values;
  };
  const stored = store.voterValues();
  if (Symbol.asyncIterator in stored) {
    return {
      columns,
      rows: (async function* () {
        for await (const values of stored) yield toRow(values);
      })(),
    };
  }
  return {
    columns,
    rows: (function* () {
      for (const values of stored) yield toRow(values);
    })(),
  };
}

export async function exportChecks(store: ExportStore): Promise<Export> {
  return { columns: [...CHECK_EXPORT_COLUMNS], rows: store.checkValues() };
}
