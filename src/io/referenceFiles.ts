import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { DataError } from '../core/errors.js';
import { parsePercent, parseTimeOfDay, type CurvePoint } from '../core/mobilization.js';

/**
 * The small CSV files of `turnout status`: `--targets` (area, target percent) and `--curve`
 * (time of day, expected cumulative turnout percent). Two columns, any of `,` `;` tab, UTF-8
 * (BOM or not) or Windows-1252, an optional header line.
 */
interface Line {
  line: number;
  cells: string[];
}

function readLines(file: string): Line[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    throw new DataError(`cannot read ${file}: ${(error as Error).message}`, { where: { file }, cause: error });
  }
  let text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD')) text = iconv.decode(bytes, 'windows-1252');
  text = text.replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  // On a tie, tab and semicolon win over comma: "Opéra<tab>62,5" has a decimal comma.
  const count = (d: string): number => firstLine.split(d).length;
  const delimiter = ['\t', ';', ','].reduce((best, d) => (count(d) > count(best) ? d : best));
  let records: string[][];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (error) {
    const e = error as { lines?: number; message: string };
    throw new DataError(`cannot read ${file} as CSV: ${e.message}`, { where: { file, line: e.lines }, cause: error });
  }
  // csv-parse skips empty lines, so count lines ourselves for messages: good enough for these small files.
  const lines: Line[] = [];
  let n = 0;
  const physical = text.split(/\r?\n/);
  for (const cells of records) {
    while (n < physical.length && physical[n]!.trim() === '') n++;
    lines.push({ line: n + 1, cells });
    n++;
  }
  return lines.filter((l) => l.cells.some((c) => c !== ''));
}

/** Targets per area, as fractions. */
export function readTargets(file: string): Map<string, number> {
  const lines = readLines(file);
  const targets = new Map<string, number>();
  lines.forEach(({ line, cells }, index) => {
    const value = cells[1] ?? '';
    const rate = parsePercent(value);
    if (rate === undefined) {
      if (index === 0) return; // a header line
      throw new DataError(`target "${value}" for "${cells[0]}" is not a percentage between 0 and 100`, {
        where: { file, line, column: 2 },
        hint: 'Each line is: area, target percent (e.g. Belsunce,62).',
      });
    }
    const area = cells[0] ?? '';
    if (targets.has(area)) {
      throw new DataError(`area "${area}" has two targets`, { where: { file, line, column: 1 }, hint: 'Keep one line per area.' });
    }
    targets.set(area, rate);
  });
  if (targets.size === 0) {
    throw new DataError(`${file} has no targets`, { where: { file }, hint: 'Each line is: area, target percent (e.g. Belsunce,62).' });
  }
  return targets;
}

/** Expected cumulative turnout by time of day. */
export function readCurve(file: string): CurvePoint[] {
  const lines = readLines(file);
  const points: CurvePoint[] = [];
  lines.forEach(({ line, cells }, index) => {
    const minute = parseTimeOfDay(cells[0] ?? '');
    const rate = parsePercent(cells[1] ?? '');
    if (minute === undefined || rate === undefined) {
      if (index === 0) return; // a header line
      const column = minute === undefined ? 1 : 2;
      throw new DataError(
        minute === undefined ? `"${cells[0] ?? ''}" is not a time of day` : `"${cells[1] ?? ''}" is not a percentage between 0 and 100`,
        { where: { file, line, column }, hint: 'Each line is: time of day, expected turnout percent (e.g. 12:00,18.5).' },
      );
    }
    points.push({ minute, rate });
  });
  if (points.length === 0) {
    throw new DataError(`${file} has no points`, { where: { file }, hint: 'Each line is: time of day, expected turnout percent (e.g. 12:00,18.5).' });
  }
  return points;
}
