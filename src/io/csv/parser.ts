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
/** Beyond this many characters, an unfinished quoted record is scanned incrementally. */
const LONG_RECORD = 1 << 18;

export class CsvParser {
  private buffer = '';
  /** Line number of buffer[0]. */
  private line = 1;
  /** Resumable scan state of an incomplete quoted record at the start of the buffer. */
  private scanPos = 0;
  private scanInQuote = false;
  private scanFieldStart = true;
  private scanQuoteAt = -1;
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
      // A record with quotes. One that already spans a lot of input is first scanned to its end
      // (resumably), so that a stray quote at the top of a big file is not re-parsed at every chunk.
      if (this.scanPos > pos || n - pos > LONG_RECORD) {
        if (this.scanRecord(text, pos, final, line) === -1) break;
        this.resetScan();
      }
      const parsed = this.parseRecord(text, pos, line, final);
      if (parsed === undefined) break;
      out.push(parsed.record);
      line += parsed.lines + 1;
      pos = parsed.next;
    }
    this.buffer = pos >= n ? '' : text.slice(pos);
    if (pos > 0) {
      this.scanPos -= pos;
      if (this.scanQuoteAt >= 0) this.scanQuoteAt -= pos;
    }
    this.line = line;
    return out;
  }

  private resetScan(): void {
    this.scanPos = 0;
    this.scanInQuote = false;
    this.scanFieldStart = true;
    this.scanQuoteAt = -1;
  }

  /**
   * Index of the LF ending the record that starts at `start` (or text.length at the end of the
   * input), or -1 when more input is needed; resumes where the previous call stopped.
   */
  private scanRecord(text: string, start: number, final: boolean, line: number): number {
    let i = this.scanPos > start ? this.scanPos : start;
    let inQuote = this.scanInQuote;
    let fieldStart = i === start ? true : this.scanFieldStart;
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
        i++;
        continue;
      }
      if (c === LF) return i;
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
      if (inQuote) throw this.unterminated(text, start, quoteAt, line);
      return n;
    }
    this.scanPos = i;
    this.scanInQuote = inQuote;
    this.scanFieldStart = fieldStart;
    this.scanQuoteAt = quoteAt;
    return -1;
  }

  private unterminated(text: string, start: number, at: number, line: number): DataError {
    return new DataError('a quoted field is never closed (unterminated quote)', {
      where: { file: this.file, ...this.locate(text, start, at, line) },
      hint: 'Close the quote, or double any quote inside a quoted field (""). The field runs from here to the end of the file.',
    });
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

  /**
   * Parses the record starting at `start`; undefined when it needs more input. A quote opens a
   * quoted field only at the start of a field (RFC 4180); elsewhere it is an ordinary character.
   */
  private parseRecord(text: string, start: number, line: number, final: boolean): { record: CsvRecord; next: number; lines: number } | undefined {
    const n = text.length;
    const delim = this.delim;
    const delimiter = this.delimiter;
    const fields: string[] = [];
    let lines = 0;
    let i = start;
    let lineEnd = text.indexOf('\n', i);
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        const open = i;
        let from = i + 1;
        let value = '';
        let q: number;
        for (;;) {
          q = text.indexOf('"', from);
          if (q === -1 || (q + 1 >= n && !final)) {
            if (!final) return undefined;
            throw this.unterminated(text, start, open, line);
          }
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          break;
        }
        fields.push(value === '' ? text.slice(from, q) : value + text.slice(from, q));
        if (lineEnd !== -1 && lineEnd < q) {
          while (lineEnd !== -1 && lineEnd < q) {
            lines++;
            lineEnd = text.indexOf('\n', lineEnd + 1);
          }
        }
        i = q + 1;
        const c = text.charCodeAt(i);
        if (c === delim) {
          i++;
          continue;
        }
        if (c === LF) return { record: { fields, line }, next: i + 1, lines };
        if (c === CR && text.charCodeAt(i + 1) === LF) return { record: { fields, line }, next: i + 2, lines };
        if (i >= n || (c === CR && i + 1 >= n)) {
          if (!final) return undefined;
          return { record: { fields, line }, next: n, lines };
        }
        throw new DataError(`unexpected ${describe(text[i]!)} after a closing quote`, {
          where: { file: this.file, ...this.locate(text, start, i, line) },
          hint: 'A quoted field must end at a delimiter or the end of the line; write a quote inside a quoted field as "".',
        });
      }
      if (lineEnd === -1 && !final) return undefined;
      const stop = lineEnd === -1 ? n : lineEnd;
      const d = text.indexOf(delimiter, i);
      if (d !== -1 && d < stop) {
        fields.push(text.slice(i, d));
        i = d + 1;
        continue;
      }
      let end = stop;
      if (end > i && text.charCodeAt(end - 1) === CR) end--;
      fields.push(text.slice(i, end));
      return { record: { fields, line }, next: stop === n ? n : stop + 1, lines };
    }
  }
}

function describe(ch: string): string {
  return ch === '"' ? 'quote' : ch === ' ' ? 'space' : ch === '\t' ? 'tab' : `"${ch}"`;
}

/** Characters of the start of a file that delimiter detection reads. */
const DETECTION_SAMPLE = 64 * 1024;

/**
 * The delimiter among , ; tab | that splits the first lines most consistently (the same count on
 * most lines, then the most columns). `,` when none appears.
 */
export function detectDelimiter(sample: string): string {
  // The first 20 lines are enough: a whole first chunk (a 10,000-row check file comes in one)
  // was split into every line.
  const head = sample.length > DETECTION_SAMPLE ? sample.slice(0, DETECTION_SAMPLE) : sample;
  const lines = head.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 20);
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
