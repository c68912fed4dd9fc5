/**
 * The import worker hands each batch to the writer in a form it writes itself: for SQLite an
 * array of rows in binary JSON, unpacked in SQL by jsonb_each (src/core/jsonbRows.ts); for PostgreSQL COPY
 * text (tabs, newlines, backslash escapes, \N for none: src/core/copyText.ts). A file that holds
 * those formats' own characters in its values must still be stored exactly, whether it is read
 * from a file or from stdin. (U+0001 separated the values in an earlier form: kept as a case.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTurnout, tempDir } from '../helpers/cli.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let dir: string;
let cleanup: () => void;
let db: TestDatabase;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir('turnout-import-sep-'));
  db = await backend.create(dir);
});
afterEach(async () => {
  await db.drop();
  cleanup();
});

const FILE = [
  'id;first_name;last_name;precinct;Note',
  'A1;Inès;Martin;P1;plain',
  'A2;Jo\u0001sé;Ro\u0001\u0001me;P2;x\u0001y',
  'A3;Karim;;P1;',
  '',
].join('\n');

async function stored(): Promise<unknown[]> {
  const rows = await db.query<Record<string, unknown>>('SELECT id, first_name, last_name, precinct, extra FROM voters ORDER BY id');
  // PostgreSQL keeps extra as jsonb (an object here), SQLite as JSON text.
  return rows.map((r) => ({ ...r, extra: r.extra !== null && typeof r.extra === 'object' ? JSON.stringify(r.extra) : r.extra }));
}

const EXPECTED = [
  { id: 'A1', first_name: 'Inès', last_name: 'Martin', precinct: 'P1', extra: '{"Note":"plain"}' },
  { id: 'A2', first_name: 'Jo\u0001sé', last_name: 'Ro\u0001\u0001me', precinct: 'P2', extra: '{"Note":"x\\u0001y"}' },
  { id: 'A3', first_name: 'Karim', last_name: null, precinct: 'P1', extra: null },
];

describe('turnout import voters: values holding the batch separator U+0001', () => {
  it('stores them exactly from a file', async () => {
    const file = path.join(dir, 'voters.csv');
    fs.writeFileSync(file, FILE);
    const result = await runTurnout([...db.args, 'import', 'voters', file]);
    expect(result.stderr).toMatch(/inserted\s+3/);
    expect(result.code).toBe(0);
    expect(await stored()).toEqual(EXPECTED);
  });

  it('stores them exactly from stdin', async () => {
    const result = await runTurnout([...db.args, 'import', 'voters', '-'], { input: FILE });
    expect(result.code).toBe(0);
    expect(await stored()).toEqual(EXPECTED);
  });
});

// COPY's own characters, among plain rows (the batch with them is escaped, the others are not).
const COPY_FILE = [
  'id;first_name;last_name;precinct;Note',
  ...Array.from({ length: 300 }, (_, i) => `B${String(i).padStart(3, '0')};Ana;Plain;P1;`),
  'C1;Jo\\sé;\\N;P\t2;a\tb',
  'C2;"two\nlines";"cr\rhere";P3;"\\.\n\\N"',
  'C3;\\;Lé\\on;P1;\\N',
  '',
].join('\n');

const COPY_EXPECTED = [
  { id: 'C1', first_name: 'Jo\\sé', last_name: '\\N', precinct: 'P\t2', extra: '{"Note":"a\\tb"}' },
  { id: 'C2', first_name: 'two\nlines', last_name: 'cr\rhere', precinct: 'P3', extra: '{"Note":"\\\\.\\n\\\\N"}' },
  { id: 'C3', first_name: '\\', last_name: 'Lé\\on', precinct: 'P1', extra: '{"Note":"\\\\N"}' },
];

describe('turnout import voters: values holding tabs, newlines, backslashes and a literal \\N', () => {
  it('stores them exactly, and the plain rows around them too', async () => {
    const file = path.join(dir, 'voters.csv');
    fs.writeFileSync(file, COPY_FILE);
    const result = await runTurnout([...db.args, 'import', 'voters', file]);
    expect(result.stderr).toMatch(/inserted\s+303/);
    expect(result.code).toBe(0);
    const rows = await stored();
    expect(rows.slice(300)).toEqual(COPY_EXPECTED);
    expect(rows[0]).toEqual({ id: 'B000', first_name: 'Ana', last_name: 'Plain', precinct: 'P1', extra: null });
    expect(rows.slice(0, 300).every((r) => JSON.stringify(r).includes('"Plain"'))).toBe(true);

    // Again from stdin, into the voters now there (PostgreSQL: the staging table and its merge):
    // the same file changes nothing; a changed one is stored exactly.
    const same = await runTurnout([...db.args, 'import', 'voters', '-'], { input: COPY_FILE });
    expect(same.code).toBe(0);
    expect(same.stderr).toMatch(/unchanged\s+303/);
    const changed = COPY_FILE.replace('C1;Jo\\sé;\\N;P\t2;a\tb', 'C1;\\N\\;"x\r\ny";P\t2;\\t');
    const update = await runTurnout([...db.args, 'import', 'voters', '-'], { input: changed });
    expect(update.code).toBe(0);
    expect(update.stderr).toMatch(/updated\s+1\b/);
    const after = await stored();
    expect(after[300]).toEqual({ id: 'C1', first_name: '\\N\\', last_name: 'x\r\ny', precinct: 'P\t2', extra: '{"Note":"\\\\t"}' });
    expect(after.slice(301)).toEqual(COPY_EXPECTED.slice(1));
  });
});

// JSON's own characters, and text that reads as JSON or as a number.
const JSON_FILE = [
  'id;first_name;last_name;precinct;zip;Note',
  'J1;"say ""hi""";a\\"b;[1,2];007;{"x":1}',
  'J2;null;true;1e3;06000;\\u0041',
  'J3;line\u2028sep;tab\u0009x;P\u001f1;;😀 ok',
  '',
].join('\n');

const JSON_EXPECTED = [
  { id: 'J1', first_name: 'say "hi"', last_name: 'a\\"b', precinct: '[1,2]', zip: '007', extra: JSON.stringify({ Note: '{"x":1}' }) },
  { id: 'J2', first_name: 'null', last_name: 'true', precinct: '1e3', zip: '06000', extra: JSON.stringify({ Note: '\\u0041' }) },
  { id: 'J3', first_name: 'line\u2028sep', last_name: 'tab\tx', precinct: 'P\u001f1', zip: null, extra: JSON.stringify({ Note: '😀 ok' }) },
];

describe("turnout import voters: values holding JSON's own characters", () => {
  it('stores them exactly, as text, from a file, then finds them unchanged from stdin', async () => {
    const file = path.join(dir, 'voters.csv');
    fs.writeFileSync(file, JSON_FILE);
    const result = await runTurnout([...db.args, 'import', 'voters', file]);
    expect(result.stderr).toMatch(/inserted\s+3/);
    expect(result.code).toBe(0);
    const rows = await db.query<Record<string, unknown>>('SELECT id, first_name, last_name, precinct, zip, extra FROM voters ORDER BY id');
    // PostgreSQL keeps extra as jsonb (an object here), SQLite as JSON text.
    expect(rows.map((r) => ({ ...r, extra: r.extra !== null && typeof r.extra === 'object' ? JSON.stringify(r.extra) : r.extra }))).toEqual(JSON_EXPECTED);
    const again = await runTurnout([...db.args, 'import', 'voters', '-'], { input: JSON_FILE });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/unchanged\s+3/);
  });
});
});
