/**
 * The tallies of migration 004 against the tables they summarize. A seeded random history of
 * everything that writes voters or checks (a first load with the triggers dropped, re-imports that
 * move voters and change their support, new checks, earlier checks, unmarked checks, unmatched
 * checks applied later) is replayed on a real SQLite file; after each step, status's counts from
 * the tallies must equal counts computed here from the raw rows, at moments inside hours, on hour
 * boundaries and before any vote.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AreaSupportCount } from '../../src/app/computeStatus.js';
import type { VoterRowColumn } from '../../src/core/voterRecord.js';
import { tallyOf } from '../helpers/tally.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { checkImportStore, markStore } from '../../src/store/checks.js';
import { statusStore } from '../../src/store/status.js';
import { voterImportStore } from '../../src/store/voters.js';
import { VOTER_TALLY_TRIGGERS } from '../../src/store/migrations/004-tallies.js';
import { migrations } from '../../src/store/migrations/index.js';
import Database from 'better-sqlite3';
import { voterRowsFor } from '../helpers/voterRows.js';

/** A small deterministic generator (mulberry32): the same history on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NEIGHBORHOODS = ['Belsunce', 'Noailles', 'Le Panier', null, ''];
const PRECINCTS = ['P01', 'P02', 'P03', null];
const SUPPORT = ['1', '2', '3', '5', null];

let dir: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'turnout-tallies-'));
  db = openDatabase(path.join(dir, 'tallies.db'));
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function voterValues(ids: string[], pick: () => number): Array<string | null> {
  const values: Array<string | null> = [];
  const choose = <T,>(list: readonly T[]): T => list[Math.floor(pick() * list.length)]!;
  for (const id of ids) {
    const row: Record<string, string | null> = { id, last_name: `Nom ${id}`, neighborhood: choose(NEIGHBORHOODS), precinct: choose(PRECINCTS), support: choose(SUPPORT) };
    // The worker never sends '' (empty is null); a blank neighborhood stays possible as ' '.
    if (row.neighborhood === '') row.neighborhood = ' ';
    for (const column of SUPPLIED) values.push(row[column] ?? null);
  }
  return values;
}

const SUPPLIED: VoterRowColumn[] = ['id', 'last_name', 'neighborhood', 'precinct', 'support'];

function importVoters(ids: string[], pick: () => number): void {
  const store = voterImportStore(db);
  store.begin();
  const bulk = store.countVoters() === 0;
  if (bulk) store.bulkLoad('before');
  const write = store.voterWriter(SUPPLIED, []);
  const values = voterValues(ids, pick);
  write(voterRowsFor(store.batchForm, SUPPLIED.length)(values, ids.length));
  if (bulk) store.bulkLoad('after', tallyOf(values, ids.length, SUPPLIED));
  store.applyUnmatchedChecks();
  store.commit();
}

function recordChecks(checks: Array<{ id: string; at: string }>): void {
  const store = checkImportStore(db);
  store.begin();
  checks.forEach((c, i) => store.record({ target: { voterId: c.id }, checkedAt: c.at, source: null, file: 'test.csv', line: i + 2, recordedAt: c.at }));
  store.commit();
}

/** What status must say, computed from the raw rows. */
function expected(field: 'neighborhood' | 'precinct', at: string): AreaSupportCount[] {
  const rows = db
    .prepare(`SELECT v.${field} AS area, v.support AS support, c.checked_at AS checked_at FROM voters v LEFT JOIN checks c ON c.voter_id = v.id`)
    .all() as Array<{ area: string | null; support: number | null; checked_at: string | null }>;
  const counts = new Map<string, AreaSupportCount>();
  for (const r of rows) {
    const area = r.area ?? '';
    const key = `${area}|${r.support}`;
    const count = counts.get(key) ?? { area, support: r.support, voters: 0, voted: 0 };
    count.voters++;
    if (r.checked_at !== null && r.checked_at <= at) count.voted++;
    counts.set(key, count);
  }
  return sorted([...counts.values()]);
}

function sorted(counts: AreaSupportCount[]): AreaSupportCount[] {
  return counts
    .map((c) => ({ ...c, area: c.area ?? '' }))
    .sort((a, b) => `${a.area}|${a.support}`.localeCompare(`${b.area}|${b.support}`));
}

const MOMENTS = ['2026-03-15T06:00:00.000Z', '2026-03-15T09:00:00.000Z', '2026-03-15T09:59:59.999Z', '2026-03-15T11:30:00.000Z', '2026-03-15T20:00:00.000Z'];

