import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

let cleanup: (() => void) | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.drop();
  database = undefined;
  cleanup?.();
});

describe.each(await testBackends())('voter data on disk, on $name', (backend) => {
  it('writes --out files 0600 even over an existing file that others could read', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    database = await backend.create(tmp.dir);
    const db = database.args;
    const imported = await runTurnout([...db, 'import', 'voters', path.join(FIXTURES, 'import-voters-fr-cp1252.csv'), '--region', 'FR']);
    expect(imported.code).toBe(0);
    const out = path.join(tmp.dir, 'export.csv');
    fs.writeFileSync(out, 'stale\n');
    fs.chmodSync(out, 0o644);
    const exported = await runTurnout([...db, 'export', 'voters', '--format', 'csv', '--out', out]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('');
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(out, 'utf8');
    expect(text.startsWith('id,')).toBe(true);
    expect(text).not.toContain('stale');
  });
});

describe('voter data on disk', () => {

  // SQLite only: it is about the file. (On PostgreSQL such a dry run writes no voter, but still creates the schema's empty tables.)
  it('writes no database file for a dry run against a database that does not exist', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const db = path.join(tmp.dir, 'never.db');
    const result = await runTurnout(['--db', db, 'import', 'voters', path.join(FIXTURES, 'import-voters-fr-cp1252.csv'), '--region', 'FR', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('dry run, nothing written');
    expect(result.stderr).toMatch(/inserted\s+\d+/);
    expect(fs.readdirSync(tmp.dir)).toEqual([]);
  });
});
