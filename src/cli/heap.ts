/**
 * V8's young generation, for the commands that stream or gather many rows on the main thread:
 * `import contacts` and `export`.
 *
 * Node 24's V8 doubles the young generation (the nursery of new objects) each time a scavenge
 * finds many survivors, up to 3 × 32 MB, and never gives it back during the run.
 * - `import contacts` keeps every linked contact until it writes (100,000 of them survive), so its
 *   nursery grows to the maximum: on the 1M-voter bench the link peaked at 306-311 MB (target
 *   < 300 MB), ~100 MB of it the nursery (with `node --max-semi-space-size=8`, 215 MB).
 * - `export` streams rows, but the longer it runs the more likely the nursery has grown: 109 MB at
 *   1M rows, 140-141 MB at 3M (target: flat).
 *
 * A flag given on the command line cannot be set from inside the process once V8 has sized its
 * heap, but the growth factor is read each time the nursery would grow: at 1 it keeps its
 * starting size. Measured on 4 December 2026 (1M voters):
 * - contacts, three runs each, interleaved, on fresh copies of the same database: 182-192 MB
 *   against 306-308 MB; wall 3.5-4.2 s against 3.3-3.7 s in that series (more, smaller
 *   scavenges: GC 0.5 s of CPU against 0.23 s), 3.06-3.10 s through the CLI afterwards;
 * - export --format csv: 82 MB against 113 MB, 2.84-2.89 s against 2.75-2.80 s.
 * Not for the voter import: the flag is the process's, its parser thread would scavenge more
 * often too (4.7 s against 4.2 s, measured).
 *
 * Node documents changing V8 flags after start as unpredictable; this one only changes how much
 * memory V8 may take, never what the program computes. (The documented way, a worker thread with
 * `resourceLimits`, as the voter import's parser has, would need the database connection,
 * progress and input moved across threads.)
 */
import v8 from 'node:v8';

export function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
