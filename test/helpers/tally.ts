import type { VoterRowColumn } from '../../src/core/voterRecord.js';
import { VoterTally, type VoterTallyRow } from '../../src/core/voterTally.js';

/** The tally the import's reader would send for these flat values of `columns` (the supplied ones) per voter (a store test's first load). */
export function tallyOf(values: readonly (string | number | null)[], rows: number, columns: readonly VoterRowColumn[]): VoterTallyRow[] {
  const width = columns.length;
  const at = (row: number, column: VoterRowColumn): string | number | null => (columns.includes(column) ? (values[row * width + columns.indexOf(column)] ?? null) : null);
  const tally = new VoterTally();
  for (let row = 0; row < rows; row++) {
    const support = at(row, 'support');
    tally.add(at(row, 'neighborhood') as string | null, at(row, 'precinct') as string | null, support === null ? null : Number(support));
  }
  return tally.rows();
}
