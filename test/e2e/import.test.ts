import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

const NOW = { TURNOUT_NOW: '2026-03-15T15:00:00+01:00' };
const fixture = (name: string): string => path.join(FIXTURES, name);

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let dir: string;
let cleanup: () => void;
let db: TestDatabase;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir('turnout-import-'));
  db = await backend.create(dir);
});
afterEach(async () => {
  await db.drop();
  cleanup();
});

const turnout = (args: string[], input?: string | Buffer) => runTurnout([...db.args, ...args], { env: NOW, input });
const query = <T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> => db.query<T>(sql, ...params);
const dump = (): Promise<string> => db.dump();

async function init(region: string, timeZone: string): Promise<void> {
  const result = await turnout(['init', '--region', region, '--timezone', timeZone, '--quiet']);
  expect(result.code).toBe(0);
}

describe('turnout import voters', () => {
  it('reads a Windows-1252, semicolon, CRLF file with French headers, quoted newlines and bad rows', async () => {
    await init('FR', 'Europe/Paris');
    const rejects = path.join(dir, 'rejets.csv');
    const result = await turnout(['import', 'voters', fixture('import-voters-fr-cp1252.csv'), '--rejects', rejects]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('windows-1252, ";"-delimited');
    expect(result.stderr).toMatch(/import-voters-fr-cp1252\.csv:7: rejected: no voter id/);
    expect(result.stderr).toMatch(/import-voters-fr-cp1252\.csv:8: rejected: support "7" is not a whole number from 1 to 5/);
    expect(result.stderr).toMatch(/import-voters-fr-cp1252\.csv:9: rejected: duplicate voter id "000101" \(first on line 2\)/);
    expect(result.stderr).toMatch(/read\s+8 rows/);
    expect(result.stderr).toMatch(/inserted\s+5/);
    expect(result.stderr).toMatch(/rejected\s+3/);
    expect(result.stderr).toMatch(/phones invalid 1/);

    const voters = await query<Record<string, unknown>>('SELECT * FROM voters ORDER BY id');
    expect(voters.map((v) => v.id)).toEqual(['000101', '000102', '000103', '000104', '000108']);
    const emile = voters[1]!;
    expect(emile).toMatchObject({
      first_name: 'Émile',
      last_name: 'Garçon',
      street_number: '3 bis',
      street: "boulevard d'Athènes; entrée B",
      zip: '13001',
      precinct: '0101',
      list_number: '0002',
      neighborhood: 'Belsunce',
      polling_place: 'École Korsec',
      phone_e164: '+33698765432',
      phone_valid: 1,
      support: 2,
    });
    expect(JSON.parse(emile.extra as string)).toEqual({ Profession: 'Cheminot', Remarque: 'Préfère être appelé le soir.\r\nNe pas sonner.' });
    expect(voters[2]).toMatchObject({ phone_e164: '+33491234567', support: null, extra: '{"Profession":"Étudiante","Remarque":"Prix: 5 €"}' });
    expect(voters[3]).toMatchObject({ phone: '06 12', phone_e164: null, phone_valid: 0 });
    expect(voters[4]).toMatchObject({ phone_e164: '+33645678901', phone_valid: 1 });
    expect(await query('SELECT name FROM voter_columns ORDER BY position')).toEqual([{ name: 'Profession' }, { name: 'Remarque' }]);

    expect(fs.statSync(rejects).mode & 0o777).toBe(0o600);
    const lines = fs.readFileSync(rejects, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe("N° électeur,Prénom,Nom,Téléphone,Courriel,N° rue,Rue,Ville,Code postal,Bureau de vote,Quartier,Lieu de vote,N° d'ordre,Soutien,Profession,Remarque,reject_line,reject_reason");
    expect(lines).toHaveLength(4);
    expect(lines[3]).toContain('000101,Zoé,Lefèvre-Doublon,06 12 34 56 79');
  });

  it('reads standard input with a UTF-8 BOM, and updates on re-import', async () => {
    await init('US', 'America/New_York');
    const first = await turnout(['import', 'voters', '-'], fs.readFileSync(fixture('import-voters-bom.csv')));
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toContain('stdin (utf-8, ","-delimited)');
    expect(await query('SELECT id, last_name, zip, phone_e164, turnout_score, extra FROM voters ORDER BY id')).toEqual([
      { id: 'V-0001', last_name: 'Lopez', zip: '02134', phone_e164: '+12125550142', turnout_score: 85, extra: '{"Ward Captain":"Kim"}' },
      { id: 'V-0002', last_name: "O'Hara, Jr.", zip: '02134', phone_e164: '+12125550199', turnout_score: 40, extra: '{"Ward Captain":"Kim"}' },
      { id: 'V-0003', last_name: 'Smith "CJ"', zip: '02135', phone_e164: '+442079460958', turnout_score: 12.5, extra: null },
      { id: 'V-0004', last_name: 'Patel', zip: '02135', phone_e164: null, turnout_score: null, extra: '{"Ward Captain":"Lee"}' },
    ]);

    const again = await turnout(['import', 'voters', fixture('import-voters-bom.csv')]);
    expect(again.stderr).toMatch(/inserted\s+0\n\s+updated\s+0\n\s+unchanged\s+4/);

    const update = await turnout(['import', 'voters', fixture('import-voters-update.csv')]);
    expect(update.code).toBe(0);
    expect(update.stderr).toMatch(/read\s+5 rows\n\s+inserted\s+1\n\s+updated\s+2\n\s+unchanged\s+2\n\s+rejected\s+0/);
    expect(await query('SELECT id, email, support, extra FROM voters WHERE id IN (?, ?, ?) ORDER BY id', 'V-0002', 'V-0003', 'V-0005')).toEqual([
      { id: 'V-0002', email: 'ben@example.com', support: 2, extra: '{"Ward Captain":"Kim"}' },
      { id: 'V-0003', email: null, support: 4, extra: '{"Ward Captain":"Lee"}' },
      { id: 'V-0005', email: null, support: 1, extra: '{"Ward Captain":"Lee"}' },
    ]);
  });

  it('lists the headers when no id column is found, and reads the file with --map', async () => {
    await init('FR', 'Europe/Paris');
    const before = await dump();
    const failed = await turnout(['import', 'voters', fixture('import-voters.tsv')]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('import-voters.tsv:1: no voter id column found');
    expect(failed.stderr).toContain('"Ref", "Given", "Family", "Mob", "Precinct", "Lean", "Household"');
    expect(await dump()).toBe(before);

    const ok = await turnout(['import', 'voters', fixture('import-voters.tsv'), '--map', 'id=Ref', '--map', 'first_name=given', '--map', 'last_name=Family', '--map', 'phone=Mob', '--map', 'support=Lean']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('tab-delimited');
    expect(await query('SELECT id, first_name, phone_e164, precinct, support, extra FROM voters ORDER BY id')).toEqual([
      { id: '00042', first_name: 'Luc', phone_e164: '+33612345678', precinct: '12', support: 1, extra: '{"Household":"A"}' },
      { id: '00043', first_name: 'Léa', phone_e164: '+33612345679', precinct: '12', support: 2, extra: '{"Household":"A"}' },
      { id: '00044', first_name: 'Tom', phone_e164: null, precinct: '13', support: 4, extra: '{"Household":"B"}' },
    ]);
  });

  it('fails on broken files with file:line:column, leaving the database exactly as it was', async () => {
    await init('US', 'America/New_York');
    expect((await turnout(['import', 'voters', fixture('import-voters-bom.csv')])).code).toBe(0);
    const before = await dump();
    const cases: Array<[string[], RegExp]> = [
      [['import-voters-unterminated.csv'], /import-voters-unterminated\.csv:2:11: a quoted field is never closed/],
      [['import-voters-wrong-width.csv'], /import-voters-wrong-width\.csv:3:17: this row has 5 fields but the header has 4/],
      [['import-voters-empty.csv'], /import-voters-empty\.csv: the file is empty/],
      [['import-voters-header-only.csv'], /import-voters-header-only\.csv:2: the file has a header line but no rows/],
      [['import-voters-update.csv', '--strict', '--map', 'support=turnout_score'], /4 rows rejected and --strict is set: nothing was imported/],
    ];
    for (const [[file, ...flags], message] of cases) {
      const result = await turnout(['import', 'voters', fixture(file!), ...flags]);
      expect(result.code, file).toBe(1);
      expect(result.stdout, file).toBe('');
      expect(result.stderr, file).toMatch(message);
      expect(result.stderr, file).toContain('hint:');
      expect(result.stderr, file).not.toMatch(/\n\s+at /);
      expect(await dump(), file).toBe(before);
    }
    const dry = await turnout(['import', 'voters', fixture('import-voters-update.csv'), '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/dry run, nothing written[\s\S]*inserted\s+1\n\s+updated\s+2/);
    expect(await dump()).toBe(before);
  });

  it('loads a file whose ids are out of order (a first load sorts them) with every voter as written, or nothing when it fails', async () => {
    // SQLite loads such a file through a staging table sorted into voters at the end (see
    // src/store/voters.ts): the rows, the tally and the indexes must be those of file order.
    await init('FR', 'Europe/Paris');
    const [header, ...rows] = fs.readFileSync(fixture('status-voters.csv'), 'utf8').trimEnd().split('\n');
    const shuffled = rows.map((row, i) => ({ row, key: ((i + 1) * 7919) % rows.length })).sort((a, b) => a.key - b.key).map((r) => r.row);
    expect(shuffled[0]).not.toBe(rows[0]);
    const good = path.join(dir, 'out-of-order.csv');
    fs.writeFileSync(good, [header, ...shuffled, ''].join('\n'));
    const broken = path.join(dir, 'out-of-order-broken.csv');
    fs.writeFileSync(broken, [header, ...shuffled, 'P999,"Ana,Broken,Le Panier,1301,1,Nord', ''].join('\n'));

    const before = await dump();
    const failed = await turnout(['import', 'voters', broken]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/out-of-order-broken\.csv:477:\d+: a quoted field is never closed/);
    expect(await dump()).toBe(before);

    const result = await turnout(['import', 'voters', good]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/inserted\s+475\n/);
    const stored = (await query<Record<string, unknown>>('SELECT id, first_name, last_name, neighborhood, precinct, support, extra FROM voters ORDER BY id')).map((v) => ({
      ...v,
      extra: typeof v.extra === 'string' ? JSON.parse(v.extra) : v.extra,
    }));
    const expected = rows.map((row) => {
      const [id, first_name, last_name, neighborhood, precinct, support, team] = row.split(',');
      return { id: id!, first_name, last_name, neighborhood, precinct, support: support === '' ? null : Number(support), extra: { canvass_team: team } };
    }).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(stored).toEqual(expected);
    // The tally the status reads, and the precinct index the checks use, as after a load in order.
    const status = await turnout(['status', '--format', 'json']);
    const areas = JSON.parse(status.stdout) as Array<{ area: string; voters: number }>;
    expect(Object.fromEntries(areas.map((a) => [a.area, a.voters]))).toEqual({ 'Le Panier': 240, Noailles: 205, Belsunce: 30, '(total)': 475 });
    const checks = await turnout(['import', 'checks', fixture('status-checks.csv')]);
    expect(checks.code).toBe(0);
    expect(checks.stderr).toMatch(/newly checked\s+193\n/);
  });
});

describe('turnout import checks', () => {
  it('is idempotent, keeps unmatched checks and applies them when the voter arrives', async () => {
    await init('US', 'America/New_York');
    await turnout(['import', 'voters', fixture('import-voters-bom.csv')]);
    // A dry run reports what the import would do, and writes nothing.
    const empty = await dump();
    const dry = await turnout(['import', 'checks', fixture('import-checks.csv'), '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/newly checked\s+2\n\s+already checked\s+1\n\s+unmatched\s+2/);
    expect(await dump()).toBe(empty);
    const first = await turnout(['import', 'checks', fixture('import-checks.csv')]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toMatch(/import-checks\.csv:7: rejected: no voter id/);
    expect(first.stderr).toMatch(/newly checked\s+2\n\s+already checked\s+1\n\s+unmatched\s+2/);
    expect(await query('SELECT voter_id, checked_at, source FROM checks ORDER BY voter_id')).toEqual([
      { voter_id: 'V-0001', checked_at: '2026-03-15T13:12:00.000Z', source: 'Bureau P-01' },
      { voter_id: 'V-0003', checked_at: '2026-03-15T14:40:00.000Z', source: null },
    ]);
    // Each check carries its voter's area and support (what status counts by), copied by a trigger.
    expect(await query('SELECT count(*) AS n FROM checks c JOIN voters v ON v.id = c.voter_id WHERE c.neighborhood IS DISTINCT FROM coalesce(v.neighborhood, \'\') OR c.precinct IS DISTINCT FROM coalesce(v.precinct, \'\') OR c.support IS DISTINCT FROM coalesce(v.support, 0)')).toEqual([{ n: 0 }]);

    const before = await dump();
    const again = await turnout(['import', 'checks', fixture('import-checks.csv')]);
    expect(again.stderr).toMatch(/newly checked\s+0\n\s+already checked\s+3\n\s+unmatched\s+2/);
    expect(await dump()).toBe(before);

    const listed = await turnout(['checks', 'unmatched', '--format', 'json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((r: { voter_id: string; line: number }) => [r.voter_id, r.line])).toEqual([
      ['V-0005', 5],
      ['V-0099', 6],
    ]);

    const voters = await turnout(['import', 'voters', fixture('import-voters-update.csv')]);
    expect(voters.stderr).toMatch(/earlier unmatched checks now matched: 1/);
    expect(await query("SELECT checked_at FROM checks WHERE voter_id = 'V-0005'")).toEqual([{ checked_at: '2026-03-15T16:05:00.000Z' }]);
    expect(await query('SELECT voter_id FROM unmatched_checks')).toEqual([{ voter_id: 'V-0099' }]);
  });

  it('matches by precinct and list number, with --source and --at, from a Windows-1252 file', async () => {
    await init('FR', 'Europe/Paris');
    await turnout(['import', 'voters', fixture('import-voters-fr-cp1252.csv')]);
    const result = await turnout(['import', 'checks', fixture('import-checks-bureau.csv'), '--source', 'Bureau 0101', '--at', '11:30']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('key precinct,list_number');
    expect(result.stderr).toMatch(/newly checked\s+3\n\s+already checked\s+0\n\s+unmatched\s+1/);
    expect(await query('SELECT voter_id, checked_at, source FROM checks ORDER BY voter_id')).toEqual([
      { voter_id: '000101', checked_at: '2026-03-15T07:35:00.000Z', source: 'Bureau 0101' },
      { voter_id: '000102', checked_at: '2026-03-15T10:30:00.000Z', source: 'Bureau 0101' },
      { voter_id: '000103', checked_at: '2026-03-15T08:50:00.000Z', source: 'Bureau 0101' },
    ]);
    expect(await query('SELECT precinct, list_number FROM unmatched_checks')).toEqual([{ precinct: '0612', list_number: '0099' }]);
  });
});

describe('turnout mark, unmark, export', () => {
  it('marks and unmarks voters and exports every field', async () => {
    await init('US', 'America/New_York');
    await turnout(['import', 'voters', fixture('import-voters-bom.csv')]);
    const mark = await turnout(['mark', 'V-0002', 'V-0004', '--at', '2026-03-15 10:00']);
    expect(mark.code).toBe(0);
    expect(mark.stderr).toContain('V-0002, V-0004');
    const unknown = await turnout(['mark', 'V-0002', 'NOPE']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown voter id: NOPE; nothing was marked');
    const unmark = await turnout(['unmark', 'V-0004']);
    expect(unmark.code).toBe(0);

    const exported = await turnout(['export', 'voters', '--format', 'json']);
    expect(exported.code).toBe(0);
    const rows = JSON.parse(exported.stdout) as Array<Record<string, unknown>>;
    expect(Object.keys(rows[0]!)).toEqual([
      'id', 'first_name', 'last_name', 'phone', 'email', 'street_number', 'street', 'city', 'zip', 'precinct', 'neighborhood',
      'polling_place', 'list_number', 'support', 'turnout_score', 'birth_name', 'given_names', 'birth_date', 'list_type', 'address_2',
      'address_3', 'locality', 'phone_e164', 'phone_valid', 'Ward Captain', 'voted', 'checked_at',
    ]);
    expect(rows.map((r) => [r.id, r.voted, r.checked_at, r['Ward Captain']])).toEqual([
      ['V-0001', false, null, 'Kim'],
      ['V-0002', true, '2026-03-15T14:00:00.000Z', 'Kim'],
      ['V-0003', false, null, null],
      ['V-0004', false, null, 'Lee'],
    ]);
    const csv = await turnout(['export', 'checks']);
    expect(csv.stdout).toBe('voter_id,checked_at,source,recorded_at\nV-0002,2026-03-15T14:00:00.000Z,manual,2026-03-15T14:00:00.000Z\n');
  });
});

describe('export voters --format csv over many rows', () => {
  it('writes every row once, in order, quoting what needs it, the same as the JSON export', async () => {
    // 2,500 voters: CSV rows are written in batches of 1,000, so this crosses two boundaries.
    const lines = ['id,first_name,last_name,street,support'];
    for (let i = 1; i <= 2500; i++) {
      const id = `E${String(i).padStart(5, '0')}`;
      const street = i % 7 === 0 ? '"Rue ""des"" Lices, bis"' : i % 11 === 0 ? '"Allée\nhaute"' : `Rue ${i}`;
      lines.push(`${id},Prénom ${i},Nom,${street},${(i % 5) + 1}`);
    }
    fs.writeFileSync(path.join(dir, 'many.csv'), `${lines.join('\n')}\n`);
    expect((await turnout(['import', 'voters', path.join(dir, 'many.csv')])).code).toBe(0);

    const csv = await turnout(['export', 'voters', '--format', 'csv']);
    const json = await turnout(['export', 'voters', '--format', 'json']);
    expect(csv.code).toBe(0);
    expect(json.code).toBe(0);
    const { parse } = await import('csv-parse/sync');
    const [header, ...records] = parse(csv.stdout) as string[][];
    const objects = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(2500);
    expect(header).toEqual(Object.keys(objects[0]!));
    const asText = (v: unknown): string => (v === null ? '' : String(v));
    expect(records).toEqual(objects.map((o) => header!.map((c) => asText(o[c]))));
    expect(records[6]![header!.indexOf('street')]).toBe('Rue "des" Lices, bis');
    expect(records[10]![header!.indexOf('street')]).toBe('Allée\nhaute');
    expect(records[2499]![0]).toBe('E02500');
  });
});
});
