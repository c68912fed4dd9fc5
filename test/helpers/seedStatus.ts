import fs from 'node:fs';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { isVoterField } from '../../src/core/fields.js';
import { runTurnout } from './cli.js';

/**
 * Creates a real database with the CLI (`turnout init`), then writes the voters and checks of
 * plain fixture CSVs (comma, UTF-8, headers named as the fields) with SQL, as the importer
 * would: standard fields in their columns, other columns in `extra` and `voter_columns`, check
 * times stored as ISO UTC (the triggers of migration 001 keep voters.voted_at in step).
 * Stands in for `turnout import voters|checks` until those are on main.
 */
export async function seedElection(dbPath: string, files: { voters: string; checks?: string[]; timeZone?: string }): Promise<void> {
  const init = await runTurnout(['--db', dbPath, '--quiet', 'init', '--timezone', files.timeZone ?? 'Europe/Paris']);
  if (init.code !== 0) throw new Error(`turnout init failed: ${init.stderr}`);
  const read = (file: string) => parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const voters = read(files.voters);
  const headers = Object.keys(voters[0] ?? {});
  const extras = headers.filter((h) => !isVoterField(h));
  const standard = headers.filter((h) => isVoterField(h));
  const db = new Database(dbPath);
  try {
    const column = db.prepare('INSERT INTO voter_columns (name, position) VALUES (?, ?)');
    const voter = db.prepare(
      `INSERT INTO voters (${[...standard, 'extra'].join(', ')}) VALUES (${[...standard, 'extra'].map(() => '?').join(', ')})`,
    );
    const check = db.prepare('INSERT INTO checks (voter_id, checked_at, source, recorded_at) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      extras.forEach((name, i) => column.run(name, i + 1));
      for (const v of voters) {
        const values = standard.map((f) => (v[f] === '' ? null : f === 'support' ? Number(v[f]) : v[f]));
        voter.run(...values, JSON.stringify(Object.fromEntries(extras.map((e) => [e, v[e]]))));
      }
      for (const file of files.checks ?? []) {
        for (const c of read(file)) {
          check.run(c.voter_id, new Date(c.checked_at!).toISOString(), c.source ?? null, '2026-03-15T20:00:00.000Z');
        }
      }
    })();
  } finally {
    db.close();
  }
}
