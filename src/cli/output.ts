import fs from 'node:fs';
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import type { CliContext } from './context.js';
import { youngGenerationCap } from './heap.js';

export const FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
export type Format = (typeof FORMATS)[number];

export interface OutputOptions {
  format?: Format;
  out?: string;
}

/**
 * The one set of output options for every command that prints rows:
 * `--format table|csv|json|ndjson` and `--out FILE`. `table` is for people and is the default
 * on a terminal when the command has one; pipes get `fallback`.
 */
export function addOutputOptions(command: Command, withTable = true): Command {
  const choices = withTable ? [...FORMATS] : FORMATS.filter((f) => f !== 'table');
  return command
    .addOption(new Option('--format <format>', 'output format').choices(choices))
    .addOption(new Option('-o, --out <file>', 'write the rows to FILE instead of stdout'));
}

export function chooseFormat(ctx: CliContext, options: OutputOptions, fallback: Exclude<Format, 'table'>, withTable = true): Format {
  if (options.format) return options.format;
  return withTable && ctx.stdoutIsTTY && !options.out ? 'table' : fallback;
}

export type Cell = string | number | boolean | null | undefined;
export type Row = Record<string, Cell>;

/**
 * A text sink on stdout or a file (created 0600: rows may be voter data). Text is gathered into
 * chunks and written a chunk at a time, waiting for the stream to drain when it asks to, so
 * memory stays flat whatever the reader's speed.
 */
export class RowSink {
  private buffer = '';
  private constructor(private readonly stream: NodeJS.WritableStream, private readonly ownsStream: boolean) {}

  static open(ctx: CliContext, out: string | undefined): RowSink {
    if (!out || out === '-') return new RowSink(ctx.stdout, false);
    // `mode` only applies to a new file: tighten an existing one too before any row is written.
    const fd = fs.openSync(out, 'w', 0o600);
    fs.fchmodSync(fd, 0o600);
    // A high-water mark above the chunk size: the next chunk is built while the last one is written.
    return new RowSink(fs.createWriteStream(out, { fd, highWaterMark: 4 * CHUNK }), true);
  }

  /** Adds text; true when a chunk is ready, and the caller should `await flush()` before adding more. */
  add(text: string): boolean {
    this.buffer += text;
    return this.buffer.length >= CHUNK;
  }

