/**
 * `turnout copy`: every table of a campaign from an SQLite file to PostgreSQL or back, in one
 * transaction on the target, then the row counts of both sides compared. The target must be
 * empty (no voters, checks or messages): a copy never merges into a live campaign. The tallies are
 * not copied: the target's triggers count the rows as they arrive, and the check compares them too.
 */
import type { Db } from '../db.js';
import { RuntimeError } from '../../core/errors.js';
import type { PgDb } from './connect.js';
import { parseCopyLine } from '../../core/copyText.js';
import { copyLine } from './copy.js';

/** Tables in an order that satisfies the foreign keys; tallies are derived, the schema version is each engine's own. */
const DERIVED = new Set(['voter_tally', 'vote_tally', 'turnout_schema']);
const FIRST = ['settings', 'voter_columns', 'voters', 'checks', 'unmatched_checks', 'messages', 'message_voters'];
/** Tables that must be empty on the target. */
const CAMPAIGN = ['voters', 'checks', 'unmatched_checks', 'messages', 'optouts'];

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export interface CopyReport {
  tables: TableCount[];
  /** Voters and votes as the target's tallies count them (equal to the rows: checked). */
  voters: number;
  votes: number;
}

function ordered(tables: string[]): string[] {
  const rest = tables.filter((t) => !FIRST.includes(t) && !DERIVED.has(t)).sort();
  return [...FIRST.filter((t) => tables.includes(t)), ...rest];
}

function sqliteTables(db: Db): string[] {
  return db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((r) => r.name);
}

