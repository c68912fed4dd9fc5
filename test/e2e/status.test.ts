import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { seedElection } from '../helpers/seedStatus.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

/*
 * The election of fixtures/status-voters.csv and status-checks.csv (Europe/Paris, 15 March 2026,
 * UTC+1). Supporters are support 1 and 2.
 *
 *               voters  voted  supporters  supporter checks (local time)            others voted (13:00)
 *   Le Panier      240     84         200  32 at 09:30, 32 at 14:30 → 64            20 of 40
 *   Noailles       205    101         180  45 at 10:15, 45 at 15:45 → 90            11 of 25 (5 without support)
 *   Belsunce        30      8          20   3 at 11:00,  3 at 16:10 → 6              2 of 10
 *   total          475    193         400  160: overall supporter turnout 0.4
 *
 * canvass_team (an extra column): Nord = Le Panier + Belsunce, Sud = Noailles.
 */
const EVENING = { TURNOUT_NOW: '2026-03-15T19:00:00Z' }; // 20:00 in Paris, after every check
/** The moment the evening's figures describe, as every machine-readable row says (as_of). */
const EVENING_ISO = '2026-03-15T19:00:00.000Z';

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let dir: string;
let db: TestDatabase;
let cleanup: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('turnout-status-'));
  db = await backend.create(dir);
  await seedElection(db.args, { voters: path.join(FIXTURES, 'status-voters.csv'), checks: [path.join(FIXTURES, 'status-checks.csv')] });
});
afterAll(async () => {
  await db.drop();
  cleanup();
});

async function status(args: string[], env: Record<string, string> = EVENING) {
  const result = await runTurnout([...db.args, 'status', ...args], { env });
  return { ...result, json: result.code === 0 && result.stdout.startsWith('[') ? JSON.parse(result.stdout) : undefined };
}

