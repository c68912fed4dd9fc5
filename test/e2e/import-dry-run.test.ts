import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

const NOW = { TURNOUT_NOW: '2026-03-15T15:00:00-04:00' };
const fixture = (name: string): string => path.join(FIXTURES, name);

/** The summary without its first line (which says "dry run, nothing written" or "✔"). */
const figures = (stderr: string): string => stderr.slice(stderr.indexOf('\n', stderr.indexOf(' (utf-8')) + 1);

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
  let dir: string;
  let cleanup: () => void;
  let db: TestDatabase;

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir('turnout-dry-run-'));
    db = await backend.create(dir);
  });
  afterEach(async () => {
    await db.drop();
    cleanup();
  });

  const turnout = (args: string[]) => runTurnout([...db.args, ...args], { env: NOW });

  /**
   * What a rollback does not undo: PostgreSQL's sequences (a rolled-back insert still took its
   * ids). SQLite's ids come from the rows themselves, which the dump already compares.
   */
  const sequences = async (): Promise<unknown[]> =>
    backend.name === 'postgres'
      ? db.query('SELECT last_value, is_called FROM checks_id_seq')
      : [];

  /** Whether the database exists at all: the file, or the --db-schema. */
  const exists = async (): Promise<boolean> => {
    if (backend.name === 'sqlite') return fs.existsSync(path.join(dir, 'test.db'));
    const schema = db.env.TURNOUT_DB_SCHEMA;
    const rows = await db.query<{ n: number }>('SELECT count(*) AS n FROM pg_namespace WHERE nspname = ?', schema);
    return rows[0]!.n > 0;
  };

  it('a dry run against a database that does not exist yet creates nothing, and reports the import', async () => {
    const voters = await turnout(['import', 'voters', fixture('import-voters-update.csv'), '--dry-run']);
    expect(voters.code, voters.stderr).toBe(0);
    expect(voters.stderr).toMatch(/dry run, nothing written[\s\S]*inserted\s+5\n\s+updated\s+0/);
    expect(await exists()).toBe(false);
    const checks = await turnout(['import', 'checks', fixture('import-checks.csv'), '--dry-run']);
    expect(checks.code, checks.stderr).toBe(0);
    expect(checks.stderr).toMatch(/dry run, nothing written[\s\S]*newly checked\s+0\n\s+already checked\s+0\n\s+unmatched\s+5/);
    expect(await exists()).toBe(false);
  });

  it('dry runs of import voters and import checks leave every table (and sequence) as it was, and say what the import then does', async () => {
    expect((await turnout(['init', '--region', 'US', '--timezone', 'America/New_York', '--quiet'])).code).toBe(0);
    expect((await turnout(['import', 'voters', fixture('import-voters-bom.csv'), '--quiet'])).code).toBe(0);
    // V-0005 and V-0099 are unmatched: there is no such voter yet.
    expect((await turnout(['import', 'checks', fixture('import-checks.csv'), '--quiet'])).code).toBe(0);
    // New checks (V-0002, V-0004), an earlier time for V-0003, a later one for V-0001, one more unmatched.
    const later = path.join(dir, 'later-checks.csv');
    fs.writeFileSync(later, 'voter_id,checked_at,source\nV-0002,13:00,B\nV-0004,13:05,B\nV-0003,08:00,B\nV-0001,14:00,B\nV-0100,14:10,B\n');

    const before = await db.dump();
    const sequencesBefore = await sequences();
    const dryChecks = await turnout(['import', 'checks', later, '--dry-run']);
    expect(dryChecks.code, dryChecks.stderr).toBe(0);
    expect(dryChecks.stderr).toMatch(/dry run, nothing written[\s\S]*newly checked\s+2\n\s+already checked\s+2\n\s+unmatched\s+1/);
    expect(await db.dump()).toBe(before);
    expect(await sequences()).toEqual(sequencesBefore);

    // V-0005 arrives: its unmatched check would become a check; V-0003's support changes (4), which moves tallies.
    const dryVoters = await turnout(['import', 'voters', fixture('import-voters-update.csv'), '--dry-run']);
    expect(dryVoters.code, dryVoters.stderr).toBe(0);
    expect(dryVoters.stderr).toMatch(/dry run, nothing written[\s\S]*inserted\s+1\n\s+updated\s+2[\s\S]*earlier unmatched checks now matched: 1/);
    expect(await db.dump()).toBe(before);
    expect(await sequences()).toEqual(sequencesBefore);

    // The real imports then do what the dry runs said, and do change the database.
    const realChecks = await turnout(['import', 'checks', later]);
    expect(realChecks.code, realChecks.stderr).toBe(0);
    expect(figures(realChecks.stderr)).toBe(figures(dryChecks.stderr));
    const realVoters = await turnout(['import', 'voters', fixture('import-voters-update.csv')]);
    expect(realVoters.code, realVoters.stderr).toBe(0);
    expect(figures(realVoters.stderr)).toBe(figures(dryVoters.stderr));
    expect(await db.dump()).not.toBe(before);
    expect(await db.query('SELECT voter_id, checked_at FROM checks ORDER BY voter_id')).toEqual([
      { voter_id: 'V-0001', checked_at: '2026-03-15T13:12:00.000Z' },
      { voter_id: 'V-0002', checked_at: '2026-03-15T17:00:00.000Z' },
      { voter_id: 'V-0003', checked_at: '2026-03-15T12:00:00.000Z' },
      { voter_id: 'V-0004', checked_at: '2026-03-15T17:05:00.000Z' },
      { voter_id: 'V-0005', checked_at: '2026-03-15T16:05:00.000Z' },
    ]);
  });
});
