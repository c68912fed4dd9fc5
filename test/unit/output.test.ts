import { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { csvField, csvRecord, jsonObjectWriter, writeRows, writeValues, type Cell } from '../../src/cli/output.js';

/** A small deterministic random generator, so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// The characters that matter to CSV and JSON, and some that do not.
const ALPHABET = ['a', 'Z', '0', ' ', ',', ';', '"', "'", '\n', '\r', '\t', '\\', '\u0000', '\u001f', 'é', 'Ç', '€', '😀', '\ud83d', '\ude00', '=', '-', '+'];

function randomCell(next: () => number): Cell {
  const kind = Math.floor(next() * 8);
  if (kind === 0) return null;
  if (kind === 1) return undefined;
  if (kind === 2) return next() < 0.5;
  if (kind === 3) return [0, -0, 1, -7, 13.5, 59.09, 0.1 + 0.2, 1e21, -1e-7, NaN, Infinity][Math.floor(next() * 11)]!;
  if (kind === 4) return '';
  let text = '';
  const length = Math.floor(next() * 6);
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return text;
}

function randomRows(seed: number, count: number, width: number): Cell[][] {
  const next = random(seed);
  return Array.from({ length: count }, () => Array.from({ length: width }, () => randomCell(next)));
}

describe('csvField and csvRecord', () => {
  it('quote only a quote, a comma, CR or LF, doubling quotes (RFC 4180)', () => {
    expect(csvRecord(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r', '', null, undefined, true, false, 13, 59.09])).toBe(
      'plain,"a,b","say ""hi""","two\nlines","cr\r",,,,true,false,13,59.09\n',
    );
    expect(csvField(';tab\t\'é')).toBe(';tab\t\'é');
  });

  it('write the same bytes as csv-stringify with its defaults, on random values', () => {
    // What turnout wrote before: csv-stringify, booleans as true/false, null and undefined empty.
    const before = (values: Cell[]): string =>
      stringify([values.map((v) => (v === null || v === undefined ? '' : typeof v === 'boolean' ? String(v) : v))]);
    for (const row of randomRows(1, 5000, 7)) expect(csvRecord(row)).toBe(before(row));
  });

  it('round-trip through a CSV parser', () => {
    // Text only (the parser reads strings back), and well-formed: a lone surrogate cannot survive UTF-8 anyway.
    const rows = randomRows(2, 2000, 5).map((row) => row.map((v) => (typeof v === 'string' ? v.toWellFormed() : '')));
    const text = rows.map((row) => csvRecord(row)).join('');
    expect(parse(text, { relax_column_count: false })).toEqual(rows);
  });
});

describe('jsonObjectWriter', () => {
  it('writes what JSON.stringify writes for an object of those keys, on random values', () => {
    const columns = ['id', 'first name', 'quote"key', 'back\\slash', 'Âge', '__proto__', 'n'];
    const write = jsonObjectWriter(columns);
    for (const row of randomRows(3, 5000, columns.length)) {
      const object: Record<string, Cell> = {};
      columns.forEach((c, i) => Object.defineProperty(object, c, { value: row[i] ?? null, enumerable: true }));
      expect(write(row)).toBe(JSON.stringify(object));
      expect(JSON.parse(write(row))).toEqual(JSON.parse(JSON.stringify(object)));
    }
  });

  it('writes {} without columns', () => {
    expect(jsonObjectWriter([])([])).toBe('{}');
  });
});

/** A stdout that takes a while for each write and says when its buffer is over 1 KB. */
function slowStdout(): { stream: Writable; text: () => string; maxBuffered: () => number } {
  const chunks: Buffer[] = [];
  let maxBuffered = 0;
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      setImmediate(done);
    },
  });
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string, ...rest: never[]) => {
    const result = write(chunk, ...rest);
    maxBuffered = Math.max(maxBuffered, stream.writableLength);
    return result;
  }) as typeof stream.write;
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), maxBuffered: () => maxBuffered };
}

function contextWith(stdout: Writable): CliContext {
  return { stdout } as unknown as CliContext;
}

describe('writeValues', () => {
  const columns = ['id', 'name', 'voted'];
  const rows = (count: number): Cell[][] => Array.from({ length: count }, (_, i) => [`V${i}`, i % 3 === 0 ? 'Dupont, "Jo"' : `Nom ${i}`, i % 2 === 0]);

  it('waits for a slow reader: the stream never holds more than a chunk beyond its own limit', async () => {
    const out = slowStdout();
    const count = await writeValues(contextWith(out.stream), rows(50_000), columns, { format: 'csv' });
    expect(count).toBe(50_000);
    const text = out.text();
    expect(text.length).toBeGreaterThan(900_000);
    expect(out.maxBuffered()).toBeLessThan(40_000);
    const parsed = parse(text) as string[][];
    expect(parsed).toHaveLength(50_001);
    expect(parsed[0]).toEqual(columns);
    expect(parsed[4]).toEqual(['V3', 'Dupont, "Jo"', 'false']);
  });

  it('writes JSON and NDJSON equal to the rows, from a synchronous or an asynchronous source', async () => {
    const expected = rows(3000).map(([id, name, voted]) => ({ id, name, voted }));
    const json = slowStdout();
    expect(await writeValues(contextWith(json.stream), rows(3000), columns, { format: 'json' })).toBe(3000);
    expect(JSON.parse(json.text())).toEqual(expected);
    const ndjson = slowStdout();
    async function* source(): AsyncGenerator<Cell[]> {
      for (const row of rows(3000)) yield row;
    }
    expect(await writeValues(contextWith(ndjson.stream), source(), columns, { format: 'ndjson' })).toBe(3000);
    expect(ndjson.text().trimEnd().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(expected);
  });

  it('writes an empty JSON array and a bare CSV header for no rows', async () => {
    const json = slowStdout();
    await writeValues(contextWith(json.stream), [], columns, { format: 'json' });
    expect(json.text()).toBe('[]\n');
    const csv = slowStdout();
    await writeValues(contextWith(csv.stream), [], columns, { format: 'csv' });
    expect(csv.text()).toBe('id,name,voted\n');
  });

  it('is what writeRows writes for the same rows as objects', async () => {
    for (const format of ['csv', 'json', 'ndjson'] as const) {
      const values = slowStdout();
      const objects = slowStdout();
      await writeValues(contextWith(values.stream), rows(500), columns, { format });
      await writeRows(contextWith(objects.stream), rows(500).map(([id, name, voted]) => ({ id, name, voted })), columns, { format });
      expect(values.text()).toBe(objects.text());
    }
  });
});
