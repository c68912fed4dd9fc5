import type { Migration } from './index.js';

/**
 * Contacts linked by identity (issue 11, `turnout import contacts`). Each voter with a first name
 * and a real birth date gets `identity_key`, "marie|1962-03-14" (normalized first given name and
 * ISO date, see identityKey in src/core/identity.ts), computed by the voter import's reading
 * thread. The index is partial (voters without a birth date cost it nothing) and covering: the few
 * voters sharing a key are compared on their last names without reading their rows.
 */
export const contacts: Migration = {
  name: 'contacts',
  up(db) {
    db.exec(`
      ALTER TABLE voters ADD COLUMN identity_key TEXT;
      CREATE INDEX voters_identity ON voters (identity_key, last_name, birth_name) WHERE identity_key IS NOT NULL;
    `);
  },
};
