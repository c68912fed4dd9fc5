import { Option, type Command } from 'commander';
import type { FileOutcome, ImportChecksFile, Refresh } from '../../app/watch.js';
import { RuntimeError, UsageError } from '../../core/errors.js';
import { action, examples } from '../action.js';
import type { CliContext } from '../context.js';
import { withStores } from '../database.js';
import type { Stores } from '../../app/stores.js';
import { localTime, outputRow } from '../../app/statusRows.js';
import { renderStatus } from './status.js';
import { addStatusOptions, statusInputFrom, type StatusCliOptions } from './status-options.js';

interface WatchCliOptions extends StatusCliOptions {
  checksDir?: string;
  interval: string;
  once?: boolean;
  maxRefreshes?: string;
  format?: 'table' | 'ndjson';
}

export function registerWatch(program: Command): void {
  const command = program
    .command('watch')
    .description('the election-night screen: import new poll-check files from a folder and redraw the status, again and again');
  addStatusOptions(command)
    .option('--checks-dir <dir>', 'folder where poll-check CSV files arrive; new or changed files are imported (each content once)')
    .option('--interval <seconds>', 'seconds between refreshes', '30')
    .option('--once', 'one refresh, then exit')
    .option('--max-refreshes <n>', 'exit after this many refreshes')
    .addOption(
      new Option('--format <format>', 'table: redraw the screen (default on a terminal); ndjson: one JSON line per refresh').choices([
        'table',
        'ndjson',
      ]),
    )
    .addHelpText(
      'after',
      `
Files are imported when their size and modification time hold still between two looks, so a
file still being copied is not read half-way; dotfiles and *.part, *.tmp, *.crdownload files
are ignored. A bad file is reported once and skipped until it changes, across restarts too.
Ctrl-C stops (exit code 0).
${examples(
  'turnout watch --checks-dir ~/Dropbox/pointages --interval 60',
  'turnout watch --checks-dir incoming --by precinct --expected 55',
  'turnout watch --checks-dir incoming --format ndjson >> watch.log',
)}`,
    )
    .action(action<WatchCliOptions>(async (ctx, options) => watch(ctx, options)));
}

function positive(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} "${text}" is not a ${integer ? 'whole ' : ''}number above 0`);
  }
  return value;
}

async function watch(ctx: CliContext, options: WatchCliOptions): Promise<number> {
  const intervalMs = positive('--interval', options.interval, false) * 1000;
  const maxRefreshes = options.once ? 1 : options.maxRefreshes !== undefined ? positive('--max-refreshes', options.maxRefreshes, true) : Infinity;
  const screen = (options.format ?? (ctx.stdoutIsTTY ? 'table' : 'ndjson')) === 'table';
  const { createWatcher } = await import('../../app/watch.js');
  const { electionSettings } = await import('../../app/settings.js');
  const { checksFolder } = await import('../../io/checksFolder.js');
  const fs = await import('node:fs');
  if (options.checksDir !== undefined && !fs.statSync(options.checksDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--checks-dir ${options.checksDir} is not a folder`, { hint: 'Create it, or give the folder where poll-check files arrive.' });
  }

  // Ctrl-C ends the wait between refreshes; a refresh under way (an import) finishes first.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await withStores(
      ctx,
      async (stores) => {
        const settings = await electionSettings(await stores.settings());
        const input = await statusInputFrom(options, { timeZone: settings.timeZone, now: ctx.clock.now() });
        const { at, ...status } = input;
        const noFolder = { scan: async () => [], hash: async () => '' };
        const importChecksFile = options.checksDir !== undefined ? await checksImporter(ctx, stores, screen) : async () => undefined;
        const watcher = createWatcher(
          {
            folder: options.checksDir !== undefined ? checksFolder(options.checksDir) : noFolder,
            imported: await stores.importedFiles(),
            importChecksFile,
            source: await stores.status(),
            clock: ctx.clock,
            sleep: (ms) => sleep(ms),
          },
          { status: options.at !== undefined ? { ...status, at } : status, settleMs: Math.min(1000, intervalMs) },
        );
        for (let n = 1; n <= maxRefreshes && !stop.signal.aborted; n++) {
          const refresh = await watcher.refresh();
          if (screen) await draw(ctx, refresh, options.checksDir, n < maxRefreshes ? intervalMs : undefined);
          else await printLine(ctx, refresh);
          if (n < maxRefreshes) await sleep(intervalMs, stop.signal);
        }
      },
      // Following the status of a purged database works; importing checks into it does not.
      { create: false, allowPurged: options.checksDir === undefined },
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

/**
 * The check import behind each file: the use case of `turnout import checks`, with its defaults
 * (key and columns detected from the headers, rows without a time checked "now"), each check
 * labelled with the file's name unless the file has a source column. On the screen, rejected
 * rows are counted in the file's line; in JSON-lines mode they are also listed on stderr.
 */
