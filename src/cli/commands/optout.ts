import path from 'node:path';
import type { Command } from 'commander';
import type { Table } from '../../app/optouts.js';
import { action, examples } from '../action.js';
import type { CliContext } from '../context.js';
import { withStores } from '../database.js';
import { addOutputOptions, chooseFormat, writeRows, type OutputOptions } from '../output.js';
import { groupDigits } from '../numbers.js';

interface RegionOption {
  region?: string;
}

const COLUMNS = ['phone', 'source', 'created_at'] as const;

export function registerOptout(program: Command): void {
  const optout = program
    .command('optout')
    .description('the numbers that must never be texted or called (STOP replies, requests, lists)')
    .addHelpText('after', examples('turnout optout add "06 12 34 56 78"', 'turnout optout import stop-list.csv', 'turnout optout list'));

  optout
    .command('add')
    .description('add phone numbers to the opt-out list')
    .argument('<phone...>', 'numbers as written (06 12 34 56 78, +33 6…); read in the database region')
    .option('--region <CC>', "region for numbers without a country code (default: the database's)")
    .addHelpText('after', examples('turnout optout add "06 12 34 56 78" +447911123456'))
    .action(
      action<RegionOption>(async (ctx, options, args) => {
        const phones = args[0] as string[];
        const { addOptouts } = await import('../../app/optouts.js');
        const change = await withOptouts(ctx, options, (store, region) =>
          addOptouts(store, phones, { region, source: 'manual', now: ctx.clock.now() }),
        );
        ctx.reporter.info(`${plural(change.changed.length, 'number')} added to the opt-out list${already(change.unchanged.length, 'already there')}`);
        return 0;
      }),
    );

  optout
    .command('import')
    .description('add the numbers of a CSV file (a phone column, or one number per line) to the opt-out list')
    .argument('<file>', 'CSV file; - reads standard input')
    .option('--column <name>', 'the column holding the numbers (default: phone, téléphone, portable, mobile, numéro…)')
    .option('--region <CC>', "region for numbers without a country code (default: the database's)")
    .addHelpText('after', examples('turnout optout import stop-list.csv', 'cat replies.csv | turnout optout import - --column From'))
    .action(
      action<RegionOption & { column?: string }>(async (ctx, options, args) => {
        const file = args[0] as string;
        const { importOptouts } = await import('../../app/optouts.js');
        const table = await readTable(ctx, file);
        const source = `file:${file === '-' ? 'stdin' : path.basename(file)}`;
        const result = await withOptouts(ctx, options, (store, region) =>
          importOptouts(store, table, { region, column: options.column, now: ctx.clock.now(), source }),
        );
        const from = result.column === undefined ? 'a list without header' : `column "${result.column}"`;
        ctx.reporter.info(
          `${plural(result.changed.length, 'number')} added to the opt-out list from ${from}${already(result.unchanged.length, 'already there')}` +
            (result.empty > 0 ? `; ${plural(result.empty, 'row')} without a number skipped` : ''),
        );
        if (result.rejected.length === 0) return 0;
        const { formatLocation } = await import('../../core/errors.js');
        for (const r of result.rejected.slice(0, 10)) {
          ctx.stderr.write(`${ctx.err.red('error:')} ${formatLocation(r.where)}: ${r.error.message}\n`);
        }
        if (result.rejected.length > 10) ctx.stderr.write(`… and ${plural(result.rejected.length - 10, 'more unreadable number')}\n`);
        ctx.stderr.write(
          `${ctx.err.dim('hint:')} ${plural(result.rejected.length, 'number')} could not be read and ${result.rejected.length === 1 ? 'is' : 'are'} NOT opted out; ` +
            'correct them and run the import again (the numbers already recorded stay).\n',
        );
        return 1;
      }),
    );

  optout
    .command('remove')
    .description('take phone numbers off the opt-out list (someone who asked to be contacted again)')
    .argument('<phone...>', 'numbers as written')
    .option('--region <CC>', "region for numbers without a country code (default: the database's)")
    .addHelpText('after', examples('turnout optout remove "06 12 34 56 78"'))
    .action(
      action<RegionOption>(async (ctx, options, args) => {
        const phones = args[0] as string[];
        const { removeOptouts } = await import('../../app/optouts.js');
        const change = await withOptouts(ctx, options, (store, region) => removeOptouts(store, phones, { region }));
        ctx.reporter.info(`${plural(change.changed.length, 'number')} removed from the opt-out list${already(change.unchanged.length, 'not in it')}`);
        if (change.unchanged.length > 0) ctx.reporter.warn(`not in the opt-out list: ${change.unchanged.join(', ')}`);
        return 0;
      }),
    );

  const list = optout
    .command('list')
    .description('show the opt-out list (a table on a terminal, CSV in a pipe)')
    .addHelpText('after', examples('turnout optout list', 'turnout optout list --format json'));
  addOutputOptions(list).action(
    action<OutputOptions>(async (ctx, options) => {
      await printList(ctx, options, chooseFormat(ctx, options, 'csv'));
      return 0;
    }),
  );

  const exp = optout
    .command('export')
    .description('write the opt-out list as CSV (or JSON), to keep or to load into another tool')
    .addHelpText('after', examples('turnout optout export --out optouts.csv', 'turnout optout export --format ndjson'));
  addOutputOptions(exp, false).action(
    action<OutputOptions>(async (ctx, options) => {
      await printList(ctx, options, chooseFormat(ctx, options, 'csv', false));
      return 0;
    }),
  );
}

