/**
 * Use case: everything the database holds about voters (standard fields, the file's other
 * columns by header, phone normalization, voted / checked_at) or checks, as rows that stream.
 */
import { VOTER_FIELDS } from '../core/fields.js';

export type ExportValue = string | number | boolean | null;
export type ExportRow = Record<string, ExportValue>;

export interface ExportStore {
  /** Extra columns in file order. */
  extraColumns(): string[];
  /** Voters by id, with `extra` as stored (JSON text) and `voted_at`. */
  voters(): Iterable<Record<string, ExportValue>>;
  checks(): Iterable<ExportRow>;
}

export const CHECK_EXPORT_COLUMNS = ['voter_id', 'checked_at', 'source', 'recorded_at'] as const;

export interface Export {
  columns: string[];
  rows: Iterable<ExportRow>;
}

export function exportVoters(store: ExportStore): Export {
  const extras = store.extraColumns().filter((name) => !(VOTER_FIELDS as readonly string[]).includes(name));
  const columns = [...VOTER_FIELDS, 'phone_e164', 'phone_valid', ...extras, 'voted', 'checked_at'];
  function* rows(): Generator<ExportRow> {
    for (const voter of store.voters()) {
      const row: ExportRow = {};
      for (const field of VOTER_FIELDS) row[field] = voter[field] ?? null;
      row.phone_e164 = voter.phone_e164 ?? null;
      row.phone_valid = voter.phone_valid ?? null;
      const extra = typeof voter.extra === 'string' ? (JSON.parse(voter.extra) as Record<string, string>) : {};
      for (const name of extras) row[name] = extra[name] ?? null;
      row.voted = voter.voted_at !== null && voter.voted_at !== undefined;
      row.checked_at = voter.voted_at ?? null;
      yield row;
    }
  }
  return { columns, rows: rows() };
}

export function exportChecks(store: ExportStore): Export {
  return { columns: [...CHECK_EXPORT_COLUMNS], rows: store.checks() };
}
