/**
 * The Twilio gateway: the official `twilio` package (loaded only when a command needs it),
 * with one change when TURNOUT_TWILIO_BASE_URL is set: a RequestClient subclass rewrites the
 * origin of each request URL (https://api.twilio.com → the given origin) and hands it to
 * Twilio's own RequestClient, so authentication, form encoding, headers and user agent stay
 * Twilio's. Errors are turned into outcomes carrying Twilio's code and message only: the axios
 * error (which holds the Authorization header) never leaves this file.
 */
import http from 'node:http';
import https from 'node:https';
import { RuntimeError } from '../../core/errors.js';
import type { SendResult, SmsGateway } from '../../app/sendReminders.js';
import type { RemoteMessage, SyncGateway } from '../../app/sync.js';
import { senderOf, type TwilioConfig } from './config.js';

type TwilioModule = typeof import('twilio');
type TwilioClient = ReturnType<TwilioModule>;
type RequestOptions<T> = import('twilio/lib/base/RequestClient.js').RequestOptions<T>;

/** Network errors raised before any byte of the request could reach the server. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID']);

async function createClient(config: TwilioConfig, concurrency: number): Promise<TwilioClient> {
  const twilio = ((await import('twilio')) as unknown as { default: TwilioModule }).default;
  const base = config.baseUrl === undefined ? undefined : new URL(config.baseUrl);

  class OriginRequestClient extends twilio.RequestClient {
    override request<TData>(opts: RequestOptions<TData>) {
      if (base) {
        const url = new URL(opts.uri);
        url.protocol = base.protocol;
        url.host = base.host;
        opts = { ...opts, uri: url.href };
      }
      return super.request<TData>(opts);
    }
  }
  const httpClient = new OriginRequestClient({ timeout: config.timeoutMs, keepAlive: true, maxSockets: concurrency });
  // Twilio's client sets a keep-alive agent for https only; give plain http (a loopback fake) the same.
  httpClient.axios.defaults.httpAgent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  if (base?.protocol === 'https:' && !httpClient.axios.defaults.httpsAgent) {
    httpClient.axios.defaults.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: concurrency });
  }
  return twilio(config.username, config.password, {
    accountSid: config.accountSid,
    httpClient,
    timeout: config.timeoutMs,
    // Never let the environment send our requests elsewhere than the origin we chose.
    env: {},
    edge: undefined,
    region: undefined,
    logLevel: 'none',
  });
}

interface RestLike {
  status?: unknown;
  code?: unknown;
  message?: unknown;
}

function restError(error: unknown): { status: number; code: number | undefined; message: string } | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as RestLike;
  if (typeof e.status !== 'number' || (error as Error).constructor?.name !== 'RestException') return undefined;
  return { status: e.status, code: typeof e.code === 'number' ? e.code : undefined, message: typeof e.message === 'string' ? e.message : `HTTP ${e.status}` };
}

function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** One line about a network error, without anything from the request (no headers, no auth). */
function describeNetworkError(error: unknown): string {
  const code = networkCode(error);
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'no answer from Twilio before the timeout';
  if (code === 'ECONNRESET') return 'the connection to Twilio was reset';
  if (code === 'ECONNREFUSED') return 'connection to Twilio refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'Twilio host not found (DNS)';
  return code ? `network error ${code}` : 'network error';
}

export function classifySendError(error: unknown): SendResult {
  const rest = restError(error);
  if (rest) {
    const message = rest.code === undefined ? rest.message : `${rest.message}`;
    if (rest.status === 429 || rest.code === 20429) return { kind: 'rate-limited', message };
    if (rest.status >= 500) return { kind: 'ambiguous', message: `Twilio answered HTTP ${rest.status}${rest.code ? ` (error ${rest.code})` : ''}: ${message}` };
    return { kind: 'rejected', httpStatus: rest.status, code: rest.code, message };
  }
  const code = networkCode(error);
  if (code !== undefined && NEVER_SENT.has(code)) return { kind: 'not-sent', message: describeNetworkError(error) };
  // An answer that is not Twilio's JSON (a proxy's page, a mock's mistake): it may have been sent.
  if (error instanceof SyntaxError) return { kind: 'ambiguous', message: `the provider's answer could not be read: ${error.message.slice(0, 200)}` };
  return { kind: 'ambiguous', message: describeNetworkError(error) };
}

export async function twilioSmsGateway(config: TwilioConfig, concurrency = 16): Promise<SmsGateway> {
  const client = await createClient(config, concurrency);
  const sender = senderOf(config);
  return {
    sender,
    async send({ to, body }) {
      try {
        const message = await client.messages.create({
          to,
          body,
          ...(config.messagingServiceSid ? { messagingServiceSid: config.messagingServiceSid } : { from: config.from! }),
        });
        // A Twilio-compatible provider may answer 2xx without a message: whether one was created is unknown.
        if (typeof message?.sid !== 'string' || message.sid === '') return { kind: 'ambiguous', message: 'the provider answered without a message SID' };
        return { kind: 'accepted', sid: message.sid, status: message.status === 'accepted' ? 'queued' : String(message.status ?? 'queued') };
      } catch (error) {
        return classifySendError(error);
      }
    },
  };
}

/** Twilio's message resource, narrowed to what sync reads; its optional fields may be missing. */
type TwilioMessage = Omit<RemoteMessage, 'errorCode' | 'errorMessage'> & { errorCode?: number | null; errorMessage?: string | null };

function remote(m: TwilioMessage): RemoteMessage {
  return {
    sid: m.sid,
    to: m.to,
    from: m.from,
    body: m.body,
    status: m.status,
    errorCode: m.errorCode ?? null,
    errorMessage: m.errorMessage ?? null,
    direction: m.direction,
    dateCreated: m.dateCreated instanceof Date && !Number.isNaN(m.dateCreated.getTime()) ? m.dateCreated : null,
  };
}

function syncFailure(error: unknown): RuntimeError {
  const rest = restError(error);
  if (rest) {
    return new RuntimeError(`Twilio refused the request: HTTP ${rest.status}${rest.code ? `, error ${rest.code}` : ''}: ${rest.message}`, {
      hint: rest.status === 401 ? 'Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or the API key).' : undefined,
    });
  }
  return new RuntimeError(`cannot reach Twilio: ${describeNetworkError(error)}`, { hint: 'Check the network (or TURNOUT_TWILIO_BASE_URL), then run turnout sync again.' });
}

/** Reading messages back for `turnout sync`. */
export async function twilioSyncGateway(config: TwilioConfig): Promise<SyncGateway> {
  const client = await createClient(config, 4);
  return {
    async fetch(sid) {
      try {
        return remote(await client.messages(sid).fetch());
      } catch (error) {
        const rest = restError(error);
        if (rest?.status === 404) return undefined;
        throw syncFailure(error);
      }
    },
    async list(filter) {
      try {
        const messages = await client.messages.list({
          ...(filter.to ? { to: filter.to } : {}),
          ...(filter.from ? { from: filter.from } : {}),
          ...(filter.sentAfter ? { dateSentAfter: filter.sentAfter } : {}),
          ...(filter.limit ? { limit: filter.limit } : {}),
          pageSize: Math.min(filter.limit ?? 1000, 1000),
        });
        return messages.map(remote);
      } catch (error) {
        throw syncFailure(error);
      }
    },
  };
}
