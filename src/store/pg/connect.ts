/**
 * A connection to a PostgreSQL turnout database, through `pg` (node-postgres): the most used
 * PostgreSQL driver for Node, maintained since 2010, pure JavaScript (nothing to compile), and it
 * reads the PG* variables and ~/.pgpass itself, as psql does. COPY goes through pg-copy-streams,
 * written for this driver by one of its contributors.
 *
 * Credentials are never printed: every message names the database by redactUrl().
 */
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExitCode, RuntimeError, TurnoutError, UnavailableError, UsageError } from '../../core/errors.js';
import { redactUrl } from '../../core/databaseUrl.js';

export { isPostgresTarget, redactUrl } from '../../core/databaseUrl.js';

/** The database did not answer, or the connection dropped mid-command (nothing it began is kept: the transaction is gone). */
export class DatabaseUnavailableError extends UnavailableError {}
/** A statement ran past statement_timeout (or lock_timeout) and PostgreSQL cancelled it, and with it the transaction: exit 5. */
export class StatementTimeoutError extends UnavailableError {
  override readonly exitCode: ExitCode = ExitCode.timeout;
}

export interface PgOptions {
  /** --db-schema: the PostgreSQL schema holding this election's tables (search_path). */
  schema?: string;
  /**
   * Longest a single statement may run, ms (default 5 minutes: a 1M-voter import's merge fits, a
   * stuck lock does not hang cron forever); 0: no limit; null: the server's, or PGOPTIONS', setting.
   */
  statementTimeoutMs?: number | null;
  /** Longest to wait for the server to accept the connection, ms. */
  connectTimeoutMs?: number;
  /**
   * A dry run: everything on this connection, schema creation and migrations included, happens in
   * one transaction that close() rolls back; the stores' own transactions become savepoints in it.
   */
  rollbackOnly?: boolean;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 300_000;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** A PostgreSQL turnout database: one connection, its queries and COPY, and typed errors. */
export interface PgDb {
  readonly kind: 'postgres';
  /** The URL with its password hidden (and the schema), for messages. */
  readonly label: string;
  readonly schema: string | undefined;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** COPY … FROM STDIN: writes `lines` (text format, each ending in \n) and returns the rows copied. */
  copyIn(sql: string, lines: Iterable<string> | AsyncIterable<string>): Promise<number>;
  /** COPY … FROM STDIN fed chunk by chunk (a voter import's batches); end() returns the rows copied. */
  copyWriter(sql: string): CopyWriter;
  /** COPY … TO STDOUT as a stream of text-format chunks. */
  copyOut(sql: string): Readable;
  /** Runs fn in BEGIN … COMMIT, rolled back on any error. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * A use case's transaction, begun, committed and rolled back by hand (an import's): BEGIN …
   * COMMIT, or inside a dry run's transaction a savepoint released or rolled back to.
   */
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /**
   * True on a dry run's connection: whatever is written is rolled back at close. Writers skip
   * what a rollback does not undo (a sequence's nextval) and count what they would have written.
   */
  readonly rollbackOnly: boolean;
  close(): Promise<void>;
}

export interface CopyWriter {
  /** Resolves at once unless the server is behind (then when it has drained). */
  write(chunk: string): Promise<void> | void;
  end(): Promise<number>;
}

/**
 * COPY data is sent in pieces of about this many characters: pg-copy-streams makes each piece one
 * CopyData message of two socket writes, so line by line 10,000 checks cost 20,000 writes (a
 * quarter of the import's CPU, measured).
 */
const COPY_CHUNK = 64 * 1024;

async function* chunked(lines: Iterable<string> | AsyncIterable<string>): AsyncGenerator<string> {
  let piece = '';
  for await (const line of lines) {
    piece += line;
    if (piece.length >= COPY_CHUNK) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}

/** int8 (count, sum) and numeric as JS numbers, as better-sqlite3 returns them; counts here stay far below 2^53. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

/**
 * Connects to `url` (user, password, host, port, database from the URL, the rest from PG* and
 * ~/.pgpass as libpq does), sets the statement timeout and the schema's search_path.
 */
export async function connectPostgres(url: string, options: PgOptions = {}): Promise<PgDb> {
  const schema = options.schema;
  const label = `${redactUrl(url)}${schema === undefined ? '' : ` (schema ${schema})`}`;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new UsageError(`--db-schema "${schema}" is not a plain schema name`, {
      hint: 'Use letters, digits and underscores, starting with a letter (e.g. election_2026).',
    });
  }
  const timeoutMs = options.statementTimeoutMs === undefined ? DEFAULT_STATEMENT_TIMEOUT_MS : options.statementTimeoutMs;
  const limit = timeoutLabel(timeoutMs);
  const client = new pg.Client(clientConfig(url, options));
  // A connection that drops while idle emits 'error' on the client: without a listener Node would
  // crash. The next query fails instead, and is mapped below.
  let failure: Error | undefined;
  const onConnectError = (error: Error): void => {
    failure = error;
  };
  client.on('error', onConnectError);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw pgError(error, label, limit);
  }
  if (failure) {
    // The listener stays until the end settles: an error while ending must not go unhandled.
    await client.end().catch(() => {});
    throw pgError(failure, label, limit);
  }
  client.off('error', onConnectError);
  const rollbackOnly = options.rollbackOnly === true;
  const db = clientDb(client, { label, schema, limit, rollbackOnly, end: async () => void (await client.end().catch(() => {})) });
  try {
    if (timeoutMs === 0) await db.query('SET statement_timeout = 0');
    if (schema !== undefined) await db.query(`SET search_path TO "${schema}"`);
    if (rollbackOnly) await db.query('BEGIN');
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}

/** The driver's settings for a turnout connection (a pool's clients get the same). */
export function clientConfig(url: string, options: PgOptions): pg.ClientConfig {
  const timeoutMs = options.statementTimeoutMs === undefined ? DEFAULT_STATEMENT_TIMEOUT_MS : options.statementTimeoutMs;
  return {
    connectionString: url,
    // 0 is sent by SET (connectPostgres): the driver leaves a 0 out of the startup packet (the server's own setting would stay).
    statement_timeout: timeoutMs === null || timeoutMs === 0 ? false : timeoutMs,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // Sessions show as 'turnout' in pg_stat_activity, or under PGAPPNAME (which pg reads as libpq
    // does) to tell one host's or job's apart: turnout-cron, turnout-serve-2.
    fallback_application_name: 'turnout',
    keepAlive: true,
    types,
  };
}

/** The statement timeout as messages name it ("5 min", "no limit"), undefined for the server's own. */
export function timeoutLabel(timeoutMs: number | null): string | undefined {
  return timeoutMs === null ? undefined : timeoutMs === 0 ? 'no limit' : formatSeconds(timeoutMs);
}

/**
 * A connected client (one of its own, or one lent by a pool) as a PgDb: its queries one at a time
 * and in order, COPY, transactions, and the driver's errors as turnout's. `end` is what close()
 * does with the client at last (end it, or give it back to the pool, destroyed when it was lost).
 */
export function clientDb(
  client: pg.ClientBase,
  context: { label: string; schema: string | undefined; limit: string | undefined; rollbackOnly: boolean; end: (lost: Error | undefined) => Promise<void> },
): PgDb {
  const { label, schema, limit, rollbackOnly } = context;
  // A connection that drops while idle emits 'error' on the client: without a listener Node would
  // crash. The next query fails instead, and is mapped below.
  let lost: Error | undefined;
  const onError = (error: Error): void => {
    lost = error;
  };
  client.on('error', onError);
  // One query at a time, in the order asked: the sender writes in the background while it
  // sends, and pg 8 warns on stderr ("already executing a query", to be an error in pg 9) when a
  // query is given to a client that is busy. Waiting here keeps the same order pg's own queue
  // would, without the warning.
  let busy: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = busy.then(fn, fn);
    busy = next.catch(() => {});
    return next;
  };
  const run = async <R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> => {
    if (lost) throw pgError(lost, label, limit);
    try {
      return await inTurn(() => client.query<R>(text, values));
    } catch (error) {
      throw pgError(error, label, limit);
    }
  };
  // Open transactions: a dry run's counts as one, so that transaction() nests in it.
  let depth = rollbackOnly ? 1 : 0;
  const db: PgDb = {
    rollbackOnly,
    kind: 'postgres',
    label,
    schema,
    query: run,
    async copyIn(sql, lines) {
      if (lost) throw pgError(lost, label, limit);
      const stream = client.query(copyFrom(sql));
      try {
        await pipeline(Readable.from(chunked(lines), { objectMode: false }), stream);
      } catch (error) {
        throw pgError(error, label, limit);
      }
      return stream.rowCount;
    },
    copyWriter(sql) {
      if (lost) throw pgError(lost, label, limit);
      const stream = client.query(copyFrom(sql));
      let failure: unknown;
      stream.on('error', (error) => {
        failure ??= error;
      });
      const done = new Promise<void>((resolve) => {
        stream.on('finish', () => resolve());
        stream.on('error', () => resolve());
      });
      return {
        write(chunk) {
          if (failure !== undefined) throw pgError(failure, label, limit);
          if (stream.write(chunk)) return;
          return new Promise<void>((resolve) => {
            const go = (): void => {
              stream.off('drain', go);
              stream.off('error', go);
              resolve();
            };
            stream.on('drain', go);
            stream.on('error', go);
          }).then(() => {
            if (failure !== undefined) throw pgError(failure, label, limit);
          });
        },
        async end() {
          if (failure === undefined) stream.end();
          await done;
          if (failure !== undefined) throw pgError(failure, label, limit);
          return stream.rowCount;
        },
      };
    },
    copyOut(sql) {
      return client.query(copyTo(sql));
    },
    async transaction(fn) {
      if (depth > 0) return fn();
      depth++;
      await run('BEGIN');
      try {
        const result = await fn();
        await run('COMMIT');
        return result;
      } catch (error) {
        await inTurn(() => client.query('ROLLBACK')).catch(() => {});
        throw error;
      } finally {
        depth--;
      }
    },
    async begin() {
      await run(rollbackOnly ? 'SAVEPOINT turnout_work' : 'BEGIN');
    },
    async commit() {
      await run(rollbackOnly ? 'RELEASE SAVEPOINT turnout_work' : 'COMMIT');
    },
    async rollback() {
      // The connection may be gone (that may be why): nothing to undo then, the server did.
      await client.query(rollbackOnly ? 'ROLLBACK TO SAVEPOINT turnout_work' : 'ROLLBACK').catch(() => {});
    },
    async close() {
      if (rollbackOnly && !lost) await client.query('ROLLBACK').catch(() => {});
      client.off('error', onError);
      await context.end(lost);
    },
  };
  return db;
}

