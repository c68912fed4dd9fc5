import type { ProgressUpdate, Reporter } from '../app/ports.js';
import type { CliContext } from './context.js';
import { groupDigits } from './numbers.js';

export interface ProgressReporter extends Reporter {
  /** Stops the spinner, leaving the terminal clean. */
  stop(): void;
}

/**
 * A reporter that draws a spinner with counts and rate on stderr, only when stderr is a
 * terminal with a known width and --quiet is off; otherwise it is the context's plain reporter. ora is loaded
 * only here, so commands that never show progress do not pay for it.
 */
export async function progressReporter(ctx: CliContext): Promise<ProgressReporter> {
  // A terminal reporting 0 columns (or none) would send ora into an endless line-erase loop.
  const columns = ctx.stderr.columns;
  if (!ctx.stderrIsTTY || ctx.quiet || !(typeof columns === 'number' && columns > 0)) {
    return { ...ctx.reporter, stop() {} };
  }
  const { default: ora } = await import('ora');
  const spinner = ora({ stream: ctx.stderr, color: ctx.err.level > 0 ? 'cyan' : false, isEnabled: true });
  const started = Date.now();
  let lastDraw = 0;
  const interrupt = (write: () => void): void => {
    const active = spinner.isSpinning;
    if (active) spinner.clear();
    write();
    if (active) spinner.render();
  };
  return {
    info: (message) => interrupt(() => ctx.reporter.info(message)),
    warn: (message) => interrupt(() => ctx.reporter.warn(message)),
    progress(update: ProgressUpdate) {
      const now = Date.now();
      if (now - lastDraw < 100 && update.done !== update.total) return;
      lastDraw = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? Math.round(update.done / seconds) : 0;
      const of = update.total !== undefined ? ` / ${groupDigits(update.total)}` : '';
      spinner.text = `${update.task}: ${groupDigits(update.done)}${of} ${update.unit} (${groupDigits(rate)} ${update.unit}/s)`;
      if (!spinner.isSpinning) spinner.start();
    },
    stop() {
      if (spinner.isSpinning) spinner.stop();
    },
  };
}
