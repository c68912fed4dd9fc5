import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { DemoImports, DemoManifest, DemoReport, ExistingDatabase } from '../../app/demo.js';
import { RuntimeError } from '../../core/errors.js';
import { action, examples } from '../action.js';
import type { Stores } from '../../app/stores.js';
import { isPostgresTarget, redactUrl } from '../../core/databaseUrl.js';
import type { CliContext, GlobalOptions } from '../context.js';
import { withStores } from '../database.js';
import { groupDigits } from '../numbers.js';

/** The demo's own database, so that it never lands in a campaign's turnout.db by accident. */
export const DEMO_DB = 'turnout-demo.db';
/** On PostgreSQL (--db postgres://…), the demo's own schema unless --db-schema names another. */
export const DEMO_SCHEMA = 'turnout_demo';

interface DemoOptions {
  force?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(`build a demo database (./${DEMO_DB}) for a Marseille-like city on election day at 15:30, and show what to try next`)
    .option('--force', 'rebuild the demo database if it already exists (a database that is not a demo is never overwritten)')
    .addHelpText(
      'after',
      `
The demo city has 20 quartiers, 30 bureaux de vote and about 5,000 voters. It runs a French
campaign's real flow: the REU export of the list (no phones, no support, no quartier), the
campaign's map of bureaux onto quartiers, its NationBuilder contact export linked by name and
birth date, then the émargement checks by bureau and numéro d'ordre. Its poll checks are
those known at 15:30 on election day (Sunday 15 March 2026, Europe/Paris), and four quartiers
clearly lag. Everything works offline, with no credentials. The global --db chooses another
file; TURNOUT_DB is ignored here, so the demo never touches your real database. A postgres:// --db
builds it in a schema of its own (${DEMO_SCHEMA}, or the --db-schema given), never in another.
${examples('turnout demo', 'turnout demo --force', 'turnout --db /tmp/city.db demo', 'turnout --db postgres://localhost/gotv demo')}`,
    )
    .action(
      action<DemoOptions>(async (ctx, options) => {
        const app = await import('../../app/demo.js');
        // Only an explicit --db moves the demo; TURNOUT_DB (and TURNOUT_DB_SCHEMA) point at the campaign's real data.
        const dbPath = program.opts<GlobalOptions>().db ?? DEMO_DB;
        const onPostgres = isPostgresTarget(dbPath);
        const schema = onPostgres ? (program.opts<GlobalOptions>().dbSchema ?? DEMO_SCHEMA) : undefined;
        /** The global options that name the demo database, for the commands run and printed. */
        const dbArgs = schema === undefined ? ['--db', dbPath] : ['--db', dbPath, '--db-schema', schema];
        const label = schema === undefined ? dbPath : `${redactUrl(dbPath)} (schema ${schema})`;
        const folder = demoFolder();
        const manifestFile = path.join(folder, 'demo.json');
        const manifest = app.parseDemoManifest(fs.readFileSync(manifestFile, 'utf8'), manifestFile);

        const plan = app.planDemo(schema === undefined ? await inspect(dbPath) : await inspectSchema(dbPath, schema), options.force === true, label);
        if (!onPostgres && !fs.existsSync(path.dirname(path.resolve(dbPath)))) {
          throw new RuntimeError(`cannot create ${dbPath}: the folder ${path.dirname(path.resolve(dbPath))} does not exist`, {
            hint: 'Create the folder first, or choose another path with --db.',
          });
        }
        if (plan === 'keep') {
          ctx.reporter.info(`${ctx.err.green('✔')} ${label} is already the demo database (turnout demo --force rebuilds it)`);
          ctx.reporter.info(nextSteps(ctx, dbArgs, manifest));
          return;
        }
        const build = (target: CliContext) =>
          withStores(target, async (stores) =>
            app.buildDemo(manifest, {
              settings: await stores.settings(),
              imports: await demoImports(target, stores),
              reporter: ctx.reporter,
              resolve: (file) => path.join(folder, file),
            }),
          );
        let report: DemoReport;
        if (schema !== undefined) {
          // A schema cannot be built aside and renamed into place (the tally triggers keep the
          // schema they were made in): the old demo schema is dropped and the new one built in its
          // place; a failed build drops what it made. Only a demo schema, or none, gets here.
          await dropSchema(dbPath, schema);
          try {
            report = await build({ ...ctx, dbPath, dbSchema: schema, dbLabel: label, clock: app.demoClock(manifest) });
          } catch (error) {
            await dropSchema(dbPath, schema).catch(() => {});
            throw error;
          }
        } else {
          // Built aside and moved into place at the end: a failed run leaves no half-built demo,
          // and a rebuild keeps the previous demo until the new one is complete.
          const building = `${dbPath}.building-${process.pid}`;
          removeDatabase(building);
          try {
            report = await build({ ...ctx, dbPath: building, dbLabel: building, clock: app.demoClock(manifest) });
          } catch (error) {
            removeDatabase(building);
            throw error;
          }
          removeDatabase(dbPath);
          fs.renameSync(building, dbPath);
          removeDatabase(building); // any -wal/-shm left beside it (normally none after close)
        }
        ctx.reporter.info(summary(ctx, label, report, plan === 'rebuild', folder));
        const { demoTour } = await import('./demo-tour.js');
        const globals = [...(ctx.quiet ? ['--quiet'] : []), ...(program.opts<GlobalOptions>().color === false ? ['--no-color'] : [])];
        await demoTour({ ...ctx, dbPath, dbSchema: schema, dbLabel: label }, dbArgs, manifest, globals);
        ctx.reporter.info(nextSteps(ctx, dbArgs, manifest));
      }),
    );
}

