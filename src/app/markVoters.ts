/**
 * Use cases for single corrections: mark voters as having voted (a phone call, a watcher's note)
 * or remove a check entered by mistake; and the list of checks that matched no voter.
 */
import { DataError, UsageError } from '../core/errors.js';
import { parseTime, toIso } from '../core/time.js';
import type { Awaitable, Clock } from './ports.js';

export interface MarkStore {
  /** Runs fn in one write transaction (committed when its promise resolves, rolled back when it rejects). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  voterExists(id: string): Awaitable<boolean>;
  /** Inserts a check or moves it earlier; returns the stored time before, if any. */
  mark(id: string, checkedAt: string, source: string, recordedAt: string): Awaitable<string | undefined>;
  /** Removes the voter's check (and any unmatched check by that id); true when there was one. */
  unmark(id: string): Awaitable<boolean>;
}

export interface MarkResult {
  marked: string[];
  /** Already checked: id and the time kept (the earliest). */
  already: Array<{ id: string; checkedAt: string }>;
  checkedAt: string;
}

export async function markVoters(
  store: MarkStore,
  clock: Clock,
  ids: readonly string[],
  options: { at?: string; source?: string; timeZone: string },
): Promise<MarkResult> {
  const now = clock.now();
  let checkedAt = toIso(now);
  if (options.at !== undefined) {
    const at = parseTime(options.at, options.timeZone, now);
    if (!at) throw new UsageError(`--at "${options.at}" is not a time`, { hint: `Write 14:35, 2026-03-15 14:35, or an ISO time; read in ${options.timeZone}.` });
    checkedAt = toIso(at);
  }
  const wanted = [...new Set(ids.map((id) => id.trim()).filter(Boolean))];
  if (wanted.length === 0) throw new UsageError('no voter id given', { hint: 'Write: turnout mark ID [ID…]' });
  return store.transaction(async () => {
    const unknown: string[] = [];
    for (const id of wanted) if (!(await store.voterExists(id))) unknown.push(id);
    if (unknown.length > 0) {
      throw new DataError(`unknown voter id${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}; nothing was marked`, {
        hint: 'Check the ids (turnout export voters lists them), or import the voter file first.',
      });
    }
    const result: MarkResult = { marked: [], already: [], checkedAt };
    for (const id of wanted) {
      const before = await store.mark(id, checkedAt, options.source ?? 'manual', toIso(now));
      if (before === undefined) result.marked.push(id);
      else result.already.push({ id, checkedAt: before < checkedAt ? before : checkedAt });
    }
    return result;
  });
}

export async function unmarkVoters(store: MarkStore, ids: readonly string[]): Promise<{ unmarked: string[]; notChecked: string[] }> {
  const wanted = [...new Set(ids.map((id) => id.trim()).filter(Boolean))];
  if (wanted.length === 0) throw new UsageError('no voter id given', { hint: 'Write: turnout unmark ID [ID…]' });
  return store.transaction(async () => {
    const unmarked: string[] = [];
    const notChecked: string[] = [];
    for (const id of wanted) ((await store.unmark(id)) ? unmarked : notChecked).push(id);
    return { unmarked, notChecked };
  });
}
