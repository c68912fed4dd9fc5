/**
 * Official lists (issue 11): the French REU export and a UK register, imported without voter ids,
 * keyed by precinct + list number, then poll checks by bureau and numéro d'ordre.
 * Fixtures: fixtures/lists/, from test/bench/lists.ts (checked by test/unit/lists-data.test.ts).
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { LCE, LCM, LP, listFixtures } from '../bench/lists.js';

let dir: string;
let cleanup: () => void;
let db: string;
const NOW = { TURNOUT_NOW: '2026-03-15T15:00:00+01:00' };

beforeEach(() => {
  ({ dir, cleanup } = tempDir('turnout-lists-'));
  db = path.join(dir, 'test.db');
});
afterEach(() => cleanup());

const fixture = (name: string): string => path.join(FIXTURES, 'lists', name);
const turnout = (args: string[], input?: string | Buffer) => runTurnout(['--db', db, ...args], { env: NOW, input });

function query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(sql).all(...params) as T[];
  } finally {
    conn.close();
  }
}

async function init(): Promise<void> {
  const result = await turnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet']);
  expect(result.code, result.stderr).toBe(0);
}

const truth = listFixtures();
/** Line of each fixture voter in the REU file (header is line 1). */
const lineOf = (i: number): number => i + 2;

