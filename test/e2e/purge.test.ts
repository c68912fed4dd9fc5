import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends, type TestDatabase } from '../helpers/backends.js';
import { BIN, ROOT, runTurnout, tempDir } from '../helpers/cli.js';
import { markSmsUnusable, recordMessage } from '../helpers/seedVotersMessages.js';

/*
 * `turnout purge` on the demo city (5,010 invented voters, 2,089 poll checks, Europe/Paris), plus
 * what the demo does not write: an SMS log, a reply, opt-outs, a number Twilio refused, three
 * checks at exactly 12:00, and what a later migration could add (a voters column, a contacts
 * table) to show that the purge deletes them without knowing their names.
 * On PostgreSQL each test's election is the same seeded campaign, copied into a fresh schema by
 * `turnout copy`, the later migration's column and table added there by the same SQL.
 */

const KEPT_TABLES = ['settings', 'voter_tally', 'vote_tally', 'vote_tally_on_the_hour', 'precinct_areas'];
const RUN_AFTER = { TURNOUT_NOW: '2026-03-16T10:00:00+01:00' }; // the day after: `status` without --at counts every vote

let dir: string;
let base: string;
/** The seeded campaign before what a later migration could add (turnout copy carries the known tables only). */
let core: string;
let cleanup: () => void;
let copies = 0;
/** What a later migration could add, unknown to the purge: the same SQL on both engines. */
const FUTURE = [
  "UPDATE voters SET birth_name = 'NAISSANCE' || id WHERE id IN (SELECT id FROM voters ORDER BY id LIMIT 50)",
  'ALTER TABLE voters ADD COLUMN future_alias TEXT',
  "UPDATE voters SET future_alias = 'ALIAS' || id WHERE id IN (SELECT id FROM voters ORDER BY id DESC LIMIT 50)",
  'CREATE TABLE future_contacts (id INTEGER PRIMARY KEY, name TEXT, phone TEXT, email TEXT)',
  "INSERT INTO future_contacts (id, name, phone, email) VALUES (1, 'Contactina Inventée', '+33799999999', 'contactina@example.org')",
];

/** The personal strings of the seeded database, in the forms stored (UTF-8 text in SQLite). */
interface Needles {
  names: string[];
  phones: string[];
  other: string[];
}
let needles: Needles;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('turnout-purge-'));
  base = path.join(dir, 'base.db');
  const demo = await runTurnout(['--db', base, '--quiet', 'demo']);
  expect(demo.code, demo.stderr).toBe(0);

  const db = new Database(base);
  const supporters = db
    .prepare("SELECT id FROM voters WHERE support IN (1, 2) AND id NOT IN (SELECT voter_id FROM checks) ORDER BY id LIMIT 3")
    .all()
    .map((r) => (r as { id: string }).id);
  const phones = db
    .prepare('SELECT phone_e164 FROM voters WHERE phone_valid = 1 ORDER BY id LIMIT 4')
    .all()
    .map((r) => (r as { phone_e164: string }).phone_e164);
  db.close();
  const marked = await runTurnout(['--db', base, 'mark', ...supporters, '--at', '2026-03-15 12:00', '--source', 'test']);
  expect(marked.code, marked.stderr).toBe(0);
  const optout = await runTurnout(['--db', base, 'optout', 'add', phones[0]!, '+33612000001']);
  expect(optout.code, optout.stderr).toBe(0);

  recordMessage(base, { phone: phones[1]!, voterIds: supporters, status: 'delivered', createdAt: '2026-03-15T13:00:00.000Z' });
  markSmsUnusable(base, phones[2]!, 21614, '2026-03-15T13:00:00.000Z');
  const raw = new Database(base);
  raw.prepare(
    "INSERT INTO inbound_messages (sid, from_phone, to_phone, body, received_at, optout, recorded_at) VALUES ('SM1', ?, '+33757000000', 'STOP Réponse-Intime', '2026-03-15T13:05:00.000Z', 1, '2026-03-15T13:06:00.000Z')",
  ).run(phones[3]!);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  core = path.join(dir, 'core.db');
  fs.copyFileSync(base, core);
  // The official list's birth names (migration 005), and what a later migration may add, unknown to
  // the purge: a voters column and a contacts table.
  for (const sql of FUTURE) raw.exec(sql);

  // Strings that the kept tables hold anyway (area names, settings, the schema) are not evidence of anything.
  const kept = [
    ...raw.prepare('SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL').all().map((r) => (r as { sql: string }).sql),
    ...raw.prepare('SELECT value FROM settings').all().map((r) => (r as { value: string }).value),
    ...raw.prepare('SELECT neighborhood || precinct AS k FROM voter_tally').all().map((r) => (r as { k: string }).k),
  ].join('\n').toLowerCase();
  const column = (sql: string): string[] =>
    [...new Set(raw.prepare(sql).all().map((r) => Object.values(r as object)[0] as string | null))].filter(
      (v): v is string => typeof v === 'string' && v.length >= 3 && !kept.includes(v.toLowerCase()),
    );
  const unique = (list: string[]): string[] => [...new Set(list)];
  needles = {
    names: unique([...column('SELECT first_name FROM voters'), ...column('SELECT last_name FROM voters'), ...column('SELECT birth_name FROM voters'), ...column('SELECT future_alias FROM voters'), 'Contactina Inventée']),
    phones: unique([
      ...column('SELECT phone FROM voters'),
      ...column('SELECT phone_e164 FROM voters'),
      ...column('SELECT phone FROM optouts'),
      ...column('SELECT phone FROM messages'),
      ...column('SELECT from_phone FROM inbound_messages'),
      '+33799999999',
    ]),
    other: unique([
      ...column('SELECT email FROM voters'),
      ...column('SELECT street FROM voters'),
      ...column('SELECT body FROM messages'),
      ...column('SELECT body FROM inbound_messages'),
      ...column("SELECT value FROM voters, json_each(voters.extra) WHERE json_each.key = 'Bénévole'"),
    ]),
  };
  raw.close();
}, 60_000);
afterAll(() => cleanup());

