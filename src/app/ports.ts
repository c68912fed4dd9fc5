/**
 * What use cases need from the outside world, as small interfaces. The CLI supplies
 * implementations (terminal reporter, system clock); tests supply their own.
 */

/** Informational messages and progress; the CLI decides where they go (stderr) and whether to show them. */
export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  /** Progress of a long task; may be ignored (no terminal, --quiet). */
  progress(update: ProgressUpdate): void;
}

export interface ProgressUpdate {
  /** Short label: "importing voters". */
  task: string;
  done: number;
  total?: number;
  /** Unit for `done`, e.g. "rows", "messages". */
  unit: string;
}

/**
 * What a store method returns: a value on SQLite (better-sqlite3 answers synchronously), a promise
 * on PostgreSQL. Use cases await it either way and never learn which engine answered; the per-row
 * paths are per batch, so the await costs nothing measurable on SQLite.
 */
export type Awaitable<T> = T | Promise<T>;

export interface Clock {
  now(): Date;
}

export const silentReporter: Reporter = {
  info() {},
  warn() {},
  progress() {},
};

export const systemClock: Clock = { now: () => new Date() };
