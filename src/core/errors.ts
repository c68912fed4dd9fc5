/**
 * Domain errors. Every layer throws these; only the CLI entry point turns them into
 * a message on stderr and an exit code (see src/cli/main.ts and the README's exit-code table).
 */

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** Runtime or data error: bad file, database problem, API failure. */
  failure: 1,
  /** Usage error: unknown option, missing argument, a confirmation that cannot be asked. */
  usage: 2,
  /** Some messages of a send run failed (the rest were sent). */
  partial: 3,
  /**
   * A database statement ran past its time limit (--db-timeout, PostgreSQL), most often waiting
   * for a lock another session holds: nothing was written; the same command can simply run again.
   */
  timeout: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where in an input file a problem is: 1-based line and column. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface TurnoutErrorOptions {
  /** What the user can do about it, one short sentence. */
  hint?: string;
  where?: SourceLocation;
  cause?: unknown;
}

export class TurnoutError extends Error {
  readonly hint: string | undefined;
  readonly where: SourceLocation | undefined;
  readonly exitCode: ExitCode = ExitCode.failure;

  constructor(message: string, options: TurnoutErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.where = options.where;
  }
}

/** The command line was wrong: exit 2. */
export class UsageError extends TurnoutError {
  override readonly exitCode: ExitCode = ExitCode.usage;
}

/** An input file or value cannot be used as it is: exit 1, with its location when known. */
export class DataError extends TurnoutError {}

/** Anything that went wrong at run time that is not the input's fault (database, network). */
export class RuntimeError extends TurnoutError {}

/**
 * A service the command needs did not answer, or stopped answering midway (the database server):
 * trying again later may work. The field server answers these 503, not 500.
 */
export class UnavailableError extends RuntimeError {}

/** A bug: the message asks for a report. */
export class InternalError extends TurnoutError {
  constructor(message: string, options: TurnoutErrorOptions = {}) {
    super(message, { hint: 'This is a bug in turnout; please report it with the command you ran.', ...options });
  }
}

/** `file:line:column` as editors and terminals understand it. */
export function formatLocation(where: SourceLocation): string {
  let text = where.file;
  if (where.line !== undefined) text += `:${where.line}`;
  if (where.line !== undefined && where.column !== undefined) text += `:${where.column}`;
  return text;
}
