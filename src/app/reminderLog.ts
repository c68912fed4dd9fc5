/** `turnout reminders`: the message log, and a count by status and error code. */
import type { Awaitable } from './ports.js';

export interface LogQuery {
  status?: string[];
  /** ISO instant. */
  since?: string;
  phone?: string;
}

// Type aliases, not interfaces: rows are passed where a plain record is expected.
export type ReminderLogRow = {
  id: number;
  created_at: string;
  phone: string;
  voter_ids: string | null;
  names: string | null;
  status: string;
  error_code: number | null;
  error_message: string | null;
  segments: number;
  encoding: string;
  sid: string | null;
  sender: string | null;
  sent_at: string | null;
  updated_at: string;
  run_id: string;
};

export type StatusCount = {
  status: string;
  error_code: number | null;
  count: number;
};

export interface ReminderLogStore {
  /** Oldest first. */
  rows(query: LogQuery): Iterable<ReminderLogRow> | AsyncIterable<ReminderLogRow>;
  /** By count, most first, then status and error code (none first). */
  counts(query: LogQuery): Awaitable<StatusCount[]>;
}

export const LOG_COLUMNS = [
  'created_at',
  'phone',
  'voter_ids',
  'names',
  'status',
  'error_code',
  'error_message',
  'segments',
  'encoding',
  'sid',
  'sender',
  'run_id',
] as const;

/** "12 delivered, 3 queued, 2 failed (21610: 1, 30003: 1)": one line for people. */
export function describeCounts(counts: StatusCount[]): string {
  if (counts.length === 0) return 'no reminders in the log';
  const byStatus = new Map<string, { total: number; codes: Map<number, number> }>();
  for (const c of counts) {
    const entry = byStatus.get(c.status) ?? { total: 0, codes: new Map<number, number>() };
    entry.total += c.count;
    if (c.error_code !== null) entry.codes.set(c.error_code, (entry.codes.get(c.error_code) ?? 0) + c.count);
    byStatus.set(c.status, entry);
  }
  const total = counts.reduce((n, c) => n + c.count, 0);
  const parts = [...byStatus.entries()]
    .sort((a, b) => b[1].total - a[1].total)
    .map(([status, e]) => {
      const codes = [...e.codes.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code}: ${n}`);
      return `${e.total} ${status}${codes.length ? ` (${codes.join(', ')})` : ''}`;
    });
  return `${total} reminder${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
