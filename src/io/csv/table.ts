/**
 * A CSV table read incrementally: bytes in, header and rows out, with the dialect (delimiter,
 * encoding) detected from the start of the file unless given. Fails with file:line:column on a
 * broken file: empty, header only, a row with the wrong number of fields, an unterminated quote.
 */
import { DataError, UsageError } from '../../core/errors.js';
import { CsvParser, detectDelimiter, type CsvRecord } from './parser.js';
import { TextDecoderStream, type EncodingChoice } from './decode.js';

export interface CsvOptions {
  /** One character; undefined: detected among , ; tab |. */
  delimiter?: string;
  encoding: EncodingChoice;
}

export interface CsvHeader {
  /** Header cells as written (trimmed); empty ones become "column N", repeated ones get " (2)". */
  names: string[];
  delimiter: string;
  encoding: string;
  line: number;
}

const SAMPLE = 64 * 1024;

export function checkDelimiter(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };
  const d = named[input.toLowerCase()] ?? input;
  if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
    throw new UsageError(`--delimiter must be one character, not "${input}"`, { hint: 'Use , ; | or tab (--delimiter tab).' });
  }
  return d;
}

export class CsvTable {
  private readonly decoder: TextDecoderStream;
  private parser: CsvParser | undefined;
  private pending = '';
  private rowCount = 0;
  header: CsvHeader | undefined;

  constructor(
    readonly file: string,
    private readonly options: CsvOptions,
  ) {
    this.decoder = new TextDecoderStream(file, options.encoding);
  }

  /** Feeds bytes; returns the data rows they complete (the header is kept in `header`). */
  push(bytes: Uint8Array): CsvRecord[] {
    const text = this.decoder.write(bytes);
    if (!this.parser) {
      this.pending += text;
      if (this.pending.length < SAMPLE) return [];
      return this.start(false);
    }
    return this.accept(this.parser.push(text));
  }

  /** Ends the input; returns the last rows. Fails when the file has no header or no rows. */
  end(): CsvRecord[] {
    const tail = this.decoder.end();
    let rows: CsvRecord[];
    if (!this.parser) {
      this.pending += tail;
      rows = this.start(true);
    } else {
      rows = this.accept([...this.parser.push(tail), ...this.parser.end()]);
    }
    if (!this.header) {
      throw new DataError('the file is empty', { where: { file: this.file }, hint: 'Check that you picked the right file; a voter file starts with a line of column headers.' });
    }
    if (this.rowCount === 0) {
      throw new DataError('the file has a header line but no rows', {
        where: { file: this.file, line: this.header.line + 1 },
        hint: 'Check that the export finished; nothing was imported.',
      });
    }
    return rows;
  }

  private start(final: boolean): CsvRecord[] {
    const delimiter = this.options.delimiter ?? detectDelimiter(this.pending);
    this.parser = new CsvParser(this.file, delimiter);
    const text = this.pending;
    this.pending = '';
    const records = this.parser.push(text);
    if (final) records.push(...this.parser.end());
    return this.accept(records, delimiter);
  }

  private accept(records: CsvRecord[], delimiter?: string): CsvRecord[] {
    let from = 0;
    if (!this.header && records.length > 0) {
      const first = records[0]!;
      from = 1;
      this.header = {
        names: headerNames(first.fields),
        delimiter: delimiter ?? ',',
        encoding: this.decoder.encoding,
        line: first.line,
      };
    }
    const width = this.header?.names.length ?? 0;
    for (let i = from; i < records.length; i++) {
      const record = records[i]!;
      if (record.fields.length !== width) throw this.widthError(record, width);
    }
    this.rowCount += records.length - from;
    return from === 0 ? records : records.slice(from);
  }

  private widthError(record: CsvRecord, width: number): DataError {
    const got = record.fields.length;
    // Column where the first surplus field starts, or the end of the line when fields are missing.
    const upto = got > width ? width : got;
    let column = 1;
    for (let i = 0; i < upto; i++) column += record.fields[i]!.length + 1;
    if (got < width) column -= 1;
    const d = this.header!.delimiter === '\t' ? 'tab' : `"${this.header!.delimiter}"`;
    return new DataError(`this row has ${got} fields but the header has ${width}`, {
      where: { file: this.file, line: record.line, column },
      hint:
        got > width
          ? `A value probably contains the delimiter ${d}: put that value in double quotes, or give the right --delimiter.`
          : `Add the missing fields (empty ones are fine: two delimiters in a row), or check the --delimiter (${d} was used).`,
    });
  }
}

function headerNames(cells: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((cell, i) => {
    let name = cell.trim();
    if (name === '') name = `column ${i + 1}`;
    const count = (seen.get(name.toLowerCase()) ?? 0) + 1;
    seen.set(name.toLowerCase(), count);
    return count === 1 ? name : `${name} (${count})`;
  });
}
