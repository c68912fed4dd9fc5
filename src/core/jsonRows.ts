/**
 * A voter batch as one JSON text, `[[v, v, …], [v, v, …], …]`, for a store that unpacks it in
 * SQL (SQLite's `jsonb_each`: see src/store/voters.ts). Pure text, so that the voter reader can
 * write it on its own thread and the writing thread binds one string per batch instead of every
 * value (see VoterBatchForm in src/app/importVoters.ts).
 */

/**
 * `rows` rows of `width` values each, flat (a voter batch), as a JSON array of arrays; null,
 * undefined and '' are none (null), as in copyRows.
 */
export function jsonRows(values: ReadonlyArray<string | null | undefined>, rows: number, width: number): string {
  const out = new Array<Array<string | null>>(rows);
  for (let r = 0, base = 0; r < rows; r++, base += width) {
    const row = new Array<string | null>(width);
    for (let c = 0; c < width; c++) {
      const v = values[base + c];
      row[c] = v === undefined || v === '' ? null : v;
    }
    out[r] = row;
  }
  return JSON.stringify(out);
}
