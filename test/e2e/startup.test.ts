import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, tempDir } from '../helpers/cli.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** The modules `turnout ARGS` resolves, as URLs. */
function loadedBy(args: string[]): string[] {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  const trace = path.join(tmp.dir, 'imports.txt');
  fs.writeFileSync(trace, '');
  const result = spawnSync(process.execPath, ['--import', path.join(ROOT, 'test/helpers/trace-imports.mjs'), BIN, ...args], {
    env: { ...process.env, TRACE_IMPORTS_FILE: trace },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

const HEAVY = ['better-sqlite3', 'twilio', '@inquirer', '/ora/', 'csv-stringify', 'csv-parse', 'libphonenumber-js', 'iconv-lite'];

describe('startup', () => {
  it('loads no database driver, Twilio client, prompt, spinner or parser for --version and --help', () => {
    for (const args of [['--version'], ['--help'], ['remind', '--help']]) {
      const urls = loadedBy(args);
      expect(urls.some((u) => u.includes('/dist/src/cli/program.js')), 'the trace works').toBe(true);
      expect(urls.filter((u) => HEAVY.some((h) => u.includes(`node_modules/${h.replace(/^\//, '')}`) || u.includes(h) && u.includes('node_modules'))), args.join(' ')).toEqual([]);
    }
  });

  it('does load the database driver when a command needs it (the trace sees lazy imports)', () => {
    const tmp = tempDir();
    const urls = loadedBy(['--db', path.join(tmp.dir, 'x.db'), 'init', '--timezone', 'UTC']);
    tmp.cleanup();
    expect(urls.some((u) => u.includes('better-sqlite3'))).toBe(true);
  });

  it('loads iconv-lite when a check file is not UTF-8 (seen through require as well as import)', () => {
    const tmp = tempDir();
    const db = path.join(tmp.dir, 'night.db');
    const checks = path.join(tmp.dir, 'pointages.csv');
    // "N° électeur" in Windows-1252: 0xB0 and 0xE9 are not UTF-8.
    fs.writeFileSync(checks, Buffer.from('N\xb0 \xe9lecteur;heure\nV1;09:00\n', 'latin1'));
    try {
      loadedBy(['--db', db, 'init', '--timezone', 'Europe/Paris']);
      const urls = loadedBy(['--db', db, 'import', 'checks', checks]);
      expect(urls.some((u) => u.includes('node_modules/iconv-lite/'))).toBe(true);
    } finally {
      tmp.cleanup();
    }
  });

  it('loads neither libphonenumber-js, csv-stringify, iconv-lite (for a UTF-8 file) nor (off a terminal) chalk for status --format json and import checks (run every few minutes on election night)', () => {
    const tmp = tempDir();
    const db = path.join(tmp.dir, 'night.db');
    const checks = path.join(tmp.dir, 'checks.csv');
    fs.writeFileSync(checks, 'voter_id,checked_at\nV1,2026-03-15T09:00:00Z\n');
    try {
      loadedBy(['--db', db, 'init', '--timezone', 'Europe/Paris', '--region', 'FR']);
      for (const args of [['status', '--format', 'json'], ['import', 'checks', checks]]) {
        const urls = loadedBy(['--db', db, ...args]);
        expect(urls.some((u) => u.includes('better-sqlite3')), 'the trace works').toBe(true);
        const heavy = ['node_modules/libphonenumber-js', 'node_modules/csv-stringify', 'node_modules/chalk', 'node_modules/iconv-lite'];
        expect(urls.filter((u) => heavy.some((h) => u.includes(h))), args.join(' ')).toEqual([]);
      }
    } finally {
      tmp.cleanup();
    }
  });
});
