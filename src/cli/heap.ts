/**
 * V8's young generation (the nursery of new objects), for the work that gathers or streams many
 * rows on the main thread: `import contacts`, and every command that writes rows (`export`…).
 *
 * V8 doubles the nursery each time a scavenge finds many survivors, and on this 24 GiB machine
 * lets it reach 128 MB (both semi-spaces; `v8.getHeapSpaceStatistics()`), never giving it back
 * during the run.
 * - `import contacts` keeps every linked contact until it writes (100,000 of them survive): on
 *   the 1M-voter bench the link peaked at 306-311 MB (target < 300 MB).
 * - `export` streams rows, but the longer it runs the further the nursery has grown: 109 MB at
 *   1M rows, 140-141 MB at 3M (target: flat).
 *
 * A flag given on the command line (`--max-semi-space-size`) cannot be set from inside the
 * process once V8 has sized its heap, but the growth factor is read each time the nursery would
 * grow: at 1 it stays as it is. Measured on 4 December 2026, 1M voters, runs interleaved:
 * - contacts, growth stopped at once, on fresh copies of the same database: 182-192 MB against
 *   306-308 MB; wall 3.5-4.2 s against 3.3-3.7 s in that series (GC 0.5 s of CPU against
 *   0.23 s), 2.97-3.10 s afterwards;
 * - export, growth stopped at once: 82 MB against 114 MB, but 6-8 % slower (csv 3.22-3.34 s
 *   against 3.01-3.20 s, json 4.0 s against 3.73-3.80 s). With the nursery at 8-16 MB
 *   (`node --max-semi-space-size=4|8`) the export is as fast as with 128 MB: 88-97 MB, csv
 *   3.05-3.12 s, json 3.70-3.77 s. Hence the cap below for rows written.
 * Not for the voter import: the flag is the process's, and its parser thread would scavenge more
 * often too (4.7 s against 4.2 s, measured). On Node 22 the nursery grows less to begin with: the
 * contacts link peaked at 200 MB without the flag, 191 MB with it, and the capped export at 96 MB
 * (the flag takes effect there too).
 *
 * Node documents changing V8 flags after start as unpredictable; this one only changes how much
 * memory V8 may take, never what the program computes. (The documented way, a worker thread with
 * `resourceLimits`, as the voter import's parser has, would need the database connection,
 * progress and input moved across threads.)
 */
import v8 from 'node:v8';

const MIB = 1024 * 1024;

/** Stops the nursery growing from now on (at its starting size when called at once). */
export function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * A cap on the nursery (both semi-spaces) for a long loop: the returned check, called every few
 * thousand rows, lets it grow as V8 likes until it has reached `mb`, then stops its growth. (A
 * PerformanceObserver of the collections would be neater, but its entries arrive only when the
 * event loop turns, and a fast loop of rows may not let it.)
 */
export function youngGenerationCap(mb = 16): () => void {
  let capped = false;
  return () => {
    if (capped) return;
    const nursery = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    if (nursery < mb * MIB) return;
    keepYoungGenerationSmall();
    capped = true;
  };
}
