import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDemo, DEMO_MARKER, demoClock, parseDemoManifest, planDemo, type DemoImports } from '../../src/app/demo.js';
import { silentReporter } from '../../src/app/ports.js';
import { DataError, RuntimeError } from '../../src/core/errors.js';
import { FIXTURES } from '../helpers/cli.js';

const manifestFile = path.join(FIXTURES, 'demo', 'demo.json');
const manifest = parseDemoManifest(fs.readFileSync(manifestFile, 'utf8'), manifestFile);

describe('the demo manifest', () => {
  it('describes the shipped files, and every file it names exists', () => {
    expect(manifest.timeZone).toBe('Europe/Paris');
    for (const file of [manifest.voters.file, ...manifest.checks.map((c) => c.file)]) {
      expect(fs.existsSync(path.join(FIXTURES, 'demo', file)), file).toBe(true);
    }
  });

  it('is refused, with the file named, when broken or incomplete', () => {
    expect(() => parseDemoManifest('{', 'demo.json')).toThrow(DataError);
    const incomplete = JSON.stringify({ ...manifest, checks: [{ file: 'x.csv' }] });
    try {
      parseDemoManifest(incomplete, 'demo.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).where?.file).toBe('demo.json');
    }
  });

  it("fixes the demo's clock at mid-afternoon on election day", () => {
    expect(demoClock(manifest).now().toISOString()).toBe('2026-03-15T14:30:00.000Z');
  });
});

describe('planDemo', () => {
  it('builds when nothing is there, keeps or rebuilds a demo database, never touches anything else', () => {
    expect(planDemo({ kind: 'absent' }, false, 'd.db')).toBe('build');
    expect(planDemo({ kind: 'absent' }, true, 'd.db')).toBe('build');
    expect(planDemo({ kind: 'demo', name: 'x' }, false, 'd.db')).toBe('keep');
    expect(planDemo({ kind: 'demo', name: 'x' }, true, 'd.db')).toBe('rebuild');
    for (const force of [false, true]) {
      expect(() => planDemo({ kind: 'other', reason: 'it has no demo marker' }, force, 'campaign.db')).toThrow(RuntimeError);
      expect(() => planDemo({ kind: 'other', reason: 'it has no demo marker' }, force, 'campaign.db')).toThrow(/campaign\.db is not a demo database/);
    }
  });
});

describe('buildDemo', () => {
  it('records the settings and the demo marker, then imports the list, the areas, the contacts and each check file with its options', async () => {
    const settings = new Map<string, string>();
    const calls: string[] = [];
    const imports: DemoImports = {
      voters(file, options) {
        calls.push(`voters ${path.basename(file)} ${options.region}`);
        return { read: 10, inserted: 10, updated: 0, rejected: 0, phonesInvalid: 1 };
      },
      areas(file) {
        calls.push(`areas ${path.basename(file)}`);
        return { precincts: 3, areas: 2, votersMoved: 10 };
      },
      contacts(file) {
        calls.push(`contacts ${path.basename(file)}`);
        return { read: 9, matched: 8, ambiguous: 0, unmatched: 1, votersUpdated: 8 };
      },
      checks(file, options) {
        calls.push(`checks ${path.basename(file)} ${options.source} ${options.at ?? '-'}`);
        return { read: 4, newlyChecked: 3, alreadyChecked: 1, unmatched: calls.length === 4 ? 2 : 0 };
      },
    };
    const report = await buildDemo(manifest, {
      settings: { all: () => Object.fromEntries(settings), set: (k, v) => void settings.set(k, v), remove: (k) => void settings.delete(k) },
      imports,
      reporter: silentReporter,
      resolve: (file) => path.join('/somewhere', file),
    });
    expect(Object.fromEntries(settings)).toEqual({ region: 'FR', timezone: 'Europe/Paris', name: manifest.name, footer: manifest.footer, [DEMO_MARKER]: manifest.name });
    expect(calls).toEqual([
      `voters ${manifest.voters.file} FR`,
      `areas ${manifest.areas!.file}`,
      `contacts ${manifest.contacts!.file}`,
      ...manifest.checks.map((c) => `checks ${c.file} ${c.source} ${c.at ?? '-'}`),
    ]);
    expect(report.voted).toBe(3 * manifest.checks.length);
    expect(report.unmatched).toBe(2);
    expect(report.checks.map((c) => c.file)).toEqual(manifest.checks.map((c) => c.file));
    expect(report.contacts).toMatchObject({ file: manifest.contacts!.file, matched: 8, unmatched: 1 });
    expect(report.areas).toMatchObject({ file: manifest.areas!.file, areas: 2 });
  });
});
