/** The rows of the field tables (links and tellers' entries) as both engines return them, and their app shapes. */
import type { FieldEntry, FieldResult, TellerActivity } from '../app/fieldChecks.js';
import type { FieldRole, FieldTokenRow } from '../app/fieldAccess.js';

export interface TokenRecord {
  id: number;
  role: FieldRole;
  name: string;
  token_hash: Buffer;
  precincts: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export const asToken = (r: TokenRecord): FieldTokenRow => ({
  id: Number(r.id),
  role: r.role,
  name: r.name,
  hash: r.token_hash,
  precincts: JSON.parse(r.precincts) as string[],
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export interface EntryRecord {
  token_id: number;
  client_id: string;
  result: FieldResult;
  reason: string | null;
  voter_id: string | null;
  precinct: string | null;
  list_number: string | null;
  unmatched_key: string | null;
  checked_at: string;
  recorded_at: string;
  undone_at: string | null;
}

export const asEntry = (r: EntryRecord): FieldEntry => ({
  tokenId: Number(r.token_id),
  clientId: r.client_id,
  result: r.result,
  reason: r.reason,
  voterId: r.voter_id,
  precinct: r.precinct,
  listNumber: r.list_number,
  unmatchedKey: r.unmatched_key,
  checkedAt: r.checked_at,
  recordedAt: r.recorded_at,
  undoneAt: r.undone_at,
});

/** The field activity's two queries, the same SQL on both engines. */
export const PRECINCT_ACTIVITY_SQL = `SELECT precinct, max(recorded_at) AS last_check, count(*) AS checks FROM field_checks
  WHERE precinct IS NOT NULL AND result <> 'rejected' AND undone_at IS NULL GROUP BY precinct ORDER BY precinct`;

export const TELLER_ACTIVITY_SQL = `SELECT t.name, t.precincts, t.expires_at, t.revoked_at, max(c.recorded_at) AS last_check,
        count(c.client_id) FILTER (WHERE c.result <> 'rejected' AND c.undone_at IS NULL) AS checks
   FROM field_tokens t LEFT JOIN field_checks c ON c.token_id = t.id
  WHERE t.role = 'teller' GROUP BY t.id ORDER BY t.id`;

export interface TellerActivityRecord {
  name: string;
  precincts: string;
  last_check: string | null;
  checks: number;
  expires_at: string | null;
  revoked_at: string | null;
}

/** A teller's activity row as the dashboard shows it: its link's state as of `now`. */
export const asTellerActivity = (now: string) => (r: TellerActivityRecord): TellerActivity => ({
  name: r.name,
  precincts: JSON.parse(r.precincts) as string[],
  last_check: r.last_check,
  checks: Number(r.checks),
  state: r.revoked_at !== null ? 'revoked' : r.expires_at !== null && r.expires_at <= now ? 'expired' : 'active',
});
