/**
 * The voter batches of the SQLite import in SQLite's binary JSON (src/core/jsonbRows.ts), read
 * back by SQLite itself: the bytes must be JSONB that SQLite takes as it is (jsonb_each of a BLOB),
 * and every value must come out of `value ->> '$[g][i]'` exactly as the reader had it.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { JSONB_GROUP, JsonbBatch, jsonbPath } from '../../src/core/jsonbRows.js';
import { jsonbRows } from '../helpers/voterRows.js';

const db = new Database(':memory:');
afterAll(() => db.close());

/** The batch as SQLite reads it: its JSON text, and each row's values through the store's paths. */
function readBack(bytes: Uint8Array, width: number): { json: string; rows: Array<Array<string | null>> } {
  const json = (db.prepare('SELECT json(?) AS j').get(bytes) as { j: string }).j;
  const columns = Array.from({ length: width }, (_, i) => `value ->> '${jsonbPath(i)}'`).join(', ');
  const rows = db.prepare(`SELECT ${columns} FROM jsonb_each(?)`).raw().all(bytes) as Array<Array<string | null>>;
  return { json, rows };
}

const grouped = (row: Array<string | null>): Array<Array<string | null>> =>
  Array.from({ length: Math.ceil(row.length / JSONB_GROUP) }, (_, g) => row.slice(g * JSONB_GROUP, (g + 1) * JSONB_GROUP));

describe('jsonbRows', () => {
  it('writes every kind of text so that SQLite reads it back exactly, and empty cells as null', () => {
    const rows: Array<Array<string | null>> = [
      ['V1', 'André', "N'Diaye", '06 13 55 21 85', '', null, 'Œuvre “quoted” \\ back\\slash'],
      ['V2', 'Zoë 👩🏽‍⚕️', 'tab\there\nnewline\r', '"{}[],:', '\u0000nul', 'é'.repeat(11), 'x'.repeat(12)],
      ['V3', 'ß'.repeat(40_000), 'a', 'b', 'c', 'd', 'ﬀ'],
    ];
    const bytes = jsonbRows(rows.flat(), rows.length, 7);
    const back = readBack(bytes, 7);
    const expected = rows.map((r) => r.map((v) => (v === '' ? null : v)));
    expect(back.rows).toEqual(expected);
    expect(back.json).toBe(JSON.stringify(expected.map(grouped)));
  });

  it('writes an unpaired surrogate as U+FFFD, as TextEncoder does', () => {
    const rows = [['V1', 'a\ud800b', '\udc00', 'end\ud83d']];
    const back = readBack(jsonbRows(rows.flat(), 1, 4), 4);
    expect(back.rows).toEqual([['V1', 'a\ufffdb', '\ufffd', 'end\ufffd']]);
    expect(back.rows[0]!.map((v) => new TextDecoder().decode(new TextEncoder().encode(v!)))).toEqual(back.rows[0]);
  });

  it('keeps each batch apart from the next: its bytes are its own, though the reader reuses its buffer', () => {
    const batch = new JsonbBatch();
    const columns = [0, 1];
    batch.add(['V1', 'first batch, longer than the second'], columns);
    batch.add(['V2', 'x'.repeat(40_000)], columns); // past the buffer's first size: it grows
    const first = batch.take();
    batch.add(['V3', 'short'], columns);
    const second = batch.take();
    expect(readBack(first, 2).rows).toEqual([
      ['V1', 'first batch, longer than the second'],
      ['V2', 'x'.repeat(40_000)],
    ]);
    expect(readBack(second, 2).rows).toEqual([['V3', 'short']]);
    // What crosses to the writing thread is the batch alone, not the buffer behind it.
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(first.byteLength);
  });

  it('reads a full-width voter row of 27 columns, as an REU export has, and an empty batch', () => {
    const row = Array.from({ length: 27 }, (_, i) => (i % 5 === 4 ? null : `value ${i}`));
    expect(readBack(jsonbRows([...row, ...row], 2, 27), 27).rows).toEqual([row, row]);
    expect(readBack(jsonbRows([], 0, 27), 27)).toEqual({ json: '[]', rows: [] });
  });
});
