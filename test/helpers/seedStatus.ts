import { runTurnout } from './cli.js';

/**
 * A real election database built the way a user builds one: `turnout init`, then
 * `turnout import voters FILE` and `turnout import checks FILE…` with the built CLI.
 */
export async function seedElection(db: string | readonly string[], files: { voters: string; checks?: string[]; timeZone?: string }): Promise<void> {
  // A file path, or the global options naming a database on any backend (test/helpers/backends.ts).
  const dbArgs = typeof db === 'string' ? ['--db', db] : db;
  const steps = [
    ['init', '--timezone', files.timeZone ?? 'Europe/Paris'],
    ['import', 'voters', files.voters],
    ...(files.checks ?? []).map((file) => ['import', 'checks', file]),
  ];
  for (const step of steps) {
    const result = await runTurnout([...dbArgs, '--quiet', ...step]);
    if (result.code !== 0) throw new Error(`turnout ${step.join(' ')} failed (exit ${result.code}): ${result.stderr}`);
  }
}