function sqliteColumns(db: Db, table: string): string[] {
  return db
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table.replace(/'/g, "''")}')`)
    .all()
    .map((r) => r.name);
}

async function pgTables(pg: PgDb): Promise<string[]> {
  const r = await pg.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema()');
  return r.rows.map((row) => row.t);
}

/** The bytea columns of a table: COPY writes them as \\x + hex, SQLite wants them as BLOBs. */
async function pgByteaColumns(pg: PgDb, table: string): Promise<Set<string>> {
  const r = await pg.query<{ c: string }>(
    "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND data_type = 'bytea'",
    [table],
  );
  return new Set(r.rows.map((row) => row.c));
}

async function pgColumns(pg: PgDb, table: string): Promise<string[]> {
  const r = await pg.query<{ c: string }>(
    'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
    [table],
  );
  return r.rows.map((row) => row.c);
}

const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The tables both sides have and the columns they share; a source table the target lacks is an error. */
function plan(sourceTables: string[], targetTables: string[], direction: string): string[] {
  const missing = sourceTables.filter((t) => !DERIVED.has(t) && !targetTables.includes(t));
  if (missing.length > 0) {
    throw new RuntimeError(`cannot copy ${direction}: the target has no table ${missing.join(', ')}`, {
      hint: 'Both sides must be at the same schema version: upgrade turnout on the machine that wrote the older one.',
    });
  }
  return ordered(sourceTables);
}

async function ensureEmptyPg(pg: PgDb, tables: string[]): Promise<void> {
  for (const t of CAMPAIGN.filter((c) => tables.includes(c))) {
    const r = await pg.query(`SELECT 1 FROM ${q(t)} LIMIT 1`);
    if ((r.rowCount ?? 0) > 0) {
      throw new RuntimeError(`the target ${pg.label} already holds a campaign (${t} is not empty); nothing was copied`, {
        hint: 'Copy into an empty database or a new --db-schema.',
      });
    }
  }
}

function ensureEmptySqlite(db: Db, tables: string[], label: string): void {
  for (const t of CAMPAIGN.filter((c) => tables.includes(c))) {
    if (db.prepare(`SELECT 1 FROM ${q(t)} LIMIT 1`).get() !== undefined) {
      throw new RuntimeError(`the target ${label} already holds a campaign (${t} is not empty); nothing was copied`, {
        hint: 'Copy into a new file: turnout copy --to NEW.db.',
      });
    }
  }
}

/** SQLite file → PostgreSQL, by COPY, in one transaction. */
export async function copySqliteToPg(source: Db, target: PgDb, progress: (table: string, rows: number) => void = () => {}): Promise<CopyReport> {
  const tables = plan(sqliteTables(source), await pgTables(target), 'to PostgreSQL');
  const counts: TableCount[] = [];
  await target.transaction(async () => {
    await ensureEmptyPg(target, tables);
    // Settings and the like may hold defaults written by init on the target: the source's win.
    for (const table of tables) {
      const targetColumns = await pgColumns(target, table);
      const columns = sqliteColumns(source, table).filter((c) => targetColumns.includes(c));
      await target.query(`DELETE FROM ${q(table)}`);
      const list = columns.map(q).join(', ');
      const rows = source.prepare(`SELECT ${list} FROM ${q(table)}`).raw().iterate() as IterableIterator<Array<string | number | null>>;
      const copied = await target.copyIn(
        `COPY ${q(table)} (${list}) FROM STDIN`,
        (function* () {
          for (const row of rows) yield copyLine(row);
        })(),
      );
      progress(table, copied);
      // Identity columns go on after the largest id copied.
      if (columns.includes('id') && (await pg_identity(target, table))) {
        await target.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce((SELECT max(id) FROM ${q(table)}), 0) + 1, false)`);
      }
      counts.push({ table, source: (source.prepare(`SELECT count(*) AS n FROM ${q(table)}`).get() as { n: number }).n, target: 0 });
    }
    for (const c of counts) c.target = (await target.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(c.table)}`)).rows[0]!.n;
    verify(counts, 'PostgreSQL');
  });
  const tallies = await target.query<{ voters: number; votes: number }>(
    'SELECT (SELECT coalesce(sum(voters), 0) FROM voter_tally) AS voters, (SELECT coalesce(sum(votes), 0) FROM vote_tally) AS votes',
  );
  return { tables: counts, ...tallies.rows[0]! };
}

async function pg_identity(pg: PgDb, table: string): Promise<boolean> {
  const r = await pg.query<{ s: string | null }>(`SELECT pg_get_serial_sequence($1, 'id') AS s`, [table]);
  return r.rows[0]?.s != null;
}

/** PostgreSQL → SQLite file, by COPY TO, in one SQLite transaction. */
export async function copyPgToSqlite(source: PgDb, target: Db, label: string, progress: (table: string, rows: number) => void = () => {}): Promise<CopyReport> {
  const tables = plan(await pgTables(source), sqliteTables(target), 'to SQLite');
  const counts: TableCount[] = [];
  // One snapshot of the source for every table: a sender writing meanwhile does not skew the counts.
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    ensureEmptySqlite(target, tables, label);
    target.exec('BEGIN IMMEDIATE');
    try {
      for (const table of tables) {
        const targetColumns = sqliteColumns(target, table);
        const columns = (await pgColumns(source, table)).filter((c) => targetColumns.includes(c));
        target.exec(`DELETE FROM ${q(table)}`);
        const list = columns.map(q).join(', ');
        const insert = target.prepare(`INSERT INTO ${q(table)} (${list}) VALUES (${columns.map(() => '?').join(', ')})`);
        const bytea = await pgByteaColumns(source, table);
        const blobAt = columns.map((c) => bytea.has(c));
        let rows = 0;
        let rest = '';
        // A character's bytes may straddle two chunks: the decoder keeps the first part for the next.
        const decoder = new TextDecoder('utf-8');
        for await (const chunk of source.copyOut(`COPY ${q(table)} (${list}) TO STDOUT`)) {
          const lines = (rest + decoder.decode(chunk as Buffer, { stream: true })).split('\n');
          rest = lines.pop()!;
          for (const line of lines) {
            const values: Array<string | Buffer | null> = parseCopyLine(line);
            for (let i = 0; i < values.length; i++) {
              const v = values[i];
              if (blobAt[i] && typeof v === 'string' && v.startsWith('\\x')) values[i] = Buffer.from(v.slice(2), 'hex');
            }
            insert.run(...values);
            rows++;
          }
        }
        progress(table, rows);
        counts.push({ table, source: (await source.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(table)}`)).rows[0]!.n, target: 0 });
      }
      for (const c of counts) c.target = (target.prepare(`SELECT count(*) AS n FROM ${q(c.table)}`).get() as { n: number }).n;
      verify(counts, 'SQLite');
      target.exec('COMMIT');
    } catch (error) {
      if (target.inTransaction) target.exec('ROLLBACK');
      throw error;
    }
  } finally {
    await source.query('COMMIT').catch(() => {});
  }
  const tallies = target
    .prepare('SELECT (SELECT ifnull(sum(voters), 0) FROM voter_tally) AS voters, (SELECT ifnull(sum(votes), 0) FROM vote_tally) AS votes')
    .get() as { voters: number; votes: number };
  return { tables: counts, ...tallies };
}

function verify(counts: TableCount[], engine: string): void {
  const off = counts.filter((c) => c.source !== c.target);
  if (off.length > 0) {
    throw new RuntimeError(
      `the copy to ${engine} does not match the source (${off.map((c) => `${c.table}: ${c.source} → ${c.target}`).join(', ')}); nothing was copied`,
      { hint: 'This is a bug in turnout; please report it with the command you ran.' },
    );
  }
}
