import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, type FieldRole, type FieldTokenRow } from '../app/fieldAccess.js';
import type { FieldDatabase } from '../app/fieldServer.js';
import type { Clock } from '../app/ports.js';

/** An error the routes answer as `{"error": message}` with its status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * The token of a request: `Authorization: Bearer <token>`, or `?token=` for the one route an
 * EventSource calls (it cannot set headers). The request log never prints either.
 */
export function presentedToken(request: FastifyRequest, allowQuery: boolean): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  if (allowQuery) {
    const query = request.query as Record<string, unknown> | undefined;
    if (typeof query?.token === 'string') return query.token;
  }
  return undefined;
}

/** Token bucket per token: `perMinute` requests a minute on average, bursts up to `burst`. */
export class RateLimiter {
  private readonly buckets = new Map<number, { tokens: number; at: number }>();
  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
  ) {}

  /** Seconds to wait before trying again, or 0 when the request may go ahead. */
  take(key: number, nowMs: number): number {
    if (this.perMinute <= 0) return 0;
    const rate = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (nowMs - bucket.at) * rate);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000));
  }
}

/**
 * Who is calling: 401 without a live token (unknown, revoked or expired: checked on every
 * request, so a revocation takes effect at once), 403 when the role may not use the route,
 * 429 past the token's rate.
 */
export async function requireToken(
  request: FastifyRequest,
  _reply: FastifyReply,
  deps: { db: FieldDatabase; clock: Clock; limiter: RateLimiter },
  roles: readonly FieldRole[],
  allowQuery = false,
): Promise<FieldTokenRow> {
  const token = presentedToken(request, allowQuery);
  if (token === undefined) throw new HttpError(401, 'no token: send Authorization: Bearer <token> (the end of your link)');
  const row = await authenticate(deps.db.tokens, deps.clock, token);
  if (row === undefined) throw new HttpError(401, 'this link is unknown, revoked or expired: ask HQ for a new one');
  if (!roles.includes(row.role)) throw new HttpError(403, `a ${row.role} link cannot do this`);
  const wait = deps.limiter.take(row.id, Date.now());
  if (wait > 0) throw new HttpError(429, 'too many requests from this link: slow down', { 'retry-after': String(wait) });
  return row;
}