async function checksImporter(ctx: CliContext, stores: Stores, screen: boolean): Promise<ImportChecksFile> {
  const [{ importChecks }, { openInput }, { openCheckFile }, { electionSettings }, path, { silentReporter }] = await Promise.all([
    import('../../app/importChecks.js'),
    import('../../io/input.js'),
    import('../../io/checkFile.js'),
    import('../../app/settings.js'),
    import('node:path'),
    import('../../app/ports.js'),
  ]);
  const store = await stores.checkImport();
  const settingsStore = await stores.settings();
  const { timeZone } = await electionSettings(settingsStore);
  const reporter = screen ? silentReporter : { ...ctx.reporter, progress() {} };
  return async (file) => {
    // `turnout purge` may run while watch sleeps between refreshes: import nothing into the purged database.
    if ((await electionSettings(settingsStore)).purgedAt !== undefined) {
      throw new RuntimeError('the database was purged while turnout watch was running: poll checks are no longer imported', {
        hint: 'Stop turnout watch; start a new database for a new election.',
      });
    }
    const reading = await openCheckFile(openInput(file, ctx.stdin), { encoding: 'auto' });
    const s = await importChecks({ store, reporter, clock: ctx.clock }, reading, { source: path.basename(file), timeZone });
    return {
      key: s.key,
      read: s.read,
      newly_checked: s.newlyChecked,
      already_checked: s.alreadyChecked,
      unmatched: s.unmatched,
      rejected: s.rejected,
    };
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function describeFile(f: FileOutcome): string {
  switch (f.outcome) {
    case 'imported':
      return `imported ${f.file}${summaryText(f.summary)}`;
    case 'already-imported':
      return `${f.file}: same content as a file already imported, skipped`;
    case 'pending':
      return `${f.file}: still being written, next time`;
    case 'failed':
      return `${f.file} skipped: ${f.error}`;
  }
}

function summaryText(summary: unknown): string {
  if (summary === null || typeof summary !== 'object') return '';
  const parts = Object.entries(summary as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k.replace(/_/g, ' ')} ${v as number}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

async function draw(ctx: CliContext, refresh: Refresh, dir: string | undefined, nextInMs: number | undefined): Promise<void> {
  const { report, changes, files } = refresh;
  const out = ctx.out;
  const lines: string[] = [];
  if (ctx.stdoutIsTTY) lines.push('\u001b[H\u001b[2J'); // clear the screen and go home
  lines.push(
    renderStatus(ctx, report, report.areas, { newlyFlagged: new Set(changes.newlyFlagged), recovered: new Set(changes.recovered) }),
  );
  const name = (a: string | null): string => a ?? '(no value)';
  if (changes.newlyFlagged.length > 0) lines.push(out.red(`newly under-mobilized: ${changes.newlyFlagged.map(name).join(', ')}`));
  if (changes.recovered.length > 0) lines.push(out.green(`recovered: ${changes.recovered.map(name).join(', ')}`));
  for (const f of files) lines.push(f.outcome === 'failed' ? out.yellow(describeFile(f)) : describeFile(f));
  const when = localTime(ctx.clock.now().toISOString(), report.timeZone);
  lines.push(
    out.dim(
      `refresh ${refresh.number} at ${when}` +
        (dir !== undefined ? ` · watching ${dir}` : ' · no --checks-dir: status only') +
        (nextInMs !== undefined ? ` · next in ${Math.round(nextInMs / 1000)} s · Ctrl-C to quit` : ''),
    ),
  );
  ctx.stdout.write(`${lines.join('\n')}\n`);
  // Bad files also go to stderr, where logs keep them after the screen is redrawn.
  if (!ctx.stdoutIsTTY) for (const f of files) if (f.outcome === 'failed') ctx.reporter.warn(describeFile(f));
}

async function printLine(ctx: CliContext, refresh: Refresh): Promise<void> {
  const { report, changes, files } = refresh;
  for (const f of files) {
    if (f.outcome === 'failed') ctx.reporter.warn(describeFile(f));
    else ctx.reporter.info(describeFile(f));
  }
  const line = {
    refresh: refresh.number,
    at: report.at,
    by: report.by,
    reference: { ...report.reference, rate: report.reference.rate === null ? null : Math.round(report.reference.rate * 1e4) / 1e4 },
    files,
    newly_flagged: changes.newlyFlagged,
    recovered: changes.recovered,
    areas: report.areas.map(outputRow),
    totals: outputRow(report.totals),
  };
  const text = `${JSON.stringify(line)}\n`;
  if (!ctx.stdout.write(text)) await new Promise<void>((resolve) => ctx.stdout.once('drain', () => resolve()));
}
