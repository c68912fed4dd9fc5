import type { CheckImportStore, CheckToRecord, CheckOutcome, CheckTarget } from '../app/importChecks.js';
import type { MarkStore } from '../app/markVoters.js';
import { writeTransaction, type Db } from './db.js';
import { CHECKS_TALLY_INSERT } from './migrations/004-tallies.js';

/**
 * Turns unmatched checks whose voter now exists (by id, or by precinct + list number) into
 * checks, keeping the earliest time, and forgets them. Returns how many checks were applied.
 */
export function applyUnmatchedChecks(db: Db): number {
  const pending = (db.prepare('SELECT count(*) AS n FROM unmatched_checks').get() as { n: number }).n;
  if (pending === 0) return 0;
  db.exec(`
    CREATE TEMP TABLE IF NOT EXISTS matched_checks (key TEXT PRIMARY KEY, voter_id TEXT NOT NULL, checked_at TEXT NOT NULL, source TEXT, recorded_at TEXT NOT NULL);
    DELETE FROM temp.matched_checks;
    INSERT OR IGNORE INTO temp.matched_checks (key, voter_id, checked_at, source, recorded_at)
      SELECT u.key, v.id, u.checked_at, u.source, u.recorded_at FROM unmatched_checks u JOIN voters v ON v.id = u.voter_id
      WHERE u.voter_id IS NOT NULL;
    INSERT OR IGNORE INTO temp.matched_checks (key, voter_id, checked_at, source, recorded_at)
      SELECT u.key, v.id, u.checked_at, u.source, u.recorded_at FROM unmatched_checks u
      JOIN voters v ON v.precinct = u.precinct AND v.list_number = u.list_number
      WHERE u.voter_id IS NULL;
  `);
  const applied = db
    .prepare(
      `INSERT INTO checks (voter_id, checked_at, source, recorded_at)
         SELECT voter_id, min(checked_at), source, min(recorded_at) FROM temp.matched_checks WHERE true GROUP BY voter_id
       ON CONFLICT (voter_id) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source
         WHERE excluded.checked_at < checks.checked_at`,
    )
    .run().changes;
  db.exec('DELETE FROM unmatched_checks WHERE key IN (SELECT key FROM temp.matched_checks); DELETE FROM temp.matched_checks;');
  return applied;
}


/** The key of an unmatched check: one per voter id, or per precinct and list number. */
export function unmatchedKey(target: CheckTarget): string {
  return 'voterId' in target ? `id:${target.voterId}` : `pl:${target.precinct}\u001f${target.listNumber}`;
}

/**
 * Keeps a check that matched no voter (the earliest time wins) and returns its key: the one rule
 * for `import checks`, `watch` and the field server.
 */
export function unmatchedKeeper(db: Db): (check: CheckToRecord) => string {
  const keep = db.prepare(
    `INSERT INTO unmatched_checks (key, voter_id, precinct, list_number, checked_at, source, file, line, recorded_at)
     VALUES (@key, @voterId, @precinct, @listNumber, @checkedAt, @source, @file, @line, @recordedAt)
     ON CONFLICT (key) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source, file = excluded.file, line = excluded.line
     WHERE excluded.checked_at < unmatched_checks.checked_at`,
  );
  return (check) => {
    const t = check.target;
    const key = unmatchedKey(t);
    keep.run({
      key,
      voterId: 'voterId' in t ? t.voterId : null,
      precinct: 'voterId' in t ? null : t.precinct,
      listNumber: 'voterId' in t ? null : t.listNumber,
      checkedAt: check.checkedAt,
      source: check.source,
      file: check.file,
      line: check.line,
      recordedAt: check.recordedAt,
    });
    return key;
  };
}


/** Checks queued before checkImportStore writes them (memory: ~100 bytes each while queued). */
const CHECKS_PER_FLUSH = 20_000;
/** Checks per INSERT: their JSON (~100 bytes each) stays under V8's 128 KiB large-object size. */
const ROWS_PER_WRITE = 1000;

/**
 * Page cache during a check import: 2 MB (SQLite's own default) instead of better-sqlite3's 16 MB.
 * Each check reads its voter's 16 KiB page once and never again, and the write changes each page
 * of the checks index once (see flush), so a bigger cache holds nothing useful and costs a fresh,
 * page-faulting buffer per page read: on the 1M-voter bench, matching 10,000 checks took 130 ms
 * with 16 MB and 67 ms with 2 MB.
 */
