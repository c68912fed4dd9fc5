/**
 * --db-timeout on PostgreSQL: a statement stuck behind a lock another session holds is cancelled,
 * the command fails with exit 5 and a clear message, and nothing of it is kept. SQLite has no
 * statement timeout (its writers wait up to busy_timeout), so these run on PostgreSQL only.
 */
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { DEFAULT_PG_URL, testBackends, type TestDatabase } from '../helpers/backends.js';

const NOW = { TURNOUT_NOW: '2026-03-15T15:00:00-04:00' };
const fixture = (name: string): string => path.join(FIXTURES, name);
const backends = (await testBackends()).filter((b) => b.name === 'postgres');
const url = process.env.TURNOUT_TEST_PG?.startsWith('postgres') ? process.env.TURNOUT_TEST_PG : DEFAULT_PG_URL;

describe.skipIf(backends.length === 0).each(backends)('on $name', (backend) => {
  let dir: string;
  let cleanup: () => void;
  let db: TestDatabase;
  /** The other session, holding a lock. */
  let other: pg.Client | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir('turnout-db-timeout-'));
    db = await backend.create(dir);
    for (const args of [
      ['init', '--region', 'US', '--timezone', 'America/New_York'],
      ['import', 'voters', fixture('import-voters-bom.csv')],
      ['import', 'checks', fixture('import-checks.csv')],
    ]) {
      const setup = await turnout([...args, '--quiet']);
      expect(setup.code, setup.stderr).toBe(0);
    }
  });
  afterEach(async () => {
    await other?.query('ROLLBACK').catch(() => {});
    await other?.end();
    other = undefined;
    await db.drop();
    cleanup();
  });

  function turnout(args: string[], env: Record<string, string> = {}) {
    return runTurnout([...db.args, ...args], { env: { ...NOW, ...env } });
  }

  /** Another session begins a transaction and runs `sql` (taking a lock), and keeps it open. */
  async function lock(sql: string): Promise<void> {
    other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query(`SET search_path TO "${db.env.TURNOUT_DB_SCHEMA}"`);
    await other.query('BEGIN');
    await other.query(sql);
  }

  it('an import waiting on a voter another session has locked fails after --db-timeout with exit 5, and writes nothing', async () => {
    await lock(`SELECT * FROM voters WHERE id = 'V-0003' FOR UPDATE`);
    const before = await db.dump();
    const started = Date.now();
    // The update file changes V-0003's support and brings V-0005: the upsert waits on V-0003's row.
    const result = await turnout(['--db-timeout', '1', 'import', 'voters', fixture('import-voters-update.csv')]);
    const elapsed = Date.now() - started;
    expect(result.code, result.stderr).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/error: a query on postgres:\/\/\S+ \(schema \S+\) ran past the statement timeout \(1 s\) and was cancelled; nothing of this command was kept/);
    expect(result.stderr).toMatch(/hint: Another session may hold a lock[\s\S]*--db-timeout SECONDS \(0: no limit\)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(elapsed).toBeLessThan(15_000);
    expect(await db.dump()).toBe(before);
    // Once the lock is gone the same command goes through.
    await other!.query('ROLLBACK');
    const again = await turnout(['--db-timeout', '1', 'import', 'voters', fixture('import-voters-update.csv')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/inserted\s+1\n\s+updated\s+2/);
  });

  it('TURNOUT_DB_TIMEOUT does the same for import checks on a locked checks table; PGOPTIONS is respected when neither is given', async () => {
    // EXCLUSIVE: others may read the checks, not write them.
    await lock('LOCK TABLE checks IN EXCLUSIVE MODE');
    const before = await db.dump();
    const later = path.join(dir, 'later.csv');
    const fs = await import('node:fs');
    fs.writeFileSync(later, 'voter_id,checked_at\nV-0002,13:00\nV-0004,13:05\n');
    const byEnv = await turnout(['import', 'checks', later], { TURNOUT_DB_TIMEOUT: '0.5' });
    expect(byEnv.code, byEnv.stderr).toBe(5);
    expect(byEnv.stderr).toContain('ran past the statement timeout (0.5 s) and was cancelled; nothing of this command was kept');
    expect(await db.dump()).toBe(before);

    const byPgOptions = await turnout(['import', 'checks', later], { PGOPTIONS: '-c statement_timeout=700' });
    expect(byPgOptions.code, byPgOptions.stderr).toBe(5);
    expect(byPgOptions.stderr).toContain('ran past the statement timeout and was cancelled');
    expect(await db.dump()).toBe(before);

    // --db-timeout wins over both.
    const byOption = await turnout(['--db-timeout', '0.3', 'import', 'checks', later], { TURNOUT_DB_TIMEOUT: '600', PGOPTIONS: '-c statement_timeout=600000' });
    expect(byOption.code, byOption.stderr).toBe(5);
    expect(byOption.stderr).toContain('(0.3 s)');
    expect(await db.dump()).toBe(before);
  });

  it('refuses a --db-timeout that is not a number of seconds (exit 2)', async () => {
    for (const [args, env, origin] of [
      [['--db-timeout', 'soon'], {}, '--db-timeout "soon"'],
      [[], { TURNOUT_DB_TIMEOUT: '-3' }, 'TURNOUT_DB_TIMEOUT "-3"'],
    ] as Array<[string[], Record<string, string>, string]>) {
      const result = await turnout([...args, 'status'], env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`error: ${origin} is not a number of seconds`);
      expect(result.stderr).toContain('hint:');
    }
  });
});
