/**
 * Use cases for the links of the field server: issue a teller's or a staff member's link,
 * list them, revoke them, and find who a presented token belongs to. A token is 192 random bits
 * (more than the 128 asked for), shown once, and stored only as its SHA-256: a copy of the
 * database gives nobody a working link.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import { parseTime, toIso } from '../core/time.js';
import type { Awaitable, Clock } from './ports.js';

export type FieldRole = 'teller' | 'staff';

export interface FieldTokenRow {
  id: number;
  role: FieldRole;
  name: string;
  hash: Buffer;
  precincts: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface FieldTokenStore {
  insert(row: Omit<FieldTokenRow, 'id'>): Awaitable<number>;
  byHash(hash: Buffer): Awaitable<FieldTokenRow | undefined>;
  list(role: FieldRole): Awaitable<FieldTokenRow[]>;
  /** Revokes the role's live tokens with this name or this hash; returns how many. */
  revoke(role: FieldRole, nameOrHash: { name?: string; hash?: Buffer }, at: string): Awaitable<number>;
  /** Runs fn in one write transaction (committed when its promise resolves, rolled back when it rejects). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

export interface IssuedLink {
  name: string;
  role: FieldRole;
  precincts: string[];
  token: string;
  url: string;
  expires: string | null;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The path of a link: /t/<token> for a teller, /hq/<token> for staff. */
export function linkPath(role: FieldRole, token: string): string {
  return `${role === 'teller' ? '/t/' : '/hq/'}${token}`;
}

export function linkUrl(publicUrl: string, role: FieldRole, token: string): string {
  return publicUrl.replace(/\/+$/, '') + linkPath(role, token);
}

/** --public-url as typed: an http(s) URL without query or fragment. */
export function checkPublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--public-url "${text}" is not a URL`, { hint: 'Write the address phones will open, e.g. --public-url https://gotv.example.org' });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new UsageError(`--public-url "${text}" must be an http(s) address without ? or #`, { hint: 'For example --public-url https://gotv.example.org' });
  }
  return text.replace(/\/+$/, '');
}

export interface IssueRequest {
  role: FieldRole;
  name?: string;
  precincts?: readonly string[];
  /** As typed: an ISO time, "2026-03-15 22:00", or "20:00" (today, the election's zone). */
  expires?: string;
}

export async function issueLinks(
  store: FieldTokenStore,
  clock: Clock,
  requests: readonly IssueRequest[],
  options: { publicUrl: string; timeZone: string },
): Promise<IssuedLink[]> {
  const now = clock.now();
  const prepared = requests.map((request, index) => {
    const precincts = [...new Set((request.precincts ?? []).map((p) => p.trim()).filter(Boolean))];
    if (request.role === 'teller' && precincts.length === 0) {
      throw new UsageError(`a teller link needs at least one precinct${requests.length > 1 ? ` (entry ${index + 1})` : ''}`, {
        hint: 'Write --precinct 101 (repeat it for a teller covering several).',
      });
    }
    let expires: string | null = null;
    if (request.expires !== undefined && request.expires !== '') {
      const at = parseTime(request.expires, options.timeZone, now);
      if (!at) throw new UsageError(`--expires "${request.expires}" is not a time`, { hint: `Write 22:00 (today, ${options.timeZone}), 2026-03-15 22:00 or an ISO time.` });
      if (at.getTime() <= now.getTime()) throw new UsageError(`--expires "${request.expires}" is already past`, { hint: 'Give a time after now.' });
      expires = toIso(at);
    }
    const name = (request.name ?? '').trim() || (request.role === 'teller' ? `teller ${precincts.join('+')}` : 'staff');
    return { role: request.role, name, precincts, expires };
  });
  return store.transaction(async () => {
    const links: IssuedLink[] = [];
    for (const p of prepared) {
      const token = newToken();
      await store.insert({ role: p.role, name: p.name, hash: hashToken(token), precincts: p.precincts, createdAt: toIso(now), expiresAt: p.expires, revokedAt: null });
      links.push({ name: p.name, role: p.role, precincts: p.precincts, token, url: linkUrl(options.publicUrl, p.role, token), expires: p.expires });
    }
    return links;
  });
}

/**
 * A link's secret: 24 random bytes, base64url. Never one starting with "-": given back on a command
 * line (turnout staff revoke TOKEN) it would be read as an option, and refused as unknown (it did,
 * one link in 64). Redrawing those keeps 191.9 bits of the 192.
 */
export function newToken(): string {
  for (;;) {
    const token = randomBytes(24).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}

export interface LinkListing {
  name: string;
  precincts: string[];
  created: string;
  expires: string | null;
  revoked: string | null;
  state: 'active' | 'expired' | 'revoked';
}

export async function listLinks(store: FieldTokenStore, clock: Clock, role: FieldRole): Promise<LinkListing[]> {
  const now = toIso(clock.now());
  return (await store.list(role)).map((row) => ({
    name: row.name,
    precincts: row.precincts,
    created: row.createdAt,
    expires: row.expiresAt,
    revoked: row.revokedAt,
    state: row.revokedAt !== null ? 'revoked' : row.expiresAt !== null && row.expiresAt <= now ? 'expired' : 'active',
  }));
}

/** Revokes by name (every live link of that name) or by the token itself (or its link). */
export async function revokeLinks(store: FieldTokenStore, clock: Clock, role: FieldRole, nameOrToken: string): Promise<number> {
  const text = nameOrToken.trim();
  const token = /\/(?:t|hq)\/([A-Za-z0-9_-]+)\/?$/.exec(text)?.[1] ?? text;
  const at = toIso(clock.now());
  return store.transaction(async () => (await store.revoke(role, { hash: hashToken(token) }, at)) || store.revoke(role, { name: text }, at));
}

/** Who presents this token, if it is live; undefined for unknown, revoked or expired ones. */
export async function authenticate(store: Pick<FieldTokenStore, 'byHash'>, clock: Clock, token: string): Promise<FieldTokenRow | undefined> {
  if (token.length < 16 || token.length > 200) return undefined;
  const hash = hashToken(token);
  const row = await store.byHash(hash);
  // The lookup is by hash (nothing learned from its timing); the comparison is constant-time anyway.
  if (row === undefined || row.hash.length !== hash.length || !timingSafeEqual(row.hash, hash)) return undefined;
  if (row.revokedAt !== null) return undefined;
  if (row.expiresAt !== null && row.expiresAt <= toIso(clock.now())) return undefined;
  return row;
}
