/**
 * A streaming CSV parser (RFC 4180 plus what spreadsheets write: CRLF or LF, quoted fields with
 * delimiters, doubled quotes and line breaks inside).
 *
 * Why not csv-parse: on a million-row voter file it alone took longer than the whole import
 * budget (issue 2 measures against sqlite3's .import). This parser splits the common lines (no
 * quote) with String#split, which runs in native code, and walks character by character only the
 * lines that contain a quote. Errors carry file, line and column like csv-parse's do.
 */
import { DataError } from '../../core/errors.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line on which the record starts. */
  line: number;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvParser {
  private buffer = '';
  /** Line number of buffer[0]. */
  private line = 1;
  /** Resumable scan state of an incomplete quoted record at the start of the buffer. */
  private scanPos = 0;
  private scanInQuote = false;
  private scanFieldStart = true;
  private scanQuoteAt = -1;
  private scanLines = 0;
  private readonly delim: number;

  constructor(
    private readonly file: string,
    private readonly delimiter: string,
  ) {
    this.delim = delimiter.charCodeAt(0);
  }

  /** Feeds text; returns the records completed by it. */
  push(text: string): CsvRecord[] {
    this.buffer = this.buffer.length === 0 ? text : this.buffer + text;
    return this.drain(false);
  }

  /** Ends the input; returns the last record. Fails on an unterminated quote. */
  end(): CsvRecord[] {
    return this.drain(true);
  }

  private drain(final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    const text = this.buffer;
    const delimiter = this.delimiter;
    let pos = 0;
    let line = this.line;
    let nextQuote = text.indexOf('"', pos);
    const n = text.length;
    while (pos < n) {
      let nl = text.indexOf('\n', pos);
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
      if (nextQuote === -1 || (nl !== -1 && nextQuote > nl)) {
        // Fast path: a line with no quote.
        if (nl === -1) {
          if (!final) break;
          nl = n;
        }
        let end = nl;
        if (end > pos && text.charCodeAt(end - 1) === CR) end--;
        if (end > pos) out.push({ fields: text.slice(pos, end).split(delimiter), line });
        line++;
        pos = nl + 1;
        continue;
      }
      // A record with quotes: find where it ends (resuming an earlier scan of the same record).
      const recordEnd = this.scanRecord(text, pos, final, line);
      if (recordEnd === -1) break;
      const record = this.parseQuoted(text, pos, recordEnd, line);
      out.push(record);
      line += this.scanLines + 1;
      this.resetScan();
      pos = recordEnd + 1;
    }
    this.buffer = pos >= n ? '' : text.slice(pos);
    if (pos > 0) {
      this.scanPos -= pos;
      if (this.scanQuoteAt >= 0) this.scanQuoteAt -= pos;
    }
    this.line = line;
    if (final && this.buffer !== '') throw new DataError('internal: CSV input left over');
    return out;
  }

  private resetScan(): void {
    this.scanPos = 0;
    this.scanInQuote = false;
    this.scanFieldStart = true;
    this.scanQuoteAt = -1;
    this.scanLines = 0;
  }

  /**
   * Index of the LF ending the record that starts at `start` (or text.length at the end of the
   * input), or -1 when more input is needed. Quotes open a quoted field only at the start of a
   * field, as in RFC 4180; elsewhere they are ordinary characters.
   */
  private scanRecord(text: string, start: number, final: boolean, line: number): number {
    let i = this.scanPos > start ? this.scanPos : start;
    let inQuote = this.scanInQuote;
    let fieldStart = i === start ? true : this.scanFieldStart;
    let lines = this.scanLines;
    let quoteAt = this.scanQuoteAt;
    const n = text.length;
    const delim = this.delim;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (inQuote) {
        if (c === QUOTE) {
          if (i + 1 >= n && !final) break; // is it "" or the closing quote? need the next character
          if (text.charCodeAt(i + 1) === QUOTE) i += 2;
          else {
            inQuote = false;
            i++;
          }
          continue;
        }
        if (c === LF) lines++;
        i++;
        continue;
      }
      if (c === LF) {
        this.scanLines = lines;
        return i;
      }
      if (c === QUOTE && fieldStart) {
        inQuote = true;
        quoteAt = i;
        fieldStart = false;
      } else {
        fieldStart = c === delim;
      }
      i++;
    }
    if (final) {
      if (inQuote) {
        const where = this.locate(text, start, quoteAt, line);
        throw new DataError('a quoted field is never closed (unterminated quote)', {
          where: { file: this.file, ...where },
          hint: 'Close the quote, or double any quote inside a quoted field (""). The field runs from here to the end of the file.',
        });
      }
      this.scanLines = lines;
      return n;
    }
    this.scanPos = i;
    this.scanInQuote = inQuote;
    this.scanFieldStart = fieldStart;
    this.scanLines = lines;
    this.scanQuoteAt = quoteAt;
    return -1;
  }

  private locate(text: string, start: number, at: number, line: number): { line: number; column: number } {
    let l = line;
    let lineStart = start;
    for (let i = start; i < at; i++) {
      if (text.charCodeAt(i) === LF) {
        l++;
        lineStart = i + 1;
      }
    }
    return { line: l, column: at - lineStart + 1 };
  }

  /** Parses the complete record text[start, end) (end at its LF or the end of input). */
  private parseQuoted(text: string, start: number, end: number, line: number): CsvRecord {
    const fields: string[] = [];
    const delim = this.delim;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === CR) stop--;
    let i = start;
    for (;;) {
      if (i < stop && text.charCodeAt(i) === QUOTE) {
        let value = '';
        let from = i + 1;
        let j = from;
        for (;;) {
          const q = text.indexOf('"', j);
          // scanRecord guarantees the closing quote exists before `end`.
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            j = q + 2;
            from = j;
            continue;
          }
          value += text.slice(from, q);
          i = q + 1;
          break;
        }
        fields.push(value);
        if (i >= stop) break;
        const c = text.charCodeAt(i);
        if (c === delim) {
          i++;
          if (i === stop) {
            fields.push('');
            break;
          }
          continue;
        }
        if (c === CR && i + 1 === end) break;
        throw new DataError(`unexpected ${describe(text[i]!)} after a closing quote`, {
          where: { file: this.file, ...this.locate(text, start, i, line) },
          hint: 'A quoted field must end at a delimiter or the end of the line; write a quote inside a quoted field as "".',
        });
      }
      let next = i;
      while (next < stop && text.charCodeAt(next) !== delim) next++;
      fields.push(text.slice(i, next));
      if (next >= stop) break;
      i = next + 1;
      if (i === stop) {
        fields.push('');
        break;
      }
    }
    return { fields, line };
  }
}

function describe(ch: string): string {
  return ch === '"' ? 'quote' : ch === ' ' ? 'space' : ch === '\t' ? 'tab' : `"${ch}"`;
}

/**
 * The delimiter among , ; tab | that splits the first lines most consistently (the same count on
 * most lines, then the most columns). `,` when none appears.
 */
export function detectDelimiter(sample: string): string {
  const lines = sample.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 20);
  if (lines.length > 1) lines.pop(); // the last line of a sample may be cut short
  let best = ',';
  let bestScore = 0;
  for (const d of [',', ';', '\t', '|']) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const head = counts[0] ?? 0;
    if (head === 0) continue;
    const consistent = counts.filter((c) => c === head).length;
    const score = consistent * 10_000 + head;
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

function countOutsideQuotes(line: string, d: string): number {
  let count = 0;
  let inQuote = false;
  for (const ch of line) {
    if (ch === '"') inQuote = !inQuote;
    else if (ch === d && !inQuote) count++;
  }
  return count;
}
