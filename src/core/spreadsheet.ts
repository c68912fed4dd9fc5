/**
 * Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell that starts with `=`, `+`, `-` or
 * `@` as a formula, and a voter file is typed by many hands: `=HYPERLINK(...)` in a name field
 * would run on the canvasser's laptop. Prefixing a single quote makes the cell plain text.
 * Tab and carriage return at the start are neutralized too (OWASP's CSV-injection advice).
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const E164 = /^\+[1-9]\d{1,14}$/;

/** The cell as a spreadsheet should show it; a phone number in E.164 (`+33612345678`) is left alone. */
export function spreadsheetSafe(value: string): string {
  if (!FORMULA_START.test(value) || E164.test(value)) return value;
  return `'${value}`;
}

/** Applies spreadsheetSafe to every text cell of a row; other values are unchanged. */
export function spreadsheetSafeRow<R extends Record<string, unknown>>(row: R): R {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key] = typeof value === 'string' ? spreadsheetSafe(value) : value;
  return out as R;
}
