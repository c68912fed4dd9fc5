/**
 * `turnout import areas`: official lists have bureaux and no quartier; the campaign's map of
 * precincts onto areas places the voters, keeps the tallies right (voters and their checks move
 * with them), and survives later imports of a fresh list export.
 * The list is fixtures/lists/reu-electeurs-actifs.csv (bureaux 0001, 0002, 0003; from test/bench/lists.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testBackends, type TestDatabase } from '../helpers/backends.js';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';

const NOW = { TURNOUT_NOW: '2026-03-15T15:00:00+01:00' };
const REU = path.join(FIXTURES, 'lists', 'reu-electeurs-actifs.csv');

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let dir: string;
let cleanup: () => Promise<void>;
let db: TestDatabase;

beforeEach(async () => {
  const tmp = tempDir('turnout-areas-');
  dir = tmp.dir;
  db = await backend.create(dir);
  cleanup = async () => {
    await db.drop();
    tmp.cleanup();
  };
});
afterEach(() => cleanup());

const turnout = (args: string[], input?: string) => runTurnout([...db.args, ...args], { env: NOW, input });

function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  return db.query<T>(sql);
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Voters per area from the voters themselves, and from the tally `status` reads: they must agree. */
async function areaCounts(): Promise<{ fresh: unknown[]; tally: unknown[]; votesFresh: unknown[]; votesTally: unknown[] }> {
  return {
    fresh: await query("SELECT coalesce(neighborhood, '') AS area, count(*) AS n FROM voters GROUP BY 1 ORDER BY 1"),
    tally: await query('SELECT neighborhood AS area, sum(voters) AS n FROM voter_tally GROUP BY 1 HAVING sum(voters) <> 0 ORDER BY 1'),
    votesFresh: await query("SELECT coalesce(v.neighborhood, '') AS area, count(*) AS n FROM checks c JOIN voters v ON v.id = c.voter_id GROUP BY 1 ORDER BY 1"),
    votesTally: await query('SELECT neighborhood AS area, sum(votes) AS n FROM vote_tally GROUP BY 1 HAVING sum(votes) <> 0 ORDER BY 1'),
  };
}

async function setUp(): Promise<void> {
  expect((await turnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet'])).code).toBe(0);
  const voters = await turnout(['import', 'voters', REU]);
  expect(voters.code, voters.stderr).toBe(0);
  // Checks before the areas: they must move with their voters.
  const checks = await turnout(['import', 'checks', path.join(FIXTURES, 'lists', 'emargement-bureaux.csv')]);
  expect(checks.code, checks.stderr).toBe(0);
}

const MAP = 'Bureau de vote;Quartier;Lieu de vote\n0001;Centre;Mairie\n0002;Centre;École Frédéric Mistral\n0003;Les Granges;Gymnase des Oliviers\n';

describe('turnout import areas', () => {
  it('places every voter in its bureau’s quartier, the tallies and the checks following', async () => {
    await setUp();
    const before = await query<{ n: number }>('SELECT count(*) AS n FROM voters WHERE neighborhood IS NOT NULL');
    expect(before[0]!.n).toBe(0);
    const result = await turnout(['import', 'areas', write('bureaux.csv', MAP)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('3 precincts in 2 areas');
    const perBureau = await query<{ precinct: string; area: string; n: number }>('SELECT precinct, neighborhood AS area, count(*) AS n FROM voters GROUP BY 1, 2 ORDER BY 1');
    expect(perBureau.map((r) => [r.precinct, r.area])).toEqual([['0001', 'Centre'], ['0002', 'Centre'], ['0003', 'Les Granges']]);
    const moved = perBureau.reduce((sum, r) => sum + r.n, 0);
    expect(result.stderr).toContain(`voters moved to their precinct's area ${moved}`);
    const counts = await areaCounts();
    expect(counts.tally).toEqual(counts.fresh);
    expect(counts.votesTally).toEqual(counts.votesFresh);
    expect(counts.votesFresh.length).toBe(2);

    const status = await turnout(['status', '--format', 'json']);
    expect(status.code, status.stderr).toBe(0);
    const areas = (JSON.parse(status.stdout) as Array<{ area: string }>).map((a) => a.area).sort();
    expect(areas).toEqual(['(total)', 'Centre', 'Les Granges']);

    // The same file again: nothing moves.
    const again = await turnout(['import', 'areas', path.join(dir, 'bureaux.csv')]);
    expect(again.stderr).toContain("voters moved to their precinct's area 0");
    expect(again.stderr).toContain('replaces the previous map of 3 precincts');
  });

  it('keeps voters in their quartiers across a fresh list export, and places new ones', async () => {
    await setUp();
    expect((await turnout(['import', 'areas', write('bureaux.csv', MAP)])).code).toBe(0);
    // A fresh export: one new voter in bureau 0003 (a new id: bureau + numéro).
    const lines = fs.readFileSync(REU, 'utf8').trimEnd().split('\n');
    const newcomer = lines[1]!.replace(/"0001";"Mairie - Salle du conseil"/, '"0003";"Gymnase des Oliviers"').replace(/;\d+$/, ';9001');
    expect(newcomer).toContain('"0003"');
    const fresh = write('reu-fresh.csv', `${[...lines, newcomer].join('\n')}\n`);
    const result = await turnout(['import', 'voters', fresh]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/areas +from the map of precincts \(turnout import areas\): 1 voters placed or moved/);
    expect(await query<{ area: string }>("SELECT neighborhood AS area FROM voters WHERE id = '0003/9001'")).toEqual([{ area: 'Les Granges' }]);
    expect((await query<{ n: number }>('SELECT count(*) AS n FROM voters WHERE neighborhood IS NULL AND precinct IS NOT NULL'))[0]!.n).toBe(0);
    const counts = await areaCounts();
    expect(counts.tally).toEqual(counts.fresh);
    expect(counts.votesTally).toEqual(counts.votesFresh);
  });

  it('refuses a bureau given two quartiers, naming both lines, and changes nothing', async () => {
    await setUp();
    const result = await turnout(['import', 'areas', write('bad.csv', 'Bureau;Quartier\n0001;Centre\n0002;Centre\n0001;Les Granges\n')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('precinct "0001" is given two areas: "Centre" on line 2 and "Les Granges" on line 4');
    expect(result.stderr).toContain('hint:');
    expect(await query('SELECT * FROM precinct_areas')).toEqual([]);
    expect((await query<{ n: number }>('SELECT count(*) AS n FROM voters WHERE neighborhood IS NOT NULL'))[0]!.n).toBe(0);
  });

  it('reports rows without a quartier and bureaux left out; --dry-run writes nothing; --map names other headers', async () => {
    await setUp();
    const dry = await turnout(['import', 'areas', '--dry-run', '--map', 'precinct=Code BV', '--map', 'neighborhood=Secteur', '-'], 'Code BV,Secteur\n0001,Nord\n0002,\n');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('dry run, nothing written');
    expect(dry.stderr).toContain(':3: rejected: no area (quartier) for precinct "0002"');
    expect(dry.stderr).toMatch(/precincts with voters but no area in this file: 2: 0002 \(\d+ voters\), 0003/);
    expect(await query('SELECT * FROM precinct_areas')).toEqual([]);
    expect((await query<{ n: number }>('SELECT count(*) AS n FROM voters WHERE neighborhood IS NOT NULL'))[0]!.n).toBe(0);
    const missing = await turnout(['import', 'areas', '-'], 'Bureau,Lieu\n0001,Mairie\n');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no area (quartier) column found');
  });
});
});