const IMPORT_CACHE_KIB = 2000;

/**
 * Poll checks of a file: each one is matched with a read of its voter only, and the matched
 * checks are queued and written together by one statement (one statement per check journaled
 * every page it touched: 10,000 checks into a 1M-voter database wrote 45,000 16 KiB pages to the
 * statement journal). Whether a voter is newly checked is learned from that write, not asked per
 * check: the lookup in the checks index cost each check a second B-tree descent.
 */
export function checkImportStore(db: Db): CheckImportStore {
  // The voter's keys come with the match: the write below needs them (see checks_fill_area in
  // migration 004), and reading the voter again there would fetch its page a second time.
  const keys = `v.id, ifnull(v.neighborhood, ''), ifnull(v.precinct, ''), ifnull(v.support, 0)`;
  type Match = [id: string, neighborhood: string, precinct: string, support: number];
  const voterById = db.prepare<[string], Match>(`SELECT ${keys} FROM voters v WHERE v.id = ?`).raw();
  const votersByPlace = db.prepare<[string, string], Match>(`SELECT ${keys} FROM voters v WHERE v.precinct = ? AND v.list_number = ? LIMIT 2`).raw();
  // Rows as JSON arrays [voter_id, checked_at, source, recorded_at, neighborhood, precinct, support].
  // A voter checked before keeps the earliest time (the update trigger moves the vote).
  const write = db.prepare<[string]>(
    `INSERT INTO checks (voter_id, checked_at, source, recorded_at, neighborhood, precinct, support)
       SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6 FROM json_each(?) WHERE true
     ON CONFLICT (voter_id) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source
       WHERE excluded.checked_at < checks.checked_at`,
  );
  // Voters without a check yet get new rows, after every existing one (ids are allocated past the
  // largest): they are counted into vote_tally by one grouped statement over that id range, with
  // the per-row trigger dropped meanwhile (re-made from its own SQL in the same transaction, as the
  // voter import does with its indexes). On the 1M-voter bench the trigger cost 10,000 checks
  // 70-200 ms.
  const lastId = db.prepare<[], { id: number }>('SELECT ifnull(max(id), 0) AS id FROM checks');
  const countNew = db.prepare<[number]>(
    `INSERT INTO vote_tally (neighborhood, precinct, support, hour, votes)
       SELECT neighborhood, precinct, support, substr(checked_at, 1, 13), count(*) FROM checks WHERE id > ? AND support IS NOT NULL GROUP BY 1, 2, 3, 4
     ON CONFLICT DO UPDATE SET votes = votes + excluded.votes`,
  );
  const newRows = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM checks WHERE id > ?');
  const tallyTrigger = db.prepare<[], { sql: string }>(`SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = '${CHECKS_TALLY_INSERT}'`);
  const keepUnmatched = unmatchedKeeper(db);
  type Row = [string, string, string | null, string, string, string, number];
  /** Voter id → the check to write: the earliest seen in this import. */
  const queued = new Map<string, Row>();
  let cacheSize: number | undefined;
  let newlyChecked = 0;
  const flush = (): void => {
    if (queued.size === 0) return;
    // In voter id order, the order of the checks index: each of its pages is changed once, in a
    // row, so the small cache holds what the write needs and its pages go to the WAL once
    // (measured on the bench: 80 ms with the 16 MB cache in time order, 57 ms like this).
    const rows = [...queued.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    queued.clear();
    const before = lastId.get()!.id;
    const trigger = tallyTrigger.get()?.sql;
    if (trigger !== undefined) db.exec(`DROP TRIGGER ${CHECKS_TALLY_INSERT}`);
    // In statements of ROWS_PER_WRITE: the JSON of each stays a small string that V8 and SQLite's
    // allocator reuse, not a megabyte of fresh, page-faulting memory copied three times.
    for (let i = 0; i < rows.length; i += ROWS_PER_WRITE) write.run(JSON.stringify(rows.slice(i, i + ROWS_PER_WRITE)));
    countNew.run(before);
    if (trigger !== undefined) db.exec(trigger);
    newlyChecked += newRows.get(before)!.n;
  };
  const end = (): void => {
    queued.clear();
    if (cacheSize !== undefined) db.pragma(`cache_size = ${cacheSize}`);
    cacheSize = undefined;
    newlyChecked = 0;
    db.pragma('foreign_keys = ON');
  };
  return {
    begin: () => {
      // Every check written below names a voter that record() found in this same write
      // transaction, so SQLite's own foreign-key lookup (one more random voter page per check,
      // ~40 % of the write on the 1M-voter bench) is switched off for it, and back on after.
      db.pragma('foreign_keys = OFF');
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        db.pragma('foreign_keys = ON');
        throw error;
      }
      newlyChecked = 0;
      cacheSize = db.pragma('cache_size', { simple: true }) as number;
      db.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
    },
    write: () => {
      flush();
      return newlyChecked;
    },
    commit: () => {
      flush();
      db.exec('COMMIT');
      end();
    },
    rollback: () => {
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } finally {
        // watch keeps its connection: foreign keys and the cache must come back whatever happens.
        end();
      }
    },
    record(check: CheckToRecord): CheckOutcome {
      let voter: Match | undefined;
      if ('voterId' in check.target) {
        voter = voterById.get(check.target.voterId);
      } else {
        const found = votersByPlace.all(check.target.precinct, check.target.listNumber);
        if (found.length > 1) return { ambiguous: found.length };
        voter = found[0];
      }
      if (voter === undefined) {
        keepUnmatched(check);
        return 'unmatched';
      }
      const [id, neighborhood, precinct, support] = voter;
      const earlier = queued.get(id);
      if (earlier === undefined || check.checkedAt < earlier[1]) {
        queued.set(id, [id, check.checkedAt, check.source, check.recordedAt, neighborhood, precinct, support]);
        if (queued.size >= CHECKS_PER_FLUSH) flush();
      }
      return 'matched';
    },
  };
}


