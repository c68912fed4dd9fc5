import Database from 'better-sqlite3';
import { runTurnout } from './cli.js';

/** A voter row for seeding: standard fields by name, other columns in `extra`. */
export interface SeedVoter {
  id: string;
  neighborhood?: string | null;
  precinct?: string | null;
  support?: number | null;
  extra?: Record<string, string>;
}

export interface SeedCheck {
  voter_id: string;
  /** ISO UTC, as the import stores it. */
  checked_at: string;
  source?: string;
}

/**
 * Creates a real database with the CLI (`turnout init`), then writes voters and checks with SQL,
 * as the importer would (the triggers of migration 001 keep voters.voted_at in step).
 * Used until `turnout import` is on main; the status tests then import fixture CSVs instead.
 */
export async function seedElection(
  dbPath: string,
  data: { timeZone?: string; voters: SeedVoter[]; checks?: SeedCheck[] },
): Promise<void> {
  const init = await runTurnout(['--db', dbPath, '--quiet', 'init', '--timezone', data.timeZone ?? 'Europe/Paris']);
  if (init.code !== 0) throw new Error(`turnout init failed: ${init.stderr}`);
  const db = new Database(dbPath);
  try {
    const extraNames = [...new Set(data.voters.flatMap((v) => Object.keys(v.extra ?? {})))];
    const column = db.prepare('INSERT OR IGNORE INTO voter_columns (name, position) VALUES (?, ?)');
    const voter = db.prepare(
      'INSERT INTO voters (id, neighborhood, precinct, support, extra) VALUES (@id, @neighborhood, @precinct, @support, @extra)',
    );
    const check = db.prepare("INSERT INTO checks (voter_id, checked_at, source, recorded_at) VALUES (?, ?, ?, '2026-01-01T00:00:00.000Z')");
    db.transaction(() => {
      extraNames.forEach((name, i) => column.run(name, i + 1));
      for (const v of data.voters) {
        voter.run({
          id: v.id,
          neighborhood: v.neighborhood ?? null,
          precinct: v.precinct ?? null,
          support: v.support ?? null,
          extra: JSON.stringify(v.extra ?? {}),
        });
      }
      for (const c of data.checks ?? []) check.run(c.voter_id, c.checked_at, c.source ?? null);
    })();
  } finally {
    db.close();
  }
}

/** `count` voters of one area and support level, ids `${prefix}1`…; the first `voted` checked at `at`. */
export function block(
  prefix: string,
  count: number,
  fields: Omit<SeedVoter, 'id'>,
  voted: number | { at: string; n: number }[] = 0,
  at = '2026-03-15T09:00:00.000Z',
): { voters: SeedVoter[]; checks: SeedCheck[] } {
  const voters: SeedVoter[] = [];
  const checks: SeedCheck[] = [];
  const schedule = typeof voted === 'number' ? [{ at, n: voted }] : voted;
  let next = 0;
  for (let i = 1; i <= count; i++) voters.push({ id: `${prefix}${i}`, ...fields });
  for (const slot of schedule) {
    for (let k = 0; k < slot.n; k++) checks.push({ voter_id: voters[next++]!.id, checked_at: slot.at });
  }
  return { voters, checks };
}