/** fixtures/demo of the installed package, wherever the command is run from. */
function demoFolder(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'fixtures', 'demo');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(candidate, 'demo.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new RuntimeError('the demo data (fixtures/demo) is missing from this installation of turnout', {
        hint: 'Reinstall turnout (npm install); the package ships fixtures/demo.',
      });
    }
    dir = parent;
  }
}

/** What is at the demo's path now: nothing, a demo database, or something to leave alone. */
async function inspect(file: string): Promise<ExistingDatabase> {
  if (!fs.existsSync(file)) return { kind: 'absent' };
  if (!fs.statSync(file).isFile()) return { kind: 'other', reason: 'not a file' };
  const { openDatabase } = await import('../../store/db.js');
  const { settingsStore } = await import('../../store/settings.js');
  const { DEMO_MARKER } = await import('../../app/demo.js');
  let db;
  try {
    db = openDatabase(file, { readonly: true, create: false });
  } catch (error) {
    return { kind: 'other', reason: error instanceof Error ? error.message.replace(`${file} `, '') : 'unreadable' };
  }
  try {
    const name = settingsStore(db).get(DEMO_MARKER);
    return name === undefined ? { kind: 'other', reason: 'it has no demo marker' } : { kind: 'demo', name };
  } catch {
    return { kind: 'other', reason: 'not a turnout database' };
  } finally {
    db.close();
  }
}

function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

/** What is in the demo's schema now: nothing, a demo, or a campaign to leave alone. */
async function inspectSchema(url: string, schema: string): Promise<ExistingDatabase> {
  const [{ inspectDemoSchema }, { DEMO_MARKER }] = await Promise.all([import('../../store/pg/demo.js'), import('../../app/demo.js')]);
  return inspectDemoSchema(url, schema, DEMO_MARKER);
}

/** Drops the demo's schema (inspectSchema said it is a demo, or absent). */
async function dropSchema(url: string, schema: string): Promise<void> {
  const { dropDemoSchema } = await import('../../store/pg/demo.js');
  await dropDemoSchema(url, schema);
}

/** The import use cases, exactly as `turnout import voters|areas|contacts|checks` runs them, with the demo's fixed clock. */
async function demoImports(ctx: CliContext, stores: Stores): Promise<DemoImports> {
  const [
    { importVoters },
    { importChecks },
    { importAreas },
    { importContacts },
    { openInput },
    { openVoterFile },
    { openCheckFile },
    { electionSettings },
    { phoneNormalizer },
  ] = await Promise.all([
    import('../../app/importVoters.js'),
    import('../../app/importChecks.js'),
    import('../../app/importAreas.js'),
    import('../../app/importContacts.js'),
    import('../../io/input.js'),
    import('../../io/voterFile.js'),
    import('../../io/checkFile.js'),
    import('../../app/settings.js'),
    import('../../core/phone.js'),
  ]);
  const ports = { reporter: ctx.reporter, clock: ctx.clock };
  const settings = async () => electionSettings(await stores.settings());
  return {
    async voters(file, { region }) {
      const store = await stores.voterImport();
      const reading = await openVoterFile(openInput(file, ctx.stdin), { encoding: 'auto', region, map: {}, form: store.batchForm });
      const s = await importVoters({ ...ports, store }, reading);
      return { read: s.read, inserted: s.inserted, updated: s.updated, rejected: s.rejected, phonesInvalid: s.phonesInvalid };
    },
    async areas(file) {
      const reading = await openCheckFile(openInput(file, ctx.stdin), { encoding: 'auto' });
      const s = await importAreas({ reporter: ctx.reporter, store: await stores.areaImport() }, reading);
      return { precincts: s.precincts, areas: s.areas, votersMoved: s.votersMoved };
    },
    async contacts(file) {
      const reading = await openCheckFile(openInput(file, ctx.stdin), { encoding: 'auto' });
      // The contacts not applied (homonyms, people not on this list) are counted in the summary,
      // not listed one by one: the demo is about the day, and --quiet means quiet.
      const reporter = { ...ctx.reporter, warn: () => {} };
      const s = await importContacts({ reporter, store: await stores.contactImport(), normalizePhone: phoneNormalizer((await settings()).region) }, reading);
      return { read: s.read, matched: s.matched.identity, ambiguous: s.ambiguous, unmatched: s.unmatched, votersUpdated: s.votersUpdated };
    },
    async checks(file, { source, at }) {
      const reading = await openCheckFile(openInput(file, ctx.stdin), { encoding: 'auto' });
      const s = await importChecks({ ...ports, store: await stores.checkImport() }, reading, {
        source,
        ...(at === undefined ? {} : { at }),
        timeZone: (await settings()).timeZone,
      });
      return { read: s.read, newlyChecked: s.newlyChecked, alreadyChecked: s.alreadyChecked, unmatched: s.unmatched };
    },
  };
}