/** A fresh copy of the seeded database (each test purges its own). */
function copyOfBase(): string {
  const file = path.join(dir, `copy-${++copies}.db`);
  fs.copyFileSync(base, file);
  fs.chmodSync(file, 0o600);
  return file;
}

/** The bytes of the database file and of any -wal, -shm or -journal beside it. */
function bytesOnDisk(file: string): string {
  return ['', '-wal', '-shm', '-journal']
    .filter((suffix) => fs.existsSync(file + suffix))
    .map((suffix) => fs.readFileSync(file + suffix).toString('latin1'))
    .join('\n');
}

/** The needles found in the bytes, each searched as its UTF-8 bytes. */
function found(bytes: string, list: readonly string[]): string[] {
  return list.filter((n) => bytes.includes(Buffer.from(n, 'utf8').toString('latin1')));
}

function rowCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%'").all() as { name: string }[];
    return Object.fromEntries(tables.map((t) => [t.name, (db.prepare(`SELECT count(*) AS n FROM "${t.name}"`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

/** One test's copy of the seeded campaign, on the engine under test. */
interface Election {
  /** The global options naming it. */
  args: string[];
  /** How messages name it. */
  label: string;
  rowCounts(): Promise<Record<string, number>>;
  /** Every row of every table (and on PostgreSQL the columns' statistics), as text. */
  contents(): Promise<string>;
  /** The opt-out numbers it holds. */
  optouts(): Promise<string[]>;
}

/** The PostgreSQL schemas made by this run, dropped at the end. */
const schemas: TestDatabase[] = [];
afterAll(async () => {
  for (const db of schemas.splice(0)) await db.drop();
});

async function election(backend: Awaited<ReturnType<typeof testBackends>>[number]): Promise<Election> {
  if (backend.name === 'sqlite') {
    const file = copyOfBase();
    return {
      args: ['--db', file],
      label: file,
      rowCounts: async () => rowCounts(file),
      contents: async () => Buffer.from(bytesOnDisk(file), 'latin1').toString('utf8'),
      optouts: async () => new Database(file, { readonly: true }).prepare('SELECT phone FROM optouts').all().map((r) => (r as { phone: string }).phone),
    };
  }
  const db = await backend.create(dir);
  schemas.push(db);
  const copied = await runTurnout([...db.args, 'copy', '--from', core, '--to', db.args[1]!]);
  expect(copied.code, copied.stderr).toBe(0);
  for (const sql of FUTURE) await db.query(sql);
  const tables = async (): Promise<string[]> =>
    (await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'turnout_schema' ORDER BY 1")).map((r) => r.t);
  // As autovacuum would sooner or later: the columns' statistics then sample names and phones.
  for (const t of await tables()) await db.query(`ANALYZE "${t}"`);
  return {
    args: db.args,
    label: `${db.args[1]} (schema ${db.args[3]})`,
    async rowCounts() {
      const counts: Record<string, number> = {};
      for (const t of await tables()) counts[t] = (await db.query<{ n: number }>(`SELECT count(*) AS n FROM "${t}"`))[0]!.n;
      return counts;
    },
    async contents() {
      const parts: string[] = [];
      for (const t of await tables()) parts.push(...(await db.query<{ r: string }>(`SELECT r::text AS r FROM "${t}" r`)).map((row) => row.r));
      // ANALYZE's samples of each column (most common values, histogram bounds) are a copy of its data too.
      parts.push(...(await db.query<{ s: string }>('SELECT s::text AS s FROM pg_stats s WHERE schemaname = current_schema()')).map((row) => row.s));
      return parts.join('\n');
    },
    optouts: async () => (await db.query<{ phone: string }>('SELECT phone FROM optouts')).map((r) => r.phone),
  };
}

/** The needles found in text (PostgreSQL rows as text: its quoting leaves these strings whole). */
function foundIn(text: string, list: readonly string[]): string[] {
  return list.filter((n) => text.includes(n));
}

/** The status variants people run, each as its exact stdout. */
const STATUS_VARIANTS: string[][] = [
  ['status', '--format', 'json'],
  ['status', '--format', 'csv', '--at', '2026-03-15 15:30'],
  ['status', '--format', 'json', '--at', '2026-03-15 12:00'],
  ['status', '--format', 'json', '--at', '2026-03-15 07:30'],
  ['status', '--format', 'json', '--by', 'precinct', '--at', '2026-03-15 15:30'],
  ['status', '--format', 'ndjson', '--under-mobilized', '--support', '1-3', '--expected', '55'],
  ['status', '--format', 'json', '--curve', 'fixtures/status-curve.csv', '--at', '2026-03-15 16:00'],
  ['status', '--timeline', '--format', 'json'],
  ['status', '--timeline', '--format', 'csv', '--by', 'precinct', '--at', '2026-03-15 12:00'],
  ['status', '--format', 'table'],
];

async function statusOutputs(db: Election): Promise<string[]> {
  const outputs: string[] = [];
  for (const args of STATUS_VARIANTS) {
    const result = await runTurnout([...db.args, ...args], { env: RUN_AFTER });
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    expect(result.stderr, args.join(' ')).toBe('');
    outputs.push(result.stdout);
  }
  return outputs;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
const sqliteOnly = backend.name !== 'sqlite';

describe('turnout purge', () => {
  it('deletes every personal row, keeps the counts, and status gives the same figures before and after', async () => {
    const db = await election(backend);
    const before = await db.rowCounts();
    expect(before.voters).toBe(5010);
    expect(before.checks).toBe(2092);
    expect(before.vote_tally_on_the_hour).toBe(0); // filled by the purge only
    // The check itself can fail: the strings are there before.
    expect(needles.names.length).toBeGreaterThan(250);
    expect(needles.phones.length).toBeGreaterThan(3000);
    const file = db.args[1]!;
    let bytesBefore = '';
    if (backend.name === 'sqlite') {
      bytesBefore = bytesOnDisk(file);
      expect(found(bytesBefore, needles.names).length).toBe(needles.names.length);
      expect(found(bytesBefore, needles.phones).length).toBe(needles.phones.length);
      expect(found(bytesBefore, needles.other).length).toBe(needles.other.length);
    } else {
      // Statistics sample the columns: names and phones end up in pg_stats too, and must go with the rows.
      const contents = await db.contents();
      expect(foundIn(contents, needles.names).length).toBe(needles.names.length);
      expect(foundIn(contents, needles.phones).length).toBe(needles.phones.length);
      expect(foundIn(contents, needles.other).length).toBe(needles.other.length);
    }
    const toDelete = Object.entries(before).filter(([t]) => !KEPT_TABLES.includes(t)).reduce((n, [, rows]) => n + rows, 0);
    expect(toDelete).toBe(5010 + 2092 + 4 + 4 + 2 + 1 + 3 + 1 + 1 + 1); // voters, checks, unmatched, columns (REU: sexe, nationalité; contacts: nationbuilder_id, tag_list), opt-outs, message, its voters, reply, refused number, contact
    const statusBefore = await statusOutputs(db);
    expect(statusBefore[2]).not.toBe(statusBefore[3]); // 12:00 counts the checks of the morning and the three at 12:00

    const purged = await runTurnout([...db.args, 'purge', '--yes'], { env: RUN_AFTER });
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stdout).toBe('');
    expect(purged.stderr).toContain(`purged: ${toDelete.toLocaleString('en-US')} rows deleted`);
    expect(purged.stderr).toContain('5,010 voters');

    const after = await db.rowCounts();
    for (const [table, rows] of Object.entries(after)) {
      if (KEPT_TABLES.includes(table)) continue;
      expect(rows, table).toBe(0);
    }
    expect(after.future_contacts).toBe(0);
    expect(after.optouts).toBe(0);
    expect(after.voter_tally).toBe(before.voter_tally);
    expect(after.vote_tally).toBe(before.vote_tally);
    expect(after.vote_tally_on_the_hour).toBeGreaterThan(0);

    if (backend.name === 'sqlite') {
      // The file's bytes: SQLite keeps deleted rows in free pages and the WAL unless told not to.
      // PostgreSQL's files are the server's (and its WAL and backups): checked there through SQL below.
      const bytesAfter = bytesOnDisk(file);
      expect(found(bytesAfter, needles.names)).toEqual([]);
      expect(found(bytesAfter, needles.phones)).toEqual([]);
      expect(found(bytesAfter, needles.other)).toEqual([]);
      expect(fs.statSync(file).size).toBeLessThan(Buffer.byteLength(bytesBefore, 'latin1') / 2);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      for (const suffix of ['-wal', '-shm']) {
        if (fs.existsSync(file + suffix)) expect(fs.statSync(file + suffix).mode & 0o777, suffix).toBe(0o600);
      }
      if (fs.existsSync(`${file}-wal`)) expect(fs.statSync(`${file}-wal`).size).toBe(0);
    } else {
      // No table, nor the statistics of any column, holds a name, a phone or anything else personal.
      const contents = await db.contents();
      expect(foundIn(contents, needles.names)).toEqual([]);
      expect(foundIn(contents, needles.phones)).toEqual([]);
      expect(foundIn(contents, needles.other)).toEqual([]);
    }

    expect(await statusOutputs(db)).toEqual(statusBefore);

    // Running it again is harmless: nothing left to delete, the counts stay.
    const again = await runTurnout([...db.args, 'purge', '--yes'], { env: RUN_AFTER });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 rows deleted');
    expect(await statusOutputs(db)).toEqual(statusBefore);
  }, 180_000);

  it('says clearly what a purged database can no longer answer, and refuses the commands that need voters', async () => {
    const db = await election(backend);
    expect((await runTurnout([...db.args, 'purge', '--yes'])).code).toBe(0);
    const kept = await db.rowCounts();

    const byExtra = await runTurnout([...db.args, 'status', '--by', 'Bénévole'], { env: RUN_AFTER });
    expect(byExtra.code).toBe(2);
    expect(byExtra.stderr).toMatch(/error: --by Bénévole: this database was purged on \d{4}-\d\d-\d\d; only the counts by neighborhood and by precinct were kept/);
    expect(byExtra.stderr).toContain('hint: Use --by neighborhood or --by precinct.');

    const byCity = await runTurnout([...db.args, 'status', '--by', 'city', '--timeline'], { env: RUN_AFTER });
    expect(byCity.code).toBe(2);
    expect(byCity.stderr).toContain('--by city: this database was purged');

    const midHour = await runTurnout([...db.args, 'status', '--at', '2026-03-15 12:10'], { env: RUN_AFTER });
    expect(midHour.code).toBe(2);
    expect(midHour.stderr).toContain('the figures as of 2026-03-15 12:10 (inside an hour with votes) are no longer known');
    expect(midHour.stderr).toContain('hint: Ask on the hour (--at "2026-03-15 12:00" or --at "2026-03-15 13:00"), or from the last poll check on (--at "2026-03-15 15:');

    const refused = [
      ['remind', '--channel', 'sms'],
      ['remind', '--under-mobilized', '--send', '--dry-run', '--message', 'Bonjour {first_name}'],
      ['export', 'voters'],
      ['import', 'voters', 'fixtures/import-voters-fr-cp1252.csv'],
      ['import', 'contacts', 'fixtures/lists/contacts-nationbuilder.csv'],
      ['import', 'areas', '-'],
      ['mark', '000001'],
      ['checks', 'unmatched'],
    ];
    // Not on PostgreSQL yet: refused there before the database is opened (see test/e2e/postgres.test.ts).
    if (backend.name === 'sqlite') refused.push(['reminders'], ['watch', '--once', '--checks-dir', 'fixtures']);
    for (const args of refused) {
      const result = await runTurnout([...db.args, ...args], { env: RUN_AFTER, input: 'Bureau,Quartier\n0001,Centre\n' });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(
        new RegExp(`^error: ${escape(db.label)} was purged on \\d{4}-\\d\\d-\\d\\d: it holds no voters, poll checks, messages or contacts any more`),
      );
      expect(result.stderr).toContain('hint: turnout status (by neighborhood or precinct), init and optout still work on it.');
      expect(result.stderr).not.toContain('bug');
    }
    // Nothing written by the refused commands (import areas would have replaced the map).
    expect(await db.rowCounts()).toEqual(kept);
    expect(kept.voters).toBe(0);

    if (backend.name === 'sqlite') {
      const watch = await runTurnout([...db.args, 'watch', '--once', '--format', 'ndjson'], { env: RUN_AFTER });
      expect(watch.code, watch.stderr).toBe(0);
      expect(JSON.parse(watch.stdout).totals.voters).toBe(5010);
    }
  }, 90_000);

  // turnout watch runs on SQLite only so far.
  it.skipIf(sqliteOnly)('a turnout watch left running imports nothing once the database is purged under it', async () => {
    const file = copyOfBase();
    const incoming = path.join(dir, `incoming-${copies}`);
    fs.mkdirSync(incoming);
    const watch = spawn(process.execPath, [BIN, '--db', file, 'watch', '--checks-dir', incoming, '--interval', '1', '--max-refreshes', '6', '--format', 'ndjson'], {
      env: { ...process.env, ...RUN_AFTER },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const firstRefresh = new Promise<void>((resolve) =>
      watch.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\n')) resolve();
      }),
    );
    const ended = new Promise<number | null>((resolve) => watch.on('close', resolve));
    await firstRefresh;
    const purged = await runTurnout(['--db', file, 'purge', '--yes']);
    expect(purged.code, purged.stderr).toBe(0);
    fs.copyFileSync(path.join(ROOT, 'fixtures/demo/emargements-centre.csv'), path.join(incoming, 'emargements.csv'));
    expect(await ended).toBe(0);
    const outcomes = out.trim().split('\n').flatMap((line) => (JSON.parse(line) as { files: { outcome: string; error?: string }[] }).files);
    expect(outcomes.length).toBeGreaterThan(0);
    for (const o of outcomes) {
      if (o.outcome === 'pending') continue;
      expect(o).toMatchObject({ outcome: 'failed', error: expect.stringContaining('the database was purged while turnout watch was running') });
    }
    expect(outcomes.some((o) => o.outcome === 'failed')).toBe(true);
    const after = rowCounts(file);
    expect([after.checks, after.unmatched_checks, after.imported_files]).toEqual([0, 0, 0]);
  }, 60_000);

  it('keeps the opt-out list only with --keep-optouts', async () => {
    const db = await election(backend);
    const purged = await runTurnout([...db.args, 'purge', '--yes', '--keep-optouts']);
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stderr).toContain('opt-outs kept (2)');
    const list = await runTurnout([...db.args, 'optout', 'list', '--format', 'csv']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('+33612000001');
    expect((await db.rowCounts()).voters).toBe(0);
    const optouts = await db.optouts();
    expect(optouts).toHaveLength(2);
    if (backend.name === 'sqlite') {
      const bytes = bytesOnDisk(db.args[1]!);
      expect(found(bytes, needles.names)).toEqual([]);
      // The opt-out numbers are the only phones left.
      expect(found(bytes, needles.phones).sort()).toEqual(optouts.sort());
    } else {
      const contents = await db.contents();
      expect(foundIn(contents, needles.names)).toEqual([]);
      expect(foundIn(contents, needles.phones).sort()).toEqual(optouts.sort());
    }
  }, 60_000);

  it('--dry-run lists every table with its rows and deletes nothing', async () => {
    const db = await election(backend);
    const before = await db.rowCounts();
    const dry = await runTurnout([...db.args, 'purge', '--dry-run', '--format', 'json']);
    expect(dry.code, dry.stderr).toBe(0);
    const rows = JSON.parse(dry.stdout) as { table: string; rows: number; action: string; holds: string }[];
    expect(Object.fromEntries(rows.map((r) => [r.table, r.rows]))).toEqual(before);
    expect(rows.filter((r) => r.action === 'keep').map((r) => r.table).sort()).toEqual([...KEPT_TABLES].sort());
    expect(rows.find((r) => r.table === 'future_contacts')).toMatchObject({ action: 'delete', rows: 1, holds: expect.stringContaining('not known to hold counts only') });
    expect(rows.find((r) => r.table === 'voters')?.holds).toContain('support levels');
    expect(dry.stderr).toContain('dry run: 7,119 rows deleted');
    expect(dry.stderr).toContain('nothing was deleted');
    expect(await db.rowCounts()).toEqual(before);
  }, 60_000);

  it('without a terminal and without --yes: exit 2 and nothing deleted', async () => {
    const db = await election(backend);
    const before = await db.rowCounts();
    const result = await runTurnout([...db.args, 'purge'], { input: 'y\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: purge without a terminal needs --yes: there is nobody to confirm, so nothing was deleted');
    expect(await db.rowCounts()).toEqual(before);
    expect(foundIn(await db.contents(), needles.names.slice(0, 20))).toHaveLength(20);
  }, 60_000);

  it.skipIf(sqliteOnly || !fs.existsSync('/usr/bin/script'))('asks on a terminal: "n" deletes nothing, "y" purges', async () => {
    const file = copyOfBase();
    const before = rowCounts(file);
    const no = await onTerminal(['--db', file, 'purge'], 'n');
    expect(no.output).toContain('Deleted for good:');
    expect(no.output).toMatch(/voters\s+5,010\s+voters: names, addresses/);
    expect(no.output).toContain('Delete 7,119 rows of personal data');
    expect(no.output).toContain('cancelled: nothing deleted');
    expect(rowCounts(file)).toEqual(before);
    const yes = await onTerminal(['--db', file, 'purge'], 'y');
    expect(yes.output).toContain('purged: 7,119 rows deleted');
    expect(rowCounts(file).voters).toBe(0);
  }, 60_000);
});

describe('turnout init --purge-after', () => {
  it('records the date; every command warns once the day after it, until the purge', async () => {
    const db = await election(backend);
    const init = await runTurnout([...db.args, 'init', '--purge-after', '2026-03-20']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain('purge after: 2026-03-20');

    const lastDay = { TURNOUT_NOW: '2026-03-20T23:30:00+01:00' };
    const nextDay = { TURNOUT_NOW: '2026-03-21T00:30:00+01:00' }; // 23:30 UTC on the 20th: the day is the election's
    const warning = 'warning: the purge date of this database (2026-03-20) has passed: delete its personal data with `turnout purge`';

    const before = await runTurnout([...db.args, 'status', '--format', 'json'], { env: lastDay });
    expect(before.code).toBe(0);
    expect(before.stderr).toBe('');

    for (const args of [
      ['status', '--format', 'json'],
      ['--quiet', 'export', 'voters', '--format', 'ndjson'],
      ['remind', '--channel', 'call', '--format', 'json'],
      ['optout', 'list', '--format', 'csv'],
    ]) {
      const result = await runTurnout([...db.args, ...args], { env: nextDay });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      const lines = result.stderr.split('\n').filter((l) => l.startsWith('warning: the purge date'));
      expect(lines, args.join(' ')).toEqual([expect.stringContaining(warning)]);
      expect(result.stdout).not.toContain('warning');
    }

    const purged = await runTurnout([...db.args, 'purge', '--yes'], { env: nextDay });
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stderr).not.toContain('warning');
    const after = await runTurnout([...db.args, 'status', '--format', 'json'], { env: nextDay });
    expect(after.code).toBe(0);
    expect(after.stderr).toBe('');
  }, 60_000);

  it('rejects a date that is not one, and "off" forgets it', async () => {
    const db = await election(backend);
    const bad = await runTurnout([...db.args, 'init', '--purge-after', '2026-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: --purge-after "2026-02-30" is not a date');
    expect((await runTurnout([...db.args, 'init', '--purge-after', '2026-03-20'])).code).toBe(0);
    expect((await runTurnout([...db.args, 'init', '--purge-after', 'off'])).code).toBe(0);
    const later = await runTurnout([...db.args, 'status', '--format', 'json'], { env: { TURNOUT_NOW: '2026-05-01T12:00:00Z' } });
    expect(later.code).toBe(0);
    expect(later.stderr).toBe('');
  }, 60_000);
});
});

/** Runs the built CLI on a pseudo-terminal (util-linux `script`) and types `answer` at the prompt. */
function onTerminal(args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: '1' };
    for (const key of Object.keys(env)) if (key.startsWith('TURNOUT_')) delete env[key];
    const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let answered = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!answered && output.includes('(y/N)')) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output });
    });
  });
}
