/** COPY rows of any values, for the PostgreSQL store; the text format itself is src/core/copyText.ts. */
import { escape } from '../../core/copyText.js';

/** One row as a COPY text line, ending in a newline. */
export function copyLine(values: ReadonlyArray<string | number | bigint | Uint8Array | null | undefined>): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) line += '\t';
    // A BLOB (SQLite) is bytea's hex form, its backslash escaped for COPY.
    line +=
      v === null || v === undefined
        ? '\\N'
        : typeof v === 'string'
          ? escape(v)
          : v instanceof Uint8Array
            ? `\\\\x${Buffer.from(v).toString('hex')}`
            : String(v);
  }
  return `${line}\n`;
}
