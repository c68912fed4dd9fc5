import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Table } from '../../app/optouts.js';
import { action, examples } from '../action.js';
import type { CliContext } from '../context.js';
import { withDatabase } from '../database.js';
import { addOutputOptions, chooseFormat, writeRows, type OutputOptions } from '../output.js';

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
        return 0;
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

async function withOptouts<T>(ctx: CliContext, options: RegionOption, fn: (store: OptoutStore, region: string | undefined) => T): Promise<T> {
  const { normalizeRegion } = await import('../../core/settings.js');
  const { optoutStore } = await import('../../store/optouts.js');
  const { loadSettings } = await import('../../store/settings.js');
  const override = options.region === undefined ? undefined : normalizeRegion(options.region);
  return withDatabase(ctx, (db) => fn(optoutStore(db), override ?? loadSettings(db).region));
}

async function printList(ctx: CliContext, options: OutputOptions, format: import('../output.js').Format): Promise<void> {
  const { listOptouts } = await import('../../app/optouts.js');
  const { optoutStore } = await import('../../store/optouts.js');
  await withDatabase(ctx, async (db) => {
    const rows = [...listOptouts(optoutStore(db))].map((r) => ({ phone: r.phone, source: r.source, created_at: r.created_at }));
    await writeRows(ctx, rows, COLUMNS, { format, out: options.out });
  });
}

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function already(n: number, what: string): string {
  return n > 0 ? ` (${n.toLocaleString('en-US')} ${what})` : '';
}

/**
 * Reads a small CSV (an opt-out list) whole: UTF-8 with or without BOM, else Windows-1252;
 * delimiter , ; tab or | from the first line.
 */
async function readTable(ctx: CliContext, file: string): Promise<Table> {
  const { DataError } = await import('../../core/errors.js');
  const label = file === '-' ? 'stdin' : file;
  let bytes: Buffer;
  try {
    bytes = file === '-' ? await readAll(ctx.stdin) : fs.readFileSync(file);
  } catch (error) {
    throw new DataError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
      where: { file: label },
      hint: 'Check the path.',
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const iconv = (await import('iconv-lite')).default;
    text = iconv.decode(bytes, 'win1252');
  }
  text = text.replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = [',', ';', '\t', '|'].reduce((best, d) => (firstLine.split(d).length > firstLine.split(best).length ? d : best), ',');
  const { parse } = await import('csv-parse/sync');
  try {
    const parsed = parse(text, { delimiter, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as Array<{
      info: { lines: number };
      record: string[];
    }>;
    return { file: label, records: parsed.map((r) => ({ line: r.info.lines, values: r.record })) };
  } catch (error) {
    const e = error as { message: string; lines?: number };
    throw new DataError(`not a readable CSV: ${e.message}`, {
      where: { file: label, line: e.lines },
      hint: 'Close the quote or remove the stray quote character on that line.',
      cause: error,
    });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
