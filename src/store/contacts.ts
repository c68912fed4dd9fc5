import type { ContactImportStore, IdentityCandidate, VoterName } from '../app/importContacts.js';
import { CONTACT_COLUMNS, type ContactColumn, type ContactValues } from '../core/contact.js';
import type { Db } from './db.js';

/**
 * Contacts onto voters (`turnout import contacts`). Identity lookups read only the partial,
 * covering index of migration 006 (identity_key, last_name, birth_name): the few voters sharing a
 * first name and birth date are compared on their names without fetching their rows.
 */
export function contactImportStore(db: Db): ContactImportStore {
  const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM voters WHERE id = ?');
  const at = db.prepare<[string, string], { id: string }>('SELECT id FROM voters WHERE precinct = ? AND list_number = ? LIMIT 2');
  const identity = db.prepare<[string], IdentityCandidate>(
    'SELECT id, last_name, birth_name FROM voters INDEXED BY voters_identity WHERE identity_key = ?',
  );
  const current = db.prepare<[string], Record<ContactColumn, string | number | null>>(`SELECT ${CONTACT_COLUMNS.join(', ')} FROM voters WHERE id = ?`);
  const updates = new Map<string, ReturnType<typeof prepareUpdate>>();
  const prepareUpdate = (sql: string) => db.prepare<Array<string | number | null>>(sql);
  return {
    begin: () => db.exec('BEGIN IMMEDIATE'),
    commit: () => db.exec('COMMIT'),
    rollback: () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    voterExists: (id) => exists.get(id) !== undefined,
    votersAt: (precinct, listNumber) => at.all(precinct, listNumber).map((r) => r.id),
    votersWithIdentity: (key) => identity.all(key),
    everyVoterName: () => db.prepare<[], VoterName>('SELECT id, first_name, last_name, birth_name FROM voters').iterate(),
    current(id) {
      const row = current.get(id);
      if (row === undefined) throw new Error(`voter ${id} vanished during the import`);
      return row;
    },
    update(id, values: ContactValues) {
      const columns = CONTACT_COLUMNS.filter((c) => c in values);
      const key = columns.join(',');
      let stmt = updates.get(key);
      if (!stmt) updates.set(key, (stmt = prepareUpdate(`UPDATE voters SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`)));
      stmt.run(...columns.map((c) => values[c] ?? null), id);
    },
    addExtraColumns(names) {
      const known = new Set(db.prepare<[], { name: string }>('SELECT name FROM voter_columns').all().map((r) => r.name));
      let position = (db.prepare('SELECT coalesce(max(position), 0) AS p FROM voter_columns').get() as { p: number }).p;
      const insert = db.prepare('INSERT INTO voter_columns (name, position) VALUES (?, ?)');
      for (const name of names) if (!known.has(name)) insert.run(name, ++position);
    },
  };
}