/** A time limit as messages write it: "1 s", "2.5 s", "5 min". */
function formatSeconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 100) / 10} s`;
}

/**
 * Any error from the driver or the server, as a turnout error that names the database without its
 * password. `limit`: the statement timeout in force ("10 s"), for the message when one is hit.
 */
export function pgError(error: unknown, label: string, limit?: string): TurnoutError {
  if (error instanceof TurnoutError) return error;
  const e = error as { code?: string; message?: string; routine?: string };
  const message = redactText(e.message ?? String(error));
  switch (e.code) {
    case '57014': // query_canceled: statement_timeout, or a cancel from another session
    case '55P03': // lock_not_available: lock_timeout (set through PGOPTIONS), or a NOWAIT lock
      if (e.code === '55P03' && !/lock timeout/i.test(message)) break;
      if (e.code === '57014' && !/timeout/i.test(message)) {
        return new RuntimeError(`a query on ${label} was cancelled (${message}); nothing of this command was kept`, {
          hint: 'Someone cancelled it (pg_cancel_backend); run the command again.',
          cause: error,
        });
      }
      return new StatementTimeoutError(
        `a query on ${label} ran past the ${e.code === '55P03' ? 'lock timeout' : `statement timeout${limit === undefined || limit === 'no limit' ? '' : ` (${limit})`}`} and was cancelled; nothing of this command was kept`,
        {
          hint: `Another session may hold a lock on what this command writes (see pg_locks and pg_stat_activity), or the server is overloaded. Run the command again, or allow longer with ${
            e.code === '55P03' ? 'a higher lock_timeout in PGOPTIONS' : '--db-timeout SECONDS (0: no limit)'
          }.`,
          cause: error,
        },
      );
    case '57P01': // admin_shutdown, also pg_terminate_backend
    case '57P02':
    case '57P03':
    case '08000':
    case '08003':
    case '08006':
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'EPIPE':
      return new DatabaseUnavailableError(`lost the connection to ${label}: ${message}; nothing of this command was kept`, {
        hint: 'Check that the PostgreSQL server is running and reachable, then run the command again.',
        cause: error,
      });
    case '28P01':
    case '28000':
      return new RuntimeError(`${label} refused the login: ${message}`, {
        hint: 'Check the user and password (in the URL, PGPASSWORD or ~/.pgpass).',
        cause: error,
      });
    case '3D000':
      return new RuntimeError(`the database of ${label} does not exist`, { hint: 'Create it first (createdb NAME), or fix the URL.', cause: error });
    case '40P01':
      return new RuntimeError(`a deadlock with another turnout on ${label} cancelled this command; nothing of it was kept`, {
        hint: 'Run the command again.',
        cause: error,
      });
    default:
      break;
  }
  if (/Connection terminated|connection timeout|timeout expired|Client has encountered a connection error|not queryable/i.test(message)) {
    return new DatabaseUnavailableError(`lost the connection to ${label}: ${message}; nothing of this command was kept`, {
      hint: 'Check that the PostgreSQL server is running and reachable, then run the command again.',
      cause: error,
    });
  }
  return new RuntimeError(`PostgreSQL (${label}): ${message}`, { cause: error });
}

/** A driver message may quote the connection string; hide any password in it. */
function redactText(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^\s:/?#@]*):[^@\s/?#]*@/gi, '$1:***@').replace(/(password=)\S+/gi, '$1***');
}
