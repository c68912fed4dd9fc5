/**
 * `turnout demo`: builds a database for the demo city of fixtures/demo with the same use cases a
 * French campaign runs (init; import voters of the REU export; import areas, its bureaux grouped
 * into quartiers; import contacts, its NationBuilder export linked by name and birth date; then
 * import checks, the émargement by bureau and numéro d'ordre during the day), so that every other
 * command can be tried on realistic data, offline, with no credentials.
 *
 * The demo's "now": its poll checks are those known at 15:30 on election day (Sunday 15 March
 * 2026, Europe/Paris). Nothing in the database depends on the machine's clock (the clock passed
 * in is fixed at that instant), and the commands suggested afterwards carry `--at "2026-03-15
 * 15:30"` (or TURNOUT_NOW for commands that read the clock, such as quiet hours), so the figures
 * are those of mid-afternoon whatever the day you run it.
 */
import { DataError, RuntimeError } from '../core/errors.js';
import { initElection, type SettingsPort } from './initElection.js';
import type { Clock, Reporter } from './ports.js';

/** fixtures/demo/demo.json: what the demo's files are and how to import them. */
export interface DemoManifest {
  name: string;
  region: string;
  /** The SMS opt-out footer recorded by init. */
  footer?: string;
  timeZone: string;
  /** Election day, local date (YYYY-MM-DD). */
  date: string;
  /** The local time of day the checks stand for (HH:MM). */
  asOf: string;
  /** The same instant, ISO with offset. */
  asOfInstant: string;
  /** The official list (an REU export: no phone, no support, no quartier). */
  voters: { file: string };
  /** The campaign's map of bureaux onto quartiers (`turnout import areas`). */
  areas?: { file: string };
  /** The campaign's contact export, linked onto the list (`turnout import contacts`). */
  contacts?: { file: string };
  checks: Array<{ file: string; source: string; at?: string }>;
}

/** The settings key that marks a database as built by `turnout demo` (and so safe to rebuild). */
export const DEMO_MARKER = 'demo';

export function parseDemoManifest(text: string, file: string): DemoManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataError(`the demo description is not valid JSON: ${(error as Error).message}`, {
      where: { file },
      hint: 'Reinstall turnout, or regenerate the demo with: node dist/test/bench/generate.js demo',
    });
  }
  const m = value as Partial<DemoManifest>;
  const text_ = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const ok =
    m !== null &&
    typeof m === 'object' &&
    text_(m.name) &&
    text_(m.region) &&
    text_(m.timeZone) &&
    text_(m.date) &&
    text_(m.asOf) &&
    text_(m.asOfInstant) &&
    (m.footer === undefined || text_(m.footer)) &&
    !Number.isNaN(new Date(m.asOfInstant).getTime()) &&
    typeof m.voters === 'object' &&
    text_(m.voters?.file) &&
    (m.areas === undefined || text_(m.areas?.file)) &&
    (m.contacts === undefined || text_(m.contacts?.file)) &&
    Array.isArray(m.checks) &&
    m.checks.every((c) => c && text_(c.file) && text_(c.source) && (c.at === undefined || text_(c.at)));
  if (!ok) {
    throw new DataError('the demo description is incomplete (name, region, timeZone, date, asOf, asOfInstant, voters.file, checks[].file/source)', {
      where: { file },
      hint: 'Reinstall turnout, or regenerate the demo with: node dist/test/bench/generate.js demo',
    });
  }
  return m as DemoManifest;
}

/** What an existing file at the demo's path is. */
export type ExistingDatabase =
  | { kind: 'absent' }
  | { kind: 'demo'; name: string }
  | { kind: 'other'; reason: string };

export type DemoPlan = 'build' | 'rebuild' | 'keep';

/**
 * Whether to build, rebuild or keep the demo database. A file that is not a demo database is
 * never touched, --force or not: it may be someone's real voter file.
 */
