import { Command, CommanderError } from 'commander';
import { actionExitCode, examples } from './action.js';
import { asInvoked, detectInvocation } from './invocation.js';

type Registrar = (program: Command) => void;

/**
 * Every command, by the top-level names it registers, with the module that defines it. Only the
 * module of the command being run is loaded (with the core modules it needs): the others would
 * cost every start, cron's included, ~30-60 ms of module loading for nothing. Help, an unknown
 * command or no command loads them all.
 */
const COMMANDS: ReadonlyArray<{ names: readonly string[]; load: () => Promise<Registrar> }> = [
  { names: ['init'], load: async () => (await import('./commands/init.js')).registerInit },
  { names: ['import'], load: async () => (await import('./commands/import.js')).registerImport },
  { names: ['checks', 'mark', 'unmark'], load: async () => (await import('./commands/checks.js')).registerChecks },
  { names: ['export'], load: async () => (await import('./commands/export.js')).registerExport },
  { names: ['status'], load: async () => (await import('./commands/status.js')).registerStatus },
  { names: ['watch'], load: async () => (await import('./commands/watch.js')).registerWatch },
  { names: ['remind'], load: async () => (await import('./commands/remind.js')).registerRemind },
  { names: ['optout'], load: async () => (await import('./commands/optout.js')).registerOptout },
  { names: ['sync'], load: async () => (await import('./commands/sync.js')).registerSync },
  { names: ['reminders'], load: async () => (await import('./commands/reminders.js')).registerReminders },
  { names: ['purge'], load: async () => (await import('./commands/purge.js')).registerPurge },
  { names: ['serve'], load: async () => (await import('./commands/serve.js')).registerServe },
  { names: ['tellers', 'staff'], load: async () => (await import('./commands/tellers.js')).registerTellers },
  { names: ['demo'], load: async () => (await import('./commands/demo.js')).registerDemo },
  { names: ['copy'], load: async () => (await import('./commands/copy.js')).registerCopy },
];

/** The global options that take a value (their value is not the command's name). */
const GLOBAL_WITH_VALUE = new Set(['--db', '--db-schema', '--db-timeout']);

/** The top-level command `argv` runs, when it names one; undefined for help, --version, typos. */
export function commandIn(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (GLOBAL_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return COMMANDS.some((c) => c.names.includes(arg)) ? arg : undefined;
  }
  return undefined;
}

export const VERSION = '0.1.0';

/**
 * The command tree: all of it, or (given argv) just the command argv runs. Each command lives in
 * its own file under commands/ and loads its use case (and better-sqlite3, twilio, prompts) only
 * when it runs, so that `turnout --version` and `--help` stay instant.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const invocation = detectInvocation(process.env, process.cwd());
  const program = new Command('turnout')
    .description('Election-day get-out-the-vote toolkit: import voters and poll checks, find under-mobilized areas, remind supporters.')
    .version(VERSION, '-V, --version')
    .option('--db <path|url>', 'database file, or a postgres:// URL (default: $TURNOUT_DB, else ./turnout.db)')
    .option('--db-schema <name>', 'PostgreSQL schema holding this election, to keep several in one database (default: $TURNOUT_DB_SCHEMA)')
    .option('--db-timeout <seconds>', 'PostgreSQL: cancel any statement that runs longer, exit 5, nothing written; 0 for no limit (default: $TURNOUT_DB_TIMEOUT, else 300)')
    .option('-q, --quiet', 'only errors on stderr: no progress or information')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      examples(
        'turnout demo',
        'turnout init --region FR --timezone Europe/Paris',
        'turnout import voters electeurs.csv && turnout import checks pointages.csv',
        'turnout status --under-mobilized',
        'turnout remind --under-mobilized --channel door --out walk.csv',
      ) + '\nExit codes: 0 success, 1 runtime or data error, 2 usage error, 3 some messages failed or need a look, 4 another send run holds the lock, 5 a database statement timed out (nothing written).\n',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      // Help and usage errors show `npx turnout …` when that is how turnout was run.
      writeOut: (text) => process.stdout.write(asInvoked(text, invocation)),
      writeErr: (text) => process.stderr.write(asInvoked(text, invocation)),
    });
  const wanted = argv === undefined ? undefined : commandIn(argv);
  const versionOnly = argv !== undefined && argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V');
  const modules = versionOnly ? [] : wanted === undefined ? COMMANDS : COMMANDS.filter((c) => c.names.includes(wanted));
  for (const register of await Promise.all(modules.map((c) => c.load()))) register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit code; throws TurnoutError and other errors for main to print. */
export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; everything commander rejects is a usage error (it printed why).
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return actionExitCode();
}