/** MarkStore over SQLite: its answers are values (serve's field store calls them synchronously). */
export interface SqliteMarkStore extends MarkStore {
  voterExists(id: string): boolean;
  mark(id: string, checkedAt: string, source: string, recordedAt: string): string | undefined;
  unmark(id: string): boolean;
}

export function markStore(db: Db): SqliteMarkStore {
  const exists = db.prepare<[string], { id: string }>('SELECT id FROM voters WHERE id = ?');
  const existing = db.prepare<[string], { checked_at: string }>('SELECT checked_at FROM checks WHERE voter_id = ?');
  const upsert = db.prepare(
    `INSERT INTO checks (voter_id, checked_at, source, recorded_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (voter_id) DO UPDATE SET checked_at = excluded.checked_at, source = excluded.source
     WHERE excluded.checked_at < checks.checked_at`,
  );
  const remove = db.prepare('DELETE FROM checks WHERE voter_id = ?');
  const removeUnmatched = db.prepare('DELETE FROM unmatched_checks WHERE key = ?');
  return {
    // The use case awaits between its statements.
    transaction: (fn) => writeTransaction(db, fn),
    voterExists: (id) => exists.get(id) !== undefined,
    mark(id, checkedAt, source, recordedAt) {
      const before = existing.get(id)?.checked_at;
      upsert.run(id, checkedAt, source, recordedAt);
      return before;
    },
    unmark(id) {
      const removed = remove.run(id).changes + removeUnmatched.run(`id:${id}`).changes;
      return removed > 0;
    },
  };
}

export interface UnmatchedCheckRow {
  voter_id: string | null;
  precinct: string | null;
  list_number: string | null;
  checked_at: string;
  source: string | null;
  file: string | null;
  line: number | null;
  recorded_at: string;
}

export const UNMATCHED_COLUMNS = ['voter_id', 'precinct', 'list_number', 'checked_at', 'source', 'file', 'line', 'recorded_at'] as const;

/** Unmatched checks, oldest check first. */
export function unmatchedChecks(db: Db): IterableIterator<UnmatchedCheckRow> {
  return db
    .prepare<[], UnmatchedCheckRow>(`SELECT ${UNMATCHED_COLUMNS.join(', ')} FROM unmatched_checks ORDER BY checked_at, key`)
    .iterate();
}
