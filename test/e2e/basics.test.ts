import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import type { Command } from 'commander';
import { runTurnout, tempDir } from '../helpers/cli.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** Every command path, groups (`import`, `checks`) and the program itself included. */
function allCommands(command: Command, prefix: string[] = []): string[][] {
  const paths: string[][] = [prefix];
  for (const sub of command.commands) paths.push(...allCommands(sub, [...prefix, sub.name()]));
  return paths;
}

describe('the CLI shell', () => {
  it('prints its version on stdout and exits 0', async () => {
    const result = await runTurnout(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(result.stderr).toBe('');
  });

  it('gives every command a --help with at least one example', async () => {
    const commands = allCommands(await buildProgram());
    expect(commands.length).toBeGreaterThan(15);
    for (const command of commands) {
      const result = await runTurnout([...command, '--help']);
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout, command.join(' ')).toMatch(/Examples:\n {2}\$ turnout /);
    }
  });

  it('reads TURNOUT_NOW only as an instant with its offset', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const ambiguous = await runTurnout(['--db', path.join(tmp.dir, 'x.db'), 'init'], { env: { TURNOUT_NOW: '2026-03-15 20:30' } });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('TURNOUT_NOW must be an ISO time with its offset');
    const fine = await runTurnout(['--db', path.join(tmp.dir, 'x.db'), 'init'], { env: { TURNOUT_NOW: '2026-03-15T20:30:00+01:00' } });
    expect(fine.code).toBe(0);
  });

  it('rejects an unknown command with exit code 2 and says so on stderr', async () => {
    const result = await runTurnout(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });
});

describe('turnout init', () => {
  it('creates the database with mode 0600 and records the settings', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const db = path.join(tmp.dir, 'election.db');
    const result = await runTurnout(['--db', db, 'init', '--region', 'fr', '--timezone', 'Europe/Paris', '--name', 'Test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Europe/Paris');
    expect(fs.statSync(db).mode & 0o777).toBe(0o600);
    const rows = new Database(db, { readonly: true }).prepare('SELECT key, value FROM settings ORDER BY key').all();
    expect(rows).toEqual([
      { key: 'name', value: 'Test' },
      { key: 'region', value: 'FR' },
      { key: 'timezone', value: 'Europe/Paris' },
    ]);
  });

  it('takes the database path from TURNOUT_DB', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const db = path.join(tmp.dir, 'from-env.db');
    const result = await runTurnout(['init', '--timezone', 'UTC'], { env: { TURNOUT_DB: db } });
    expect(result.code).toBe(0);
    expect(fs.existsSync(db)).toBe(true);
  });

  it('refuses an unknown region with exit 2, a hint, and no stack trace', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const result = await runTurnout(['--db', path.join(tmp.dir, 'x.db'), 'init', '--region', 'ZZ']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown phone region "ZZ"');
    expect(result.stderr).toContain('hint:');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // The same check for import voters --region, before anything is read or written.
    const voters = path.join(tmp.dir, 'voters.csv');
    fs.writeFileSync(voters, 'id,phone\nV1,06 12 34 56 78\n');
    const imported = await runTurnout(['--db', path.join(tmp.dir, 'y.db'), 'import', 'voters', voters, '--region', 'ZZ']);
    expect(imported.code).toBe(2);
    expect(imported.stderr).toContain('unknown phone region "ZZ"');
    expect(fs.existsSync(path.join(tmp.dir, 'y.db')), 'no database created').toBe(false);
  });

  it('closes an existing database that others could read back to mode 0600', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const db = path.join(tmp.dir, 'copied.db');
    expect((await runTurnout(['--db', db, 'init', '--timezone', 'UTC'])).code).toBe(0);
    fs.chmodSync(db, 0o644);
    expect((await runTurnout(['--db', db, 'init', '--name', 'again'])).code).toBe(0);
    expect(fs.statSync(db).mode & 0o777).toBe(0o600);
  });

  it('is quiet with --quiet', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const result = await runTurnout(['--quiet', '--db', path.join(tmp.dir, 'q.db'), 'init', '--timezone', 'UTC']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
