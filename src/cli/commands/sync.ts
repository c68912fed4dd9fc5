import type { Command } from 'commander';
import { action, examples } from '../action.js';

interface SyncOptions {
  from?: string;
  messagingService?: string;
  format?: 'json';
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('fetch from Twilio the delivery status of sent reminders and the replies (opt-out keywords are recorded)')
    .option('--from <number>', 'the number replies are sent to (default $TWILIO_FROM)')
    .option('--messaging-service <sid>', 'messaging service SID, if you send through one (default $TWILIO_MESSAGING_SERVICE_SID)')
    .option('--format <format>', 'json: print the summary as JSON on stdout')
    .addHelpText(
      'after',
      `
Updates each message still in flight (queued, sent) or of unknown outcome: delivered,
undelivered or failed with Twilio's error code. A message whose answer was lost (timeout, run
killed) is looked up by its SID, or by recipient and text; when Twilio has no such message it
is marked failed (never sent), so that a later run may send it. A reply that is only an
opt-out keyword (STOP, ARRET, UNSUBSCRIBE…) records an opt-out.
${examples('turnout sync', 'turnout sync --format json >> sync.log')}`,
    )
    .action(
      action<SyncOptions>(async (ctx, options) => {
        const { UsageError } = await import('../../core/errors.js');
        if (options.format !== undefined && options.format !== 'json') throw new UsageError(`--format for sync is json only, got "${options.format}"`);
        const { twilioConfig } = await import('../../io/twilio/config.js');
        const config = twilioConfig(ctx.env, { from: options.from, messagingService: options.messagingService });
        const { twilioSyncGateway } = await import('../../io/twilio/gateway.js');
        const { syncMessages } = await import('../../app/sync.js');
        const { withStores } = await import('../database.js');
        const { progressReporter } = await import('../progress.js');
        const gateway = await twilioSyncGateway(config);
        const reporter = await progressReporter(ctx);
        const summary = await withStores(
          ctx,
          async (stores) => {
            try {
              return await syncMessages({ gateway, store: await stores.sync(), clock: ctx.clock, reporter }, { senders: config.from ? [config.from] : [] });
            } finally {
              reporter.stop();
            }
          },
          { create: false },
        );
        const updated = Object.entries(summary.updated).map(([status, n]) => `${n} ${status}`);
        const lines = [
          `${ctx.err.green('✔')} checked ${summary.checked} message${summary.checked === 1 ? '' : 's'}: ${updated.length ? updated.join(', ') : 'no change'}`,
        ];
        if (summary.unknown_resolved) lines.push(`  unknown outcomes resolved: ${summary.unknown_resolved}`);
        if (summary.unknown_not_sent) lines.push(`  unknown outcomes that never reached Twilio (marked failed, a later run may send them): ${summary.unknown_not_sent}`);
        if (summary.unknown_remaining) lines.push(`  still unknown: ${summary.unknown_remaining} (run turnout sync again in a few minutes)`);
        lines.push(`  replies: ${summary.replies} new, opt-outs recorded: ${summary.optouts_recorded}`);
        if (summary.unusable_recorded) lines.push(`  numbers marked unusable for SMS: ${summary.unusable_recorded}`);
        ctx.reporter.info(lines.join('\n'));
        if (options.format === 'json') ctx.stdout.write(`${JSON.stringify(summary)}\n`);
        return 0;
      }),
    );
}
