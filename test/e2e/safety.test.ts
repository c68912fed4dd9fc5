import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('voter data on disk', () => {
  it('writes --out files 0600 even over an existing file that others could read', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const db = path.join(tmp.dir, 'e.db');
    const imported = await runTurnout(['--db', db, 'import', 'voters', path.join(FIXTURES, 'import-voters-fr-cp1252.csv'), '--region', 'FR']);
    expect(imported.code).toBe(0);
    const out = path.join(tmp.dir, 'export.csv');
    fs.writeFileSync(out, 'stale\n');
    fs.chmodSync(out, 0o644);
    const exported = await runTurnout(['--db', db, 'export', 'voters', '--format', 'csv', '--out', out]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('');
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(out, 'utf8');
    expect(text.startsWith('id,')).toBe(true);
    expect(text).not.toContain('stale');
  });

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
