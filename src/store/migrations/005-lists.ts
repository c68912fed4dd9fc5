import type { Migration } from './index.js';

/**
 * Official electoral lists (issue 11): what the French REU export and registers carry beyond the
 * standard fields. `last_name` stays the name in use (the REU's nom d'usage, else the birth name);
 * `birth_name` keeps the birth name, `given_names` every given name (`first_name` is the first).
 * A birth date is kept as written; `birth_date_iso` is the date when it is a real one, and
 * `birth_date_valid` flags the others (`00/00/1953`, a bare year) like `phone_valid` does phones.
 */
export const lists: Migration = {
  name: 'lists',
  up(db) {
    db.exec(`
      ALTER TABLE voters ADD COLUMN birth_name TEXT;
      ALTER TABLE voters ADD COLUMN given_names TEXT;
      ALTER TABLE voters ADD COLUMN birth_date TEXT;        -- as written
      ALTER TABLE voters ADD COLUMN birth_date_iso TEXT;    -- YYYY-MM-DD, NULL when not a real date
      ALTER TABLE voters ADD COLUMN birth_date_valid INTEGER; -- 1 a date, 0 kept as written but not a date, NULL none
      ALTER TABLE voters ADD COLUMN list_type TEXT;         -- REU: Liste principale, Liste complémentaire municipale / européenne
      ALTER TABLE voters ADD COLUMN address_2 TEXT;         -- REU: complément 1
      ALTER TABLE voters ADD COLUMN address_3 TEXT;         -- REU: complément 2
      ALTER TABLE voters ADD COLUMN locality TEXT;          -- REU: lieu-dit
    `);
  },
};