  async write(text: string): Promise<void> {
    if (this.add(text)) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /**
   * Writes what is left and waits until the stream has handed everything to the system: a pipe
   * that is full keeps the rest queued in the process, and the exit that follows the command
   * would drop it (seen as a truncated `remind | sha256sum`, 1 run in 10, with 16 KB chunks).
   */
  async close(): Promise<void> {
    const rest = this.buffer;
    this.buffer = '';
    if (this.ownsStream) {
      const done = once(this.stream, 'finish');
      this.stream.end(rest);
      await done;
    } else {
      // The callback of the last write runs once it, and so everything before it, is written (or failed: EPIPE is main's).
      await new Promise<void>((resolve) => this.stream.write(rest, () => resolve()));
    }
  }
}

/**
 * UTF-16 units per chunk written, about 16 KB of mostly ASCII data. Measured on the export of 1M
 * voters (140 MB of CSV): 8–16 K chars ran as fast as 256 K–1 M (2.5–2.9 s) with a peak of
 * 97–113 MB instead of 222–225 MB, since a big chunk keeps every row string in it alive until it
 * is written, long enough for the garbage collector to move them to the old generation.
 */
const CHUNK = 16 * 1024;

/** Characters that make a CSV field need quotes (RFC 4180): a quote, the comma, a line break. */
const CSV_SPECIAL = /[",\r\n]/;

/**
 * One CSV field, RFC 4180: quoted only when it holds a quote, a comma, CR or LF, with its quotes
 * doubled; null and undefined are empty, booleans `true` / `false`, numbers as JavaScript prints
 * them. Byte for byte what csv-stringify writes with its defaults (a unit test compares them).
 */
export function csvField(value: Cell): string {
  if (typeof value === 'string') return CSV_SPECIAL.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  if (value === null || value === undefined) return '';
  return String(value);
}

/** A CSV record and its line feed. */
export function csvRecord(values: readonly Cell[]): string {
  let line = csvField(values[0]);
  for (let i = 1; i < values.length; i++) line += `,${csvField(values[i])}`;
  return `${line}\n`;
}

/** Strings JSON.stringify changes: quotes, backslashes, control characters, surrogates (lone ones are escaped). */
const JSON_SPECIAL = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonValue(value: Cell): string {
  if (typeof value === 'string') return JSON_SPECIAL.test(value) ? JSON.stringify(value) : `"${value}"`;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value) ?? 'null';
}

/**
 * Builds JSON objects of the given keys from arrays of values, one string per row: the same text
 * as `JSON.stringify` of an object with those keys in that order (undefined written as null),
 * without building the object.
 */
export function jsonObjectWriter(columns: readonly string[]): (values: readonly Cell[]) => string {
  const keys = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`);
  if (keys.length === 0) return () => '{}';
  return (values) => {
    let text = '';
    for (let i = 0; i < keys.length; i++) text += keys[i]! + jsonValue(values[i]);
    return `${text}}`;
  };
}

/** Rows as objects turned into arrays of the columns' values. */
function valuesOf(rows: Iterable<Row> | AsyncIterable<Row>, columns: readonly string[]): Iterable<Cell[]> | AsyncIterable<Cell[]> {
  if (Symbol.iterator in rows) {
    return (function* () {
      for (const row of rows) yield columns.map((c) => row[c]);
    })();
  }
  return (async function* () {
    for await (const row of rows) yield columns.map((c) => row[c]);
  })();
}

/**
 * Writes rows in the chosen format. Rows stream (JSON arrays included) so that exports of
 * millions of voters never sit in memory, except `table`, which needs widths.
 */
export async function writeRows(
  ctx: CliContext,
  rows: Iterable<Row> | AsyncIterable<Row>,
  columns: readonly string[],
  options: { format: Format; out?: string; table?: TableStyle },
): Promise<number> {
  if (options.format !== 'table') return writeValues(ctx, valuesOf(rows, columns), columns, { format: options.format, ...(options.out === undefined ? {} : { out: options.out }) });
  const sink = RowSink.open(ctx, options.out);
  try {
    const all: Row[] = [];
    for await (const row of rows) all.push(row);
    await sink.write(renderTable(all, columns, options.table ?? {}, ctx));
    return all.length;
  } finally {
    await sink.close();
  }
}

/**
 * Writes rows given as arrays of values in `columns` order, as CSV, JSON or NDJSON: the fast
 * path for big outputs (exports). A synchronous source is read without a pause per row; the
 * only waits are for the output to drain.
 */
export async function writeValues(
  ctx: CliContext,
  rows: Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>,
  columns: readonly string[],
  options: { format: Exclude<Format, 'table'>; out?: string },
): Promise<number> {
  const sink = RowSink.open(ctx, options.out);
  const object = jsonObjectWriter(columns);
  // CSV: a header and a line per row; NDJSON: a line per row; JSON: an array, one row a line.
  const line =
    options.format === 'csv'
      ? csvRecord
      : options.format === 'ndjson'
        ? (values: readonly Cell[]): string => `${object(values)}\n`
        : (values: readonly Cell[]): string => `${count === 0 ? '\n' : ',\n'}${object(values)}`;
  let count = 0;
  // Flat memory however many rows: the nursery may grow to 16 MB, no further (heap.ts).
  const capNursery = youngGenerationCap(16);
  try {
    if (options.format === 'csv') sink.add(csvRecord(columns));
    else if (options.format === 'json') sink.add('[');
    if (Symbol.iterator in rows) {
      for (const values of rows) {
        const full = sink.add(line(values));
        count++;
        if ((count & 4095) === 0) capNursery();
        if (full) await sink.flush();
      }
    } else {
      for await (const values of rows) {
        const full = sink.add(line(values));
        count++;
        if ((count & 4095) === 0) capNursery();
        if (full) await sink.flush();
      }
    }
    if (options.format === 'json') sink.add(count === 0 ? ']\n' : '\n]\n');
  } finally {
    await sink.close();
  }
  return count;
}

export interface TableStyle {
  /** Colours a whole row (e.g. flagged areas in red); receives the text, returns it styled. */
  rowStyle?: (row: Row, text: string) => string;
  /** Formats a cell for display; default String(). */
  cell?: (column: string, value: Cell, row: Row) => string;
  /** Column headers shown instead of the field names. */
  headers?: Partial<Record<string, string>>;
  /** Alignment per column; default: right for columns whose values are all numbers, left otherwise. */
  align?: Partial<Record<string, 'left' | 'right'>>;
}

const ANSI = /\u001b\[[0-9;]*m/g;
function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** An aligned text table; numbers right-aligned. */
export function renderTable(rows: Row[], columns: readonly string[], style: TableStyle, ctx: CliContext): string {
  const show = (c: string, v: Cell, r: Row): string => (style.cell ? style.cell(c, v, r) : v === null || v === undefined ? '' : String(v));
  const headers = columns.map((c) => style.headers?.[c] ?? c);
  const cells = rows.map((r) => columns.map((c) => show(c, r[c], r)));
  const widths = columns.map((_, i) => Math.max(visibleWidth(headers[i]!), ...cells.map((line) => visibleWidth(line[i]!))));
  const numeric = columns.map((c) =>
    style.align?.[c] !== undefined
      ? style.align[c] === 'right'
      : rows.length > 0 && rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'),
  );
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, widths[i]! - visibleWidth(text)));
    return numeric[i] ? fill + text : text + fill;
  };
  const lines = [ctx.out.bold(headers.map(pad).join('  ').trimEnd())];
  rows.forEach((row, index) => {
    const text = cells[index]!.map(pad).join('  ').trimEnd();
    lines.push(style.rowStyle ? style.rowStyle(row, text) : text);
  });
  return `${lines.join('\n')}\n`;
}
