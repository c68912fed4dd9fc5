/**
 * beginWithJournalInMemory (src/store/journal.ts) on a real database file: a multi-row UPDATE fed
 * by a JSON function keeps SQLite's statement journal, which spills into an unnamed temporary file
 * (seen here among the process's open files, as "(deleted)") unless the transaction began with it
 * in memory; and the connection's temp_store is its own again once the transaction has begun.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.js';
import { beginWithJournalInMemory } from '../../src/store/journal.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'turnout-journal-'));
  db = openDatabase(path.join(dir, 'turnout.db'), { create: true });
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY NOT NULL, v TEXT) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 20_000; i++) insert.run(String(i).padStart(6, '0'), 'x'.repeat(200));
  })();
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** This process's open files that are unnamed temporary files. */
function deletedFiles(): string[] {
  const links: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      links.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed meanwhile (the readdir's own descriptor)
    }
  }
  return links.filter((link) => link.endsWith('(deleted)'));
}

function updateEveryRow(): void {
  const rows = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => [String(i).padStart(6, '0'), 'y'.repeat(200)]));
  db.prepare('UPDATE t SET v = u.v FROM (SELECT value ->> 0 AS id, value ->> 1 AS v FROM json_each(?)) AS u WHERE t.id = u.id').run(rows);
}

describe.skipIf(process.platform !== 'linux')('beginWithJournalInMemory', () => {
  it('a plain BEGIN IMMEDIATE spills the statement journal into a temporary file (what the test looks for)', () => {
    const before = deletedFiles().length;
    db.exec('BEGIN IMMEDIATE');
    updateEveryRow();
    expect(deletedFiles().length).toBeGreaterThan(before);
    db.exec('ROLLBACK');
  });

  it('keeps it in memory, and gives the connection its temp_store back at once', () => {
    const own = db.pragma('temp_store', { simple: true });
    const before = deletedFiles().length;
    beginWithJournalInMemory(db);
    expect(db.pragma('temp_store', { simple: true })).toBe(own);
    updateEveryRow();
    expect(deletedFiles().length).toBe(before);
    expect(db.prepare("SELECT v FROM t WHERE id = '000042'").get()).toEqual({ v: 'y'.repeat(200) });
    db.exec('ROLLBACK');
  });
});
