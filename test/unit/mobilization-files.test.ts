import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { readCurve, readTargets } from '../../src/io/referenceFiles.js';
import { FIXTURES, tempDir } from '../helpers/cli.js';

const tmp = tempDir('turnout-reference-');
afterAll(() => tmp.cleanup());
const write = (name: string, content: string | Buffer) => {
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, content);
  return file;
};

describe('--targets files', () => {
  it('reads the fixture (semicolons, French header, "25 %")', () => {
    expect(readTargets(path.join(FIXTURES, 'status-targets.csv'))).toEqual(
      new Map([
        ['Le Panier', 0.35],
        ['Noailles', 0.45],
        ['Belsunce', 0.25],
      ]),
    );
  });

  it('reads Windows-1252, tabs, a BOM, CRLF, decimal commas and no header', () => {
    const latin = Buffer.from('Opéra\t62,5\r\nSaint-Lazare\t40\r\n', 'latin1');
    expect(readTargets(write('latin.tsv', latin))).toEqual(
      new Map([
        ['Opéra', 0.625],
        ['Saint-Lazare', 0.4],
      ]),
    );
    expect(readTargets(write('bom.csv', '\uFEFFarea,target\r\n"Vieux-Port, nord",50\r\n'))).toEqual(new Map([['Vieux-Port, nord', 0.5]]));
  });

  it('names the line and column of a bad value, and refuses duplicates and empty files', () => {
    const bad = write('bad.csv', 'area,target\nA,50\n\nB,150\n');
    expect(() => readTargets(bad)).toThrow(DataError);
    try {
      readTargets(bad);
    } catch (error) {
      expect((error as DataError).where).toEqual({ file: bad, line: 4, column: 2 });
    }
    expect(() => readTargets(write('dup.csv', 'A,50\nA,60\n'))).toThrow('area "A" has two targets');
    expect(() => readTargets(write('empty.csv', 'area,target\n'))).toThrow('has no targets');
  });
});

describe('--curve files', () => {
  it('reads times of day and percentages', () => {
    expect(readCurve(path.join(FIXTURES, 'status-curve.csv'))).toEqual([
      { minute: 480, rate: 0 },
      { minute: 600, rate: 0.1 },
      { minute: 720, rate: 0.2 },
      { minute: 840, rate: 0.3 },
      { minute: 1020, rate: 0.45 },
      { minute: 1140, rate: 0.55 },
    ]);
    expect(readCurve(write('fr.csv', 'heure;taux\n12h;19,5 %\n17h00;45\n'))).toEqual([
      { minute: 720, rate: 0.195 },
      { minute: 1020, rate: 0.45 },
    ]);
  });

  it('says which cell is wrong', () => {
    const file = write('bad-curve.csv', 'time,pct\n12:00,20\nlunch,30\n');
    try {
      readCurve(file);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).message).toBe('"lunch" is not a time of day');
      expect((error as DataError).where).toEqual({ file, line: 3, column: 1 });
    }
  });
});