const n = (value: number): string => groupDigits(value);

function summary(ctx: CliContext, label: string, report: DemoReport, rebuilt: boolean, folder: string): string {
  const m = report.manifest;
  const v = report.voters;
  const files = [v.file, ...(report.areas ? [report.areas.file] : []), ...(report.contacts ? [report.contacts.file] : []), ...report.checks.map((c) => c.file)];
  const width = Math.max(...files.map((f) => f.length)) + 'contacts'.length - 'voters'.length;
  const step = (what: 'voters' | 'areas' | 'contacts' | 'checks', file: string): string => `  turnout import ${`${what} ${file}`.padEnd(width + 7)}`;
  const lines = [
    `${ctx.err.green('✔')} ${label} ${rebuilt ? 'rebuilt' : 'built'}: ${m.name} (phones read as ${m.region}, time zone ${m.timeZone})`,
    `  the steps of a campaign, run on the files of ${shellQuote(shortPath(folder))}:`,
    '',
    `  turnout init --region ${m.region} --timezone ${m.timeZone} --name "${m.name}"${m.footer ? ` --footer "${m.footer}"` : ''}`,
    `${step('voters', v.file)}   ${n(v.inserted)} voters imported${v.rejected ? `, ${n(v.rejected)} rejected` : ''} from the REU export (keyed by bureau + numéro d'ordre; no phones, no quartiers)`,
  ];
  if (report.areas) {
    const a = report.areas;
    lines.push(`${step('areas', a.file)}   ${n(a.precincts)} bureaux grouped into ${n(a.areas)} quartiers, ${n(a.votersMoved)} voters placed`);
  }
  if (report.contacts) {
    const c = report.contacts;
    lines.push(
      `${step('contacts', c.file)}   ${n(c.matched)} of ${n(c.read)} contacts linked by name + birth date, ${n(c.ambiguous)} ambiguous, ${n(c.unmatched)} unmatched`,
    );
  }
  for (const c of report.checks) {
    const at = m.checks.find((x) => x.file === c.file)?.at;
    lines.push(
      `${step('checks', c.file)}   ${n(c.newlyChecked)} newly checked, ${n(c.alreadyChecked)} already checked, ${n(c.unmatched)} unmatched${at ? `  (no times in the file: --at "${at}")` : ''}`,
    );
  }
  lines.push(
    '',
    `  ${n(report.voted)} of ${n(v.inserted)} voters checked as having voted by ${m.asOf} on ${m.date}; ${n(report.unmatched)} checks matched no voter (turnout checks unmatched).`,
  );
  return lines.join('\n');
}

/**
 * The commands to try next, with --db (and --db-schema) and the demo's moment (--at) spelled out.
 * A URL is printed without its password (***): it comes from PGPASSWORD or ~/.pgpass then.
 */
export function nextSteps(ctx: CliContext, dbArgs: readonly string[], manifest: DemoManifest): string {
  const db = dbArgs.map((arg, i) => (i % 2 === 0 ? arg : shellQuote(redactUrl(arg)))).join(' ');
  const at = `--at "${manifest.date} ${manifest.asOf}"`;
  const commands: Array<[string, string?]> = [
    [`turnout ${db} status ${at}`, 'which quartiers lag'],
    [`turnout ${db} status --by precinct --under-mobilized ${at}`],
    [`turnout ${db} status --timeline ${at}`, 'the pace of the day'],
    [`turnout ${db} remind --under-mobilized --channel door ${at} --out walk-list.csv`],
    [`turnout ${db} remind --under-mobilized --channel call ${at} --out call-sheet.csv`],
    [`turnout ${db} checks unmatched`, "the watchers' typos"],
    [`turnout ${db} export voters --format csv | head`],
    [`TURNOUT_NOW=${manifest.asOfInstant} turnout ${db} remind --under-mobilized --send --dry-run --message "Bonjour {first_name}, votre bureau ({polling_place}) vous attend jusqu'à 18h."`],
  ];
  const width = Math.max(...commands.filter(([, note]) => note).map(([command]) => command.length));
  const lines = [
    '',
    `The demo's checks stop at ${manifest.asOf} on election day (${manifest.date}, ${manifest.timeZone}); ${ctx.err.bold('--at')} replays that moment.`,
    'Try next:',
    ...commands.map(([command, note]) => (note ? `  ${command.padEnd(width)}  ${ctx.err.dim(`# ${note}`)}` : `  ${command}`)),
  ];
  return lines.join('\n');
}

/** The folder relative to the current one when it is below it, else absolute. */
function shortPath(folder: string): string {
  const relative = path.relative(process.cwd(), folder);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? folder : relative;
}

function shellQuote(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