describe('turnout import voters: the REU export', () => {
  it('recognizes the layout, keys voters by bureau + numéro, maps every column, rejects broken rows with their lines', async () => {
    await init();
    const result = await turnout(['import', 'voters', fixture('reu-electeurs-actifs.csv')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('layout     REU export (Listes électeurs actifs); voters keyed by precinct + list number');
    const imported = truth.voters.filter((v) => v.expect === 'imported');
    expect(result.stderr).toMatch(new RegExp(`inserted +${imported.length}\\n`));
    expect(result.stderr).toMatch(/rejected +3\n/);
    // Rejects, each with its line; the duplicate names both lines.
    const noBureau = truth.voters.findIndex((v) => v.expect === 'no precinct');
    const noNumber = truth.voters.findIndex((v) => v.expect === 'no list number');
    const dup = truth.voters.findIndex((v) => v.expect === 'duplicate');
    const firstOfDup = truth.voters.findIndex((v) => v.bureau === truth.voters[dup]!.bureau && v.number === truth.voters[dup]!.number);
    expect(result.stderr).toContain(`reu-electeurs-actifs.csv:${lineOf(noBureau)}: rejected: no precinct`);
    expect(result.stderr).toContain(`reu-electeurs-actifs.csv:${lineOf(noNumber)}: rejected: no list number`);
    expect(result.stderr).toContain(
      `reu-electeurs-actifs.csv:${lineOf(dup)}: rejected: duplicate list number "${truth.voters[dup]!.number}" in precinct "${truth.voters[dup]!.bureau}" (lines ${lineOf(firstOfDup)} and ${lineOf(dup)})`,
    );
    // Voters per list type.
    const per = (type: string): number => imported.filter((v) => v.listType === type).length;
    expect(result.stderr).toContain(`${LP}: ${per(LP)}\n`);
    expect(result.stderr).toContain(`${LCM}: ${per(LCM)}\n`);
    expect(result.stderr).toContain(`${LCE}: ${per(LCE)}`);
    expect(result.stderr).toContain('birth dates that are not dates, kept as written (birth_date_valid = 0): 2');
    expect(result.stderr).toContain("not kept: code du l'ugle, libellé de l'ugle, code de la commune de naissance, libellé de la commune de naissance");

    const rows = query<Record<string, string | number | null>>('SELECT * FROM voters ORDER BY id');
    expect(rows).toHaveLength(imported.length);
    for (const v of imported) {
      const row = rows.find((r) => r.id === `${v.bureau}/${v.number}`)!;
      expect(row, `${v.bureau}/${v.number}`).toBeDefined();
      expect(row.last_name).toBe(v.usageName || v.birthName);
      expect(row.birth_name).toBe(v.birthName);
      expect(row.given_names).toBe(v.givenNames);
      expect(row.first_name).toBe(v.givenNames.split(' ')[0]);
      expect(row.birth_date).toBe(v.birthDate);
      expect(row.list_type).toBe(v.listType);
      expect(row.precinct).toBe(v.bureau);
      expect(row.list_number).toBe(v.number);
      expect(row.zip).toBe('04190');
      expect(row.city).toBe('Saint-Julien-des-Oliviers');
      expect(row.street_number).toBe(v.streetNumber);
      expect(row.street).toBe(v.street);
      expect(row.address_2).toBe(v.complement1 || null);
      expect(row.address_3).toBe(v.complement2 || null);
      expect(row.locality).toBe(v.lieuDit || null);
      expect(row.polling_place).not.toBeNull();
      expect(JSON.parse(row.extra as string)).toEqual({ sexe: v.sex, 'libellé nationalité': v.nationality });
    }
    const married = rows.find((r) => r.birth_name === 'ÉLÉONORE-BLIN')!;
    expect([married.last_name, married.first_name, married.given_names]).toEqual(['DE LA TOUR', 'Anne-Sophie', 'Anne-Sophie Marie']);
    // Impossible dates: kept as written, flagged; real ones read.
    const dates = query<{ birth_date: string; birth_date_iso: string | null; birth_date_valid: number }>(
      "SELECT birth_date, birth_date_iso, birth_date_valid FROM voters WHERE birth_name IN ('ROUVIÈRE', 'AMRANI', 'FABRE') AND given_names IN ('Marcel', 'Fatima', 'Josiane') ORDER BY birth_date",
    );
    expect(dates).toEqual([
      { birth_date: '00/00/1953', birth_date_iso: null, birth_date_valid: 0 },
      { birth_date: '1947', birth_date_iso: null, birth_date_valid: 0 },
      { birth_date: '30/06/1948', birth_date_iso: '1948-06-30', birth_date_valid: 1 },
    ]);
  });

  it('--lists chooses the list types that count; the next export updates the same voters', async () => {
    await init();
    const first = await turnout(['import', 'voters', fixture('reu-electeurs-actifs.csv'), '--lists', 'principale,LCM']);
    expect(first.code, first.stderr).toBe(0);
    const lce = truth.voters.filter((v) => v.expect === 'imported' && v.listType === LCE).length;
    expect(first.stderr).toContain(`${LCE}: ${lce} (not counted in this election, left out)`);
    expect(first.stderr).toMatch(new RegExp(`left out \\(list type not in --lists\\) ${lce}\\n`));
    expect(query<{ n: number }>('SELECT count(*) AS n FROM voters WHERE list_type = ?', LCE)[0]!.n).toBe(0);
    expect(query<{ n: number }>('SELECT count(*) AS n FROM voters WHERE list_type = ?', LCM)[0]!.n).toBeGreaterThan(0);

    const again = await turnout(['import', 'voters', fixture('reu-electeurs-actifs.csv'), '--lists', 'principale,LCM']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/inserted +0\n/);
    expect(again.stderr).toMatch(/updated +0\n/);

    const bad = await turnout(['import', 'voters', fixture('reu-electeurs-actifs.csv'), '--key', 'bureau']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--key must be "id" or "precinct,list_number"');
  });

  it('poll checks by bureau and numéro d\'ordre land on the right voters', async () => {
    await init();
    expect((await turnout(['import', 'voters', fixture('reu-electeurs-actifs.csv')])).code).toBe(0);
    const checks = await turnout(['import', 'checks', fixture('emargement-bureaux.csv')]);
    expect(checks.code, checks.stderr).toBe(0);
    expect(checks.stderr).toContain('key precinct,list_number');
    expect(checks.stderr).toMatch(new RegExp(`newly checked +${truth.checks.length}\\n`));
    const checked = query<{ voter_id: string }>('SELECT voter_id FROM checks ORDER BY voter_id').map((r) => r.voter_id);
    expect(checked).toEqual(truth.checks.map((c) => `${c.bureau}/${c.number}`).sort());
  });
});

describe('turnout import voters: a UK register', () => {
  it('keys by polling district + elector number, keeps suffixes exactly and poll checks match them exactly', async () => {
    await init();
    const result = await turnout(['import', 'voters', fixture('uk-register.csv')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('layout     electoral register (polling district + elector number); voters keyed by precinct + list number');
    const numbers = query<{ id: string; list_number: string }>("SELECT id, list_number FROM voters WHERE precinct = 'AB' ORDER BY id");
    expect(numbers.map((r) => r.list_number)).toEqual(['888', '888.8', '888/8', '8888', '889/1']);
    expect(numbers.map((r) => r.id)).toEqual(['AB/888', 'AB/888.8', 'AB/888/8', 'AB/8888', 'AB/889/1']);

    const checks = await turnout(['import', 'checks', '-', '--key', 'precinct,list_number', '--at', '10:00'], 'precinct,list_number\nAB,888/8\nAB,888.8\nAC,888\nAB,88\n');
    expect(checks.code, checks.stderr).toBe(0);
    expect(checks.stderr).toMatch(/newly checked +3\n/);
    expect(checks.stderr).toMatch(/unmatched +1/);
    expect(query<{ voter_id: string }>('SELECT voter_id FROM checks ORDER BY voter_id').map((r) => r.voter_id)).toEqual(['AB/888.8', 'AB/888/8', 'AC/888']);
  });

  it('a plain file without ids says to use --key, and --key precinct,list_number imports it', async () => {
    await init();
    const csv = 'precinct,list_number,last_name\n12,1,Alpha\n12,2,Beta\n13,1,Gamma\n';
    const refused = await turnout(['import', 'voters', '-'], csv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no voter id column found');
    expect(refused.stderr).toContain('--key precinct,list_number');
    const keyed = await turnout(['import', 'voters', '-', '--key', 'precinct,list_number'], csv);
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(keyed.stderr).toContain('layout     voter file; voters keyed by precinct + list number');
    expect(query<{ id: string }>('SELECT id FROM voters ORDER BY id').map((r) => r.id)).toEqual(['12/1', '12/2', '13/1']);
  });

  it('a US state file keeps its state id (ncid, or another column with --map id=…)', async () => {
    await init();
    const csv = 'county_desc,voter_reg_num,ncid,last_name,first_name,precinct_abbrv,birth_year\nWAKE,000123,AB12345,DOE,JANE,01-07,1970\nWAKE,000124,AB12346,ROE,RICK,01-07,1982\n';
    const byNcid = await turnout(['import', 'voters', '-'], csv);
    expect(byNcid.code, byNcid.stderr).toBe(0);
    expect(byNcid.stderr).toContain('layout     voter file; voters keyed by voter id');
    expect(query<{ id: string }>('SELECT id FROM voters ORDER BY id').map((r) => r.id)).toEqual(['AB12345', 'AB12346']);
    const other = path.join(dir, 'other.db');
    const byReg = await runTurnout(['--db', other, 'import', 'voters', '-', '--map', 'id=voter_reg_num'], { env: NOW, input: csv });
    expect(byReg.code, byReg.stderr).toBe(0);
    const conn = new Database(other, { readonly: true });
    try {
      expect(conn.prepare('SELECT id FROM voters ORDER BY id').pluck().all()).toEqual(['000123', '000124']);
    } finally {
      conn.close();
    }
  });
});
