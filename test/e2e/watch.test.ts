import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { seedElection } from '../helpers/seedStatus.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

// The election of test/e2e/status.test.ts; at 20:00 in Paris Le Panier alone is flagged.
const EVENING = { TURNOUT_NOW: '2026-03-15T19:00:00Z' };

const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let dir: string;
let db: TestDatabase;
let cleanup: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('turnout-watch-'));
  db = await backend.create(dir);
  await seedElection(db.args, { voters: path.join(FIXTURES, 'status-voters.csv'), checks: [path.join(FIXTURES, 'status-checks.csv')] });
});
afterAll(async () => {
  await db.drop();
  cleanup();
});

describe('turnout watch without a terminal', () => {
  it('prints one JSON line per refresh and stops after --max-refreshes', async () => {
    const result = await runTurnout([...db.args, 'watch', '--interval', '0.2', '--max-refreshes', '2'], { env: EVENING });
    expect(result.code).toBe(0);
    const [first, second, ...rest] = lines(result.stdout);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ refresh: 1, at: '2026-03-15T19:00:00.000Z', by: 'neighborhood', files: [], newly_flagged: [], recovered: [] });
    expect(first!.reference).toEqual({ kind: 'overall', rate: 0.4 });
    expect(first!.areas.map((a: { area: string }) => a.area)).toEqual(['Le Panier', 'Belsunce', 'Noailles']);
    expect(first!.areas[0]).toEqual({
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
    });
    expect(first!.totals).toMatchObject({ area: '(total)', supporters: 400, supporters_voted: 160, shortfall: 18 });
    expect(second).toMatchObject({ refresh: 2, newly_flagged: [], recovered: [] });
  });

  it('applies the status options, e.g. --expected and --at', async () => {
    const result = await runTurnout([...db.args, 'watch', '--once', '--expected', '30', '--at', '12:00'], { env: EVENING });
    expect(result.code).toBe(0);
    const [line] = lines(result.stdout);
    expect(line!.at).toBe('2026-03-15T11:00:00.000Z');
    expect(line!.areas.filter((a: { under_mobilized: boolean }) => a.under_mobilized).map((a: { area: string }) => a.area)).toEqual(['Le Panier']);
    expect(line!.totals).toMatchObject({ supporters_voted: 80, reference: 0.3, shortfall: 40, z: -4.364, under_mobilized: true });
  });

  it('draws the status table with --format table', async () => {
    const result = await runTurnout([...db.args, 'watch', '--once', '--format', 'table'], { env: { ...EVENING, NO_COLOR: '1' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Supporter turnout by neighborhood, as of 2026-03-15 20:00 (Europe/Paris)');
    expect(result.stdout).toMatch(/\nLe Panier .* LOW\n/);
    expect(result.stdout).toContain('refresh 1 at 2026-03-15 20:00 · no --checks-dir: status only');
    expect(result.stdout).not.toContain('\u001b[2J'); // no screen clearing without a terminal
  });

  it('refuses a --checks-dir that is not a folder', async () => {
    const result = await runTurnout([...db.args, 'watch', '--once', '--checks-dir', path.join(dir, 'nope')], { env: EVENING });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('is not a folder');
  });

  it('imports a poll-check file dropped into the folder, skips a bad one, and says who recovered', async () => {
    const tmp = tempDir('turnout-watch-drop-');
    let file: TestDatabase | undefined;
    try {
      file = await backend.create(tmp.dir);
      await seedElection(file.args, { voters: path.join(FIXTURES, 'status-voters.csv'), checks: [path.join(FIXTURES, 'status-checks.csv')] });
      const inbox = path.join(tmp.dir, 'incoming');
      fs.mkdirSync(inbox);
      const child = spawn(process.execPath, [BIN, ...file.args, 'watch', '--checks-dir', inbox, '--interval', '1', '--max-refreshes', '3'], {
        env: { ...process.env, ...EVENING },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const firstLine = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if (stdout.includes('\n')) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await firstLine;
      // Dropped while watching: 16 more Panier supporters (semicolons, French header, CRLF), a
      // file with no voter id column, and Belsunce checks under names that must be left alone.
      fs.copyFileSync(path.join(FIXTURES, 'status-watch-bad.csv'), path.join(inbox, 'bureau-1303.csv'));
      fs.copyFileSync(path.join(FIXTURES, 'status-watch-panier.csv'), path.join(inbox, 'bureau-1301.csv'));
      fs.copyFileSync(path.join(FIXTURES, 'status-watch-belsunce.csv'), path.join(inbox, '.bureau-1303-bis.csv'));
      fs.copyFileSync(path.join(FIXTURES, 'status-watch-belsunce.csv'), path.join(inbox, 'bureau-1303-ter.csv.part'));
      expect(await exited).toBe(0);

      const refreshes = lines(stdout);
      expect(refreshes.map((r) => r.refresh)).toEqual([1, 2, 3]);
      expect(refreshes[0]!.areas[0]).toMatchObject({ area: 'Le Panier', supporters_voted: 64, under_mobilized: true });
      // Oldest first, so the order depends on the copies' times: compare by name.
      const files = refreshes.flatMap((r) => r.files).sort((a, b) => (a.file < b.file ? -1 : 1));
      expect(files).toEqual([
        {
          file: 'bureau-1301.csv',
          outcome: 'imported',
          summary: { key: 'id', read: 16, newly_checked: 16, already_checked: 0, unmatched: 0, rejected: 0 },
        },
        { file: 'bureau-1303.csv', outcome: 'failed', error: expect.stringContaining('no voter id column') },
      ]);
      const after = refreshes.find((r) => r.files.length > 0)!;
      // Le Panier 80 of 200 against 176 / 400 = 0.44: z = −0.04 / sqrt(0.44 × 0.56 / 200) = −1.1396.
      expect(after.recovered).toEqual(['Le Panier']);
      expect(after.newly_flagged).toEqual([]);
      expect(after.areas.find((a: { area: string }) => a.area === 'Le Panier')).toMatchObject({
        supporters_voted: 80,
        reference: 0.44,
        shortfall: 8,
        z: -1.14,
        under_mobilized: false,
      });
      expect(after.areas.find((a: { area: string }) => a.area === 'Belsunce')).toMatchObject({ supporters_voted: 6 });
      expect(stderr).toMatch(/bureau-1303\.csv skipped: .*no voter id column/);

      expect(await file.query('SELECT COUNT(*) AS n FROM checks')).toEqual([{ n: 209 }]);
      expect(await file.query("SELECT source FROM checks WHERE voter_id = 'P040'")).toEqual([{ source: 'bureau-1301.csv' }]);
      // The database remembers both: the imported content, and the bad one with what was wrong.
      const remembered = await file.query<{ name: string; size: number; summary: string }>('SELECT name, size, summary FROM imported_files ORDER BY name');
      expect(remembered.map((r) => ({ name: r.name, size: r.size, bad: (JSON.parse(r.summary) as { bad_file?: string }).bad_file ?? null }))).toEqual([
        { name: 'bureau-1301.csv', size: fs.statSync(path.join(inbox, 'bureau-1301.csv')).size, bad: null },
        { name: 'bureau-1303.csv', size: fs.statSync(path.join(inbox, 'bureau-1303.csv')).size, bad: expect.stringContaining('no voter id column') },
      ]);
      expect(JSON.parse(remembered[0]!.summary)).toEqual({ key: 'id', read: 16, newly_checked: 16, already_checked: 0, unmatched: 0, rejected: 0 });

      // Watching again: the same content is not imported twice, and the bad file, already
      // reported, is not reported again (on stdout or stderr) since it has not changed…
      const again = await runTurnout([...file.args, 'watch', '--once', '--checks-dir', inbox], { env: EVENING });
      expect(again.code).toBe(0);
      expect(lines(again.stdout)[0]!.files).toEqual([{ file: 'bureau-1301.csv', outcome: 'already-imported' }]);
      expect(again.stderr).not.toContain('bureau-1303');
      // …even when only touched (same content, new time)…
      fs.utimesSync(path.join(inbox, 'bureau-1303.csv'), new Date(), new Date(Date.now() + 5000));
      const touched = await runTurnout([...file.args, 'watch', '--once', '--checks-dir', inbox], { env: EVENING });
      expect(lines(touched.stdout)[0]!.files.map((f: { file: string }) => f.file)).not.toContain('bureau-1303.csv');
      expect(touched.stderr).not.toContain('bureau-1303');
      // …but once it changes it is read and reported again, once.
      fs.appendFileSync(path.join(inbox, 'bureau-1303.csv'), 'Durand;Léa;14:10\n');
      const changed = await runTurnout([...file.args, 'watch', '--once', '--checks-dir', inbox], { env: EVENING });
      expect(lines(changed.stdout)[0]!.files).toEqual(
        expect.arrayContaining([{ file: 'bureau-1303.csv', outcome: 'failed', error: expect.stringContaining('no voter id column') }]),
      );
      expect(changed.stderr).toMatch(/bureau-1303\.csv skipped: .*no voter id column/);
      const later = await runTurnout([...file.args, 'watch', '--once', '--checks-dir', inbox], { env: EVENING });
      expect(later.stderr).not.toContain('bureau-1303');
      // The same bad content dropped under another name is news to whoever dropped it.
      fs.copyFileSync(path.join(inbox, 'bureau-1303.csv'), path.join(inbox, 'bureau-1303-copie.csv'));
      const copy = await runTurnout([...file.args, 'watch', '--once', '--checks-dir', inbox], { env: EVENING });
      expect(lines(copy.stdout)[0]!.files).toEqual(
        expect.arrayContaining([{ file: 'bureau-1303-copie.csv', outcome: 'failed', error: expect.stringMatching(/^same content as bureau-1303\.csv, refused before: .*no voter id column/) }]),
      );
    } finally {
      await file?.drop();
      tmp.cleanup();
    }
  });

  it('two watchers on one database and one shared folder (two machines) count each check once', async () => {
    const tmp = tempDir('turnout-watch-two-');
    let file: TestDatabase | undefined;
    try {
      file = await backend.create(tmp.dir);
      await seedElection(file.args, { voters: path.join(FIXTURES, 'status-voters.csv'), checks: [path.join(FIXTURES, 'status-checks.csv')] });
      const inbox = path.join(tmp.dir, 'incoming');
      fs.mkdirSync(inbox);
      fs.copyFileSync(path.join(FIXTURES, 'status-watch-panier.csv'), path.join(inbox, 'bureau-1301.csv'));
      const watch = () => runTurnout([...file!.args, 'watch', '--once', '--checks-dir', inbox], { env: EVENING });
      const [a, b] = await Promise.all([watch(), watch()]);
      expect([a.code, b.code]).toEqual([0, 0]);
      expect(a.stderr + b.stderr).not.toMatch(/error|warning|skipped: /i); // a content already imported is 'skipped' without a colon
      // Both may read the file at once (the second finds its checks already recorded), or one finds it imported.
      const newly = [a, b].flatMap((r) => lines(r.stdout)[0]!.files).map((f: { outcome: string; summary?: { newly_checked: number } }) => f.summary?.newly_checked ?? 0);
      expect(newly.reduce((x, y) => x + y, 0)).toBe(16);
      expect(await file.query('SELECT COUNT(*) AS n FROM checks')).toEqual([{ n: 209 }]);
      const status = await runTurnout([...file.args, 'status', '--format', 'json'], { env: EVENING });
      expect(JSON.parse(status.stdout).find((r: { area: string }) => r.area === 'Le Panier')).toMatchObject({ supporters_voted: 80, voted: 100 });
      const again = await watch();
      expect(lines(again.stdout)[0]!.files).toEqual([{ file: 'bureau-1301.csv', outcome: 'already-imported' }]);
    } finally {
      await file?.drop();
      tmp.cleanup();
    }
  });

  it('exits cleanly with code 0 on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, ...db.args, 'watch', '--interval', '30'], {
      env: { ...process.env, ...EVENING },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const firstLine = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes('\n')) resolve();
      });
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    await firstLine;
    child.kill('SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(lines(stdout)).toHaveLength(1);
  });
});
});
