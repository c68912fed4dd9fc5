/**
 * PostgreSQL's COPY text format: one line per row, tab-separated, \N for NULL, backslash escapes.
 * Pure text, so that the voter reader can write it on its own thread for a store that streams it
 * (see VoterBatchForm in src/app/importVoters.ts).
 */

const SPECIAL = /[\\\t\n\r]/;

/** A value as COPY text writes it: backslash, tab, LF and CR escaped. */
export function escape(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * `rows` rows of `width` values each, flat (a voter batch), as COPY text; null, undefined and ''
 * are none (empty cells are never stored as ''). One
 * native scan of the batch's joined values decides whether anything needs escaping; usually
 * nothing does, and each value is then copied as it is.
 */
export function copyRows(values: ReadonlyArray<string | null | undefined>, rows: number, width: number): string {
  const plain = !SPECIAL.test(values.join(''));
  let text = '';
  for (let base = 0, end = rows * width; base < end; base += width) {
    for (let c = 0; c < width; c++) {
      const v = values[base + c];
      text += (v === null || v === undefined || v === '' ? '\\N' : plain ? v : escape(v)) + (c === width - 1 ? '\n' : '\t');
    }
  }
  return text;
}

/** Reads COPY text back: the fields of one line (without its newline), \N as null. */
export function parseCopyLine(line: string): Array<string | null> {
  return line.split('\t').map((field) => {
    if (field === '\\N') return null;
    if (!field.includes('\\')) return field;
    return field.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  });
}
