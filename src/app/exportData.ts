/**
 * Use case: everything the database holds about voters (standard fields, the file's other
 * columns by header, phone normalization, voted / checked_at) or checks, as rows that stream.
 *
 * Rows are arrays of values in the order of `columns`, not objects: an export of a million voters
 * is a million rows of twenty values, and building and reading an object for each was most of
 * its time.
 */
import { VOTER_FIELDS } from '../core/fields.js';

export type ExportValue = string | number | boolean | null;

/**
 * A voter as the store reads it, in this order: the standard fields (VOTER_FIELDS), then
 * `phone_e164`, `phone_valid`, `checked_at` (null when the voter has not voted) and `extra`
 * (the other columns as stored: JSON text, or null).
 */
export type StoredVoterValues = ExportValue[];

export interface ExportStore {
  /** Extra columns in file order. */
  extraColumns(): string[];
  /** Voters by id, as StoredVoterValues; each array is the caller's to change. */
  voterValues(): Iterable<StoredVoterValues>;
  /** Checks in CHECK_EXPORT_COLUMNS order, by check time then voter id. */
  checkValues(): Iterable<ExportValue[]>;
}

export const CHECK_EXPORT_COLUMNS = ['voter_id', 'checked_at', 'source', 'recorded_at'] as const;

export interface Export {
  columns: string[];
  /** Arrays of values in `columns` order. */
  rows: Iterable<ExportValue[]>;
}

export function exportVoters(store: ExportStore): Export {
  const extras = store.extraColumns().filter((name) => !(VOTER_FIELDS as readonly string[]).includes(name));
  const columns = [...VOTER_FIELDS, 'phone_e164', 'phone_valid', ...extras, 'voted', 'checked_at'];
  const checkedAt = VOTER_FIELDS.length + 2;
  const extra = checkedAt + 1;
  function* rows(): Generator<ExportValue[]> {
    for (const values of store.voterValues()) {
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
      yield values;
    }
  }
  return { columns, rows: rows() };
}

export function exportChecks(store: ExportStore): Export {
  return { columns: [...CHECK_EXPORT_COLUMNS], rows: store.checkValues() };
}
