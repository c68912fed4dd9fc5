/** The rows of the field tables (links and tellers' entries) as both engines return them, and their app shapes. */
import type { FieldEntry, FieldResult } from '../app/fieldChecks.js';
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
