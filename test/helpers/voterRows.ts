import type { VoterBatchForm, VoterRows } from '../../src/app/importVoters.js';
import { copyRows } from '../../src/core/copyText.js';
import { jsonbRows } from '../../src/core/jsonbRows.js';

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