type OptoutStore = import('../../app/optouts.js').OptoutStore;

async function withOptouts<T>(ctx: CliContext, options: RegionOption, fn: (store: OptoutStore, region: string | undefined) => Promise<T>): Promise<T> {
  const { normalizeRegion } = await import('../../core/region.js');
  const { electionSettings } = await import('../../app/settings.js');
  const override = options.region === undefined ? undefined : normalizeRegion(options.region);
  // Allowed on a purged database: the opt-outs kept by `purge --keep-optouts` are the proof objections were honoured.
  return withStores(ctx, async (stores) => fn(await stores.optouts(), override ?? (await electionSettings(await stores.settings())).region), { allowPurged: true });
}

async function printList(ctx: CliContext, options: OutputOptions, format: import('../output.js').Format): Promise<void> {
  const { listOptouts } = await import('../../app/optouts.js');
  await withStores(ctx, async (stores) => {
    const rows = [...(await listOptouts(await stores.optouts()))].map((r) => ({ phone: r.phone, source: r.source, created_at: r.created_at }));
    await writeRows(ctx, rows, COLUMNS, { format, out: options.out });
  }, { create: false, allowPurged: true }); // a mistyped --db lists nothing: say so rather than create an empty database
}

function plural(n: number, noun: string): string {
  return `${groupDigits(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function already(n: number, what: string): string {
  return n > 0 ? ` (${groupDigits(n)} ${what})` : '';
}

/**
 * Reads an opt-out CSV whole (they are small) with the import's CSV reader: encoding (UTF-8,
 * BOM, Windows-1252) and delimiter detected, errors with file:line:column. Its first record
 * comes back as the first of `records`: it may be a header or, in a bare list, a number.
 */
async function readTable(ctx: CliContext, file: string): Promise<Table> {
  const { openInput } = await import('../../io/input.js');
  const { CsvTable } = await import('../../io/csv/table.js');
  const input = openInput(file, ctx.stdin);
  const table = new CsvTable(input.name, { encoding: 'auto' });
  const rows = [];
  for await (const chunk of input.chunks()) rows.push(...table.push(chunk));
  rows.push(...table.end());
  const header = table.header!;
  return {
    file: input.name,
    records: [{ line: header.line, values: header.names }, ...rows.map((r) => ({ line: r.line, values: r.fields }))],
  };
}
