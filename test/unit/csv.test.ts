import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { CsvParser, detectDelimiter, type CsvRecord } from '../../src/io/csv/parser.js';
import { TextDecoderStream } from '../../src/io/csv/decode.js';
import { CsvTable } from '../../src/io/csv/table.js';
import { DataError } from '../../src/core/errors.js';

/** A small deterministic random generator, so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function parseInPieces(text: string, delimiter: string, pieces: number[]): CsvRecord[] {
  const parser = new CsvParser('test.csv', delimiter);
  const out: CsvRecord[] = [];
  let at = 0;
  let k = 0;
  while (at < text.length) {
    const size = pieces[k++ % pieces.length]!;
    out.push(...parser.push(text.slice(at, at + size)));
    at += size;
  }
  out.push(...parser.end());
  return out;
}

function fail(fn: () => unknown): DataError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  throw new Error('expected a DataError');
}

describe('CsvParser', () => {
  it('reads what csv-stringify writes, whatever the fields hold and however the input is cut', () => {
    const next = random(42);
    const alphabet = ['a', 'b', 'é', '€', ' ', ',', ';', '"', '\n', '\r\n', '0', '\t', '|', "'"];
    for (let round = 0; round < 200; round++) {
      const delimiter = [',', ';', '\t', '|'][round % 4]!;
      const width = 1 + Math.floor(next() * 6);
      const rows: string[][] = [];
      for (let r = 0; r < 1 + Math.floor(next() * 8); r++) {
        const row: string[] = [];
        for (let c = 0; c < width; c++) {
          let cell = '';
          for (let k = Math.floor(next() * 6); k > 0; k--) cell += alphabet[Math.floor(next() * alphabet.length)];
          row.push(cell);
        }
        if (row.every((c) => c === '') && width === 1) row[0] = 'x'; // a lone empty field is a blank line
        rows.push(row);
      }
      const text = stringify(rows, { delimiter, record_delimiter: round % 3 === 0 ? '\r\n' : '\n', quoted_match: /[\r\n]/ });
      const pieces = [1 + Math.floor(next() * 7), 1 + Math.floor(next() * 50), 1000];
      const records = parseInPieces(text, delimiter, pieces);
      expect(records.map((r) => r.fields), text).toEqual(rows);
    }
  });

  it('numbers records by the line they start on, counting line breaks inside quotes', () => {
    const records = parseInPieces('id,note\n1,"two\nlines"\n\n2,plain\r\n3,"x"\n', ',', [3]);
    expect(records).toEqual([
      { fields: ['id', 'note'], line: 1 },
      { fields: ['1', 'two\nlines'], line: 2 },
      { fields: ['2', 'plain'], line: 5 },
      { fields: ['3', 'x'], line: 6 },
    ]);
  });

  it('keeps a quote in the middle of an unquoted field as it is', () => {
    expect(parseInPieces('a,12" pipe,b\n', ',', [100]).map((r) => r.fields)).toEqual([['a', '12" pipe', 'b']]);
  });

  it('reads a last line without a line break, and empty trailing fields', () => {
    expect(parseInPieces('a,b,\n"c",,', ',', [2]).map((r) => r.fields)).toEqual([
      ['a', 'b', ''],
      ['c', '', ''],
    ]);
  });

  it('fails on an unterminated quote at the opening quote, even in a long file', () => {
    const text = `id,name\n1,ok\n2,"never closed\n${'3,x\n'.repeat(100_000)}`;
    const error = fail(() => parseInPieces(text, ',', [65_536]));
    expect(error.message).toContain('unterminated quote');
    expect(error.where).toEqual({ file: 'test.csv', line: 3, column: 3 });
  });

  it('fails on text after a closing quote, with its line and column', () => {
    const error = fail(() => parseInPieces('a,b\n1,"x"y\n', ',', [100]));
    expect(error.message).toBe('unexpected "y" after a closing quote');
    expect(error.where).toEqual({ file: 'test.csv', line: 2, column: 6 });
  });
});

describe('detectDelimiter', () => {
  it('finds the delimiter that splits the lines consistently', () => {
    expect(detectDelimiter('a,b,c\n1,2,3\n')).toBe(',');
    expect(detectDelimiter('Nom;Prénom;Adresse\nDupont;Jean;"3, rue X"\nMartin;Léa;rue Y\n')).toBe(';');
    expect(detectDelimiter('a\tb\n1\t2\n')).toBe('\t');
    expect(detectDelimiter('a|b|c\n1|2,5|3\n')).toBe('|');
    expect(detectDelimiter('single\nvalue\n')).toBe(',');
  });

  it('reads only the start of a big sample, past any blank lines', () => {
    const rows = 'Nom;Prénom;Bureau\n' + 'Dupont, fils;Jean;0101\n'.repeat(20_000);
    expect(detectDelimiter('\n'.repeat(100) + rows)).toBe(';');
    expect(detectDelimiter(rows + 'a,b,c,d,e\n'.repeat(20_000))).toBe(';');
  });
});

describe('TextDecoderStream', () => {
  const decode = (chunks: Uint8Array[], choice = 'auto'): { text: string; encoding: string } => {
    const decoder = new TextDecoderStream('f.csv', choice);
    let text = '';
    for (const c of chunks) text += decoder.write(c);
    text += decoder.end();
    return { text, encoding: decoder.encoding };
  };
  const cut = (buf: Buffer, size: number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
    return out;
  };

  it('reads UTF-8 with a BOM, with characters cut between chunks', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('prénom,€\nZoé,5 €\n')]);
    for (const size of [1, 2, 3, 5, 100]) expect(decode(cut(bytes, size))).toEqual({ text: 'prénom,€\nZoé,5 €\n', encoding: 'utf-8' });
  });

  it('keeps a character cut between chunks when the caller reuses its buffer for the next chunk', () => {
    const text = `id,nom\n${'1,Barthélémy\n'.repeat(50)}2,Zoé €\n`;
    const bytes = Buffer.from(text);
    for (const size of [7, 13, 64]) {
      for (const choice of ['auto', 'utf-8']) {
        const decoder = new TextDecoderStream('f.csv', choice);
        const reused = Buffer.alloc(size);
        let out = '';
        for (let i = 0; i < bytes.length; i += size) {
          const n = bytes.copy(reused, 0, i, i + size);
          out += decoder.write(reused.subarray(0, n));
          reused.fill(0x41); // what the next read would overwrite
        }
        out += decoder.end();
        expect(out).toBe(text);
      }
    }
  });

  it('detects Windows-1252 and decodes 0x80 as the euro sign', () => {
    const bytes = iconv.encode('Prénom;Prix\r\nZoé;5 €\r\n', 'win1252');
    expect(bytes.includes(0x80)).toBe(true);
    for (const size of [1, 4, 100]) expect(decode(cut(bytes, size))).toEqual({ text: 'Prénom;Prix\r\nZoé;5 €\r\n', encoding: 'windows-1252' });
  });

  it('switches to Windows-1252 when the first non-ASCII bytes come late', () => {
    const bytes = Buffer.concat([Buffer.from('a\n'.repeat(1000)), iconv.encode('Noël\n', 'win1252')]);
    expect(decode(cut(bytes, 256)).text).toBe(`${'a\n'.repeat(1000)}Noël\n`);
  });

  it('fails with the line and a hint when a UTF-8 file turns invalid', () => {
    const bytes = Buffer.concat([Buffer.from('Zoé\nok\n'), Buffer.from([0x4e, 0x6f, 0xeb, 0x6c, 0x0a])]);
    const error = fail(() => decode(cut(bytes, 4)));
    expect(error.where).toEqual({ file: 'f.csv', line: 3 });
    expect(error.hint).toContain('--encoding windows-1252');
    // Lines counted while the file was still plain ASCII count too.
    const later = Buffer.concat([Buffer.from('a\n'.repeat(10)), bytes]);
    for (const size of [3, 4]) expect(fail(() => decode(cut(later, size))).where, `chunks of ${size}`).toEqual({ file: 'f.csv', line: 13 });
  });

  it('honours an explicit encoding', () => {
    expect(decode([Buffer.from([0x80, 0xe9])], 'latin1').text).toBe('\u0080é');
    expect(decode([Buffer.from([0x80, 0xe9])], 'windows-1252').text).toBe('€é');
  });
});

describe('CsvTable', () => {
  const read = (text: string): { header: string[] | undefined; rows: string[][] } => {
    const table = new CsvTable('t.csv', { encoding: 'auto' });
    const rows = [...table.push(Buffer.from(text)), ...table.end()].map((r) => r.fields);
    return { header: table.header?.names, rows };
  };

  it('names empty and repeated headers', () => {
    expect(read('id,,Note,note\n1,2,3,4\n').header).toEqual(['id', 'column 2', 'Note', 'note (2)']);
  });

  it('fails on a row with the wrong number of fields, pointing at the surplus field', () => {
    const error = fail(() => read('id,city\nA1,Lyon\nA2,Lyon, France\n'));
    expect(error.message).toBe('this row has 3 fields but the header has 2');
    expect(error.where).toEqual({ file: 't.csv', line: 3, column: 9 });
  });

  it('fails on an empty file and on a header without rows', () => {
    expect(fail(() => read('')).message).toBe('the file is empty');
    expect(fail(() => read('\r\n\r\n')).message).toBe('the file is empty');
    const headerOnly = fail(() => read('id,name\r\n'));
    expect(headerOnly.message).toBe('the file has a header line but no rows');
    expect(headerOnly.where).toEqual({ file: 't.csv', line: 2 });
  });
});
