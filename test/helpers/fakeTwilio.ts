/**
 * A fake Twilio REST API (2010-04-01) on 127.0.0.1 for tests and the bench: what turnout uses
 * (POST/GET Messages.json with To/From/DateSent filters and paging, GET Messages/{Sid}.json),
 * with scripted misbehaviour (429, Twilio error codes, a timeout that never answers, a reset
 * connection, a slow reply, a fixed latency). It records every request.
 *
 * In-process: `const fake = await startFakeTwilio({ latencyMs: 20 })`, then `fake.url`.
 * As a child process (e.g. to survive a test killing things):
 *   node dist/test/helpers/fakeTwilio.js '{"latencyMs":20}'
 * prints `{"url":"http://127.0.0.1:PORT"}` on its first stdout line; GET /__fake/state returns
 * the recorded requests and messages; POST /__fake/script replaces the rules.
 * No vitest imports here: tsc compiles it for the bench.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

export type FakeResponse =
  | 'ok'
  /** Accept the connection and the request, never answer. */
  | 'timeout'
  /** Destroy the socket after reading the request. */
  | 'reset'
  | { status: number; code?: number; message?: string }
  /** This exact body with this status (an answer a Twilio-compatible provider should not give). */
  | { status: number; raw: string };

export interface FakeRule {
  /** Applies to POSTs to this number only. */
  to?: string;
  /** Applies to every n-th message POST (1-based count of all POSTs: 10 → the 10th, 20th…). */
  every?: number;
  /** Applies to the n-th POST only (1-based). */
  nth?: number;
  /** At most this many times. */
  times?: number;
  respond: FakeResponse;
  /** Extra delay before this answer, in ms. */
  delayMs?: number;
}

export interface FakeTwilioOptions {
  /** Delay before every answer, in ms. */
  latencyMs?: number;
  /** First matching rule wins; no match: accepted (201, status queued). */
  script?: FakeRule[];
  /** Basic-auth password expected (any user); requests without it get 401 / 20003. Default: any. */
  authToken?: string;
  /**
   * Give every accepted message this SID, as some Twilio-compatible mocks do (Prism's static
   * mode answers every request with the example's SID). Default: a fresh SID each.
   */
  sameSid?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  /** The Basic-auth user (account SID or API key), never the password. */
  user: string | undefined;
  userAgent: string | undefined;
  contentType: string | undefined;
  /** What the fake answered: HTTP status, or 'timeout' / 'reset'. */
  answer: number | 'timeout' | 'reset';
  at: number;
}

export interface FakeMessage {
  sid: string;
  account_sid: string;
  to: string;
  from: string | null;
  messaging_service_sid: string | null;
  body: string;
  status: string;
  direction: string;
  error_code: number | null;
  error_message: string | null;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  num_segments: string;
}

export interface FakeTwilio {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Messages created (outbound, accepted) and inbound ones added by the test, in order. */
  messages: FakeMessage[];
  setScript(script: FakeRule[]): void;
  setLatency(ms: number): void;
  /** Changes an outbound message's status as the carrier would (delivered, undelivered + code…). */
  setStatus(sid: string, status: string, errorCode?: number | null): void;
  /** An outbound message as if sent earlier (e.g. by a run whose answer was lost). */
  addOutbound(message: { to: string; from: string; body: string; status?: string; errorCode?: number | null; account?: string; at?: Date }): FakeMessage;
  /** A reply from a phone to our number. */
  addInbound(message: { from: string; to: string; body: string; at?: Date }): FakeMessage;
  /** Outbound messages accepted, by recipient. */
  sentTo(phone: string): FakeMessage[];
  messagePosts(): RecordedRequest[];
  close(): Promise<void>;
}

const API = '/2010-04-01/Accounts/';

function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