describe('turnout status', () => {
  it('gives every field of every area and the totals row as JSON', async () => {
    const result = await status(['--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.json).toEqual([
      // z = (0.32 − 0.4) / sqrt(0.4 × 0.6 / 200) = −0.08 / 0.034641 = −2.3094; shortfall 80 − 64 = 16
      {
        area: 'Le Panier',
        voters: 240,
        voted: 84,
        turnout: 0.35,
        supporters: 200,
        supporters_voted: 64,
        supporter_turnout: 0.32,
        remaining: 136,
        reference: 0.4,
        shortfall: 16,
        z: -2.309,
        under_mobilized: true,
        as_of: EVENING_ISO,
      },
      // z = (0.3 − 0.4) / sqrt(0.24 / 20) = −0.1 / 0.109545 = −0.9129; shortfall 8 − 6 = 2
      {
        area: 'Belsunce',
        voters: 30,
        voted: 8,
        turnout: 0.2667,
        supporters: 20,
        supporters_voted: 6,
        supporter_turnout: 0.3,
        remaining: 14,
        reference: 0.4,
        shortfall: 2,
        z: -0.913,
        under_mobilized: false,
        as_of: EVENING_ISO,
      },
      // z = (0.5 − 0.4) / sqrt(0.24 / 180) = 0.1 / 0.036515 = 2.7386; turnout 101 / 205 = 0.49268
      {
        area: 'Noailles',
        voters: 205,
        voted: 101,
        turnout: 0.4927,
        supporters: 180,
        supporters_voted: 90,
        supporter_turnout: 0.5,
        remaining: 90,
        reference: 0.4,
        shortfall: 0,
        z: 2.739,
        under_mobilized: false,
        as_of: EVENING_ISO,
      },
      // 193 / 475 = 0.40632; the totals' shortfall is the sum of the areas' (16 + 2 + 0)
      {
        area: '(total)',
        voters: 475,
        voted: 193,
        turnout: 0.4063,
        supporters: 400,
        supporters_voted: 160,
        supporter_turnout: 0.4,
        remaining: 240,
        reference: 0.4,
        shortfall: 18,
        z: 0,
        under_mobilized: false,
        as_of: EVENING_ISO,
      },
    ]);
  });

  it('says in every row which moment the figures describe (as_of, ISO UTC): --at, else now, the same in csv, json, ndjson and --timeline', async () => {
    const at = '2026-03-15T13:00:00.000Z'; // --at 14:00 in Paris
    const json = await status(['--format', 'json', '--at', '14:00']);
    const ndjson = await status(['--format', 'ndjson', '--at', '14:00']);
    const csv = await status(['--format', 'csv', '--at', '14:00']);
    const timeline = await status(['--timeline', '--format', 'ndjson', '--at', '14:00']);
    for (const r of [json, ndjson, csv, timeline]) expect(r.code).toBe(0);
    const jsonRows = json.json as Array<Record<string, unknown>>;
    const ndjsonRows = ndjson.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const [header, ...lines] = csv.stdout.trim().split('\n');
    const column = header!.split(',').indexOf('as_of');
    expect(column).toBeGreaterThan(0);
    expect(jsonRows.map((r) => r.as_of)).toEqual(jsonRows.map(() => at));
    expect(ndjsonRows).toEqual(jsonRows);
    expect(lines.map((l) => l.split(',')[column])).toEqual(jsonRows.map(() => at));
    const timelineRows = timeline.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(timelineRows.length).toBeGreaterThan(0);
    expect(new Set(timelineRows.map((r) => r.as_of))).toEqual(new Set([at]));
    // Without --at: the clock (TURNOUT_NOW here), to the millisecond, in ISO form.
    const now = await status(['--format', 'ndjson', '--under-mobilized'], { TURNOUT_NOW: '2026-03-15T19:42:07.5+01:00' });
    expect(now.stdout.trim().split('\n').map((l) => JSON.parse(l).as_of)).toEqual(['2026-03-15T18:42:07.500Z']);
  });

  it('flags a large area a little low, not a small area lower by chance', async () => {
    // Belsunce is further below (30 % of 20) than Le Panier (32 % of 200), but 20 supporters are
    // too few to tell from chance; with --z 0.9 it would be flagged.
    const result = await status(['--under-mobilized', '--format', 'csv']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'area,voters,voted,turnout,supporters,supporters_voted,supporter_turnout,remaining,reference,shortfall,z,under_mobilized,as_of',
      'Le Panier,240,84,0.35,200,64,0.32,136,0.4,16,-2.309,true,2026-03-15T19:00:00.000Z',
    ]);
    const looser = await status(['--under-mobilized', '--z', '0.9', '--format', 'ndjson']);
    expect(looser.stdout.trim().split('\n').map((l) => JSON.parse(l).area)).toEqual(['Le Panier', 'Belsunce']);
    // …unless fewer than --min-remaining supporters are left to vote (Belsunce has 14).
    const fewLeft = await status(['--under-mobilized', '--z', '0.9', '--min-remaining', '15', '--format', 'ndjson']);
    expect(fewLeft.stdout.trim().split('\n').map((l) => JSON.parse(l).area)).toEqual(['Le Panier']);
  });

  it('compares with a fixed --expected rate as of --at (later checks ignored)', async () => {
    // At 12:00: Le Panier 32 / 200, Noailles 45 / 180, Belsunce 3 / 20; nobody else has voted yet.
    const result = await status(['--expected', '30', '--at', '12:00', '--format', 'json']);
    expect(result.code).toBe(0);
    const rows = result.json as Record<string, unknown>[];
    expect(rows.map((r) => [r.area, r.voted, r.supporters_voted, r.supporter_turnout, r.reference, r.shortfall, r.z, r.under_mobilized])).toEqual([
      // (0.16 − 0.3) / sqrt(0.21 / 200) = −4.3205; 60 − 32 = 28
      ['Le Panier', 32, 32, 0.16, 0.3, 28, -4.32, true],
      // (0.25 − 0.3) / sqrt(0.21 / 180) = −1.4639; 54 − 45 = 9
      ['Noailles', 45, 45, 0.25, 0.3, 9, -1.464, false],
      // (0.15 − 0.3) / sqrt(0.21 / 20) = −1.4639; 6 − 3 = 3
      ['Belsunce', 3, 3, 0.15, 0.3, 3, -1.464, false],
      // (0.2 − 0.3) / sqrt(0.21 / 400) = −4.3644; 28 + 9 + 3 = 40
      ['(total)', 80, 80, 0.2, 0.3, 40, -4.364, true],
    ]);
  });

  it('compares each area with its own --targets rate', async () => {
    const result = await status(['--targets', path.join(FIXTURES, 'status-targets.csv'), '--at', '2026-03-15 12:00', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const rows = result.json as Record<string, unknown>[];
    expect(rows.map((r) => [r.area, r.reference, r.shortfall, r.z, r.under_mobilized])).toEqual([
      // (0.16 − 0.35) / sqrt(0.35 × 0.65 / 200) = −5.6335; 70 − 32 = 38
      ['Le Panier', 0.35, 38, -5.633, true],
      // (0.25 − 0.45) / sqrt(0.45 × 0.55 / 180) = −5.3936; 81 − 45 = 36
      ['Noailles', 0.45, 36, -5.394, true],
      // (0.15 − 0.25) / sqrt(0.25 × 0.75 / 20) = −1.0328; 5 − 3 = 2
      ['Belsunce', 0.25, 2, -1.033, false],
      // reference (0.35 × 200 + 0.45 × 180 + 0.25 × 20) / 400 = 0.39; (0.2 − 0.39) / sqrt(0.39 × 0.61 / 400) = −7.7909
      ['(total)', 0.39, 76, -7.791, true],
    ]);
  });

  it('warns about areas the targets file does not name', async () => {
    const targets = path.join(dir, 'partial-targets.csv');
    fs.writeFileSync(targets, 'Le Panier,35\nOpéra,40\n');
    const result = await status(['--targets', targets, '--format', 'json']);
    expect(result.code).toBe(0);
    const belsunce = (result.json as Record<string, unknown>[]).find((r) => r.area === 'Belsunce');
    expect(belsunce).toMatchObject({ reference: null, shortfall: null, z: null, under_mobilized: false });
    expect(result.stderr).toContain('no target in');
    expect(result.stderr).toContain('for "Belsunce", "Noailles": their reference, shortfall and z are left empty');
    expect(result.stderr).toContain('"Opéra"');
  });

  it('takes the reference from the --curve at the --at time of day', async () => {
    // 13:00 is halfway between 12:00 (20 %) and 14:00 (30 %): 25 %. Non-supporters checked at 13:00 count.
    const result = await status(['--curve', path.join(FIXTURES, 'status-curve.csv'), '--at', '13:00', '--format', 'json']);
    expect(result.code).toBe(0);
    const rows = result.json as Record<string, unknown>[];
    expect(rows.map((r) => [r.area, r.voted, r.reference, r.shortfall, r.z, r.under_mobilized])).toEqual([
      // (0.16 − 0.25) / sqrt(0.1875 / 200) = −2.9394; 50 − 32 = 18
      ['Le Panier', 52, 0.25, 18, -2.939, true],
      // (0.15 − 0.25) / sqrt(0.1875 / 20) = −1.0328; 5 − 3 = 2
      ['Belsunce', 5, 0.25, 2, -1.033, false],
      // exactly on the curve: z = 0, shortfall 45 − 45 = 0
      ['Noailles', 56, 0.25, 0, 0, false],
      // (0.2 − 0.25) / sqrt(0.1875 / 400) = −2.3094
      ['(total)', 113, 0.25, 20, -2.309, true],
    ]);
  });

  it('reports z as null, not NaN, when the reference is 0 (before the curve starts)', async () => {
    const result = await status(['--curve', path.join(FIXTURES, 'status-curve.csv'), '--at', '07:00', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/NaN|Infinity/);
    for (const row of result.json as Record<string, unknown>[]) {
      expect(row).toMatchObject({ supporters_voted: 0, reference: 0, shortfall: 0, z: null, under_mobilized: false });
    }
  });

  it('groups by an imported extra column', async () => {
    const result = await status(['--by', 'canvass_team', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.json).toEqual([
      // Nord = Le Panier + Belsunce: 70 of 220 supporters; (0.31818 − 0.4) / sqrt(0.24 / 220) = −2.4772; 88 − 70 = 18
      {
        area: 'Nord',
        voters: 270,
        voted: 92,
        turnout: 0.3407,
        supporters: 220,
        supporters_voted: 70,
        supporter_turnout: 0.3182,
        remaining: 150,
        reference: 0.4,
        shortfall: 18,
        z: -2.477,
        under_mobilized: true,
        as_of: EVENING_ISO,
      },
      {
        area: 'Sud',
        voters: 205,
        voted: 101,
        turnout: 0.4927,
        supporters: 180,
        supporters_voted: 90,
        supporter_turnout: 0.5,
        remaining: 90,
        reference: 0.4,
        shortfall: 0,
        z: 2.739,
        under_mobilized: false,
        as_of: EVENING_ISO,
      },
      {
        area: '(total)',
        voters: 475,
        voted: 193,
        turnout: 0.4063,
        supporters: 400,
        supporters_voted: 160,
        supporter_turnout: 0.4,
        remaining: 240,
        reference: 0.4,
        shortfall: 18,
        z: 0,
        under_mobilized: false,
        as_of: EVENING_ISO,
      },
    ]);
  });

  it('counts other support levels as supporters with --support', async () => {
    // Supporters 1–3: Le Panier gains 20 (10 voted): 74 of 220; overall 170 / 420.
    const result = await status(['--support', '1-3', '--format', 'json']);
    const panier = (result.json as Record<string, unknown>[]).find((r) => r.area === 'Le Panier');
    expect(panier).toMatchObject({ supporters: 220, supporters_voted: 74, remaining: 146, reference: 0.4048 });
  });

  it('gives supporter turnout hour by hour with --timeline', async () => {
    const result = await status(['--timeline', '--format', 'json']);
    expect(result.code).toBe(0);
    const rows = result.json as Record<string, unknown>[];
    const series = (area: string) => rows.filter((r) => r.area === area);
    // Local hours 09:00 to 16:00 (08:00Z to 15:00Z); cumulative supporters at the end of each.
    expect(series('(total)').map((r) => [r.hour, r.hour_local, r.voted_in_hour, r.supporters_voted, r.supporter_turnout])).toEqual([
      ['2026-03-15T08:00:00.000Z', '09:00', 32, 32, 0.08],
      ['2026-03-15T09:00:00.000Z', '10:00', 45, 77, 0.1925],
      ['2026-03-15T10:00:00.000Z', '11:00', 3, 80, 0.2],
      ['2026-03-15T11:00:00.000Z', '12:00', 0, 80, 0.2],
      ['2026-03-15T12:00:00.000Z', '13:00', 0, 80, 0.2],
      ['2026-03-15T13:00:00.000Z', '14:00', 32, 112, 0.28],
      ['2026-03-15T14:00:00.000Z', '15:00', 45, 157, 0.3925],
      ['2026-03-15T15:00:00.000Z', '16:00', 3, 160, 0.4],
    ]);
    expect(series('Le Panier').map((r) => r.supporters_voted)).toEqual([32, 32, 32, 32, 32, 64, 64, 64]);
    expect(series('Belsunce').map((r) => r.supporter_turnout)).toEqual([0, 0, 0.15, 0.15, 0.15, 0.15, 0.15, 0.3]);
    expect(new Set(rows.map((r) => r.area))).toEqual(new Set(['(total)', 'Le Panier', 'Belsunce', 'Noailles']));
    expect(rows.every((r) => r.supporters === { '(total)': 400, 'Le Panier': 200, Noailles: 180, Belsunce: 20 }[r.area as string])).toBe(true);
  });

  it('draws the timeline as a chart for people', async () => {
    const result = await status(['--timeline', '--format', 'table', '--at', '12:30'], { ...EVENING, NO_COLOR: '1' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Supporter turnout by hour and neighborhood, as of 2026-03-15 12:30 (Europe/Paris)');
    expect(result.stdout).toMatch(/\n\s+09 10 11\s+now\n/);
    expect(result.stdout).toMatch(/\nTOTAL\s+.*20\.0%\n/);
    expect(result.stdout).toMatch(/\nLe Panier\s+.*16\.0%\n/);
  });

  it('prints a table with the time, a bar per row, flagged rows in red and the totals', async () => {
    const result = await status(['--format', 'table'], { ...EVENING, FORCE_COLOR: '1' });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toContain('as of 2026-03-15 20:00 (Europe/Paris)');
    expect(lines[0]).toContain('overall supporter turnout (40.0%)');
    const panier = lines.find((l) => l.includes('Le Panier'))!;
    expect(panier.startsWith('\u001b[31m')).toBe(true); // red
    expect(panier).toContain('32.0%');
    expect(panier).toContain('███·│·····'); // 32 % filled, the reference (40 %) marked
    expect(panier).toContain('LOW');
    expect(lines.find((l) => l.includes('Noailles'))!.startsWith('\u001b[31m')).toBe(false);
    expect(lines.some((l) => /TOTAL\s+475\s+193\s+40\.6%/.test(l))).toBe(true);
    expect(result.stdout).toContain('1 under-mobilized area');
  });

  it('groups by precinct when no voter has a neighborhood', async () => {
    const tmp = tempDir();
    try {
      const voters = path.join(tmp.dir, 'voters.csv');
      fs.writeFileSync(voters, 'id,precinct,support\nA1,12,1\nA2,12,2\nA3,12,5\nB1,14,1\nB2,,1\n');
      const checks = path.join(tmp.dir, 'checks.csv');
      fs.writeFileSync(checks, 'voter_id,checked_at\nA1,2026-03-15T10:00:00+01:00\nB2,2026-03-15T11:00:00+01:00\n');
      const other = await backend.create(tmp.dir);
      await seedElection(other.args, { voters, checks: [checks] });
      const result = await runTurnout([...other.args, 'status', '--format', 'json'], { env: EVENING });
      await other.drop();
      expect(result.code).toBe(0);
      // Supporters: 12 → 1 of 2; 14 → 0 of 1; no precinct → 1 of 1. Overall 2 / 4 = 0.5.
      expect((JSON.parse(result.stdout) as Record<string, unknown>[]).map((r) => [r.area, r.voters, r.supporters_voted, r.supporters, r.shortfall])).toEqual([
        ['14', 1, 0, 1, 1], // round(0.5 − 0) = 1
        ['12', 3, 1, 2, 0],
        [null, 1, 1, 1, 0],
        ['(total)', 5, 2, 4, 1],
      ]);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('turnout status: mistakes', () => {
  it('refuses an unknown --by field, listing the imported columns', async () => {
    const result = await status(['--by', 'quartier']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unknown field "quartier"');
    expect(result.stderr).toContain('canvass_team');
  });

  it('refuses bad values with exit 2', async () => {
    for (const args of [
      ['--expected', '120'],
      ['--expected', '30', '--targets', path.join(FIXTURES, 'status-targets.csv')],
      ['--support', '0,1'],
      ['--at', 'teatime'],
      ['--z', '-1'],
      ['--min-remaining', '2.5'],
    ]) {
      const result = await status(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^error: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('points at the line and column of a bad targets file', async () => {
    const targets = path.join(dir, 'bad-targets.csv');
    fs.writeFileSync(targets, 'area;target\nLe Panier;35\nNoailles;lots\n');
    const result = await status(['--targets', targets]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${targets}:3:2: target "lots" for "Noailles" is not a percentage between 0 and 100`);
    expect(result.stderr).toContain('hint:');
  });

  it.runIf(backend.name === 'sqlite')('says there is no database rather than creating one', async () => {
    const missing = path.join(dir, 'nothing-here.db');
    const result = await runTurnout(['--db', missing, 'status']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no database at');
    expect(fs.existsSync(missing)).toBe(false);
  });
});
});
