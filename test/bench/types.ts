/**
 * The contract between the benchmark harness (bench.ts) and optional sections kept in their own
 * files. `test/bench/send.ts`, when it exists, exports
 *
 *   export async function benchSend(ctx: BenchContext): Promise<BenchRow[]>
 *
 * and the harness calls it with `--only send` or in a full run. A section reports; it never throws
 * for a missed target (a benchmark does not gate), but may throw when it cannot run at all.
 */

export interface BenchContext {
  /** The repository root (package.json). */
  root: string;
  /** The built CLI: spawn `node bin/turnout.js …` as a user would. */
  bin: string;
  /** The Node.js executable. */
  node: string;
  /** A scratch folder of this run, removed afterwards unless --keep. */
  dir: string;
  /** --rows as given (voters in the big database). */
  rows: number;
  /** Environment for spawned commands: no TURNOUT_* / TWILIO_* from the caller, no colours. */
  env: NodeJS.ProcessEnv;
  /** A progress line on stderr. */
  log(message: string): void;
}

export type BenchResult = 'PASS' | 'MISS' | 'n/a';

/** One line of the final table. */
export interface BenchRow {
  section: string;
  measure: string;
  /** turnout's figure, formatted (e.g. "3.41 s", "212 MB"). */
  turnout?: string;
  /** The reference's figure, formatted. */
  reference?: string;
  /** turnout / reference, formatted (e.g. "1.08×"). */
  ratio?: string;
  /** The target in words (e.g. "≤ 1.2×"). */
  target?: string;
  result?: BenchResult;
  note?: string;
}
