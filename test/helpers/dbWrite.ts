/**
 * Writes a test makes directly, on either engine, for state no command creates on demand (a
 * message log as a killed sender or an old run left it). Reads go through TestDatabase.query.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { TestDatabase } from './backends.js';

/** Runs one statement (placeholders written `?`) on a fresh connection; rows when it returns any (RETURNING). */
export async function execute<T = Record<string, unknown>>(db: TestDatabase, sql: string, ...params: unknown[]): Promise<T[]> {
  const [, target, , schema] = db.args;
  if (db.backend === 'sqlite') {
    const conn = new Database(target!);
    try {
      const stmt = conn.prepare(sql);
      if (stmt.reader) return stmt.all(...params) as T[];
      stmt.run(...params);
      return [];
    } finally {
      conn.close();
    }
  }
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    let n = 0;
    return (await client.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Everything the database holds, as text to search for a secret: the SQLite file (and its WAL) byte for byte, or every row on PostgreSQL. */
export async function storedText(db: TestDatabase): Promise<string> {
  if (db.backend === 'sqlite') {
    const file = db.args[1]!;
    return [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1')).join('\n');
  }
  return db.dump();
}
