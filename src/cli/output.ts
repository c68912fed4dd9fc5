import fs from 'node:fs';
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import type { CliContext } from './context.js';

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

/** A text sink that respects back-pressure, on stdout or a file (created 0600: rows may be voter data). */
export class RowSink {
  private buffer = '';
  private constructor(private readonly stream: NodeJS.WritableStream, private readonly ownsStream: boolean) {}

  static open(ctx: CliContext, out: string | undefined): RowSink {
    if (!out || out === '-') return new RowSink(ctx.stdout, false);
    // `mode` only applies to a new file: tighten an existing one too before any row is written.
    const fd = fs.openSync(out, 'w', 0o600);
    fs.fchmodSync(fd, 0o600);
    return new RowSink(fs.createWriteStream(out, { fd }), true);
  }

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= 65_536) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.ownsStream) {
      const done = once(this.stream, 'finish');
      this.stream.end();
      await done;
    }
  }
}

type Stringify = typeof import('csv-stringify/sync').stringify;

function csvLine(stringify: Stringify, values: Cell[]): string {
  return stringify([values.map((v) => (v === null || v === undefined ? '' : typeof v === 'boolean' ? String(v) : v))]);
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
  const sink = RowSink.open(ctx, options.out);
  let count = 0;
  try {
    switch (options.format) {
      case 'csv': {
        // Loaded here, not at startup: `turnout --version` and commands that print no CSV skip it.
        const { stringify } = await import('csv-stringify/sync');
        await sink.write(csvLine(stringify, [...columns]));
        for await (const row of rows) {
          await sink.write(csvLine(stringify, columns.map((c) => row[c])));
          count++;
        }
        break;
      }
      case 'ndjson':
        for await (const row of rows) {
          await sink.write(`${JSON.stringify(pick(row, columns))}\n`);
          count++;
        }
        break;
      case 'json':
        await sink.write('[');
        for await (const row of rows) {
          await sink.write(`${count === 0 ? '\n' : ',\n'}${JSON.stringify(pick(row, columns))}`);
          count++;
        }
        await sink.write(count === 0 ? ']\n' : '\n]\n');
        break;
      case 'table': {
        const all: Row[] = [];
        for await (const row of rows) all.push(row);
        count = all.length;
        await sink.write(renderTable(all, columns, options.table ?? {}, ctx));
        break;
      }
    }
  } finally {
    await sink.close();
  }
  return count;
}

function pick(row: Row, columns: readonly string[]): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const c of columns) out[c] = row[c] ?? null;
  return out;
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
