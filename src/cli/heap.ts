/**
 * V8's young generation, for the commands that run a large use case on the main thread.
 *
 * Node 24's V8 doubles the young generation (the nursery of new objects) each time a scavenge
 * finds many survivors, up to 3 × 32 MB. `import contacts` keeps every linked contact until it
 * writes (100,000 of them survive), so its nursery grows to the maximum and stays there: on the
 * 1M-voter bench the link peaked at 306-311 MB, of which ~100 MB was that nursery (with
 * `node --max-semi-space-size=8`, 215 MB). A flag given on the command line cannot be set from
 * inside the process once V8 has sized its heap, but the growth factor is read each time the
 * nursery would grow: at 1 it keeps its starting size. Measured, three runs each, interleaved, on
 * a fresh copy of the same database (4 December 2026): 182-192 MB against 306-308 MB, wall
 * 3.5-4.2 s against 3.3-3.7 s (more, smaller scavenges: GC 0.5 s of CPU against 0.23 s).
 *
 * Node documents changing V8 flags after start as unpredictable; this one only changes how much
 * memory V8 may take, never what the program computes. (The documented way, a worker thread with
 * `resourceLimits`, as the voter import's parser has, would need the contacts' database
 * connection, progress and input moved across threads.)
 */
import v8 from 'node:v8';

export function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
