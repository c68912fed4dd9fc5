/**
 * Contacts onto voters on PostgreSQL (`turnout import contacts`), the same answers as
 * src/store/contacts.ts: one lookup query per reader batch and kind (ids, places, identities), and
 * each slice of updates goes by COPY into a temporary table and one UPDATE … FROM (the statement
 * trigger of the voters moves the tallies once per slice). Everything runs in the one
 * transaction begun by begin(): a failure, a lost connection or --dry-run leaves nothing.
 */
import type { ContactImportStore, IdentityCandidate, VoterName } from '../../app/importContacts.js';
import type { ContactColumn } from '../../core/contact.js';
import type { PgDb } from './connect.js';
import { copyLine } from './copy.js';
import { tallyLockSql } from './migrations.js';
import { pgVoterImportStore } from './voters.js';

/** The staging table of one slice: the voters' contact columns, with their types. */
const STAGING = `CREATE TEMP TABLE IF NOT EXISTS contacts_in (
  id text COLLATE "C", phone text, phone_e164 text, phone_valid integer, email text, support integer, turnout_score double precision, extra text
) ON COMMIT DROP`;

/**
 * Contacts are looked up a slice at a time by identity_key = ANY(…), which PostgreSQL plans from
 * the voters' statistics. Just after a voter import there are none until autovacuum's next round
 * (a minute or more), and the planner, guessing, scans the whole table for every slice: 100,000
 * contacts on 1M fresh voters took 3 minutes, 10 s with the statistics. So the first contacts
 * import after a large change runs ANALYZE (0.8 s per million voters), in its own transaction:
 * statistics are not voter data, and a dry run may keep them.
 */
async function analyzeIfUnknown(db: PgDb): Promise<void> {
  const r = await db.query<{ unknown: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = t.schemaname AND s.tablename = t.relname AND s.attname = 'identity_key')
            OR t.n_mod_since_analyze > greatest(1000, c.reltuples / 2) AS unknown
       FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid
      WHERE t.relid = 'voters'::regclass`,
  );
  if (r.rows[0]?.unknown) await db.query('ANALYZE voters');
}

export function pgContactImportStore(db: PgDb): ContactImportStore {
  let open = false;
  let staged = false;
  let locked = false;
  return {
    async begin() {
      await analyzeIfUnknown(db);
      await db.query('BEGIN');
      open = true;
      staged = false;
      locked = false;
    },
    async commit() {
      await db.query('COMMIT');
      open = false;
    },
    async rollback() {
      if (!open) return;
      open = false;
      await db.query('ROLLBACK').catch(() => {});
    },
    async votersWithIds(ids) {
      // id = ANY(array): an index scan of the primary key, one round trip per batch.
      const r = await db.query<{ id: string }>('SELECT id FROM voters WHERE id = ANY($1::text[])', [ids]);
      return new Set(r.rows.map((row) => row.id));
    },
    async votersAtPlaces(places) {
      // Up to two voters per place, in id order as SQLite reads them from its (precinct, list_number) index over the id key.
      const r = await db.query<{ i: number; id: string }>(
        `SELECT t.i::int AS i, m.id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(precinct, list_number, i)
           CROSS JOIN LATERAL (SELECT id FROM voters v WHERE v.precinct = t.precinct AND v.list_number = t.list_number ORDER BY id LIMIT 2) m
          ORDER BY 1, 2`,
        [places.map(([precinct]) => precinct), places.map(([, listNumber]) => listNumber)],
      );
      const found: string[][] = places.map(() => []);
      for (const row of r.rows) found[row.i - 1]!.push(row.id);
      return found;
    },
    async votersWithIdentities(keys) {
      const r = await db.query<{ identity_key: string; id: string; last_name: string | null; birth_name: string | null }>(
        `SELECT identity_key, id, last_name, birth_name FROM voters
          WHERE identity_key = ANY($1::text[]) ORDER BY identity_key, last_name, birth_name, id`,
        [keys],
      );
      const found = new Map<string, IdentityCandidate[]>();
      for (const { identity_key: key, id, last_name, birth_name } of r.rows) {
        const list = found.get(key);
        const candidate = { id, last_name, birth_name };
        if (list) list.push(candidate);
        else found.set(key, [candidate]);
      }
      return found;
    },
    async everyVoterName() {
      // Only for --match name, once per import; in id order as SQLite's scan of its id-keyed table.
      return (await db.query<VoterName>('SELECT id, first_name, last_name, birth_name FROM voters ORDER BY id')).rows;
    },
    async currentOf(ids, columns) {
      const r = await db.query<Record<ContactColumn, string | number | null> & { id: string }>(
        `SELECT id, ${columns.join(', ')} FROM voters WHERE id = ANY($1::text[])`,
        [ids],
      );
      return new Map(r.rows.map((row) => [row.id, [row.id, ...columns.map((c) => row[c])]]));
    },
    async update(columns, rows) {
      // A support level moves the voter's tallies and check: the tally lock exclusive before the
      // first slice locks any voter's row, held to the commit (see tallyLock in migrations.ts).
      if (!locked && columns.includes('support')) {
        await db.query(tallyLockSql('exclusive'));
        locked = true;
      }
      if (!staged) {
        await db.query(STAGING);
        staged = true;
      }
      await db.query('TRUNCATE contacts_in');
      await db.copyIn(`COPY contacts_in (id, ${columns.join(', ')}) FROM STDIN`, rows.map((row) => copyLine(row)));
      await db.query(`UPDATE voters SET ${columns.map((c) => `${c} = u.${c}`).join(', ')} FROM contacts_in u WHERE voters.id = u.id`);
    },
    addExtraColumns: (names) => pgVoterImportStore(db).addExtraColumns(names),
  };
}
