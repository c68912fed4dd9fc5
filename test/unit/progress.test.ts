import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ProgressUpdate } from '../../src/app/ports.js';
import type { CliContext } from '../../src/cli/context.js';
import { progressReporter } from '../../src/cli/progress.js';

/** A terminal-like stderr of the given width; it throws after many writes so a runaway loop fails instead of hanging. */
function terminal(columns: number | undefined): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      written.push(String(chunk));
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns, cursorTo: () => true, moveCursor: () => true, clearLine: () => true });
  const original = stream.write.bind(stream);
  let writes = 0;
  stream.write = ((...args: Parameters<typeof original>) => {
    if (++writes > 10_000) throw new Error('runaway writes to the terminal');
    return original(...args);
  }) as typeof stream.write;
  return { stream, written };
}

function context(stderr: NodeJS.WriteStream, plain: ProgressUpdate[]): CliContext {
  return {
    stderr,
    stderrIsTTY: true,
    quiet: false,
    err: { level: 0 },
    reporter: { info() {}, warn() {}, progress: (u: ProgressUpdate) => void plain.push(u) },
  } as unknown as CliContext;
}

describe('progressReporter', () => {
  for (const columns of [0, undefined]) {
    it(`draws no spinner when the terminal reports ${String(columns)} columns`, async () => {
      const { stream, written } = terminal(columns);
      const plain: ProgressUpdate[] = [];
      const reporter = await progressReporter(context(stream, plain));
      reporter.progress({ task: 'sending', done: 1, total: 3, unit: 'messages' });
      reporter.stop();
      expect(plain).toEqual([{ task: 'sending', done: 1, total: 3, unit: 'messages' }]);
      expect(written.join('')).not.toContain('\u001b[');
    });
  }
});
