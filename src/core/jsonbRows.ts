/**
 * A voter batch in SQLite's binary JSON, JSONB (https://sqlite.org/jsonb.html, a stable format
 * since SQLite 3.45), for a store that unpacks it in SQL with `jsonb_each` (src/store/voters.ts).
 * Written on the reading thread, so that the writing thread, the import's bottleneck, binds bytes
 * that SQLite reads as they are: a JSON text had to be converted to UTF-8 and parsed into JSONB
 * there first.
 *
 * The batch is an array of rows; each row is an array of groups of GROUP values, so that SQLite
 * finds a row's value at `$[g][i]` by stepping over g groups and i values, where in a flat row of
 * 14 values it stepped over 91 values to read them all. Each value is text (TEXTRAW: any text, as
 * it is) or null.
 */

/** Values per group of a row (see jsonbPath). */
export const JSONB_GROUP = 4;

/** Where `value` of a row of the batch (a jsonb_each row) holds its `column`th value. */
export function jsonbPath(column: number): string {
  return `$[${Math.floor(column / JSONB_GROUP)}][${column % JSONB_GROUP}]`;
}

// Element types and header forms of JSONB (SQLite's doc/jsonb.md): the low four bits of the first
// byte are the type; 13 in the high four bits means a 2-byte payload size follows, 14 a 4-byte one
// (big-endian). "The header for an element does not need to be in its simplest form" (section 3.1),
// so each element's is reserved before its payload is written. SQLite calls JSONB internal but
// promises it "portable and backwards compatible for all future versions", like its file format;
// test/integration/jsonb-rows.test.ts reads these bytes back through the SQLite that
// better-sqlite3 bundles, so an upgrade that read them otherwise would fail there.
const NULL = 0x00;
const TEXTRAW = 0x0a;
const ARRAY = 0x0b;
const SIZE_16 = 0xd0;
const SIZE_32 = 0xe0;

/**
 * A batch written row by row as the reader prepares them (`add`), then taken whole (`take`): the
 * reading thread no longer gathers each value into a flat list first (on 1M voters of 14 columns,
 * 0.19 s of that thread's time, the import's bottleneck once the writer got bytes).
 */
export class JsonbBatch {
  /**
   * Where batches are written, reused from one to the next; each batch leaves as a copy of its own
   * size. A buffer of the worst case's size per batch (3 to 4 times the batch) took the import of
   * 1M voters from 153 to 212 MB at its peak: what crossed to the writing thread held it all.
   */
  private out = new Uint8Array(64 * 1024);
  private pos = 5;

  /**
   * One row: `row[columns[c]]` for each c, a number as its decimal text, null, undefined and ''
   * as none (null), as in copyRows.
   */
  add(row: ReadonlyArray<string | number | null | undefined>, columns: readonly number[]): void {
    const width = columns.length;
    const groups = Math.ceil(width / JSONB_GROUP);
    // Room for the worst case: every header 5 bytes, 3 bytes per UTF-16 unit.
    let room = 5 + groups * 5;
    for (let c = 0; c < width; c++) {
      const v = row[columns[c]!];
      room += 5 + (typeof v === 'string' ? 3 * v.length : 24);
    }
    if (this.pos + room > this.out.length) {
      const bigger = new Uint8Array(Math.max(this.pos + room, 2 * this.out.length));
      bigger.set(this.out.subarray(0, this.pos));
      this.out = bigger;
    }
    const out = this.out;
    let pos = this.pos;
    const rowAt = pos;
    pos += 5;
    for (let g = 0; g < groups; g++) {
      const groupAt = pos;
      pos += 5;
      for (let c = g * JSONB_GROUP, end = Math.min(width, c + JSONB_GROUP); c < end; c++) {
        const value = row[columns[c]!];
        if (value === undefined || value === null || value === '') {
          out[pos++] = NULL;
          continue;
        }
        const v = typeof value === 'number' ? String(value) : value;
        const wide = v.length * 3 > 0xffff;
        const at = pos;
        const payloadAt = at + (wide ? 5 : 3);
        pos = utf8Into(v, out, payloadAt);
        header(out, at, TEXTRAW, pos - payloadAt, wide);
      }
      header(out, groupAt, ARRAY, pos - groupAt - 5, true);
    }
    header(out, rowAt, ARRAY, pos - rowAt - 5, true);
    this.pos = pos;
  }

  /** The rows added since the last take, as one JSONB array in bytes of their own; starts the next batch. */
  take(): Uint8Array {
    header(this.out, 0, ARRAY, this.pos - 5, true);
    const bytes = this.out.slice(0, this.pos);
    this.pos = 5;
    return bytes;
  }
}

function header(out: Uint8Array, at: number, type: number, size: number, wide: boolean): void {
  if (wide) {
    out[at] = SIZE_32 | type;
    out[at + 1] = size >>> 24;
    out[at + 2] = (size >>> 16) & 0xff;
    out[at + 3] = (size >>> 8) & 0xff;
    out[at + 4] = size & 0xff;
  } else {
    out[at] = SIZE_16 | type;
    out[at + 1] = size >>> 8;
    out[at + 2] = size & 0xff;
  }
}

/**
 * `text` as UTF-8 into `out` from `pos`; returns the position after it. An unpaired surrogate
 * becomes U+FFFD, as TextEncoder writes it. By hand: TextEncoder.encodeInto, called per value,
 * cost more than the whole encoding of a batch of mostly ASCII names.
 */
function utf8Into(text: string, out: Uint8Array, pos: number): number {
  for (let i = 0, n = text.length; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[pos++] = 0xf0 | (c >> 18);
          out[pos++] = 0x80 | ((c >> 12) & 0x3f);
          out[pos++] = 0x80 | ((c >> 6) & 0x3f);
          out[pos++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}
