import type { Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import { colorsFor } from './colors.js';
import type { Clock, Reporter } from '../app/ports.js';
import { UsageError } from '../core/errors.js';
import { asInvoked, detectInvocation, type Invocation } from './invocation.js';
import { isPostgresTarget, redactUrl } from '../core/databaseUrl.js';

/** Everything a command needs from the process, decided once per run. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Database path or postgres:// URL: --db, else TURNOUT_DB, else ./turnout.db. */
  dbPath: string;
  /** The database as messages name it: the file, or the URL without its password (and the schema). */
  dbLabel: string;
  /** PostgreSQL schema holding the election: --db-schema, else TURNOUT_DB_SCHEMA. */
  dbSchema: string | undefined;
  /**
   * PostgreSQL's statement timeout, ms: --db-timeout, else TURNOUT_DB_TIMEOUT (0: none); null when
   * PGOPTIONS sets one (it is kept); undefined: turnout's default.
   */
  dbTimeoutMs: number | null | undefined;
  /** Only errors on stderr. */
  quiet: boolean;
  /** Colours for data on stdout (tables) and for messages on stderr. */
  out: ChalkInstance;
  err: ChalkInstance;
  /** A person is at the keyboard: stdin and stderr are terminals. */
  interactive: boolean;
  /** stderr is a terminal: spinners and progress may be drawn. */
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
  reporter: Reporter;
  /** The system clock, or the fixed instant in TURNOUT_NOW (rehearsals and tests). */
  clock: Clock;
  /** `turnout`, or `npx turnout` when run through npx: how the commands printed are written (messages are rewritten to it). */
  invocation: Invocation;
}

export interface GlobalOptions {
  db?: string;
  dbSchema?: string;
  dbTimeout?: string;
  quiet?: boolean;
  color?: boolean;
}

export async function createContext(command: Command): Promise<CliContext> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const env = process.env;
  const noColor = globals.color === false || (env.NO_COLOR !== undefined && env.NO_COLOR !== '');
  const [out, err] = await Promise.all([
    colorsFor('stdout', process.stdout.isTTY === true, noColor, env),
    colorsFor('stderr', process.stderr.isTTY === true, noColor, env),
  ]);
  const quiet = globals.quiet === true;
  const dbPath = globals.db ?? (env.TURNOUT_DB || 'turnout.db');
  const dbSchema = globals.dbSchema ?? (env.TURNOUT_DB_SCHEMA || undefined);
  const stderrIsTTY = process.stderr.isTTY === true;
  const invocation = detectInvocation(env, process.cwd());
  const ctx: CliContext = {
    env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    dbPath,
    dbLabel: isPostgresTarget(dbPath) ? `${redactUrl(dbPath)}${dbSchema ? ` (schema ${dbSchema})` : ''}` : dbPath,
    dbSchema,
    dbTimeoutMs: dbTimeoutFrom(globals.dbTimeout, env),
    quiet,
    out,
    err,
    interactive: process.stdin.isTTY === true && stderrIsTTY,
    stderrIsTTY,
    stdoutIsTTY: process.stdout.isTTY === true,
    clock: clockFrom(env.TURNOUT_NOW),
    invocation,
    // Messages name commands as `turnout …` (the app's hints included): written as the user runs turnout.
    reporter: {
      info(message) {
        if (!quiet) process.stderr.write(`${asInvoked(message, invocation)}\n`);
      },
      warn(message) {
        process.stderr.write(`${err.yellow('warning:')} ${asInvoked(message, invocation)}\n`);
      },
      progress() {},
    },
  };
  return ctx;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

function clockFrom(fixed: string | undefined): Clock {
  if (fixed === undefined || fixed === '') return { now: () => new Date() };
  // Only an instant with its offset: "2026-03-15 20:30" would be read in this machine's zone, not the election's.
  const instant = ISO_INSTANT.test(fixed.trim()) ? new Date(fixed.trim()) : new Date(NaN);
  if (Number.isNaN(instant.getTime())) {
    throw new UsageError(`TURNOUT_NOW must be an ISO time with its offset: "${fixed}"`, {
      hint: 'Write it like 2026-03-15T14:30:00+01:00 or 2026-03-15T13:30:00Z, or unset it.',
    });
  }
  return { now: () => new Date(instant) };
}

/**
 * --db-timeout SECONDS, else TURNOUT_DB_TIMEOUT: the longest one PostgreSQL statement may run
 * (0: no limit). Without either, a statement_timeout in PGOPTIONS is kept, as psql would.
 */
function dbTimeoutFrom(option: string | undefined, env: NodeJS.ProcessEnv): number | null | undefined {
  const [text, origin] = option !== undefined ? [option, '--db-timeout'] : [env.TURNOUT_DB_TIMEOUT || undefined, 'TURNOUT_DB_TIMEOUT'];
  if (text === undefined) return /\bstatement_timeout\s*=/.test(env.PGOPTIONS ?? '') ? null : undefined;
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(seconds) || seconds > 2_000_000) {
    throw new UsageError(`${origin} "${text}" is not a number of seconds`, {
      hint: 'Give the longest a database statement may run, in seconds (e.g. --db-timeout 30), or 0 for no limit.',
    });
  }
  // A fraction of a second still means some limit: at least 1 ms, never 0 (no limit).
  return seconds === 0 ? 0 : Math.max(1, Math.round(seconds * 1000));
}
