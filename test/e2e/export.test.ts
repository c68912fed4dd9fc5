import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runTurnout, tempDir } from '../helpers/cli.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let tmp: ReturnType<typeof tempDir>;
let db: TestDatabase;
beforeEach(async () => {
  tmp = tempDir();
  db = await backend.create(tmp.dir);
});
afterEach(async () => {
  await db.drop();
  tmp.cleanup();
});

const turnout = (args: string[]) => runTurnout([...db.args, ...args]);

/** Voters whose fields need quoting and escaping in CSV and JSON, and an extra column. */
async function importMessyVoters(count: number): Promise<void> {
  const lines = ['id,first_name,last_name,street,support,turnout_score,Bénévole'];
  for (let i = 1; i <= count; i++) {
    const id = `X${String(i).padStart(5, '0')}`;
    const last = i % 5 === 0 ? '"Le ""Grand"", Jr"' : i % 7 === 0 ? '"Back\\slash\nand line"' : 'Nom';
    lines.push(`${id},Prénom ${i} 😀,${last},Rue ${i},${(i % 5) + 1},${i % 3 === 0 ? '' : (i % 100) + 0.5},${i % 4 === 0 ? 'oui' : ''}`);
  }
  fs.writeFileSync(path.join(tmp.dir, 'voters.csv'), `${lines.join('\n')}\n`);
  expect((await turnout(['import', 'voters', path.join(tmp.dir, 'voters.csv')])).code).toBe(0);
}

/**
 * Runs the CLI with stdout into a pipe nobody reads for a while, as when the next command in a
 * pipeline is slow to start: the pipe fills and the rest waits inside turnout, which must still
 * deliver every byte before it exits. Returns turnout's exit code and what the reader got.
 */
function runIntoSlowPipe(args: string[], pauseSeconds: number): Promise<{ code: number | null; stdout: Buffer }> {
  const out = path.join(tmp.dir, 'piped.out');
  const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, BIN, ...db.args, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -o pipefail; ${command} 2>/dev/null | (sleep ${pauseSeconds}; cat > ${quote(out)})`], { cwd: ROOT, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: fs.readFileSync(out) }));
  });
}

describe('export voters and checks', () => {
  it('writes every byte into a slow pipe, the same as into a file (export, and remind\'s list)', async () => {
    await importMessyVoters(3000);
    for (const format of ['csv', 'json', 'ndjson']) {
      const file = path.join(tmp.dir, `voters.${format}`);
      expect((await turnout(['export', 'voters', '--format', format, '--out', file])).code).toBe(0);
      const written = fs.readFileSync(file);
      expect(written.length).toBeGreaterThan(200_000);
      const piped = await runIntoSlowPipe(['export', 'voters', '--format', format], 0.7);
      expect(piped.code).toBe(0);
      expect(piped.stdout.length, format).toBe(written.length);
      expect(piped.stdout.equals(written), format).toBe(true);
    }
    // remind writes its list the same way (and then its summary on stderr).
    const list = path.join(tmp.dir, 'doors.csv');
    expect((await turnout(['remind', '--channel', 'door', '--out', list])).code).toBe(0);
    const piped = await runIntoSlowPipe(['remind', '--channel', 'door'], 0.7);
    expect(piped.code).toBe(0);
    expect(piped.stdout.toString('utf8')).toBe(fs.readFileSync(list, 'utf8'));
  });

  it('writes the values as stored: quotes doubled, JSON escapes, numbers, voted, extra columns', async () => {
    await importMessyVoters(10);
    expect((await turnout(['mark', 'X00005', '--at', '2026-03-15 10:00'])).code).toBe(0);
    const json = await turnout(['export', 'voters', '--format', 'json']);
    const ndjson = await turnout(['export', 'voters', '--format', 'ndjson']);
    const csv = await turnout(['export', 'voters', '--format', 'csv']);
    expect([json.code, ndjson.code, csv.code]).toEqual([0, 0, 0]);
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(ndjson.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(rows);
    expect(rows).toHaveLength(10);
    const fifth = rows[4]!;
    expect(fifth).toMatchObject({ id: 'X00005', last_name: 'Le "Grand", Jr', support: 1, turnout_score: 5.5, Bénévole: null, voted: true });
    expect(typeof fifth.checked_at).toBe('string');
    expect(rows[6]).toMatchObject({ last_name: 'Back\\slash\nand line', turnout_score: 7.5 });
    expect(rows[2]).toMatchObject({ turnout_score: null, Bénévole: null, voted: false, checked_at: null });
    expect(rows[3]).toMatchObject({ Bénévole: 'oui' });
    const lines = csv.stdout.split('\n');
    expect(lines[0]!.split(',').slice(-4)).toEqual(['phone_valid', 'Bénévole', 'voted', 'checked_at']);
    expect(csv.stdout).toContain('X00005,Prénom 5 😀,"Le ""Grand"", Jr",');
    expect(csv.stdout).toContain('"Back\\slash\nand line"');
    expect(lines[1]).toMatch(/^X00001,Prénom 1 😀,Nom,,,,Rue 1,,,,,,,2,1.5,,,,,,,,,,,false,$/);
  });
});
});
