/**
 * Voter import on PostgreSQL: the batches stream through one COPY, straight into `voters` for a
 * first load, else into a temporary table that one upsert merges at the end (new ids inserted,
 * existing ones changed only where the file's columns differ, extras merged by header as SQLite
 * does). The whole import is one transaction: a failure or a lost connection leaves nothing.
 */
import { VOTER_ROW_COLUMNS, type VoterRowColumn } from '../../core/voterRecord.js';
import type { VoterTallyRow } from '../../core/voterTally.js';
import type { CopyWriter, PgDb } from './connect.js';
import type { VoterRows } from '../../app/importVoters.js';
import { moveVotersToAreasPg } from './areas.js';
import { applyUnmatchedChecksPg } from './checks.js';
import { tallyLockSql } from './migrations.js';
import { InternalError, RuntimeError } from '../../core/errors.js';

const COLUMNS = VOTER_ROW_COLUMNS.join(', ');

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The merge of the staged voters into `voters`; RETURNING counts the rows inserted or changed. */
export function mergeSql(supplied: readonly VoterRowColumn[], extras: readonly string[]): string {
  const updated = supplied.filter((c) => c !== 'id');
  const sets: string[] = [];
  const differs: string[] = [];
  for (const column of updated) {
    if (column === 'extra') continue;
    sets.push(`${column} = excluded.${column}`);
    differs.push(`voters.${column} IS DISTINCT FROM excluded.${column}`);
  }
  if (extras.length > 0) {
    const keys = `ARRAY[${extras.map(literal).join(', ')}]::text[]`;
    // SQLite's json_patch(json_remove(old, this file's columns), new), to the byte: the voter's
    // other columns in their order, then this file's, minified, values as written (json keeps
    // their text; jsonb would sort the keys and re-space the object).
    sets.push(
      `extra = (SELECT nullif('{' || coalesce(string_agg(to_json(e.k)::text || ':' || e.v, ',' ORDER BY e.o), '') || '}', '{}') FROM (
         SELECT key, value::text, ord FROM json_each(coalesce(voters.extra, '{}')::json) WITH ORDINALITY AS j(key, value, ord) WHERE key <> ALL(${keys})
         UNION ALL
         SELECT key, value::text, 1000000 + ord FROM json_each(coalesce(excluded.extra, '{}')::json) WITH ORDINALITY AS j(key, value, ord)
       ) AS e(k, v, o))`,
    );
    for (const key of extras) differs.push(`(voters.extra::jsonb -> ${literal(key)}) IS DISTINCT FROM (excluded.extra::jsonb -> ${literal(key)})`);
  }
  // Ordered by id: two imports touching the same voters lock them in the same order.
  const head = `INSERT INTO voters (${COLUMNS}) SELECT ${COLUMNS} FROM voters_in ORDER BY id`;
  const conflict = sets.length === 0 ? 'ON CONFLICT (id) DO NOTHING' : `ON CONFLICT (id) DO UPDATE SET ${sets.join(', ')} WHERE ${differs.join(' OR ')}`;
  return `WITH w AS (${head} ${conflict} RETURNING 1) SELECT count(*) AS n FROM w`;
}

export interface PgVoterImportStore {
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  countVoters(): Promise<number>;
  addExtraColumns(names: readonly string[]): Promise<void>;
  voterWriter(supplied: readonly VoterRowColumn[], extras: readonly string[]): (batch: VoterRows) => Promise<number> | number;
  readonly batchForm: 'copy-text';
  /** Ends the COPY (and merges the staged rows); returns the voters inserted or changed by it. */
  endVoterWrites(): Promise<number>;
  bulkLoad(phase: 'before' | 'after', tally?: readonly VoterTallyRow[]): Promise<void>;
  applyUnmatchedChecks(): Promise<number>;
  applyAreas(): Promise<number | undefined>;
}

/** An index on voters that a first load drops and makes again after (see bulkLoad). */
interface DeferredIndex {
  name: string;
  sql: string;
}

/**
 * A first load into an empty table: the secondary indexes are dropped and made again once at the
 * end, and the tally trigger is off (the reader's own count is written instead), all inside the
 * import's transaction, so a failure rolls the drops back too. Measured on 1M voters (2 cores,
 * busy): COPY into voters with its indexes 24–39 s, into the table with its primary key only
 * 7.7 s plus 1.6 s for the index; the statement trigger's transition table holds every row again.
 * Which indexes: every one on voters that no constraint owns and that is not unique, whichever
 * migration made it, except a partial index `WHERE column IS NOT NULL` on a column the file does
 * not supply: it stays empty, and building it after would read the whole table.
 */
