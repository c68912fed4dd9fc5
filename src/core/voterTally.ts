/**
 * Voters per (neighborhood, precinct, support): what `turnout status` divides by. The database
 * keeps it with triggers; a first load into an empty table counts here instead, on the rows it
 * writes, which costs far less than a trigger per row or a GROUP BY over the loaded table.
 */
import { VOTER_ROW_COLUMNS } from './voterRecord.js';

/** One count. No value is '' (areas) or 0 (support), as in the database's tally. */
export interface VoterTallyRow {
  neighborhood: string;
  precinct: string;
  support: number;
  voters: number;
}

const WIDTH = VOTER_ROW_COLUMNS.length;
const NEIGHBORHOOD = VOTER_ROW_COLUMNS.indexOf('neighborhood');
const PRECINCT = VOTER_ROW_COLUMNS.indexOf('precinct');
const SUPPORT = VOTER_ROW_COLUMNS.indexOf('support');
const SEPARATOR = '\u0000';

export class VoterTally {
  private readonly counts = new Map<string, number>();

  /** Counts `rows` voters given as flat VOTER_ROW_COLUMNS values (as in a VoterBatch). */
  add(values: readonly (string | number | null)[], rows: number): void {
    for (let row = 0, at = 0; row < rows; row++, at += WIDTH) {
      const key = `${values[at + NEIGHBORHOOD] ?? ''}${SEPARATOR}${values[at + PRECINCT] ?? ''}${SEPARATOR}${values[at + SUPPORT] ?? 0}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }

  rows(): VoterTallyRow[] {
    return [...this.counts].map(([key, voters]) => {
      const [neighborhood, precinct, support] = key.split(SEPARATOR) as [string, string, string];
      return { neighborhood, precinct, support: Number(support), voters };
    });
  }
}
