/**
 * A first load into an empty voters table runs out of WAL, with a rollback journal (see leaveWal in
 * src/store/journal.ts): these tests hold it to the same guarantees as the WAL path. A killed import
 * leaves the database as it was, the database is back in WAL afterwards, and another open
 * connection makes the import fall back to WAL instead of failing. A contacts import stays in WAL
 * (its database is a live one), and a kill leaves it as it was too.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runTurnout, tempDir } from '../helpers/cli.js';

let dir: string;
let cleanup: () => void;
let db: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('turnout-import-journal-'));
  db = path.join(dir, 'test.db');
});
afterEach(() => cleanup());

const turnout = (args: string[], input?: string) => runTurnout(['--db', db, ...args], { input });

const HEADER = 'id,first_name,last_name,phone,precinct,neighborhood,list_number,support\n';
const STREETS = ['Rue de Rome', 'Cours Julien', 'Boulevard Baille', 'Avenue du Prado'];
function voterLines(from: number, count: number): string {
  let text = '';
  for (let i = from; i < from + count; i++) {
    const precinct = `P${String(i % 97).padStart(4, '0')}`;
    text += `V${String(i).padStart(8, '0')},Camille ${i % 311},"${STREETS[i % 4]} ${i % 13}",06 ${String(10_000_000 + i).slice(-8).replace(/(..)(?=.)/g, '$1 ')},${precinct},Quartier ${i % 11},${i},${(i % 5) + 1}\n`;
  }
  return text;
}

/** Schema and every table's rows, as text: equal dumps mean equal contents. */
function dump(): string {
  // Read-write: opening rolls back a hot journal left by a killed process, as any turnout command would.
  const conn = new Database(db);
  try {
    expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
    const tables = conn.prepare("SELECT name, sql FROM sqlite_master WHERE type IN ('table','index','trigger') ORDER BY name").all() as Array<{ name: string; sql: string | null }>;
    const parts = tables.map((t) => t.sql ?? t.name);
    for (const t of tables) {
      if (t.sql?.startsWith('CREATE TABLE')) parts.push(JSON.stringify(conn.prepare(`SELECT * FROM "${t.name}" ORDER BY 1`).all()));
    }
    return parts.join('\n');
  } finally {
    conn.close();
  }
}

