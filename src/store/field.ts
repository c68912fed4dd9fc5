import type { FieldActivity, FieldActivitySource, FieldCheckStore, PrecinctActivity } from '../app/fieldChecks.js';
import type { FieldTokenStore } from '../app/fieldAccess.js';
import { markStore, unmatchedKeeper } from './checks.js';
import { writeTransaction, type Db } from './db.js';
import type { FieldDatabase, FieldPorts } from '../app/fieldServer.js';
import { settingsStore } from './settings.js';
import { statusStore } from './status.js';
import { asEntry, asTellerActivity, asToken, PRECINCT_ACTIVITY_SQL, TELLER_ACTIVITY_SQL, type EntryRecord, type TellerActivityRecord, type TokenRecord } from './fieldRows.js';



export function fieldTokenStore(db: Db): FieldTokenStore {
  const insert = db.prepare(
    'INSERT INTO field_tokens (role, name, token_hash, precincts, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const byHash = db.prepare<[Buffer], TokenRecord>('SELECT * FROM field_tokens WHERE token_hash = ?');
  const list = db.prepare<[string], TokenRecord>('SELECT * FROM field_tokens WHERE role = ? ORDER BY id');
  const revokeHash = db.prepare('UPDATE field_tokens SET revoked_at = ? WHERE role = ? AND token_hash = ? AND revoked_at IS NULL');
  const revokeName = db.prepare('UPDATE field_tokens SET revoked_at = ? WHERE role = ? AND name = ? AND revoked_at IS NULL');
  return {
    insert: (row) =>
      Number(insert.run(row.role, row.name, row.hash, JSON.stringify(row.precincts), row.createdAt, row.expiresAt, row.revokedAt).lastInsertRowid),
    byHash: (hash) => {
      const r = byHash.get(hash);
      return r === undefined ? undefined : asToken(r);
    },
    list: (role) => list.all(role).map(asToken),
    revoke: (role, which, at) =>
      which.hash !== undefined ? revokeHash.run(at, role, which.hash).changes : which.name !== undefined ? revokeName.run(at, role, which.name).changes : 0,
    transaction: (fn) => writeTransaction(db, fn),
  };
}


/** The teller page's checks: the same check and unmatched-check writes as `mark` and `import checks`. */
export function fieldCheckStore(db: Db): FieldCheckStore {
  const marks = markStore(db);
  const keepUnmatched = unmatchedKeeper(db);
  const entry = db.prepare<[number, string], EntryRecord>('SELECT * FROM field_checks WHERE token_id = ? AND client_id = ?');
  const save = db.prepare(
    `INSERT INTO field_checks (token_id, client_id, result, reason, voter_id, precinct, list_number, unmatched_key, checked_at, recorded_at, undone_at)
     VALUES (@tokenId, @clientId, @result, @reason, @voterId, @precinct, @listNumber, @unmatchedKey, @checkedAt, @recordedAt, @undoneAt)`,
  );
  const undone = db.prepare('UPDATE field_checks SET undone_at = ? WHERE token_id = ? AND client_id = ?');
  const voterById = db.prepare<[string], { id: string; precinct: string }>("SELECT id, ifnull(precinct, '') AS precinct FROM voters WHERE id = ?");
  const votersAt = db.prepare<[string, string], { id: string }>('SELECT id FROM voters WHERE precinct = ? AND list_number = ? LIMIT 2');
  const removeCheck = db.prepare('DELETE FROM checks WHERE voter_id = ?');
  const removeUnmatched = db.prepare('DELETE FROM unmatched_checks WHERE key = ?');
  const counts = db.prepare<[number], { precinct: string; n: number }>(
    `SELECT precinct, count(*) AS n FROM field_checks
      WHERE token_id = ? AND undone_at IS NULL AND result <> 'rejected' AND precinct IS NOT NULL GROUP BY precinct`,
  );
  return {
    transaction: (fn) => writeTransaction(db, fn),
    entry: (tokenId, clientId) => {
      const r = entry.get(tokenId, clientId);
      return r === undefined ? undefined : asEntry(r);
    },
    saveEntry: (e) => void save.run(e),
    markUndone: (tokenId, clientId, at) => void undone.run(at, tokenId, clientId),
    voterById: (id) => voterById.get(id),
    votersAt: (precinct, listNumber) => votersAt.all(precinct, listNumber).map((r) => r.id),
    mark: (voterId, checkedAt, source, recordedAt) => marks.mark(voterId, checkedAt, source, recordedAt),
    removeCheck: (voterId) => removeCheck.run(voterId).changes > 0,
    keepUnmatched,
    removeUnmatched: (key) => removeUnmatched.run(key).changes > 0,
    countsByPrecinct: (tokenId) => Object.fromEntries(counts.all(tokenId).map((r) => [r.precinct, r.n])),
  };
}

/** When each precinct and each teller last sent a check (the HQ spots a station gone silent). */
export function fieldActivity(db: Db, now: string): FieldActivity {
  const precincts = db.prepare<[], PrecinctActivity>(PRECINCT_ACTIVITY_SQL).all();
  const tellers = db.prepare<[], TellerActivityRecord>(TELLER_ACTIVITY_SQL).all().map(asTellerActivity(now));
  return { precincts, tellers };
}

export function fieldActivitySource(db: Db): FieldActivitySource {
  return { activity: (now) => fieldActivity(db, now) };
}

/** Changes whenever another connection commits (SQLite's data_version): the server's cheap "anything new?". */
export function dataVersion(db: Db): () => number {
  return () => db.pragma('data_version', { simple: true }) as number;
}

/**
 * `turnout serve`'s database on SQLite: its one connection, whose ports are made (and their
 * statements prepared) once. The server orders its write transactions itself.
 */
export function sqliteFieldDatabase(db: Db): FieldDatabase {
  const ports: FieldPorts = {
    tokens: fieldTokenStore(db),
    checks: fieldCheckStore(db),
    status: statusStore(db),
    settings: settingsStore(db),
    activity: fieldActivitySource(db),
  };
  const version = dataVersion(db);
  return {
    use: (fn) => fn(ports),
    tokens: ports.tokens,
    version: async () => String(version()),
    close: async () => {},
  };
}
