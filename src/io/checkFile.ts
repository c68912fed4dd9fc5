/** Reads a poll-check file for importChecks (on the main thread: check files are small). */
import type { CheckFileReading } from '../app/importChecks.js';
import { CsvTable, type CsvOptions } from './csv/table.js';
import type { CsvRecord } from './csv/parser.js';
import type { ByteInput } from './input.js';

/** Opens the file and reads up to its header; the rows follow as `rows` is iterated. */
export async function openCheckFile(input: ByteInput, options: CsvOptions): Promise<CheckFileReading> {
  const table = new CsvTable(input.name, options);
  const source = input.chunks()[Symbol.asyncIterator]();
  const early: CsvRecord[][] = [];
  let ended = false;
  while (!table.header) {
    const next = await source.next();
    if (next.done) {
      early.push(table.end());
      ended = true;
      break;
    }
    early.push(table.push(next.value));
  }
  async function* rows(): AsyncGenerator<CsvRecord[]> {
    for (const batch of early) if (batch.length > 0) yield batch;
    if (ended) return;
    for (;;) {
      const next = await source.next();
      if (next.done) {
        yield table.end();
        return;
      }
      const batch = table.push(next.value);
      if (batch.length > 0) yield batch;
    }
  }
  const header = table.header!;
  return { file: input.name, headers: header.names, delimiter: header.delimiter, encoding: header.encoding, rows: rows() };
}
