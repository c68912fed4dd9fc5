import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir, type RunResult } from '../helpers/cli.js';

/**
 * Installed the way users get CLIs: `npm pack`, then `npm install -g` of that tarball into a
 * temporary prefix, from the npm cache (no compile step: better-sqlite3 ships prebuilt
 * binaries; no build step: the tarball carries dist/), then `turnout --help` and `turnout demo`
 * from that prefix, with any network access failing.
 *
 * The tarball is packed from this clone's dist/, which `npm test` builds first (so the pack
 * skips `prepare`). npm resolves the pinned dependencies from its cache (--prefer-offline: on a
 * cold cache it fetches their metadata once from the registry; turnout itself never goes online).
 */

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const NO_NETWORK = { HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9' };

let tmp: { dir: string; cleanup: () => void };
let prefix: string;
let bin: string;
let userPath: string;
let packed: { filename: string; size: number; files: Array<{ path: string }> };
let install: RunResult;

/** The environment of a user's shell: no npm_* or TURNOUT_* variables from the test run. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') || key.startsWith('TURNOUT_') || key.startsWith('TWILIO_')) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

beforeAll(async () => {
  tmp = tempDir('turnout-package-');
  prefix = path.join(tmp.dir, 'prefix');
  bin = path.join(prefix, 'bin');
  // This Node first (npm and turnout run on it), the prefix's bin as an installed CLI would be, no other turnout.
  userPath = [bin, path.dirname(process.execPath), ...(process.env.PATH ?? '').split(path.delimiter)]
    .filter((dir, i) => dir !== '' && (i === 0 || !fs.existsSync(path.join(dir, 'turnout'))))
    .join(path.delimiter);
  const npmEnv = cleanEnv({ PATH: userPath, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' });

  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], ROOT, npmEnv);
  expect(pack.code, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as Array<typeof packed>)[0]!;
  install = await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', path.join(tmp.dir, packed.filename)], tmp.dir, npmEnv);
}, 180_000);
afterAll(() => tmp.cleanup());

describe('the npm package', () => {
  it('ships the built code, the executable, the demo city and the field server\'s pages only: no sources, tests, maps or other fixtures', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toContain('bin/turnout.js');
    expect(files).toContain('dist/src/cli/main.js');
    expect(files).toContain('package.json');
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures/demo/demo.json'), 'utf8')) as { voters: { file: string }; areas: { file: string }; contacts: { file: string }; checks: Array<{ file: string }> };
    const demoFiles = ['demo.json', manifest.voters.file, manifest.areas.file, manifest.contacts.file, ...manifest.checks.map((c) => c.file)].map((f) => `fixtures/demo/${f}`);
    for (const f of demoFiles) expect(files).toContain(f);
    // The pages `turnout serve` sends as they are (plain HTML, CSS and JS: no build step).
    const pages = fs
      .readdirSync(path.join(ROOT, 'src/web/public'), { recursive: true, encoding: 'utf8' })
      .filter((f) => fs.statSync(path.join(ROOT, 'src/web/public', f)).isFile())
      .map((f) => `src/web/public/${f.replace(/\\/g, '/')}`);
    expect(pages.length).toBeGreaterThan(0);
    for (const f of pages) expect(files).toContain(f);
    const unexpected = files.filter(
      (f) => !(f.startsWith('dist/src/') && f.endsWith('.js')) && !demoFiles.includes(f) && !pages.includes(f) && !['bin/turnout.js', 'package.json', 'README.md'].includes(f),
    );
    expect(unexpected).toEqual([]);
    // Every source's compiled module.
    const sources = fs
      .readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')) // declarations compile to nothing
      .map((f) => `dist/src/${f.replace(/\\/g, '/').replace(/\.ts$/, '.js')}`);
    expect(sources.length).toBeGreaterThan(50);
    for (const f of sources) expect(files).toContain(f);
    expect(packed.size).toBeLessThan(1_000_000);
  });

  it('installs with npm install -g from the tarball: no compile step, no build step', () => {
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout + install.stderr).not.toMatch(/gyp info|gyp ERR|node-gyp rebuild|error TS|> tsc/);
    const installed = path.join(prefix, 'lib', 'node_modules', pkg.name);
    expect(fs.existsSync(path.join(installed, 'dist/src/cli/main.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'tsconfig.json'))).toBe(false);
    // better-sqlite3 13 loads its prebuilt binary; nothing was compiled into build/.
    expect(fs.existsSync(path.join(installed, 'node_modules/better-sqlite3/build'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'node_modules/typescript'))).toBe(false);
    expect(fs.existsSync(path.join(bin, 'turnout'))).toBe(true);
  });

  it('turnout --help and --version work from the prefix, and speak of turnout …', async () => {
    const env = cleanEnv({ PATH: userPath, NO_COLOR: '1', ...NO_NETWORK });
    const help = await run(path.join(bin, 'turnout'), ['--help'], tmp.dir, env);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: turnout \[options\] \[command\]/);
    expect(help.stdout).toContain('$ turnout demo');
    expect(help.stdout).not.toContain('npx');
    const version = await run(path.join(bin, 'turnout'), ['--version'], tmp.dir, env);
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('turnout demo builds the demo city offline in the current folder, and the commands it prints work as printed', async () => {
    const cwd = fs.mkdtempSync(path.join(tmp.dir, 'campaign-'));
    const env = cleanEnv({ PATH: userPath, NO_COLOR: '1', ...NO_NETWORK });
    const demo = await run(path.join(bin, 'turnout'), ['demo'], cwd, env);
    expect(demo.stderr).not.toMatch(/error:/);
    expect(demo.code).toBe(0);
    expect(fs.statSync(path.join(cwd, 'turnout-demo.db')).mode & 0o777).toBe(0o600);
    expect(demo.stdout.split('\n').filter((l) => /\bLOW\s*$/.test(l)).length).toBeGreaterThan(0);
    const lines = demo.stderr.split('\n');
    const steps = lines.slice(lines.indexOf('Try next:') + 1).filter((l) => l.startsWith('  ')).map((l) => l.trim().replace(/\s+# .*$/, ''));
    expect(steps.length).toBeGreaterThan(5);
    for (const step of steps) expect(step).toMatch(/^(TURNOUT_NOW=\S+ )?turnout --db turnout-demo\.db /);
    const walk = steps.find((s) => s.includes('--channel door'))!;
    const pasted = await run('sh', ['-c', walk], cwd, env);
    expect(pasted.stderr).not.toMatch(/error:/);
    expect(pasted.code).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'walk-list.csv'), 'utf8').split('\n')[0]).toMatch(/^precinct,street,side,street_number,id/);
  });
});
