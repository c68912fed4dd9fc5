import type { Command } from 'commander';
import { action, examples } from '../action.js';
import { addOutputOptions, chooseFormat, writeRows, type OutputOptions } from '../output.js';

interface RemindersOptions extends OutputOptions {
  status?: string;
  since?: string;
  phone?: string;
  summary?: boolean;
}

export function registerReminders(program: Command): void {
  const command = program
    .command('reminders')
    .description('the log of SMS reminders: to whom, when, status and error codes; a count by status on stderr')
    .option('--status <list>', 'only these statuses, comma-separated (queued, sent, delivered, undelivered, failed, unknown…)')
    .option('--since <time>', 'only reminders created since this time (15:30, "2026-03-15 14:00", an ISO instant)')
    .option('--phone <number>', 'only reminders to this number (E.164)')
    .option('--summary', 'print the count by status and error code as rows instead of the log');
  addOutputOptions(command);
  command
    .addHelpText(
      'after',
      `
One row per message, oldest first. The count by status and error code goes to stderr (or, with
--summary, to stdout as rows: status, error_code, count). Run \`turnout sync\` first for
delivery statuses.
${examples('turnout reminders', 'turnout reminders --status failed,undelivered --format csv > failed.csv', 'turnout reminders --summary --format json')}`,
    )
    .action(
      action<RemindersOptions>(async (ctx, options) => {
        const { UsageError } = await import('../../core/errors.js');
        const { parseTime } = await import('../../core/time.js');
        const { electionSettings } = await import('../../app/settings.js');
        const { LOG_COLUMNS, describeCounts } = await import('../../app/reminderLog.js');
        const { withStores } = await import('../database.js');
        return withStores(
          ctx,
          async (stores) => {
            const settings = await electionSettings(await stores.settings());
            let since: string | undefined;
            if (options.since !== undefined) {
              const at = parseTime(options.since, settings.timeZone, ctx.clock.now());
              if (!at) throw new UsageError(`--since is not a time: "${options.since}"`, { hint: `e.g. 15:30 or "2026-03-15 14:00" (${settings.timeZone})` });
              since = at.toISOString();
            }
            const query = {
              status: options.status?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
              since,
              phone: options.phone?.trim(),
            };
            const store = await stores.reminderLog();
            const counts = await store.counts(query);
            const format = chooseFormat(ctx, options, 'csv');
            if (options.summary) {
              await writeRows(ctx, counts, ['status', 'error_code', 'count'], { format, out: options.out });
              return 0;
            }
            await writeRows(ctx, store.rows(query), LOG_COLUMNS, {
              format,
              out: options.out,
              table: {
                rowStyle: (row, text) => (row.status === 'failed' || row.status === 'undelivered' ? ctx.out.red(text) : row.status === 'unknown' ? ctx.out.yellow(text) : text),
              },
            });
            ctx.reporter.info(describeCounts(counts));
            return 0;
          },
          { create: false },
        );
      }),
    );
}
