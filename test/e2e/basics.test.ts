import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import type { Command } from 'commander';
import { runTurnout, tempDir } from '../helpers/cli.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function leafCommands(command: Command, prefix: string[] = []): string[][] {
  const paths: string[][] = [];
  for (const sub of command.commands) {
    const here = [...prefix, sub.name()];
    if (sub.commands.length === 0) paths.push(here);
    else paths.push(...leafCommands(sub, here));
  }
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
    const commands = leafCommands(buildProgram());
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const result = await runTurnout([...command, '--help']);
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout, command.join(' ')).toMatch(/Examples:\n {2}\$ turnout /);
    }
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
  });

  it('is quiet with --quiet', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const result = await runTurnout(['--quiet', '--db', path.join(tmp.dir, 'q.db'), 'init', '--timezone', 'UTC']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
