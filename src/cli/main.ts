/**
 * The entry point: runs the command, prints any error, and is the only place that exits.
 */
import { colorsFor } from './colors.js';
import { formatLocation, TurnoutError } from '../core/errors.js';
import { runCli } from './program.js';
import { asInvoked, detectInvocation } from './invocation.js';

// `turnout export | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const noColor = process.argv.includes('--no-color') || (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '');

let code: number;
try {
  code = await runCli(process.argv.slice(2));
} catch (error) {
  code = report(error, await colorsFor('stderr', process.stderr.isTTY === true, noColor, process.env));
}
process.exit(code);

function report(error: unknown, paint: Awaited<ReturnType<typeof colorsFor>>): number {
  const invocation = detectInvocation(process.env, process.cwd());
  if (error instanceof TurnoutError) {
    const where = error.where ? `${formatLocation(error.where)}: ` : '';
    process.stderr.write(`${paint.red('error:')} ${where}${asInvoked(error.message, invocation)}\n`);
    if (error.hint) process.stderr.write(`${paint.dim('hint:')} ${asInvoked(error.hint, invocation)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${paint.red('error:')} ${message}\n`);
  process.stderr.write(`${paint.dim('hint:')} this looks like a bug in turnout; please report it with the command you ran.\n`);
  if (process.env.TURNOUT_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}
