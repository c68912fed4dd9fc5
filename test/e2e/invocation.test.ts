import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runTurnout, tempDir, type RunResult } from '../helpers/cli.js';

/**
 * The commands turnout prints (the demo's next steps, hints, help) work as printed: run through
 * npx from the clone, turnout is not on PATH, so they read `npx turnout …`; run through npx
 * from another folder, `npx --prefix CLONE turnout …`; run as an installed `turnout` (or by node),
 * `turnout …` (test/e2e/package.test.ts checks the installed case end to end).
 * Each case runs one of the printed commands through a shell, as pasted.
 */

/** PATH as a user has it: this Node first, and no turnout anywhere on it. */
const PATH = [path.dirname(process.execPath), ...(process.env.PATH ?? '').split(path.delimiter)]
  .filter((dir) => dir !== '' && !fs.existsSync(path.join(dir, 'turnout')))
  .join(path.delimiter);

function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') || key.startsWith('TURNOUT_') || key.startsWith('TWILIO_')) continue;
    env[key] = value;
  }
  return { ...env, PATH, NO_COLOR: '1' };
}

function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** The demo's "Try next:" commands, without their comments. */
function nextSteps(stderr: string): string[] {
  const lines = stderr.split('\n');
  const start = lines.indexOf('Try next:');
  expect(start, stderr).toBeGreaterThan(0);
  return lines
    .slice(start + 1)
    .filter((l) => l.startsWith('  '))
    .map((l) => l.trim().replace(/\s+# .*$/, ''));
}

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('turnout-invocation-');
});
afterAll(() => tmp.cleanup());

describe('run through npx', () => {
  it('from the clone: the demo, hints and help say npx turnout, and the printed commands run as pasted', async () => {
    const db = path.join(tmp.dir, 'clone-demo.db');
    const demo = await run('npx', ['--offline', 'turnout', '--db', db, 'demo'], ROOT);
    expect(demo.stderr).not.toMatch(/error:/);
    expect(demo.code).toBe(0);
    const steps = nextSteps(demo.stderr);
    expect(steps.length).toBeGreaterThan(5);
    for (const step of steps) expect(step).toMatch(/^(TURNOUT_NOW=\S+ )?npx turnout --db /);
    // The commands shown with each step of the tour, too.
    expect(demo.stderr).toMatch(/^\$ npx turnout status --at /m);
    expect(demo.stderr).not.toMatch(/(?<!npx )turnout --db/);

    const status = await run('sh', ['-c', steps[0]!], ROOT);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as Array<{ area: string; under_mobilized: boolean }>; // not a terminal: JSON
    expect(rows.filter((r) => r.under_mobilized).length).toBeGreaterThan(0);

    const missing = await run('npx', ['--offline', 'turnout', '--db', path.join(tmp.dir, 'none.db'), 'status'], ROOT);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('(npx turnout import voters FILE)');

    const help = await run('npx', ['--offline', 'turnout', 'remind', '--help'], ROOT);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npx turnout remind /m);
    expect(help.stdout).toMatch(/^ {2}\$ npx turnout remind /m);
    expect(help.stdout).not.toMatch(/\$ turnout /);
  });

  it('from another folder (npx --prefix CLONE turnout): the printed commands name the clone, and run from there', async () => {
    const cwd = fs.mkdtempSync(path.join(tmp.dir, 'elsewhere-'));
    const demo = await run('npx', ['--offline', '--prefix', ROOT, 'turnout', 'demo'], cwd);
    expect(demo.stderr).not.toMatch(/error:/);
    expect(demo.code).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'turnout-demo.db'))).toBe(true);
    const steps = nextSteps(demo.stderr);
    for (const step of steps) expect(step).toMatch(/^(TURNOUT_NOW=\S+ )?npx --prefix \S+ turnout --db turnout-demo\.db /);
    const checks = await run('sh', ['-c', steps.find((s) => s.includes('checks unmatched'))!], cwd);
    expect(checks.code).toBe(0);
    expect(checks.stdout.split('\n')[0]).toMatch(/voter_id|precinct/);
  });
});

describe('run as turnout (by node here; installed in package.test.ts)', () => {
  it('prints turnout …, even when whatever started it was run by npx', async () => {
    const db = path.join(tmp.dir, 'plain-demo.db');
    const demo = await runTurnout(['--db', db, 'demo'], {
      cwd: tmp.dir,
      env: { NO_COLOR: '1', npm_command: 'exec', npm_lifecycle_script: "'vitest'", npm_config_local_prefix: ROOT },
    });
    expect(demo.code).toBe(0);
    for (const step of nextSteps(demo.stderr)) expect(step).toMatch(/^(TURNOUT_NOW=\S+ )?turnout --db /);
    expect(demo.stderr).not.toContain('npx');
  });
});
