/** The --rejects file: every rejected row, whole, with its line and reason; mode 0600 (voter data). */
import fs from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import type { RejectedRow, RejectSink } from '../app/importVoters.js';
import { RuntimeError } from '../core/errors.js';
import { REJECT_COLUMNS } from './rejectColumns.js';

export function rejectFile(path: string): RejectSink {
  let stream: fs.WriteStream;
  try {
    fs.rmSync(path, { force: true });
    stream = fs.createWriteStream(path, { mode: 0o600, flags: 'wx' });
  } catch (error) {
    throw new RuntimeError(`cannot write the rejects file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let wroteHeader = false;
  let failure: Error | undefined;
  stream.on('error', (error) => (failure = error));
  return {
    async write(header: readonly string[], row: RejectedRow) {
      if (failure) throw new RuntimeError(`cannot write the rejects file ${path}: ${failure.message}`);
      let text = '';
      if (!wroteHeader) {
        text += stringify([[...header, ...REJECT_COLUMNS]]);
        wroteHeader = true;
      }
      text += stringify([[...row.fields, String(row.line), row.reason]]);
      if (!stream.write(text)) await once(stream, 'drain');
    },
    async close() {
      if (stream.closed) return;
      const done = once(stream, 'close');
      stream.end();
      await done;
    },
  };
}
