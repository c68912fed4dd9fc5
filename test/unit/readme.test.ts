import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

const README = fs.readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');

describe('README', () => {
  it('has a section for every command and keeps its reference sections', async () => {
    const headings = README.split('\n').filter((line) => line.startsWith('#'));
    const program = await buildProgram();
    for (const command of program.commands.map((c) => c.name())) {
      if (command === 'demo') expect(README, 'the demo').toContain('npx turnout demo');
      else expect(headings.some((h) => h.includes(`\`turnout ${command}`)), `a heading for turnout ${command}`).toBe(true);
    }
    for (const section of ['## Quick start', '## Commands', '## Exit codes', '## Performance', '## Layout']) {
      expect(headings, section).toContain(section);
    }
  });
});
