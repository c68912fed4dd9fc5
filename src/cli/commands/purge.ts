import type { Command } from 'commander';
import type { PurgeTable } from '../../app/purge.js';
import { UsageError } from '../../core/errors.js';
import { action, examples } from '../action.js';
import type { CliContext } from '../context.js';
import { withStores } from '../database.js';
import { groupDigits } from '../numbers.js';
import { addOutputOptions, chooseFormat, writeRows, type OutputOptions } from '../output.js';

interface PurgeCliOptions extends OutputOptions {
  yes?: boolean;
  dryRun?: boolean;
  keepOptouts?: boolean;
}

const COLUMNS = ['table', 'rows', 'action', 'holds'] as const;

export function registerPurge(program: Command): void {
  const command = program
    .command('purge')
    .description('after the election: delete all personal data for good (voters, checks, messages, contacts), keep the per-area counts')
    .option('-y, --yes', 'purge without asking (required without a terminal)')
    .option('--dry-run', 'list every table with its rows and what the purge would do with it; delete nothing')
    .option('--keep-optouts', 'keep the opt-out list (phone numbers), the proof that objections were honoured; deleted by default');
  addOutputOptions(command)
    .addHelpText(
      'after',
      `
Support levels are political opinions (GDPR art. 9): delete them once the campaign no longer needs
them. Afterwards only the settings and the counts per neighborhood, precinct, support level and
hour remain, so turnout status (and --timeline) still answers, by neighborhood or precinct. Deleted
rows are overwritten (secure_delete), the file is rewritten (VACUUM) and its WAL emptied and
truncated: nothing can be recovered from the database file. On PostgreSQL the tables are emptied
(TRUNCATE), the statistics sampled from their columns dropped and every table rewritten (VACUUM
FULL); the server's WAL archives, replicas and earlier backups are beyond turnout's reach.
${examples('turnout purge --dry-run', 'turnout purge', 'turnout --db election.db purge --yes --keep-optouts')}`,
    )
    .action(
      action<PurgeCliOptions>(async (ctx, options) => {
        if (!options.dryRun && !options.yes && !ctx.interactive) {
          throw new UsageError('purge without a terminal needs --yes: there is nobody to confirm, so nothing was deleted', {
            hint: 'See what would go with turnout purge --dry-run, then add --yes.',
          });
        }
        const { planPurge, purgeDatabase, rowsToDelete } = await import('../../app/purge.js');
        const purgeOptions = { keepOptouts: options.keepOptouts === true };
        return withStores(
          ctx,
          async (stores) => {
            const store = await stores.purge();
            const plan = await planPurge(store, purgeOptions);
            if (options.dryRun) {
              await writeRows(ctx, plan.map((t) => ({ ...t })), COLUMNS, { format: chooseFormat(ctx, options, 'csv'), out: options.out });
              ctx.reporter.info(`dry run: ${describe(plan)}; nothing was deleted`);
              return 0;
            }
            if (!options.yes) {
              ctx.stderr.write(`${planText(ctx, plan)}\n`);
              const { confirm } = await import('@inquirer/prompts');
              let ok: boolean;
              try {
                ok = await confirm(
                  { message: `Delete ${groupDigits(rowsToDelete(plan))} rows of personal data for good?`, default: false },
                  { input: ctx.stdin, output: ctx.stderr },
                );
              } catch (error) {
                // Ctrl-C at the prompt is a "no", not a crash.
                if ((error as Error).name !== 'ExitPromptError') throw error;
                ok = false;
              }
              if (!ok) {
                ctx.reporter.info('cancelled: nothing deleted');
                return 0;
              }
            }
            const outcome = await purgeDatabase(store, purgeOptions, ctx.clock);
            ctx.reporter.info(
              [
                `${ctx.err.green('✔')} ${ctx.dbLabel} purged: ${describe(outcome.tables)}`,
                stores.engine === 'postgres'
                  ? `  tables: ${kib(outcome.bytesBefore)} → ${kib(outcome.bytesAfter)}, emptied (TRUNCATE), their statistics dropped, rewritten (VACUUM FULL); the server's WAL and backups are not turnout's to clear (see README)`
                  : `  file: ${kib(outcome.bytesBefore)} → ${kib(outcome.bytesAfter)}, rewritten (VACUUM), WAL truncated`,
                `  turnout status (by neighborhood or precinct) still answers from the counts`,
              ].join('\n'),
            );
            return 0;
          },
          { create: false, allowPurged: true, noPurgeReminder: true },
        );
      }),
    );
}

function describe(tables: readonly PurgeTable[]): string {
  const deleted = tables.filter((t) => t.action === 'delete');
  const total = deleted.reduce((n, t) => n + t.rows, 0);
  const parts = deleted.filter((t) => t.rows > 0).map((t) => `${groupDigits(t.rows)} ${t.table}`);
  const optouts = tables.find((t) => t.table === 'optouts');
  const kept = optouts?.action === 'keep' ? `; opt-outs kept (${groupDigits(optouts.rows)})` : '';
  return `${groupDigits(total)} rows deleted${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${kept}`;
}

function planText(ctx: CliContext, plan: readonly PurgeTable[]): string {
  const width = Math.max(...plan.map((t) => t.table.length));
  const line = (t: PurgeTable): string => `  ${t.table.padEnd(width)}  ${groupDigits(t.rows).padStart(9)}  ${t.holds}`;
  return [
    ctx.err.bold(`turnout purge ${ctx.dbLabel}`),
    ctx.err.red('Deleted for good:'),
    ...plan.filter((t) => t.action === 'delete').map(line),
    ctx.err.green('Kept:'),
    ...plan.filter((t) => t.action === 'keep').map(line),
  ].join('\n');
}

function kib(bytes: number): string {
  return `${groupDigits(Math.round(bytes / 1024))} KiB`;
}
