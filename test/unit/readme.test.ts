import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

const ROOT = path.join(import.meta.dirname, '../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BENCH_README_PATH = 'test/bench/README.md';
const BENCH_README = fs.readFileSync(path.join(ROOT, BENCH_README_PATH), 'utf8');

const headingsOf = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('#'));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string): string =>
  heading
    .replace(/^#+\s*/, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');

/** The sections `npm run bench -- --only` accepts, read from the bench's source. */
function benchSections(): string[] {
  const source = fs.readFileSync(path.join(ROOT, 'test/bench/bench.ts'), 'utf8');
  const list = /const SECTIONS = \[([^\]]*)\]/.exec(source);
  if (!list) throw new Error('no SECTIONS list in test/bench/bench.ts');
  return [...list[1]!.matchAll(/'([a-z]+)'/g)].map((m) => m[1]!);
}

describe('README', () => {
  it('has a section for every command and keeps its reference sections', async () => {
    const headings = headingsOf(README);
    const program = await buildProgram();
    for (const command of program.commands.map((c) => c.name())) {
      if (command === 'demo') expect(README, 'the demo').toContain('npx turnout demo');
      else expect(headings.some((h) => h.includes(`\`turnout ${command}`)), `a heading for turnout ${command}`).toBe(true);
    }
    for (const section of ['## What turnout is for', '## Set up', '## Quick start', '## Commands', '## Exit codes', '## Performance', '## Development', '## Layout']) {
      expect(headings, section).toContain(section);
    }
  });

  it("lists every command in the Commands overview, each linking to a heading that exists", async () => {
    const start = README.indexOf('## Commands\n');
    const overview = README.slice(start, README.indexOf('\n### ', start));
    const anchors = new Set(headingsOf(README).map(anchorOf));
    const program = await buildProgram();
    for (const command of program.commands.map((c) => c.name())) {
      const row = overview.split('\n').find((line) => line.startsWith('| [') && line.includes(`\`turnout ${command}`));
      expect(row, `turnout ${command} in the overview`).toBeDefined();
    }
    const links = [...overview.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThanOrEqual(program.commands.length);
    for (const link of links) expect(anchors, `#${link}`).toContain(link);
  });

  it('keeps a short performance table, one row per target, and links to the lab notes', () => {
    const start = README.indexOf('## Performance\n');
    const section = README.slice(start, README.indexOf('\n## ', start + 1));
    expect(section).toContain(`(${BENCH_README_PATH})`);
    const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---'));
    expect(rows[0]).toMatch(/^\| what \| target \| latest figure/);
    for (const target of ['import voters', 'peak memory', 'status', 'import checks', '--version', '--send', 'export voters', 'remind --channel door']) {
      expect(rows.some((row) => row.includes(target)), `a row for ${target}`).toBe(true);
    }
    // Short: the spreads and the notes live in the bench's README.
    expect(section.split('\n').length).toBeLessThan(40);
  });
});

describe('test/bench/README.md (the lab notes)', () => {
  it('keeps its sections', () => {
    const headings = headingsOf(BENCH_README);
    for (const section of ['## Running the bench', '## What is compared', '## Runs', '## Where the time goes', '## Tried and dropped']) {
      expect(headings, section).toContain(section);
    }
  });

  it('documents every bench section, with its --only name', () => {
    const sections = benchSections();
    expect(sections.length).toBeGreaterThan(0);
    const only = BENCH_README.split('\n').find((line) => line.startsWith('| `--only SECTION`'));
    expect(only, 'the --only row of the options table').toBeDefined();
    const compared = BENCH_README.slice(BENCH_README.indexOf('## What is compared'), BENCH_README.indexOf('## Runs'));
    for (const section of sections) {
      expect(only, `--only ${section}`).toContain(`\`${section}\``);
      expect(compared, `what ${section} compares`).toMatch(new RegExp(`^\\| ${section} \\|`, 'm'));
    }
  });

  it('links back to the README', () => {
    expect(BENCH_README).toContain('(../../README.md');
  });
});
