import { Argument, type Command } from 'commander';
import { action, examples } from '../action.js';
import { withStores } from '../database.js';
import { addOutputOptions, chooseFormat, writeValues, type Format, type OutputOptions } from '../output.js';

export function registerExport(program: Command): void {
  addOutputOptions(
    program
      .command('export')
      .description('write all voters (every field, extra columns by header, voted, checked_at) or all checks to stdout')
      .addArgument(new Argument('<what>', 'voters or checks').choices(['voters', 'checks'])),
    false,
  )
    .addHelpText(
      'after',
      examples('turnout export voters > voters.csv', 'turnout export voters --format ndjson | jq .phone_e164', 'turnout export checks --format json --out checks.json'),
    )
    .action(
      action<OutputOptions>(async (ctx, options, args) => {
        const { exportVoters, exportChecks } = await import('../../app/exportData.js');
        // No table here: the command's --format choices leave it out.
        const format = chooseFormat(ctx, options, 'csv', false) as Exclude<Format, 'table'>;
        await withStores(
          ctx,
          async (stores) => {
            const store = await stores.export();
            const data = args[0] === 'checks' ? await exportChecks(store) : await exportVoters(store);
            await writeValues(ctx, data.rows, data.columns, { format, ...(options.out === undefined ? {} : { out: options.out }) });
          },
          { create: false },
        );
      }),
    );
}
