/**
 * Who to contact first. Areas come in order of need (shortfall), and inside an area the voters a
 * reminder moves most come first: those whose turnout score is closest to 50. A voter at 95 votes
 * anyway and one at 5 rarely does; a reminder changes the outcome for the ones in between.
 */

/** The score a reminder moves most. */
export const PRIORITY_CENTER = 50;

/**
 * The priority of a voter, lower first: the distance of the turnout score from 50.
 * An unknown (or non-numeric) score comes after every known one.
 */
export function turnoutPriority(score: number | null | undefined): number {
  if (score === null || score === undefined || !Number.isFinite(score)) return Number.POSITIVE_INFINITY;
  return Math.abs(score - PRIORITY_CENTER);
}

/** Plain code-point comparison: the same order on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface AreaNeed {
  area: string | null;
  /** Votes short of the reference (never below 0). */
  shortfall: number;
  /** Supporters not yet voted. */
  remaining: number;
  /** Flagged by the status rule: such areas come first. */
  underMobilized?: boolean;
}

/**
 * The order in which areas are served: flagged ones first, then by shortfall (largest first),
 * then by supporters still to contact, then by name; the area without a value comes last.
 * Returns each area's rank (0 first).
 */
export function rankAreas(areas: readonly AreaNeed[]): Map<string | null, number> {
  const sorted = [...areas].sort(
    (a, b) =>
      Number(b.underMobilized === true) - Number(a.underMobilized === true) ||
      b.shortfall - a.shortfall ||
      b.remaining - a.remaining ||
      Number(a.area === null) - Number(b.area === null) ||
      compareText(a.area ?? '', b.area ?? ''),
  );
  return new Map(sorted.map((a, index) => [a.area, index]));
}

export interface PrioritizedVoter {
  id: string;
  area: string | null;
  turnout_score: number | null;
}

/** Areas by need, then voters by turnout priority, then by id (so that equal voters keep one order). */
export function compareVoters(areaRank: ReadonlyMap<string | null, number>): (a: PrioritizedVoter, b: PrioritizedVoter) => number {
  const rank = (area: string | null): number => areaRank.get(area) ?? Number.MAX_SAFE_INTEGER;
  return (a, b) => {
    const byArea = rank(a.area) - rank(b.area);
    if (byArea !== 0) return byArea;
    const pa = turnoutPriority(a.turnout_score);
    const pb = turnoutPriority(b.turnout_score);
    if (pa !== pb) return pa < pb ? -1 : 1;
    return compareText(a.id, b.id);
  };
}

/**
 * Shortfall as `turnout status` defines it: round(reference × supporters − supporters_voted),
 * never below 0. A reference outside 0..1 or not a number gives 0.
 */
export function shortfall(reference: number, supporters: number, supportersVoted: number): number {
  if (!Number.isFinite(reference) || supporters <= 0) return 0;
  return Math.max(0, Math.round(reference * supporters - supportersVoted));
}
