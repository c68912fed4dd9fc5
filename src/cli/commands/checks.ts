import type { Command } from 'commander';
import { action, examples } from '../action.js';
import { withStores } from '../database.js';
import { addOutputOptions, chooseFormat, writeRows, type OutputOptions, type Row } from '../output.js';

interface MarkOptions {
  at?: string;
  source?: string;
}

export function registerChecks(program: Command): void {
  const checks = program
    .command('checks')
    .description('poll checks: what did not match a voter')
    .addHelpText('after', examples('turnout checks unmatched', 'turnout checks unmatched --format csv > to-fix.csv'));
  addOutputOptions(
    checks
      .command('unmatched')
      .description('list poll checks that matched no voter (kept, and applied when a later voter import brings the voter)'),
  )
    .addHelpText('after', examples('turnout checks unmatched', 'turnout checks unmatched --format csv > unmatched.csv'))
    .action(
      action<OutputOptions>(async (ctx, options) => {
        const { UNMATCHED_COLUMNS } = await import('../../store/checks.js');
        const format = chooseFormat(ctx, options, 'csv');
        const count = await withStores(ctx, async (stores) =>
          writeRows(ctx, (await stores.unmatchedChecks()) as Iterable<Row> | AsyncIterable<Row>, UNMATCHED_COLUMNS, { format, out: options.out }),
          { create: false },
        );
        if (format === 'table' || options.out) ctx.reporter.info(`${count} unmatched check${count === 1 ? '' : 's'}`);
      }),
    );

  program
    .command('mark')
    .description('record that voters have voted (a phone call, a watcher note); the earliest time is kept')
    .argument('<id...>', 'voter ids')
    .option('--at <time>', "when they voted, in the election's time zone (14:35, 2026-03-15 14:35); default now")
    .option('--source <name>', 'who reported it (default: manual)')
    .addHelpText('after', examples('turnout mark 000123 000456', 'turnout mark 000123 --at 10:15 --source "call centre"'))
    .action(
      action<MarkOptions>(async (ctx, options, args) => {
        const { markVoters } = await import('../../app/markVoters.js');
        const { electionSettings } = await import('../../app/settings.js');
        const result = await withStores(ctx, async (stores) => {
          const { timeZone } = await electionSettings(await stores.settings());
          return markVoters(await stores.mark(), ctx.clock, args[0] as string[], { at: options.at, source: options.source, timeZone });
        });
        if (result.marked.length > 0) ctx.reporter.info(`${ctx.err.green('✔')} marked as voted at ${result.checkedAt}: ${result.marked.join(', ')}`);
        for (const a of result.already) ctx.reporter.info(`already checked: ${a.id} (at ${a.checkedAt})`);
      }),
    );

  program
    .command('unmark')
    .description("remove voters' poll checks (a watcher's mistake)")
    .argument('<id...>', 'voter ids')
    .addHelpText('after', examples('turnout unmark 000123'))
    .action(
      action(async (ctx, _options, args) => {
        const { unmarkVoters } = await import('../../app/markVoters.js');
        const result = await withStores(ctx, async (stores) => unmarkVoters(await stores.mark(), args[0] as string[]));
        if (result.unmarked.length > 0) ctx.reporter.info(`${ctx.err.green('✔')} unmarked: ${result.unmarked.join(', ')}`);
        if (result.notChecked.length > 0) ctx.reporter.warn(`not checked, nothing to remove: ${result.notChecked.join(', ')}`);
      }),
    );
}
