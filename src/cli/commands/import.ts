import { Option, type Command } from 'commander';
import { action, examples } from '../action.js';
import { withStores } from '../database.js';
import { progressReporter } from '../progress.js';
import type { CliContext } from '../context.js';
import type { ImportVotersSummary } from '../../app/importVoters.js';
import type { ImportChecksSummary } from '../../app/importChecks.js';
import type { ImportContactsSummary } from '../../app/importContacts.js';
import type { ImportAreasSummary } from '../../app/importAreas.js';
import { groupDigits } from '../numbers.js';
import { keepYoungGenerationSmall } from '../heap.js';

interface CommonImportOptions {
  map?: string[];
  delimiter?: string;
  encoding?: string;
  dryRun?: boolean;
}

interface VoterImportOptions extends CommonImportOptions {
  region?: string;
  key?: string;
  lists?: string[];
  strict?: boolean;
  rejects?: string;
}

interface CheckImportOptions extends CommonImportOptions {
  key?: string;
  source?: string;
  at?: string;
  strict?: boolean;
  rejects?: string;
}

interface ContactImportOptions extends CommonImportOptions {
  match?: string;
  region?: string;
  strict?: boolean;
  rejects?: string;
  unmatched?: string;
}

interface AreaImportOptions extends CommonImportOptions {
  strict?: boolean;
  rejects?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function addReadingOptions(command: Command): Command {
  return command
    .option('--map <field=Header>', 'read FIELD from the column HEADER (repeatable); overrides the automatic mapping', collect)
    .option('--delimiter <char>', 'field delimiter: , ; | or tab (default: detected)')
    .option('--encoding <name>', 'utf-8, windows-1252 or latin1 (default: detected)')
    .option('--dry-run', 'read and check everything and print the summary, but write nothing');
}

export function registerImport(program: Command): void {
  const command = program
    .command('import')
    .description('import a voter file, a poll-check file, a contact file or a map of precincts onto areas (CSV) into the database')
    .addHelpText(
      'after',
      examples(
        'turnout import voters electeurs.csv --region FR',
        'turnout import checks bureau-12.csv --source "Bureau 12" --at 15:20',
        'turnout import contacts nationbuilder-export.csv --unmatched non-relies.csv',
      ),
    );

  addReadingOptions(
    command
      .command('voters')
      .description('import or update voters from a CSV file (- reads standard input); upsert by voter id')
      .argument('<file>', 'CSV file, or - for standard input'),
  )
    .option('--region <CC>', "phone region for numbers written without +country code (default: the database's, see init)")
    .option('--key <key>', 'how rows name voters: id, or precinct,list_number for lists without ids (default: from the layout)')
    .option('--lists <types>', 'REU list types that count in this election, comma-separated: principale,municipale,europeenne (LP,LCM,LCE) (default: all)', collect)
    .option('--rejects <file>', 'write every rejected row, whole, with its line and reason, to FILE (mode 0600)')
    .option('--strict', 'any rejected row fails the import, and nothing is written')
    .addHelpText(
      'after',
      examples(
        'turnout import voters voters.csv',
        'turnout import voters liste-electeurs-actifs.csv --lists principale,municipale',
        'turnout import voters register.csv --key precinct,list_number',
        'turnout import voters liste.csv --region FR --rejects rejets.csv',
        'turnout import voters export.tsv --map id="SOS Voter ID" --map phone="Cell Phone"',
        'curl -s https://example.org/voters.csv | turnout import voters - --dry-run',
      ),
    )
    .action(action<VoterImportOptions>((ctx, options, args) => importVotersCommand(ctx, args[0] as string, options)));

  addReadingOptions(
    command
      .command('checks')
      .description('import a poll-check file (who has voted): by voter id, or by precinct and list number')
      .argument('<file>', 'CSV file, or - for standard input'),
  )
    .addOption(new Option('--key <key>', 'how rows name voters: id, or precinct,list_number (default: detected from the headers)'))
    .option('--source <name>', 'label for the whole file: polling station, watcher')
    .option('--at <time>', "check time for rows without one, in the election's time zone (14:35, 2026-03-15 14:35); default now")
    .option('--rejects <file>', 'write every rejected row, whole, with its line and reason, to FILE (mode 0600)')
    .option('--strict', 'any rejected row fails the import, and nothing is written')
    .addHelpText(
      'after',
      examples(
        'turnout import checks bureau-12.csv --source "Bureau 12" --at 14:30',
        'turnout import checks pointage.csv --key precinct,list_number',
        'turnout import checks - --source watcher-app < checks.csv',
      ),
    )
    .action(action<CheckImportOptions>((ctx, options, args) => importChecksCommand(ctx, args[0] as string, options)));

  addReadingOptions(
    command
      .command('contacts')
      .description("link a campaign's contact file (phones, e-mails, support) onto the voters already imported")
      .argument('<file>', 'CSV file, or - for standard input'),
  )
    .option('--match <rule>', 'link by this rule only: id, list (precinct + list number), identity (names + birth date), or name (names only, weaker) (default: the strongest each row allows)')
    .option('--region <CC>', "phone region for numbers written without +country code (default: the database's, see init)")
    .option('--unmatched <file>', 'write every ambiguous or unmatched row, whole, with its line and reason, to FILE (mode 0600)')
    .option('--rejects <file>', 'write every rejected row, whole, with its line and reason, to FILE (mode 0600)')
    .option('--strict', 'any rejected row fails the import, and nothing is written')
    .addHelpText(
      'after',
      examples(
        'turnout import contacts nationbuilder-export.csv --unmatched non-relies.csv',
        'turnout import contacts contacts.csv --match identity --dry-run',
        'turnout import contacts benevoles.csv --match name --map last_name=NOM --map first_name=PRENOM',
      ),
    )
    .action(action<ContactImportOptions>((ctx, options, args) => importContactsCommand(ctx, args[0] as string, options)));

  addReadingOptions(
    command
      .command('areas')
      .description("map precincts (bureaux) onto the campaign's areas (quartiers): official lists have no area; replaces the previous map")
      .argument('<file>', 'CSV file with a precinct column and an area column, or - for standard input'),
  )
    .option('--rejects <file>', 'write every rejected row, whole, with its line and reason, to FILE (mode 0600)')
    .option('--strict', 'any rejected row fails the import, and nothing is written')
    .addHelpText(
      'after',
      `
Every voter of a mapped precinct takes its area now, and again at each later \`import voters\` of
a file without an area column (a fresh list export keeps its voters in their quartiers).
${examples(
        'turnout import areas bureaux-quartiers.csv',
        'turnout import areas secteurs.csv --map precinct="Code BV" --map neighborhood=Secteur --dry-run',
      )}`,
    )
    .action(action<AreaImportOptions>((ctx, options, args) => importAreasCommand(ctx, args[0] as string, options)));
}

async function importAreasCommand(ctx: CliContext, file: string, options: AreaImportOptions): Promise<number> {
  const [{ importAreas }, { openInput }, { openCheckFile }, { checkEncoding }, { checkDelimiter }, { parseMapOptions }, { rejectFile }] = await Promise.all([
    import('../../app/importAreas.js'),
    import('../../io/input.js'),
    import('../../io/checkFile.js'),
    import('../../io/csv/decode.js'),
    import('../../io/csv/table.js'),
    import('../../core/mapping.js'),
    options.rejects === undefined ? { rejectFile: undefined } : import('../../io/rejects.js'),
  ]);
  const encoding = checkEncoding(options.encoding);
  const delimiter = checkDelimiter(options.delimiter);
  const map = parseMapOptions(options.map ?? [], ['precinct', 'neighborhood'] as const);
  const input = openInput(file, ctx.stdin);
  const summary = await withStores(ctx, async (stores) => {
    const reading = await openCheckFile(input, { delimiter, encoding });
    const rejects = options.rejects !== undefined && rejectFile ? rejectFile(options.rejects) : undefined;
    return importAreas({ store: await stores.areaImport(), reporter: ctx.reporter }, reading, { map, dryRun: options.dryRun, strict: options.strict, rejects });
  });
  ctx.reporter.info(renderAreaSummary(ctx, summary));
  return 0;
}

export function renderAreaSummary(ctx: CliContext, s: ImportAreasSummary): string {
  const lines = [
    `${s.dryRun ? ctx.err.yellow('dry run, nothing written:') : ctx.err.green('✔')} ${s.file} (${dialect(s)}; precinct from "${s.mapped.precinct}", area from "${s.mapped.neighborhood}")`,
    `  read       ${count(s.read)} rows`,
    `  map        ${count(s.precincts)} precincts in ${count(s.areas)} areas${s.previousPrecincts > 0 ? ` (replaces the previous map of ${count(s.previousPrecincts)} precincts)` : ''}`,
    `  rejected   ${count(s.rejected)}`,
    `  voters moved to their precinct's area ${count(s.votersMoved)}`,
  ];
  if (s.unmapped.count > 0) {
    const listed = s.unmapped.first.map((p) => `${p.precinct} (${count(p.voters)} voters)`).join(', ');
    lines.push(`  ${ctx.err.yellow('!')} precincts with voters but no area in this file: ${count(s.unmapped.count)}: ${listed}${s.unmapped.count > s.unmapped.first.length ? ', …' : ''}; their voters keep the area they had`);
  }
  if (s.rejected > s.firstRejects.length) lines.push(`  (${count(s.rejected - s.firstRejects.length)} more rejects not listed; use --rejects FILE to get them all)`);
  return lines.join('\n');
}

async function importVotersCommand(ctx: CliContext, file: string, options: VoterImportOptions): Promise<number> {
  const [{ importVoters }, { parseCheckKey }, { openInput }, { openVoterFile }, { checkEncoding }, { checkDelimiter }, { parseMapOptions }, { VOTER_FIELDS }, { normalizeRegion }, { electionSettings }, { rejectFile }] =
    await Promise.all([
      import('../../app/importVoters.js'),
      import('../../app/importChecks.js'),
      import('../../io/input.js'),
      import('../../io/voterFile.js'),
      import('../../io/csv/decode.js'),
      import('../../io/csv/table.js'),
      import('../../core/mapping.js'),
      import('../../core/fields.js'),
      // libphonenumber-js (~90 ms to load) only to check a --region: the reading thread loads its
      // own copy anyway, and the database's region was checked when it was set.
      options.region === undefined ? { normalizeRegion: undefined } : import('../../core/region.js'),
      import('../../app/settings.js'),
      // csv-stringify only for --rejects FILE.
      options.rejects === undefined ? { rejectFile: undefined } : import('../../io/rejects.js'),
    ]);
  const encoding = checkEncoding(options.encoding);
  const delimiter = checkDelimiter(options.delimiter);
  const map = parseMapOptions(options.map ?? [], VOTER_FIELDS);
  const key = parseCheckKey(options.key);
  const regionOption = options.region === undefined || normalizeRegion === undefined ? undefined : normalizeRegion(options.region);
  const input = openInput(file, ctx.stdin);
  const reporter = await progressReporter(ctx);
  try {
    let region: string | undefined;
    const summary = await withStores(ctx, async (stores) => {
      region = regionOption ?? (await electionSettings(await stores.settings())).region;
      const store = await stores.voterImport();
      const reading = await openVoterFile(input, { delimiter, encoding, region, map, key, lists: options.lists, form: store.batchForm });
      const rejects = options.rejects !== undefined && rejectFile ? rejectFile(options.rejects) : undefined;
      return importVoters({ store, reporter, clock: ctx.clock }, reading, {
        dryRun: options.dryRun,
        strict: options.strict,
        rejects,
      });
    }, { scratchIfMissing: options.dryRun === true, dryRun: options.dryRun === true });
    reporter.stop();
    ctx.reporter.info(renderVoterSummary(ctx, summary));
    if (summary.phonesInvalid > 0 && region === undefined) {
      ctx.reporter.info('  hint: no phone region is set, so only international numbers (+33…, 0033…) can be read; use --region FR (or turnout init --region).');
    }
    return 0;
  } finally {
    reporter.stop();
  }
}

function count(n: number): string {
  return groupDigits(n);
}

function dialect(summary: { delimiter: string; encoding: string }): string {
  const d = summary.delimiter === '\t' ? 'tab' : summary.delimiter;
  return `${summary.encoding}, "${d}"-delimited`.replace('"tab"', 'tab');
}

export function renderVoterSummary(ctx: CliContext, s: ImportVotersSummary): string {
  const lines = [
    `${s.dryRun ? ctx.err.yellow('dry run, nothing written:') : ctx.err.green('✔')} ${s.file} (${dialect(s)})`,
    `  layout     ${s.layoutLabel}; voters keyed by ${s.key === 'id' ? 'voter id' : 'precinct + list number (id "<precinct>/<list_number>")'}`,
    `  read       ${count(s.read)} rows`,
    `  inserted   ${count(s.inserted)}`,
    `  updated    ${count(s.updated)}`,
    `  unchanged  ${count(s.unchanged)}`,
    `  rejected   ${count(s.rejected)}`,
    `  phones invalid ${count(s.phonesInvalid)}${s.phonesInvalid > 0 ? ' (kept as written, marked phone_valid = 0)' : ''}`,
  ];
  if (s.listTypes.length > 0) {
    lines.push('  voters per list type:');
    for (const t of s.listTypes) lines.push(`    ${t.listType}: ${count(t.voters)}${t.counted ? '' : ' (not counted in this election, left out)'}`);
  }
  if (s.notKept.length > 0) lines.push(`  not kept: ${s.notKept.join(', ')}`);
  if (s.skipped > 0) lines.push(`  left out (list type not in --lists) ${count(s.skipped)}`);
  if (s.badBirthDates > 0) lines.push(`  birth dates that are not dates, kept as written (birth_date_valid = 0): ${count(s.badBirthDates)}`);
  if (s.badScores > 0) lines.push(`  turnout scores not in 0–100, left empty: ${count(s.badScores)}`);
  if (s.areasApplied !== undefined) lines.push(`  areas      from the map of precincts (turnout import areas): ${count(s.areasApplied)} voters placed or moved`);
  if (s.checksApplied > 0) lines.push(`  earlier unmatched checks now matched: ${count(s.checksApplied)}`);
  if (s.rejected > s.firstRejects.length) lines.push(`  (${count(s.rejected - s.firstRejects.length)} more rejects not listed; use --rejects FILE to get them all)`);
  return lines.join('\n');
}

async function importChecksCommand(ctx: CliContext, file: string, options: CheckImportOptions): Promise<number> {
  const [{ importChecks, parseCheckKey }, { openInput }, { openCheckFile }, { checkEncoding }, { checkDelimiter }, { parseMapOptions, CHECK_FIELDS }, { electionSettings }, { rejectFile }] =
    await Promise.all([
      import('../../app/importChecks.js'),
      import('../../io/input.js'),
      import('../../io/checkFile.js'),
      import('../../io/csv/decode.js'),
      import('../../io/csv/table.js'),
      import('../../core/mapping.js'),
      import('../../app/settings.js'),
      // csv-stringify only for --rejects FILE.
      options.rejects === undefined ? { rejectFile: undefined } : import('../../io/rejects.js'),
    ]);
  const encoding = checkEncoding(options.encoding);
  const delimiter = checkDelimiter(options.delimiter);
  const map = parseMapOptions(options.map ?? [], CHECK_FIELDS);
  const key = parseCheckKey(options.key);
  const input = openInput(file, ctx.stdin);
  const reporter = await progressReporter(ctx);
  try {
    const summary = await withStores(ctx, async (stores) => {
      const { timeZone } = await electionSettings(await stores.settings());
      const reading = await openCheckFile(input, { delimiter, encoding });
      const rejects = options.rejects !== undefined && rejectFile ? rejectFile(options.rejects) : undefined;
      return importChecks({ store: await stores.checkImport(), reporter, clock: ctx.clock }, reading, {
        key,
        map,
        source: options.source,
        at: options.at,
        timeZone,
        dryRun: options.dryRun,
        strict: options.strict,
        rejects,
      });
    }, { scratchIfMissing: options.dryRun === true, dryRun: options.dryRun === true });
    reporter.stop();
    ctx.reporter.info(renderCheckSummary(ctx, summary));
    return 0;
  } finally {
    reporter.stop();
  }
}

export function renderCheckSummary(ctx: CliContext, s: ImportChecksSummary): string {
  const lines = [
    `${s.dryRun ? ctx.err.yellow('dry run, nothing written:') : ctx.err.green('✔')} ${s.file} (${dialect(s)}, key ${s.key})`,
    `  read             ${count(s.read)} rows`,
    `  newly checked    ${count(s.newlyChecked)}`,
    `  already checked  ${count(s.alreadyChecked)}`,
    `  unmatched        ${count(s.unmatched)}${s.unmatched > 0 ? ' (kept; see turnout checks unmatched)' : ''}`,
    `  rejected         ${count(s.rejected)}`,
  ];
  if (s.rejected > s.firstRejects.length) lines.push(`  (${count(s.rejected - s.firstRejects.length)} more rejects not listed; use --rejects FILE to get them all)`);
  return lines.join('\n');
}

async function importContactsCommand(ctx: CliContext, file: string, options: ContactImportOptions): Promise<number> {
  const [{ importContacts, parseContactRule }, { openInput }, { openCheckFile }, { checkEncoding }, { checkDelimiter }, { parseMapOptions, CONTACT_FIELDS }, { normalizeRegion }, { phoneNormalizer }, { electionSettings }, { rejectFile }] =
    await Promise.all([
      import('../../app/importContacts.js'),
      import('../../io/input.js'),
      import('../../io/checkFile.js'),
      import('../../io/csv/decode.js'),
      import('../../io/csv/table.js'),
      import('../../core/mapping.js'),
      options.region === undefined ? { normalizeRegion: undefined } : import('../../core/region.js'),
      import('../../core/phone.js'),
      import('../../app/settings.js'),
      options.rejects === undefined && options.unmatched === undefined ? { rejectFile: undefined } : import('../../io/rejects.js'),
    ]);
  const encoding = checkEncoding(options.encoding);
  const delimiter = checkDelimiter(options.delimiter);
  const map = parseMapOptions(options.map ?? [], CONTACT_FIELDS);
  const match = parseContactRule(options.match);
  const regionOption = options.region === undefined || normalizeRegion === undefined ? undefined : normalizeRegion(options.region);
  const input = openInput(file, ctx.stdin);
  const reporter = await progressReporter(ctx);
  // Every linked contact is kept until the writes: without this the nursery grows by ~100 MB (heap.ts).
  keepYoungGenerationSmall();
  try {
    const summary = await withStores(ctx, async (stores) => {
      const region = regionOption ?? (await electionSettings(await stores.settings())).region;
      const reading = await openCheckFile(input, { delimiter, encoding });
      const rejects = options.rejects !== undefined && rejectFile ? rejectFile(options.rejects) : undefined;
      const unmatched = options.unmatched !== undefined && rejectFile ? rejectFile(options.unmatched) : undefined;
      return importContacts({ store: await stores.contactImport(), reporter, normalizePhone: phoneNormalizer(region) }, reading, {
        match,
        map,
        dryRun: options.dryRun,
        strict: options.strict,
        rejects,
        unmatched,
      });
    });
    reporter.stop();
    ctx.reporter.info(renderContactSummary(ctx, summary));
    return 0;
  } finally {
    reporter.stop();
  }
}

const RULE_NAMES: Record<ImportContactsSummary['rules'][number], string> = {
  id: 'by voter id',
  list: 'by precinct + list number',
  identity: 'by name + birth date',
  name: 'by last + first name only (weaker: no birth date)',
};

export function renderContactSummary(ctx: CliContext, s: ImportContactsSummary): string {
  const lines = [
    `${s.dryRun ? ctx.err.yellow('dry run, nothing written:') : ctx.err.green('✔')} ${s.file} (${dialect(s)})`,
    `  read        ${count(s.read)} rows`,
  ];
  for (const rule of s.rules) lines.push(`  matched ${RULE_NAMES[rule]}: ${count(s.matched[rule])}`);
  if (s.rules.includes('name')) lines.push('  (--match name links on names alone: homonyms born on other dates can be taken for each other; check the matches)');
  lines.push(
    `  ambiguous   ${count(s.ambiguous)}${s.ambiguous > 0 ? ' (not applied: they match several voters)' : ''}`,
    `  unmatched   ${count(s.unmatched)}`,
    `  rejected    ${count(s.rejected)}`,
  );
  if (s.namedTwice > 0) lines.push(`  voters named by more than one row: ${count(s.namedTwice)} (the later row was applied)`);
  lines.push(`  voters updated ${count(s.votersUpdated)}, unchanged ${count(s.votersUnchanged)}`);
  const fields = Object.entries(s.fieldsUpdated);
  if (fields.length > 0) lines.push(`  fields updated: ${fields.map(([name, n]) => `${name} ${count(n)}`).join(', ')}`);
  if (s.phonesInvalid > 0) lines.push(`  phones invalid ${count(s.phonesInvalid)} (kept as written, marked phone_valid = 0)`);
  if (s.badScores > 0) lines.push(`  turnout scores not in 0–100, left empty: ${count(s.badScores)}`);
  if (s.ignored.length > 0) lines.push(`  ignored (the voter list's own fields): ${s.ignored.join(', ')}`);
  const notApplied = s.ambiguous + s.unmatched;
  if (notApplied > s.firstUnmatched.length) lines.push(`  (${count(notApplied - s.firstUnmatched.length)} more not applied, not listed; use --unmatched FILE to get them all)`);
  if (s.rejected > s.firstRejects.length) lines.push(`  (${count(s.rejected - s.firstRejects.length)} more rejects not listed; use --rejects FILE to get them all)`);
  return lines.join('\n');
}