export async function startFakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  let script = [...(options.script ?? [])];
  let latency = options.latencyMs ?? 0;
  const used = new Map<FakeRule, number>();
  const requests: RecordedRequest[] = [];
  const messages: FakeMessage[] = [];
  const hanging = new Set<http.ServerResponse>();
  let posts = 0;

  const ruleFor = (n: number, to: string | undefined): FakeRule | undefined =>
    script.find((r) => {
      if (r.to !== undefined && r.to !== to) return false;
      if (r.nth !== undefined && r.nth !== n) return false;
      if (r.every !== undefined && n % r.every !== 0) return false;
      if (r.times !== undefined && (used.get(r) ?? 0) >= r.times) return false;
      return true;
    });

  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  const twilioError = (res: http.ServerResponse, status: number, code: number | undefined, message: string): void =>
    json(res, status, { code: code ?? null, message, more_info: code ? `https://www.twilio.com/docs/errors/${code}` : null, status });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = Buffer.concat(chunks).toString('utf8');
      if (url.pathname.startsWith('/__fake/')) return control(url.pathname, raw, res);
      const form = Object.fromEntries(new URLSearchParams(raw));
      const auth = req.headers.authorization;
      let user: string | undefined;
      let password: string | undefined;
      if (auth?.startsWith('Basic ')) {
        const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        user = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        form,
        user,
        userAgent: req.headers['user-agent'],
        contentType: req.headers['content-type'],
        answer: 200,
        at: Date.now(),
      };
      requests.push(record);
      const answer = (fn: () => void, extra = 0): void => {
        const delay = latency + extra;
        if (delay > 0) setTimeout(fn, delay);
        else fn();
      };
      const respond = (status: number, body: unknown): void => {
        record.answer = status;
        answer(() => json(res, status, body));
      };
      if (!user || (options.authToken !== undefined && password !== options.authToken)) {
        record.answer = 401;
        return answer(() => twilioError(res, 401, 20003, 'Authenticate'));
      }
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/.exec(url.pathname);
      if (!match) {
        record.answer = 404;
        return answer(() => twilioError(res, 404, 20404, 'The requested resource was not found'));
      }
      const account = match[1]!;
      const messageSid = match[2];
      if (req.method === 'POST' && messageSid === undefined) {
        const n = ++posts;
        const rule = ruleFor(n, form.To);
        if (rule) used.set(rule, (used.get(rule) ?? 0) + 1);
        const behaviour = rule?.respond ?? 'ok';
        if (behaviour === 'timeout') {
          record.answer = 'timeout';
          hanging.add(res);
          return;
        }
        if (behaviour === 'reset') {
          record.answer = 'reset';
          return answer(() => req.socket.destroy(), rule?.delayMs);
        }
        if (behaviour !== 'ok' && 'raw' in behaviour) {
          record.answer = behaviour.status;
          return answer(() => {
            res.writeHead(behaviour.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(behaviour.raw) });
            res.end(behaviour.raw);
          }, rule?.delayMs);
        }
        if (behaviour !== 'ok') {
          record.answer = behaviour.status;
          return answer(() => twilioError(res, behaviour.status, behaviour.code, behaviour.message ?? `error ${behaviour.code ?? behaviour.status}`), rule?.delayMs);
        }
        if (!form.To || !form.Body || (!form.From && !form.MessagingServiceSid)) {
          record.answer = 400;
          return answer(() => twilioError(res, 400, 21604, "A 'To' phone number, a 'Body' and a 'From' or 'MessagingServiceSid' are required."));
        }
        const now = new Date();
        const message: FakeMessage = {
          sid: options.sameSid ?? sid('SM'),
          account_sid: account,
          to: form.To,
          from: form.From ?? null,
          messaging_service_sid: form.MessagingServiceSid ?? null,
          body: form.Body,
          status: form.MessagingServiceSid ? 'accepted' : 'queued',
          direction: 'outbound-api',
          error_code: null,
          error_message: null,
          date_created: rfc2822(now),
          date_sent: null,
          date_updated: rfc2822(now),
          num_segments: '1',
        };
        record.answer = 201;
        // Created when the request is read, as Twilio does: a lost answer does not undo it.
        messages.push(message);
        return answer(() => json(res, 201, resource(message)), rule?.delayMs);
      }
      if (req.method === 'GET' && messageSid !== undefined) {
        const found = messages.find((m) => m.sid === messageSid && m.account_sid === account);
        if (!found) {
          record.answer = 404;
          return answer(() => twilioError(res, 404, 20404, `The requested resource ${url.pathname} was not found`));
        }
        return respond(200, resource(found));
      }
      if (req.method === 'GET') {
        const q = url.searchParams;
        const sentAfter = q.get('DateSent>');
        const after = sentAfter ? new Date(sentAfter).getTime() : undefined;
        const list = messages
          .filter((m) => m.account_sid === account)
          .filter((m) => !q.get('To') || m.to === q.get('To'))
          .filter((m) => !q.get('From') || m.from === q.get('From'))
          .filter((m) => after === undefined || new Date(m.date_sent ?? m.date_created).getTime() >= after)
          .reverse(); // newest first, as Twilio lists
        const pageSize = Math.max(1, Math.min(1000, Number(q.get('PageSize') ?? 50)));
        const page = Number(q.get('Page') ?? 0);
        const slice = list.slice(page * pageSize, (page + 1) * pageSize);
        const base = `${API}${account}/Messages.json`;
        const params = new URLSearchParams(q);
        params.set('PageSize', String(pageSize));
        const pageUri = (p: number): string => {
          params.set('Page', String(p));
          return `${base}?${params.toString()}`;
        };
        return respond(200, {
          messages: slice.map(resource),
          start: page * pageSize,
          end: page * pageSize + slice.length - 1,
          page,
          page_size: pageSize,
          first_page_uri: pageUri(0),
          previous_page_uri: page > 0 ? pageUri(page - 1) : null,
          next_page_uri: (page + 1) * pageSize < list.length ? pageUri(page + 1) : null,
          uri: pageUri(page),
        });
      }
      record.answer = 405;
      return answer(() => twilioError(res, 405, 20004, 'Method not allowed'));
    });
  });

  function resource(m: FakeMessage): Record<string, unknown> {
    return {
      ...m,
      api_version: '2010-04-01',
      num_media: '0',
      price: null,
      price_unit: 'USD',
      uri: `${API}${m.account_sid}/Messages/${m.sid}.json`,
      subresource_uris: { media: `${API}${m.account_sid}/Messages/${m.sid}/Media.json` },
    };
  }

  function control(path: string, raw: string, res: http.ServerResponse): void {
    if (path === '/__fake/state') return json(res, 200, { requests, messages });
    if (path === '/__fake/script') {
      const body = JSON.parse(raw || '{}') as { script?: FakeRule[]; latencyMs?: number };
      if (body.script) {
        script = body.script;
        used.clear();
      }
      if (body.latencyMs !== undefined) latency = body.latencyMs;
      return json(res, 200, { ok: true });
    }
    return json(res, 404, { message: 'unknown control path' });
  }

  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    messages,
    setScript(next) {
      script = [...next];
      used.clear();
    },
    setLatency(ms) {
      latency = ms;
    },
    setStatus(messageSid, status, errorCode = null) {
      const m = messages.find((x) => x.sid === messageSid);
      if (!m) throw new Error(`fake Twilio: no message ${messageSid}`);
      m.status = status;
      m.error_code = errorCode;
      m.error_message = errorCode ? `error ${errorCode}` : null;
      m.date_sent = m.date_sent ?? m.date_created;
      m.date_updated = rfc2822(new Date());
    },
    addOutbound({ to, from, body, status = 'queued', errorCode = null, account = 'AC' + '0'.repeat(32), at = new Date() }) {
      const m: FakeMessage = {
        sid: sid('SM'),
        account_sid: account,
        to,
        from,
        messaging_service_sid: null,
        body,
        status,
        direction: 'outbound-api',
        error_code: errorCode,
        error_message: errorCode ? `error ${errorCode}` : null,
        date_created: rfc2822(at),
        date_sent: status === 'queued' ? null : rfc2822(at),
        date_updated: rfc2822(at),
        num_segments: '1',
      };
      messages.push(m);
      return m;
    },
    addInbound({ from, to, body, at = new Date() }) {
      const account = messages[0]?.account_sid ?? requests.find((r) => r.path.startsWith(API))?.path.split('/')[3] ?? 'AC' + '0'.repeat(32);
      const m: FakeMessage = {
        sid: sid('SM'),
        account_sid: account,
        to,
        from,
        messaging_service_sid: null,
        body,
        status: 'received',
        direction: 'inbound',
        error_code: null,
        error_message: null,
        date_created: rfc2822(at),
        date_sent: rfc2822(at),
        date_updated: rfc2822(at),
        num_segments: '1',
      };
      messages.push(m);
      return m;
    },
    sentTo(phone) {
      return messages.filter((m) => m.to === phone && m.direction === 'outbound-api');
    },
    messagePosts() {
      return requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages.json'));
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads the state of a fake running as a child process. */
export async function fakeState(url: string): Promise<{ requests: RecordedRequest[]; messages: FakeMessage[] }> {
  const response = await fetch(`${url}/__fake/state`);
  return (await response.json()) as { requests: RecordedRequest[]; messages: FakeMessage[] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = JSON.parse(process.argv[2] ?? '{}') as FakeTwilioOptions;
  const fake = await startFakeTwilio(options);
  process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
  const stop = (): void => void fake.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
