/**
 * Voter import on PostgreSQL: the batches stream through one COPY, straight into `voters` for a
 * first load, else into a temporary table that one upsert merges at the end (new ids inserted,
 * existing ones changed only where the file's columns differ, extras merged by header as SQLite
 * does). The whole import is one transaction: a failure or a lost connection leaves nothing.
 */
import { VOTER_ROW_COLUMNS, type VoterRowColumn } from '../../core/voterRecord.js';
import type { VoterTallyRow } from '../../core/voterTally.js';
import type { CopyWriter, PgDb } from './connect.js';
import { copyRows } from './copy.js';
import { applyUnmatchedChecksPg } from './checks.js';

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
  voterWriter(supplied: readonly VoterRowColumn[], extras: readonly string[]): (values: readonly (string | null)[], rows: number) => Promise<number> | number;
  /** Ends the COPY (and merges the staged rows); returns the voters inserted or changed by it. */
  endVoterWrites(): Promise<number>;
  bulkLoad(phase: 'before' | 'after', tally?: readonly VoterTallyRow[]): Promise<void>;
  applyUnmatchedChecks(): Promise<number>;
  applyAreas(): Promise<number | undefined>;
}

export function pgVoterImportStore(db: PgDb): PgVoterImportStore {
  let bulk = false;
  let copy: CopyWriter | undefined;
  let merge: string | undefined;
  let open = false;
  return {
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
        }
        // Only the columns the file supplies travel (in that order); the others take their default, NULL.
        copy = db.copyWriter(`COPY ${bulk ? 'voters' : 'voters_in'} (${supplied.join(', ')}) FROM STDIN`);
      };
      return (values, rows) => {
        if (rows === 0) return 0;
        const text = copyRows(values, rows, supplied.length);
        if (copy !== undefined) {
          const wrote = copy.write(text);
          return wrote === undefined ? 0 : wrote.then(() => 0);
        }
        started ??= start();
        return started.then(() => copy!.write(text)).then(() => 0);
      };
    },
    async endVoterWrites() {
      if (copy === undefined) return 0;
      const rows = await copy.end();
      copy = undefined;
      if (merge === undefined) return rows;
      const r = await db.query<{ n: number }>(merge);
      return r.rows[0]!.n;
    },
    async bulkLoad(phase) {
      // The statement trigger counts the COPY into voter_tally in one grouped upsert; the
      // reader's own tally is not needed here.
      bulk = phase === 'before';
    },
    applyUnmatchedChecks: () => applyUnmatchedChecksPg(db),
    // As src/store/areas.ts: each voter's neighborhood follows its precinct through the map (the
    // update trigger moves the tallies and the voters' checks).
    async applyAreas() {
      if ((await db.query('SELECT 1 FROM precinct_areas LIMIT 1')).rowCount === 0) return undefined;
      const r = await db.query(
        `UPDATE voters SET neighborhood = a.neighborhood FROM precinct_areas a
          WHERE voters.precinct = a.precinct AND voters.neighborhood IS DISTINCT FROM a.neighborhood`,
      );
      return r.rowCount ?? 0;
    },
  };
}
