import type { VoterBatchForm, VoterRows } from '../../src/app/importVoters.js';
import { copyRows } from '../../src/core/copyText.js';
import { JsonbBatch } from '../../src/core/jsonbRows.js';

/**
 * What the import's reader sends a store for flat values (`width` per voter, the id first), in the
 * store's form: a store test's batches. Successive calls of one returned function are successive
 * batches of one file (their ids' order carries over, as the reader's does).
 */
export function voterRowsFor(form: VoterBatchForm, width: number): (values: readonly (string | null)[], rows: number) => VoterRows {
  let lastId: string | undefined;
  return (values, rows) => {
    let ascending = true;
    for (let r = 0; r < rows; r++) {
      const id = values[r * width] as string;
      if (lastId !== undefined && !(id > lastId)) ascending = false;
      lastId = id;
    }
    return { data: form === 'copy-text' ? copyRows(values, rows, width) : jsonbRows(values, rows, width), rows, ascending };
  };
}

/** `rows` rows of `width` values each, flat, as one JSONB batch (the reader's JsonbBatch, row by row). */
export function jsonbRows(values: readonly (string | null | undefined)[], rows: number, width: number): Uint8Array {
  const batch = new JsonbBatch();
  const columns = Array.from({ length: width }, (_, c) => c);
  for (let r = 0; r < rows; r++) batch.add(values.slice(r * width, (r + 1) * width), columns);
  return batch.take();
}
