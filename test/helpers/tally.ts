import { VOTER_ROW_COLUMNS } from '../../src/core/voterRecord.js';
import { VoterTally, type VoterTallyRow } from '../../src/core/voterTally.js';

/** The tally the import's reader would send for these flat VOTER_ROW_COLUMNS values (a store test's first load). */
export function tallyOf(values: readonly (string | number | null)[], rows: number): VoterTallyRow[] {
  const width = VOTER_ROW_COLUMNS.length;
  const at = (row: number, column: (typeof VOTER_ROW_COLUMNS)[number]): string | number | null => values[row * width + VOTER_ROW_COLUMNS.indexOf(column)] ?? null;
  const tally = new VoterTally();
  for (let row = 0; row < rows; row++) {
    const support = at(row, 'support');
    tally.add(at(row, 'neighborhood') as string | null, at(row, 'precinct') as string | null, support === null ? null : Number(support));
  }
  return tally.rows();
}