export function planDemo(existing: ExistingDatabase, force: boolean, path: string): DemoPlan {
  switch (existing.kind) {
    case 'absent':
      return 'build';
    case 'demo':
      return force ? 'rebuild' : 'keep';
    case 'other':
      throw new RuntimeError(`${path} is not a demo database (${existing.reason}); turnout demo will not overwrite it`, {
        hint: 'Give the demo another file with --db (e.g. --db turnout-demo.db), or move that file away first.',
      });
  }
}

/** The import use cases, as the demo needs them; the command wires the real ones. */
export interface DemoImports {
  voters(file: string, options: { region: string }): Promise<VoterImportCounts> | VoterImportCounts;
  areas(file: string): Promise<AreaImportCounts> | AreaImportCounts;
  contacts(file: string): Promise<ContactImportCounts> | ContactImportCounts;
  checks(file: string, options: { source: string; at?: string }): Promise<CheckImportCounts> | CheckImportCounts;
}

export interface VoterImportCounts {
  read: number;
  inserted: number;
  updated: number;
  rejected: number;
  phonesInvalid: number;
}

export interface AreaImportCounts {
  precincts: number;
  areas: number;
  votersMoved: number;
}

export interface ContactImportCounts {
  read: number;
  /** Linked by name and birth date. */
  matched: number;
  ambiguous: number;
  unmatched: number;
  votersUpdated: number;
}

export interface CheckImportCounts {
  read: number;
  newlyChecked: number;
  alreadyChecked: number;
  unmatched: number;
}

export interface DemoPorts {
  settings: SettingsPort;
  imports: DemoImports;
  reporter: Reporter;
  /** Joins the demo folder and a file name given by the manifest. */
  resolve(file: string): string;
}

export interface DemoReport {
  manifest: DemoManifest;
  voters: VoterImportCounts & { file: string };
  areas?: AreaImportCounts & { file: string };
  contacts?: ContactImportCounts & { file: string };
  checks: Array<CheckImportCounts & { file: string; source: string }>;
  /** Voters checked as having voted, over all files (each voter once). */
  voted: number;
  unmatched: number;
}

/** The fixed clock of the demo: mid-afternoon on its election day. */
export function demoClock(manifest: DemoManifest): Clock {
  const instant = new Date(manifest.asOfInstant);
  return { now: () => new Date(instant) };
}

/** Runs init and the imports on a fresh database; returns what each step did. */
export async function buildDemo(manifest: DemoManifest, ports: DemoPorts): Promise<DemoReport> {
  await initElection(ports.settings, {
    region: manifest.region,
    timeZone: manifest.timeZone,
    name: manifest.name,
    ...(manifest.footer === undefined ? {} : { footer: manifest.footer }),
  });
  await ports.settings.set(DEMO_MARKER, manifest.name);

  const voters = { file: manifest.voters.file, ...(await ports.imports.voters(ports.resolve(manifest.voters.file), { region: manifest.region })) };
  // The list has no quartier: the campaign's map of bureaux gives one; then its contacts bring
  // phones and support levels, linked by name and birth date (the list has no other key for them).
  const areas = manifest.areas && { file: manifest.areas.file, ...(await ports.imports.areas(ports.resolve(manifest.areas.file))) };
  const contacts = manifest.contacts && { file: manifest.contacts.file, ...(await ports.imports.contacts(ports.resolve(manifest.contacts.file))) };
  const checks: DemoReport['checks'] = [];
  for (const c of manifest.checks) {
    const counts = await ports.imports.checks(ports.resolve(c.file), { source: c.source, ...(c.at === undefined ? {} : { at: c.at }) });
    checks.push({ file: c.file, source: c.source, ...counts });
  }
  const voted = checks.reduce((sum, c) => sum + c.newlyChecked, 0);
  // An unmatched check stays unmatched across files (no later voter import in the demo).
  const unmatched = checks.reduce((sum, c) => sum + c.unmatched, 0);
  return { manifest, voters, ...(areas ? { areas } : {}), ...(contacts ? { contacts } : {}), checks, voted, unmatched };
}
