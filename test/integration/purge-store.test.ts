/**
 * The purge's store against a real SQLite file: tables it has never heard of (a virtual FTS5
 * table, a table referencing voters) are emptied too, the tallies survive the delete triggers,
 * and another connection reading the database stops it before anything is deleted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/core/errors.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { purgeStore } from '../../src/store/purge.js';

let dir: string;
let file: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'turnout-purge-store-'));
  file = path.join(dir, 'e.db');
  db = openDatabase(file, { busyTimeoutMs: 200 });
  db.exec(`
    INSERT INTO voters (id, first_name, last_name, phone, neighborhood, precinct, support) VALUES
      ('V1', 'Odalric', 'Fauxnom', '0611223344', 'Belsunce', 'P1', 1),
      ('V2', 'Ysolde', 'Inventé', '0655667788', 'Belsunce', 'P1', 2),
      ('V3', 'Théodrun', 'Imaginaire', NULL, 'Noailles', 'P2', 4);
    INSERT INTO checks (voter_id, checked_at, source, recorded_at) VALUES
      ('V1', '2026-03-15T09:00:00.000Z', 'b1', '2026-03-15T09:01:00.000Z'),
      ('V3', '2026-03-15T09:12:00.000Z', 'b1', '2026-03-15T09:13:00.000Z');
    CREATE VIRTUAL TABLE voter_names USING fts5(name);
    INSERT INTO voter_names (name) VALUES ('Odalric Fauxnom'), ('Ysolde Inventé');
    CREATE TABLE contact_links (voter_id TEXT REFERENCES voters(id), note TEXT);
    INSERT INTO contact_links VALUES ('V2', 'Appeler Ysolde le soir');
  `);
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tally = (d: Db) => ({
  voters: d.prepare('SELECT * FROM voter_tally ORDER BY 1, 2, 3').all(),
  votes: d.prepare('SELECT * FROM vote_tally ORDER BY 1, 2, 3, 4').all(),
});

describe('purgeStore', () => {
  it('empties every table not known to hold counts, virtual ones included, and keeps the tallies as they were', () => {
    const before = tally(db);
    const store = purgeStore(db);
    const plan = store.plan({ keepOptouts: false });
    expect(plan.find((t) => t.table === 'voter_names')).toMatchObject({ rows: 2, action: 'delete' });
    expect(plan.find((t) => t.table === 'contact_links')).toMatchObject({ rows: 1, action: 'delete' });
    expect(plan.some((t) => t.table.startsWith('voter_names_'))).toBe(false); // FTS5's shadow tables go with it

    const outcome = store.purge({ keepOptouts: false, at: '2026-03-20T10:00:00.000Z' });
    expect(outcome.bytesAfter).toBeLessThanOrEqual(outcome.bytesBefore);
    expect(tally(db)).toEqual(before);
    for (const table of ['voters', 'checks', 'voter_names', 'contact_links']) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get(), table).toEqual({ n: 0 });
    }
    expect(db.prepare('SELECT * FROM vote_tally_on_the_hour').all()).toEqual([
      { neighborhood: 'Belsunce', precinct: 'P1', support: 1, hour: '2026-03-15T09', votes: 1 },
    ]);
    const settings = Object.fromEntries(db.prepare('SELECT key, value FROM settings').all().map((r) => [(r as { key: string }).key, (r as { value: string }).value]));
    expect(settings).toMatchObject({ purged_at: '2026-03-20T10:00:00.000Z', purge_votes_until: '2026-03-15T09:12:00.000Z' });

    db.close();
    const bytes = ['', '-wal', '-shm'].filter((s) => fs.existsSync(file + s)).map((s) => fs.readFileSync(file + s).toString('latin1')).join('');
    for (const text of ['Odalric', 'Fauxnom', 'Ysolde', 'Imaginaire', '0611223344', 'Appeler', 'odalric', 'fauxnom', 'ysolde']) expect(bytes, text).not.toContain(text);
    db = openDatabase(file);
  });

  it('deletes nothing while another connection holds a read snapshot of the WAL', () => {
    const reader = new Database(file);
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT count(*) FROM voters').get();
    db.exec("UPDATE voters SET first_name = 'Odalrique' WHERE id = 'V1'"); // a frame the reader does not see
    try {
      expect(() => purgeStore(db).purge({ keepOptouts: false, at: '2026-03-20T10:00:00.000Z' })).toThrow(RuntimeError);
      expect(() => purgeStore(db).purge({ keepOptouts: false, at: '2026-03-20T10:00:00.000Z' })).toThrow('another process has the database open');
      expect(db.prepare('SELECT count(*) AS n FROM voters').get()).toEqual({ n: 3 });
    } finally {
      reader.prepare('COMMIT').run();
      reader.close();
    }
    purgeStore(db).purge({ keepOptouts: false, at: '2026-03-20T10:00:00.000Z' });
    expect(db.prepare('SELECT count(*) AS n FROM voters').get()).toEqual({ n: 0 });
  });
});
