import { Command, CommanderError } from 'commander';
import { actionExitCode, examples } from './action.js';
import { registerInit } from './commands/init.js';
import { registerImport } from './commands/import.js';
import { registerChecks } from './commands/checks.js';
import { registerExport } from './commands/export.js';
import { registerStatus } from './commands/status.js';
import { registerWatch } from './commands/watch.js';
import { registerRemind } from './commands/remind.js';
import { registerOptout } from './commands/optout.js';
import { registerSync } from './commands/sync.js';
import { registerReminders } from './commands/reminders.js';
import { registerDemo } from './commands/demo.js';

export const VERSION = '0.1.0';

/**
 * The whole command tree. Each command lives in its own file under commands/ and loads
 * its use case (and better-sqlite3, twilio, prompts) only when it runs, so that
 * `turnout --version` and `--help` stay instant.
 */
export function buildProgram(): Command {
  const program = new Command('turnout')
    .description('Election-day get-out-the-vote toolkit: import voters and poll checks, find under-mobilized areas, remind supporters.')
    .version(VERSION, '-V, --version')
    .option('--db <path>', 'database file (default: $TURNOUT_DB, else ./turnout.db)')
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
      ) + '\nExit codes: 0 success, 1 runtime or data error, 2 usage error, 3 some messages failed, 4 another send run holds the lock.\n',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    });
  registerInit(program);
  registerImport(program);
  registerChecks(program);
  registerExport(program);
  registerStatus(program);
  registerWatch(program);
  registerRemind(program);
  registerOptout(program);
  registerSync(program);
  registerReminders(program);
  registerDemo(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit code; throws TurnoutError and other errors for main to print. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
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
