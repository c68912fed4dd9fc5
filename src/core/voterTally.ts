/**
 * Voters per (neighborhood, precinct, support): what `turnout status` divides by. The database
 * keeps it with triggers; a first load into an empty table drops them and counts here instead,
 * on the import's reading thread (src/io/voterFileWorker.ts), while the main thread writes.
 * A trigger per row, or a GROUP BY over the loaded table (~1.2 s per million), costs far more.
 */
import { SUPPORT_MAX } from './fields.js';

/** One count. No value is '' (areas) or 0 (support), as in the database's tally. */
export interface VoterTallyRow {
  neighborhood: string;
  precinct: string;
  support: number;
  voters: number;
}

/** Support levels are 1–5 (0: none), so each (neighborhood, precinct) pair keeps six counters. */
const LEVELS = SUPPORT_MAX + 1;

export class VoterTally {
  // Nested maps, not one map keyed by a joined string: no string is built per voter.
  private readonly counts = new Map<string, Map<string, number[]>>();

  /** Counts one voter; null or missing values are none. */
  add(neighborhood: string | null | undefined, precinct: string | null | undefined, support: number | null | undefined): void {
    const n = neighborhood ?? '';
    const p = precinct ?? '';
    let byPrecinct = this.counts.get(n);
    if (byPrecinct === undefined) this.counts.set(n, (byPrecinct = new Map()));
    let levels = byPrecinct.get(p);
    if (levels === undefined) byPrecinct.set(p, (levels = new Array<number>(LEVELS).fill(0)));
    const level = support ?? 0;
    if (!Number.isInteger(level) || level < 0 || level >= LEVELS) throw new RangeError(`support level ${level} out of 0–${LEVELS - 1}`);
    levels[level]!++;
  }

  rows(): VoterTallyRow[] {
    const rows: VoterTallyRow[] = [];
    for (const [neighborhood, byPrecinct] of this.counts) {
      for (const [precinct, levels] of byPrecinct) {
        levels.forEach((voters, support) => {
          if (voters > 0) rows.push({ neighborhood, precinct, support, voters });
        });
      }
    }
    return rows;
  }
}