function journalMode(): string {
  const conn = new Database(db, { readonly: true });
  try {
    return String(conn.pragma('journal_mode', { simple: true }));
  } finally {
    conn.close();
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('turnout import voters: a first load outside WAL', () => {
  it('leaves the database as it was when killed (kill -9) halfway through, and the next import works', async () => {
    expect((await turnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet'])).code).toBe(0);
    // Something to lose: a poll check waiting for its voter.
    const checks = await turnout(['import', 'checks', '-', '--at', '2026-03-15 09:00', '--quiet'], 'id\nV00000007\n');
    expect(checks.code).toBe(0);
    const before = dump();
    expect(journalMode()).toBe('wal');
    const size = fs.statSync(db).size;

    // The file arrives on stdin and stops halfway, so the import is caught in the middle of its
    // transaction: the rollback journal exists and pages past the old end of the file are written
    // (enough rows to overflow SQLite's 16 MB page cache, so that it spills them to the file).
    const child = spawn(process.execPath, [BIN, '--db', db, 'import', 'voters', '-'], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    child.stdin.on('error', () => {});
    child.stdin.write(HEADER + voterLines(0, 250_000));
    await until(() => fs.existsSync(`${db}-journal`) && fs.statSync(db).size > size, 'the import to write past the old end of the database');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(fs.existsSync(`${db}-journal`)).toBe(true); // a hot journal: the next opener rolls it back

    expect(dump()).toBe(before);
    expect(fs.existsSync(`${db}-journal`)).toBe(false);
    // The switch out of WAL was its own committed step: the file says "rollback journal" until the
    // next turnout command opens it (openDatabase puts it back in WAL).
    expect(journalMode()).toBe('delete');
    expect((await turnout(['status', '--format', 'json'])).code).toBe(0);
    expect(journalMode()).toBe('wal');

    const again = await turnout(['import', 'voters', '-'], HEADER + voterLines(0, 2_000));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/inserted\s+2,000/);
    expect(again.stderr).toMatch(/earlier unmatched checks now matched: 1/);
    const conn = new Database(db, { readonly: true });
    try {
      expect(conn.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(conn.prepare('SELECT count(*) AS n FROM voters').get()).toEqual({ n: 2_000 });
      expect(conn.prepare("SELECT checked_at FROM checks WHERE voter_id = 'V00000007'").get()).toEqual({ checked_at: expect.stringMatching(/^2026-03-15T08:00/) });
      const indexes = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'voters' AND sql IS NOT NULL").all();
      expect(indexes).toContainEqual({ name: 'voters_precinct_list' });
    } finally {
      conn.close();
    }
  });

  it('is back in WAL after a first load that fails, with nothing written', async () => {
    expect((await turnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet'])).code).toBe(0);
    const before = dump();
    const failed = await turnout(['import', 'voters', '-', '--strict'], `${HEADER + voterLines(0, 3_000)}V99999999,Bad,Support,,P0001,Q,1,9\n`);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/--strict is set: nothing was imported/);
    expect(dump()).toBe(before);
    expect(journalMode()).toBe('wal');
  });

  it('falls back to WAL, without waiting or failing, when another connection has the database open', async () => {
    expect((await turnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet'])).code).toBe(0);
    const other = new Database(db, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) AS n FROM voters').get()).toEqual({ n: 0 });
      const result = await turnout(['import', 'voters', '-'], HEADER + voterLines(0, 3_000));
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/inserted\s+3,000/);
      // The other connection still reads, in WAL, and sees the committed voters.
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(other.prepare('SELECT count(*) AS n FROM voters').get()).toEqual({ n: 3_000 });
    } finally {
      other.close();
    }
  });
});

/** Contacts for the voters of voterLines, by voter id: a new phone and support for every third voter. */
function contactLines(count: number): string {
  let text = 'id,phone,support,Note\n';
  for (let i = 0; i < count; i += 3) text += `V${String(i).padStart(8, '0')},07 ${String(20_000_000 + i).slice(-8).replace(/(..)(?=.)/g, '$1 ')},${((i + 2) % 5) + 1},n${i}\n`;
  return text;
}

describe('turnout import contacts: killed while writing', () => {
  it('leaves the database as it was (kill -9), and the next import applies every contact', async () => {
    expect((await turnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet'])).code).toBe(0);
    expect((await turnout(['import', 'voters', '-', '--quiet'], HEADER + voterLines(0, 250_000))).code).toBe(0);
    expect((await turnout(['import', 'checks', '-', '--at', '2026-03-15 09:00', '--quiet'], 'id\nV00000003\nV00000004\n')).code).toBe(0);
    const before = dump();
    const walBefore = fs.statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0;

    // The contacts are written after the whole file is read, every third voter's page changed:
    // more than SQLite's 16 MB page cache holds, so it spills pages into the WAL before the
    // commit, and the process is killed then.
    const child = spawn(process.execPath, [BIN, '--db', db, 'import', 'contacts', '-'], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    child.stdin.on('error', () => {});
    child.stdin.end(contactLines(250_000));
    await until(() => (fs.statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0) > walBefore + (4 << 20), 'the contacts import to be writing');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(dump()).toBe(before);

    const again = await turnout(['import', 'contacts', '-'], contactLines(250_000));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/matched by voter id: 83,334/);
    const conn = new Database(db, { readonly: true });
    try {
      expect(conn.prepare("SELECT phone, support, extra FROM voters WHERE id = 'V00000003'").get()).toEqual({ phone: '07 20 00 00 03', support: 1, extra: '{"Note":"n3"}' });
      // The tallies followed the new support levels: the voters' and the checked voter's.
      expect(conn.prepare('SELECT sum(voters) AS n FROM voter_tally WHERE support = 1').get()).toEqual(conn.prepare('SELECT count(*) AS n FROM voters WHERE support = 1').get());
      expect(conn.prepare("SELECT support FROM checks WHERE voter_id = 'V00000003'").get()).toEqual({ support: 1 });
      expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      conn.close();
    }
  });
});
