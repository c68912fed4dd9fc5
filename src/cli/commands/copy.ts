import type { Command } from 'commander';
import { action, examples } from '../action.js';
import { UsageError } from '../../core/errors.js';

interface CopyOptions {
  from: string;
  to: string;
}

export function registerCopy(program: Command): void {
  program
    .command('copy')
    .description('copy a whole campaign between an SQLite file and PostgreSQL (either way), then compare the row counts of every table')
    .requiredOption('--from <db>', 'the database to read: an SQLite file or a postgres:// URL')
    .requiredOption('--to <db>', 'the database to write, which must hold no campaign yet: a new SQLite file or a postgres:// URL (with --db-schema)')
    .addHelpText(
      'after',
      examples(
        'turnout copy --from turnout.db --to postgres://gotv@db.example/campaign',
        'turnout --db-schema marseille_2026 copy --from turnout.db --to postgres://gotv@db.example/campaign',
        'turnout copy --from postgres://gotv@db.example/campaign --to laptop.db',
      ),
    )
    .action(
      action<CopyOptions>(async (ctx, options) => {
        const { isPostgresTarget, connectPostgres } = await import('../../store/pg/connect.js');
        const toPg = isPostgresTarget(options.to);
        const fromPg = isPostgresTarget(options.from);
        if (toPg === fromPg) {
          throw new UsageError(`turnout copy goes between an SQLite file and PostgreSQL: --from and --to are both ${toPg ? 'PostgreSQL' : 'SQLite files'}`, {
            hint: toPg ? 'Between two PostgreSQL databases use pg_dump and pg_restore.' : 'Between two SQLite files copy the file (with turnout stopped).',
          });
        }
        const { openDatabase } = await import('../../store/db.js');
        const { migratePostgres } = await import('../../store/pg/migrations.js');
        const { copyPgToSqlite, copySqliteToPg } = await import('../../store/pg/copyDatabase.js');
        const pgUrl = toPg ? options.to : options.from;
        const file = toPg ? options.from : options.to;
        const pg = await connectPostgres(pgUrl, { schema: ctx.dbSchema, ...(ctx.dbTimeoutMs === undefined ? {} : { statementTimeoutMs: ctx.dbTimeoutMs }) });
        try {
          await migratePostgres(pg);
          const fs = await import('node:fs');
          if (!toPg && fs.existsSync(file)) {
            throw new UsageError(`--to ${file} exists already`, { hint: 'Copy into a new file: turnout copy never merges into a campaign.' });
          }
          const sqlite = openDatabase(file, { create: !toPg });
          try {
            const progress = (table: string, rows: number): void => ctx.reporter.info(`  ${table}: ${rows.toLocaleString('en-US')} rows`);
            const report = toPg ? await copySqliteToPg(sqlite, pg, progress) : await copyPgToSqlite(pg, sqlite, file, progress);
            const where = toPg ? pg.label : file;
            ctx.reporter.info(
              `${ctx.err.green('✔')} copied ${report.tables.length} tables to ${where}; every table has as many rows as the source (${report.voters.toLocaleString('en-US')} voters, ${report.votes.toLocaleString('en-US')} votes)`,
            );
          } finally {
            sqlite.close();
          }
        } finally {
          await pg.close();
        }
      }),
    );
}
