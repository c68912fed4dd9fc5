/**
 * The voter writer of src/store/voters.ts on a real (in-memory) database: a first load into an
 * empty table uses plain inserts (no ON CONFLICT clause), later imports the upsert.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VoterRowColumn } from '../../src/core/voterRecord.js';
import { tallyOf } from '../helpers/tally.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { voterImportStore } from '../../src/store/voters.js';
import { voterRowsFor } from '../helpers/voterRows.js';

let db: Db;
beforeEach(() => {
  db = openDatabase(':memory:');
});
afterEach(() => db.close());

const SUPPLIED: VoterRowColumn[] = ['id', 'first_name', 'precinct', 'list_number', 'support'];

/** Flat values as the reader sends them: text or null, the supplied columns only, in their order. */
function rows(...voters: Array<{ id: string; first_name: string; precinct: string; list_number: string; support: string }>): (string | null)[] {
  return voters.flatMap((v) => SUPPLIED.map((c) => (c in v ? (v as Record<string, string>)[c]! : null)));
}
const voter = (n: number, first = `Voter ${n}`) => ({ id: `V${String(n).padStart(4, '0')}`, first_name: first, precinct: `P${n % 7}`, list_number: String(n), support: String((n % 5) + 1) });

function load(values: (string | null)[], count: number): number {
  const store = voterImportStore(db);
  store.begin();
  try {
    const bulk = store.countVoters() === 0;
    if (bulk) store.bulkLoad('before');
    // The use case's sequence (src/app/importVoters.ts): write, end the writes, then rebuild.
    const changed = (store.voterWriter(SUPPLIED, [])(voterRowsFor(store.batchForm, SUPPLIED.length)(values, count)) as number) + (store.endVoterWrites() as number);
    if (bulk) store.bulkLoad('after', tallyOf(values, count, SUPPLIED));
    store.commit();
    return changed;
  } catch (error) {
    store.rollback();
    throw error;
  }
}

describe('voterImportStore writer', () => {
  it('loads an empty table with plain inserts and rebuilds its indexes', () => {
    const voters = Array.from({ length: 600 }, (_, i) => voter(i + 1));
    expect(load(rows(...voters), voters.length)).toBe(600);
    expect(db.prepare('SELECT count(*) AS n, sum(support) AS s FROM voters').get()).toEqual({ n: 600, s: voters.reduce((s, v) => s + Number(v.support), 0) });
    expect(db.prepare("SELECT id, first_name, precinct, list_number, support FROM voters WHERE id = 'V0042'").get()).toEqual({ ...voter(42), support: 3 });
    const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'voters' AND sql IS NOT NULL").all();
    expect(indexes).toContainEqual({ name: 'voters_precinct_list' });
  });

  it('loads a first file whose ids stop ascending in a later batch: every voter stored once', () => {
    const store = voterImportStore(db);
    store.begin();
    store.bulkLoad('before');
    const write = store.voterWriter(SUPPLIED, []);
    const batchOf = voterRowsFor(store.batchForm, SUPPLIED.length);
    // Two batches in id order (appended), then one going back (staged, then sorted in).
    const batches = [[1, 2, 3], [10, 11, 12], [5, 4, 13]].map((ns) => ns.map((n) => voter(n)));
    let changed = 0;
    for (const batch of batches) changed += write(batchOf(rows(...batch), batch.length)) as number;
    expect(changed).toBe(9);
    // The batch that went back waits in the staging table; the two before it were appended.
    expect(db.prepare('SELECT id FROM temp.voters_load ORDER BY id').all()).toEqual([4, 5, 13].map((n) => ({ id: voter(n).id })));
    store.endVoterWrites();
    const all = batches.flat();
    store.bulkLoad('after', tallyOf(rows(...all), all.length, SUPPLIED));
    store.commit();
    expect(db.prepare('SELECT id FROM voters ORDER BY id').all()).toEqual([1, 2, 3, 4, 5, 10, 11, 12, 13].map((n) => ({ id: voter(n).id })));
    expect(db.prepare('SELECT sum(voters) AS n FROM voter_tally').get()).toEqual({ n: 9 });
  });

  it('fails a first load on a duplicate id instead of dropping it, and leaves nothing behind', () => {
    expect(() => load(rows(voter(1), voter(2), voter(1, 'Other')), 3)).toThrow(/UNIQUE constraint failed: voters.id/);
    expect(db.prepare('SELECT count(*) AS n FROM voters').get()).toEqual({ n: 0 });
    const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'voters' AND sql IS NOT NULL").all();
    expect(indexes).toContainEqual({ name: 'voters_precinct_list' });
  });

  it('upserts once the table has voters: new ones inserted, changed ones updated, the same ones untouched', () => {
    expect(load(rows(voter(1), voter(2), voter(3)), 3)).toBe(3);
    // 1 unchanged, 2 renamed, 4 new: two rows inserted or changed.
    expect(load(rows(voter(1), voter(2, 'Renamed'), voter(4)), 3)).toBe(2);
    expect(db.prepare('SELECT id, first_name FROM voters ORDER BY id').all()).toEqual([
      { id: 'V0001', first_name: 'Voter 1' },
      { id: 'V0002', first_name: 'Renamed' },
      { id: 'V0003', first_name: 'Voter 3' },
      { id: 'V0004', first_name: 'Voter 4' },
    ]);
  });
});
