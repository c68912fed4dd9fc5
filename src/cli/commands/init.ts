import type { Command } from 'commander';
import { action, examples } from '../action.js';
import { withStores } from '../database.js';

interface InitOptions {
  region?: string;
  timezone?: string;
  name?: string;
  footer?: string;
  purgeAfter?: string;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create the database (mode 0600) and record the election settings')
    .option('--region <CC>', 'default phone region for numbers written without +country code (FR, US, GB…)')
    .option('--timezone <TZ>', "the election's time zone (IANA name); default: this machine's")
    .option('--name <text>', 'a name for the election, shown in reports')
    .option('--footer <text>', 'opt-out footer appended to SMS reminders, e.g. "STOP au 36xxx"')
    .option('--purge-after <date>', 'the day (YYYY-MM-DD) after which the personal data is to be deleted with turnout purge; every command warns once it has passed ("off" removes it)')
    .addHelpText(
      'after',
      examples(
        'turnout init --region FR --timezone Europe/Paris --name "Municipales Marseille 2026"',
        'turnout --db nyc.db init --region US --timezone America/New_York --footer "Reply STOP to opt out"',
        'turnout init --purge-after 2026-06-30',
      ),
    )
    .action(
      action<InitOptions>(async (ctx, options) => {
        const { initElection } = await import('../../app/initElection.js');
        const settings = await withStores(ctx, async (stores) =>
          initElection(await stores.settings(), {
            region: options.region,
            timeZone: options.timezone,
            name: options.name,
            footer: options.footer,
            purgeAfter: options.purgeAfter,
          }),
          { allowPurged: true },
        );
        ctx.reporter.info(
          [
            `${ctx.err.green('✔')} ${ctx.dbLabel} ready`,
            `  region:    ${settings.region ?? '(none: phones must be written +international)'}`,
            `  time zone: ${settings.timeZone}`,
            ...(settings.name ? [`  name:      ${settings.name}`] : []),
            ...(settings.footer ? [`  footer:    ${settings.footer}`] : []),
            ...(settings.purgeAfter ? [`  purge after: ${settings.purgeAfter} (then run turnout purge)`] : []),
            ...(settings.purgedAt ? [`  purged:    ${settings.purgedAt} (aggregates only)`] : []),
          ].join('\n'),
        );
      }),
    );
}