function expectTalliesRight(step: string): void {
  const status = statusStore(db);
  for (const field of ['neighborhood', 'precinct'] as const) {
    for (const at of MOMENTS) {
      expect(sorted(status.areaSupportCounts(field, at)), `${step}: by ${field} at ${at}`).toEqual(expected(field, at));
    }
  }
  const zero = db.prepare("SELECT count(*) AS n FROM checks WHERE neighborhood IS NULL OR precinct IS NULL OR support IS NULL").get() as { n: number };
  expect(zero.n, `${step}: every check has its voter's keys`).toBe(0);
}

function timeOf(pick: () => number): string {
  // 07:00–19:59 UTC, on whole minutes and hours too.
  const minute = Math.floor(pick() * 13 * 60);
  const second = pick() < 0.3 ? 0 : Math.floor(pick() * 60);
  return new Date(Date.UTC(2026, 2, 15, 7, minute, second)).toISOString();
}

describe('status tallies (migration 004)', () => {
  it('match the voters and checks through every kind of write', () => {
    const pick = random(20260315);
    const ids = Array.from({ length: 400 }, (_, i) => `V${String(i).padStart(4, '0')}`);

    // Checks that arrive before their voters are kept unmatched, then applied by the first load.
    recordChecks(ids.slice(0, 20).map((id) => ({ id, at: timeOf(pick) })));
    importVoters(ids, pick);
    expect(db.prepare('SELECT count(*) AS n FROM checks').get()).toEqual({ n: 20 });
    for (const name of VOTER_TALLY_TRIGGERS) {
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'trigger' AND name = ?").get(name), `${name} is back after the first load`).toEqual({ n: 1 });
    }
    expectTalliesRight('first load');

    recordChecks(ids.filter(() => pick() < 0.4).map((id) => ({ id, at: timeOf(pick) })));
    expectTalliesRight('checks');

    // Earlier times replace later ones (moving a vote to another hour); later ones are ignored.
    recordChecks(ids.filter(() => pick() < 0.3).map((id) => ({ id, at: timeOf(pick) })));
    expectTalliesRight('earlier and later checks');

    // A re-import moves voters (some of whom voted) and changes their support; new voters arrive.
    const moved = ids.filter(() => pick() < 0.5);
    importVoters([...moved, 'V9001', 'V9002'], pick);
    expectTalliesRight('re-import');

    const marks = markStore(db);
    marks.transaction(() => {
      for (const id of ids.filter(() => pick() < 0.2)) marks.unmark(id);
      for (const id of ['V9001', 'V9002']) marks.mark(id, '2026-03-15T10:00:00.000Z', 'manual', '2026-03-15T10:00:00.000Z');
    });
    expectTalliesRight('mark and unmark');
  });

  it('default to precinct when no voter has a neighborhood left', () => {
    const pick = random(7);
    importVoters(['A1', 'A2'], () => 0.99 * pick()); // any neighborhood
    db.exec("UPDATE voters SET neighborhood = NULL");
    expect(statusStore(db).defaultAreaField()).toBe('precinct');
    expectTalliesRight('neighborhoods removed');
  });

  it('are built from the data of a database made before them (schema 3)', () => {
    db.close();
    const file = path.join(dir, 'schema3.db');
    const old = new Database(file);
    for (const migration of migrations.slice(0, 3)) migration.up(old);
    old.pragma('user_version = 3');
    old.exec(`
      INSERT INTO voters (id, neighborhood, precinct, support) VALUES
        ('A', 'Noailles', 'P01', 1), ('B', 'Noailles', 'P01', 1), ('C', NULL, 'P02', NULL), ('D', 'Belsunce', NULL, 2);
      INSERT INTO checks (voter_id, checked_at, source, recorded_at) VALUES
        ('A', '2026-03-15T09:10:00.000Z', 'Bureau 1', '2026-03-15T09:30:00.000Z'),
        ('C', '2026-03-15T10:05:00.000Z', NULL, '2026-03-15T10:30:00.000Z');
    `);
    old.close();
    db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.prepare('SELECT voter_id, checked_at, source, neighborhood, precinct, support FROM checks ORDER BY voter_id').all()).toEqual([
      { voter_id: 'A', checked_at: '2026-03-15T09:10:00.000Z', source: 'Bureau 1', neighborhood: 'Noailles', precinct: 'P01', support: 1 },
      { voter_id: 'C', checked_at: '2026-03-15T10:05:00.000Z', source: null, neighborhood: '', precinct: 'P02', support: 0 },
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM pragma_table_info('voters') WHERE name = 'voted_at'").get()).toEqual({ n: 0 });
    expectTalliesRight('migrated');
  });

  it('keep the earliest of several checks of one voter in one file, and count the voter once', () => {
    importVoters(['A', 'B'], () => 0);
    const store = checkImportStore(db);
    store.begin();
    const record = (id: string, at: string, line: number) =>
      store.record({ target: { voterId: id }, checkedAt: at, source: `line ${line}`, file: 'f.csv', line, recordedAt: at });
    const outcomes = [
      record('A', '2026-03-15T11:20:00.000Z', 2),
      record('A', '2026-03-15T09:05:00.000Z', 3),
      record('A', '2026-03-15T12:00:00.000Z', 4),
      record('Z', '2026-03-15T12:00:00.000Z', 5),
    ];
    const newlyChecked = store.write();
    store.commit();
    expect(outcomes).toEqual(['matched', 'matched', 'matched', 'unmatched']);
    expect(newlyChecked, 'one voter newly checked').toBe(1);
    // The import writes with SQLite's foreign-key check off (it matched every voter itself).
    expect(db.pragma('foreign_keys', { simple: true }), 'foreign keys back on').toBe(1);
    expect(db.pragma('foreign_key_check'), 'no check without its voter').toEqual([]);
    expect(db.prepare('SELECT voter_id, checked_at, source FROM checks').all()).toEqual([{ voter_id: 'A', checked_at: '2026-03-15T09:05:00.000Z', source: 'line 3' }]);
    expectTalliesRight('one voter checked three times');
  });

  it('count newly checked voters across the writes of a long import (one every 20,000 checks)', () => {
    const pick = random(7);
    const ids = Array.from({ length: 30_000 }, (_, i) => `V${String(i).padStart(5, '0')}`);
    importVoters(ids, pick);
    recordChecks(ids.slice(0, 5000).map((id) => ({ id, at: '2026-03-15T10:00:00.000Z' })));
    const cacheBefore = db.pragma('cache_size', { simple: true });

    const store = checkImportStore(db);
    store.begin();
    const earliest = new Map<string, string>(ids.slice(0, 5000).map((id) => [id, '2026-03-15T10:00:00.000Z']));
    let matched = 0;
    const record = (id: string, at: string, line: number): void => {
      if (store.record({ target: { voterId: id }, checkedAt: at, source: null, file: 'f.csv', line, recordedAt: at }) === 'matched') matched++;
      if (!earliest.has(id) || at < earliest.get(id)!) earliest.set(id, at);
    };
    // 28,000 voters: the first 5,000 already checked (half of them earlier in this file, half
    // later), then 100 of them again after the first write, earlier still.
    ids.slice(0, 28_000).forEach((id, i) => record(id, i < 5000 && i % 2 === 0 ? '2026-03-15T08:00:00.000Z' : timeOf(pick), i + 2));
    ids.slice(10_000, 10_100).forEach((id, i) => record(id, '2026-03-15T07:00:00.000Z', 28_002 + i));
    const newlyChecked = store.write();
    store.commit();

    expect(matched).toBe(28_100);
    expect(newlyChecked, 'voters 5,000-27,999 had no check').toBe(23_000);
    expect(db.pragma('cache_size', { simple: true }), 'the page cache is back to its size').toBe(cacheBefore);

    // A rolled-back import (a dry run, an error) gives the connection back as it found it too.
    const again = checkImportStore(db);
    again.begin();
    expect(db.pragma('cache_size', { simple: true }), 'a small cache while importing').toBe(-2000);
    again.record({ target: { voterId: ids[29_999]! }, checkedAt: '2026-03-15T08:00:00.000Z', source: null, file: 'f.csv', line: 2, recordedAt: '2026-03-15T08:00:00.000Z' });
    expect(again.write()).toBe(1);
    again.rollback();
    expect(db.pragma('cache_size', { simple: true })).toBe(cacheBefore);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT count(*) AS n FROM checks').get()).toEqual({ n: 28_000 });
    const stored = db.prepare('SELECT voter_id, checked_at FROM checks').all() as Array<{ voter_id: string; checked_at: string }>;
    expect(stored).toHaveLength(28_000);
    expect(stored.filter((c) => c.checked_at !== earliest.get(c.voter_id)), 'each voter keeps the earliest check').toEqual([]);
    expectTalliesRight('a long import');
  });
});