async function dropIndexesForLoad(db: PgDb, supplied: readonly VoterRowColumn[]): Promise<DeferredIndex[]> {
  const r = await db.query<{ name: string; sql: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS sql
       FROM pg_index i
      WHERE i.indrelid = 'voters'::regclass AND NOT i.indisunique AND NOT i.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY 1`,
  );
  const dropped: DeferredIndex[] = [];
  for (const index of r.rows) {
    const only = /\bWHERE\s+\(?(\w+)\s+IS\s+NOT\s+NULL\)?\s*$/i.exec(index.sql);
    if (only !== null && !supplied.includes(only[1] as VoterRowColumn)) continue;
    await db.query(`DROP INDEX ${index.name}`);
    dropped.push(index);
  }
  return dropped;
}

export function pgVoterImportStore(db: PgDb): PgVoterImportStore {
  let bulk = false;
  let copy: CopyWriter | undefined;
  let merge: string | undefined;
  let open = false;
  /** A first load's dropped indexes, and whether the tally trigger is off. */
  let deferred: DeferredIndex[] = [];
  let triggerOff = false;
  return {
    // The reader writes the COPY text on its own thread; this one only sends it on.
    batchForm: 'copy-text',
    async begin() {
      await db.begin();
      open = true;
    },
    async commit() {
      await db.commit();
      open = false;
    },
    async rollback() {
      if (!open) return;
      open = false;
      copy = undefined;
      await db.rollback();
    },
    async countVoters() {
      const r = await db.query<{ n: number }>('SELECT coalesce(sum(voters), 0) AS n FROM voter_tally');
      return r.rows[0]!.n;
    },
    async addExtraColumns(names) {
      if (names.length === 0) return;
      // One statement, positions after the known ones in file order; a concurrent import adding
      // the same name is absorbed by ON CONFLICT.
      await db.query(
        `INSERT INTO voter_columns (name, position)
           SELECT n.name, (SELECT coalesce(max(position), 0) FROM voter_columns) + row_number() OVER (ORDER BY n.i)
             FROM unnest($1::text[]) WITH ORDINALITY AS n(name, i)
            WHERE NOT EXISTS (SELECT 1 FROM voter_columns c WHERE c.name = n.name)
         ON CONFLICT (name) DO NOTHING`,
        [names],
      );
    },
    voterWriter(supplied, extras) {
      merge = bulk ? undefined : mergeSql(supplied, extras);
      let started: Promise<void> | undefined;
      const start = async (): Promise<void> => {
        if (!bulk) {
          await db.query(`CREATE TEMP TABLE IF NOT EXISTS voters_in (LIKE voters INCLUDING DEFAULTS) ON COMMIT DROP`);
          await db.query('TRUNCATE voters_in');
        } else if (!db.rollbackOnly) {
          // (A dry run keeps them: its exclusive lock would stop every other command for nothing.)
          deferred = await dropIndexesForLoad(db, supplied);
          await db.query('ALTER TABLE voters DISABLE TRIGGER voters_tally_insert');
          triggerOff = true;
        }
        // Only the columns the file supplies travel (in that order); the others take their default, NULL.
        copy = db.copyWriter(`COPY ${bulk ? 'voters' : 'voters_in'} (${supplied.join(', ')}) FROM STDIN`);
      };
      return ({ data, rows }) => {
        if (rows === 0) return 0;
        // batchForm 'copy-text': the reader sends the COPY text as a string.
        if (typeof data !== 'string') throw new InternalError('a voter batch came as bytes, not as COPY text');
        if (copy !== undefined) {
          const wrote = copy.write(data);
          return wrote === undefined ? 0 : wrote.then(() => 0);
        }
        started ??= start();
        return started.then(() => copy!.write(data)).then(() => 0);
      };
    },
    async endVoterWrites() {
      if (copy === undefined) return 0;
      const rows = await copy.end();
      copy = undefined;
      if (merge === undefined) return rows;
      // Before the merge locks any voter's row (see tallyLock in migrations.ts): held to the commit.
      await db.query(tallyLockSql('exclusive'));
      const r = await db.query<{ n: number }>(merge);
      return r.rows[0]!.n;
    },
    async bulkLoad(phase, tally) {
      if (phase === 'before') {
        // The use case saw no voters; lock the table (the drops below need it anyway) and make
        // sure, as a first load that started at the same moment may have committed since. A dry
        // run, which keeps the indexes, takes no such lock.
        // The tally lock first, then the table: a check writer holds the lock shared while it
        // reads the voters, so taking the table first would leave each waiting for the other.
        await db.query(tallyLockSql('exclusive'));
        if (!db.rollbackOnly) await db.query('LOCK TABLE voters IN ACCESS EXCLUSIVE MODE');
        if ((await db.query('SELECT 1 FROM voters LIMIT 1')).rowCount !== 0) {
          throw new RuntimeError(`another import loaded voters into ${db.label} while this one was starting; nothing of this one was kept`, {
            hint: 'Run the import again: it will update the voters now there.',
          });
        }
        bulk = true;
        return;
      }
      bulk = false;
      if (deferred.length > 0) {
        // One sort in memory rather than runs merged from disk: at least 256 MB for these builds
        // (this transaction only; a server set higher keeps its own).
        await db.query(
          `SELECT set_config('maintenance_work_mem', (greatest(pg_size_bytes(current_setting('maintenance_work_mem')), 256 * 1024 * 1024) / 1024)::text || 'kB', true)`,
        );
      }
      for (const index of deferred) await db.query(index.sql);
      deferred = [];
      if (triggerOff) await db.query('ALTER TABLE voters ENABLE TRIGGER voters_tally_insert');
      triggerOff = false;
      // The table was empty, so the tally was all zeros (rows a moved voter left behind): the
      // reader's count replaces it, in one statement, or without one (a caller that counted
      // nothing) the loaded table's, grouped as the trigger groups.
      await db.query('DELETE FROM voter_tally');
      if (tally === undefined) {
        await db.query(
          `INSERT INTO voter_tally (neighborhood, precinct, support, voters)
             SELECT coalesce(neighborhood, ''), coalesce(precinct, ''), coalesce(support, 0), count(*) FROM voters GROUP BY 1, 2, 3`,
        );
      } else if (tally.length > 0) {
        await db.query(
          `INSERT INTO voter_tally (neighborhood, precinct, support, voters)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[])`,
          [tally.map((t) => t.neighborhood), tally.map((t) => t.precinct), tally.map((t) => t.support), tally.map((t) => t.voters)],
        );
      }
    },
    applyUnmatchedChecks: () => applyUnmatchedChecksPg(db),
    // As src/store/areas.ts: undefined when there is no map.
    async applyAreas() {
      if ((await db.query('SELECT 1 FROM precinct_areas LIMIT 1')).rowCount === 0) return undefined;
      return moveVotersToAreasPg(db);
    },
  };
}
