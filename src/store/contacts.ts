import type { ContactImportStore, ContactRow, IdentityCandidate, VoterName } from '../app/importContacts.js';
import type { ContactColumn } from '../core/contact.js';
import type { Db } from './db.js';
import { importTransaction } from './journal.js';

/**
 * The page cache while contacts are looked up by identity: room for the whole identity index of a
 * few million voters (47 MB for 1M), which 100,000 lookups read all over. With the default 16 MB
 * cache each lookup read its pages again from the file (106,000 reads of 16 KiB): 735 -> 527 ms
 * on the 1M-voter bench. Only while looking up: kept during the writes, it made them twice as
 * slow (567 -> 1,119 ms), so the writes go back to the connection's own size.
 */
const LOOKUP_CACHE_KIB = 64 * 1024;

/**
 * Contacts onto voters (`turnout import contacts`). Lookups and writes go a batch at a time, as
 * JSON arrays through json_each: one statement per batch instead of one per contact (on the
 * 1M-voter bench, 100,000 identity lookups one by one took 0.8 s of 4.5 s). Identity lookups read
 * only the partial, covering index of migration 006 (identity_key, last_name, birth_name).
 */
export function contactImportStore(db: Db): ContactImportStore {
  let ownCacheSize: number | undefined;
  /** The lookup cache on (the first lookup) or off again (the first write, the end). */
  const lookupCache = (on: boolean): void => {
    if (on && ownCacheSize === undefined) {
      ownCacheSize = db.pragma('cache_size', { simple: true }) as number;
      db.pragma(`cache_size = -${LOOKUP_CACHE_KIB}`);
    } else if (!on && ownCacheSize !== undefined) {
      db.pragma(`cache_size = ${ownCacheSize}`);
      ownCacheSize = undefined;
    }
  };
  const transaction = importTransaction(db, () => false);
  const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM voters WHERE id = ?');
  const at = db.prepare<[string, string], { id: string }>('SELECT id FROM voters WHERE precinct = ? AND list_number = ? LIMIT 2');
  const identities = db
    .prepare<[string], [string, string, string | null, string | null]>(
      `SELECT v.identity_key, v.id, v.last_name, v.birth_name
         FROM json_each(?) k JOIN voters v INDEXED BY voters_identity ON v.identity_key = k.value`,
    )
    .raw();
  // Only the columns the file supplies, as arrays: reading every contact column as an object per
  // voter (the REU's extra columns as JSON text) took 0.33 s of the bench's 100,000 contacts.
  const currents = new Map<string, ReturnType<typeof prepareCurrent>>();
  function prepareCurrent(columns: readonly ContactColumn[]) {
    return db
      .prepare<[string], [string, ...Array<string | number | null>]>(
        `SELECT v.id${columns.map((c) => `, v.${c}`).join('')} FROM json_each(?) k JOIN voters v ON v.id = k.value`,
      )
      .raw();
  }
  const updates = new Map<string, ReturnType<typeof prepareUpdate>>();
  // Rows as JSON arrays [id, ...values]; a single UPDATE … FROM per batch (each voter's row is
  // found by its key once; the tally triggers still follow support changes).
  function prepareUpdate(columns: readonly ContactColumn[]) {
    const values = columns.map((c, i) => `value ->> ${i + 1} AS ${c}`).join(', ');
    return db.prepare<[string]>(
      `UPDATE voters SET ${columns.map((c) => `${c} = u.${c}`).join(', ')}
         FROM (SELECT value ->> 0 AS id, ${values} FROM jsonb_each(?)) AS u
        WHERE voters.id = u.id`,
    );
  }
  return {
    // Never a first load (contacts need voters): in WAL, with each write slice's statement journal
    // in memory (see beginWithJournalInMemory).
    begin: transaction.begin,
    commit() {
      lookupCache(false);
      transaction.commit();
    },
    rollback() {
      lookupCache(false);
      transaction.rollback();
    },
    // One indexed lookup per key: as fast here as a join, and no round trips to save on SQLite.
    votersWithIds: (ids) => new Set(ids.filter((id) => exists.get(id) !== undefined)),
    votersAtPlaces: (places) => places.map(([precinct, listNumber]) => at.all(precinct, listNumber).map((r) => r.id)),
    votersWithIdentities(keys) {
      lookupCache(true);
      const found = new Map<string, IdentityCandidate[]>();
      for (const [key, id, last_name, birth_name] of identities.iterate(JSON.stringify(keys))) {
        const list = found.get(key);
        const candidate = { id, last_name, birth_name };
        if (list) list.push(candidate);
        else found.set(key, [candidate]);
      }
      return found;
    },
    everyVoterName: () => db.prepare<[], VoterName>('SELECT id, first_name, last_name, birth_name FROM voters').iterate(),
    currentOf(ids, columns) {
      lookupCache(false);
      const key = columns.join(',');
      let stmt = currents.get(key);
      if (!stmt) currents.set(key, (stmt = prepareCurrent(columns)));
      const result = new Map<string, ContactRow>();
      for (const row of stmt.all(JSON.stringify(ids))) result.set(row[0], row);
      return result;
    },
    update(columns, rows) {
      const key = columns.join(',');
      let stmt = updates.get(key);
      if (!stmt) updates.set(key, (stmt = prepareUpdate(columns)));
      stmt.run(JSON.stringify(rows));
    },
    addExtraColumns(names) {
      const known = new Set(db.prepare<[], { name: string }>('SELECT name FROM voter_columns').all().map((r) => r.name));
      let position = (db.prepare('SELECT coalesce(max(position), 0) AS p FROM voter_columns').get() as { p: number }).p;
      const insert = db.prepare('INSERT INTO voter_columns (name, position) VALUES (?, ?)');
      for (const name of names) if (!known.has(name)) insert.run(name, ++position);
    },
  };
}
