import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from '../helpers/cli.js';

/**
 * turnout needs Node.js 22 or later (better-sqlite3 13 crashes on older ones): on an older Node
 * it says so in one line and exits 2, before loading anything. Checked with a real old Node
 * when this machine has one (build machines ship Node 20 as /usr/bin/node), and on any machine
 * with the running Node made to report an older version.
 */

const REQUIRED = 22;

/** A Node.js older than 22 on this machine: TURNOUT_TEST_OLD_NODE, /usr/bin/node, or any `node` on PATH. */
function findOldNode(): { file: string; version: string } | undefined {
  const candidates = [
    process.env.TURNOUT_TEST_OLD_NODE,
    '/usr/bin/node',
    '/usr/local/bin/node',
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'node')),
  ].filter((file): file is string => file !== undefined && file !== '');
  for (const file of new Set(candidates)) {
    if (!fs.existsSync(file)) continue;
    const probe = spawnSync(file, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 });
    const version = probe.stdout?.trim() ?? '';
    if (probe.status === 0 && Number(version.split('.')[0]) < REQUIRED) return { file, version };
  }
  return undefined;
}

function expectRefusal(result: ReturnType<typeof spawnSync>, version: string): void {
  const stderr = String(result.stderr);
  expect(result.status).toBe(2);
  expect(result.signal).toBeNull();
  expect(String(result.stdout)).toBe('');
  // One line, naming the version needed and the one running; no stack trace, no crash report.
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^error: turnout needs Node\.js 22 or later/);
  expect(stderr).toContain(`this is Node.js ${version}`);
  expect(stderr).not.toMatch(/\n\s+at |Error:|Assertion|SyntaxError/);
}

const tmp = tempDir('turnout-node-version-');
afterAll(() => tmp.cleanup());

const old = findOldNode();

describe.skipIf(old === undefined)(`on a real Node.js older than ${REQUIRED}${old ? ` (${old.file}, v${old.version})` : ''}`, () => {
  it('refuses every command with one clear line and exit 2, and creates no database', () => {
    const cwd = fs.mkdtempSync(path.join(tmp.dir, 'old-'));
    for (const args of [['--version'], ['--help'], ['demo'], ['--db', path.join(cwd, 'x.db'), 'init', '--timezone', 'UTC']]) {
      const result = spawnSync(old!.file, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
      expectRefusal(result, old!.version);
    }
    expect(fs.readdirSync(cwd)).toEqual([]);
  });
});

if (old === undefined) {
  it.skip(`real old Node.js: none older than ${REQUIRED} on this machine (set TURNOUT_TEST_OLD_NODE=/path/to/node to test with one)`, () => {});
}

describe('with the running Node.js reporting another version (preloaded before bin/turnout.js)', () => {
  const harness = path.join(tmp.dir, 'fake-version.mjs');
  fs.writeFileSync(harness, "Object.defineProperty(process.versions, 'node', { value: process.env.FAKE_NODE_VERSION, configurable: true });\n");
  const run = (version: string, args: string[]) =>
    spawnSync(process.execPath, ['--import', harness, BIN, ...args], {
      cwd: tmp.dir,
      encoding: 'utf8',
      env: { ...process.env, FAKE_NODE_VERSION: version },
      timeout: 30_000,
    });

  it.each(['21.7.3', '20.17.0', '18.20.4', '8.0.0'])('refuses Node.js %s with exit 2 and one line', (version) => {
    expectRefusal(run(version, ['demo']), version);
  });

  it.each(['22.0.0', '24.21.0', '26.0.0'])('runs on Node.js %s', (version) => {
    const result = run(version, ['--version']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
