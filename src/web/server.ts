/**
 * The field server's HTTP side: the teller page and the HQ dashboard (static files from
 * src/web/public), and the JSON API they call. Routes are thin: they check the token, call the
 * same use cases as the CLI (recordFieldChecks, undoFieldCheck, computeStatus) and answer JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import { computeStatus } from '../app/computeStatus.js';
import { MAX_CHECKS_PER_REQUEST, recordFieldCheckBatches, undoFieldCheck, type FieldCheckAnswer, type FieldCheckInput } from '../app/fieldChecks.js';
import type { FieldTokenRow } from '../app/fieldAccess.js';
import type { FieldDatabase, FieldPorts } from '../app/fieldServer.js';
import type { Clock } from '../app/ports.js';
import { DataError, TurnoutError, UnavailableError, UsageError } from '../core/errors.js';
import { electionSettings } from '../app/settings.js';
import { toIso } from '../core/time.js';
import { renderWatched, type EventFeed } from './events.js';
import { statusInputFrom, type StatusQuery } from '../app/statusQuery.js';
import { statusRows, timelineRows, timelineSeries } from '../app/statusRows.js';
import { HttpError, presentedToken, RateLimiter, requireToken } from './auth.js';
import { authenticate } from '../app/fieldAccess.js';
import { EventHub } from './sse.js';

/** Where the pages are: src/web/public of the package (dist/src/web/server.js → ../../../src/web/public). */
export const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/web/public');

export interface ServerOptions {
  /** The database the routes read and write, SQLite or PostgreSQL. */
  db: FieldDatabase;
  /** Where the dashboards' events come from (workerEvents on SQLite, pollingEvents on PostgreSQL). */
  events: EventFeed;
  clock: Clock;
  publicDir?: string;
  /** One line per request (never a token): the serve command writes it to stderr. */
  log: (entry: RequestLogEntry) => void;
  /** Requests per minute per token on average (bursts of `rateBurst`); 0 turns the limit off. */
  ratePerMinute?: number;
  rateBurst?: number;
  /** Largest request body, bytes. */
  bodyLimit?: number;
  https?: { key: Buffer; cert: Buffer };
}

export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** The path as logged: the token of a page link or of ?token= replaced, whatever else is there. */
export function redactPath(url: string): string {
  return url
    .replace(/^\/(t|hq)\/[^/?#]*/, '/$1/[token]')
    .replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

const STATUS_QUERY: Record<string, keyof StatusQuery> = {
  by: 'by',
  support: 'support',
  expected: 'expected',
  at: 'at',
  z: 'z',
  min_remaining: 'minRemaining',
  'min-remaining': 'minRemaining',
};

/** /api/status's query → the options of `turnout status` (files named by a request are never read). */
function statusOptions(query: Record<string, unknown>): { options: StatusQuery; underMobilized: boolean; key: string } {
  const options: StatusQuery = {};
  let underMobilized = false;
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (name === 'token') continue;
    if (typeof value !== 'string') throw new HttpError(400, `query parameter ${name} given more than once`);
    if (name === 'targets' || name === 'curve') {
      throw new HttpError(400, `${name} is not accepted over HTTP (it names a file on the server); use expected, or the CLI`);
    }
    if (name === 'under_mobilized' || name === 'under-mobilized') {
      underMobilized = value === '' || value === '1' || value === 'true';
    } else {
      const key = STATUS_QUERY[name];
      if (key === undefined) throw new HttpError(400, `unknown query parameter ${name} (known: ${Object.keys(STATUS_QUERY).join(', ')}, under_mobilized)`);
      options[key] = value;
    }
    parts.push(`${name}=${value}`);
  }
  return { options, underMobilized, key: parts.sort().join('&') };
}

export async function buildServer(options: ServerOptions): Promise<{ app: FastifyInstance; stop: () => Promise<void> }> {
  const { db, clock, events } = options;
  const publicDir = options.publicDir ?? PUBLIC_DIR;
  const limiter = new RateLimiter(options.ratePerMinute ?? 600, options.rateBurst ?? 120);
  const auth = { db, clock, limiter };
  // Read on each use: init --timezone may change it while the server runs.
  const timeZone = async (ports: FieldPorts): Promise<string> => (await electionSettings(ports.settings)).timeZone;
  // The server's write transactions, one at a time and in order: on SQLite they share its one
  // connection; on PostgreSQL one at a time keeps the group commit's batches whole.
  let writing: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = writing.then(fn, fn);
    writing = next.catch(() => {});
    return next;
  };

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    ...(options.https ? { https: options.https } : {}),
    requestTimeout: 30_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });

  const reportStatus = (query: Record<string, unknown>) => {
    const { options: cli, underMobilized } = statusOptions(query);
    return { cli, underMobilized };
  };
  const computeFor = (cli: StatusQuery, timeline: boolean) =>
    db.use(async (ports) => {
      const input = await statusInputFrom(cli, { timeZone: await timeZone(ports), now: clock.now() });
      return computeStatus({ source: ports.status }, { ...input, timeline });
    });
  // The options each dashboard stream asked for, by their key.
  const watched = new Map<string, { cli: StatusQuery; underMobilized: boolean }>();

  // Group commit: the POSTs that arrive in the same turn of the event loop are recorded in one
  // transaction (a commit writes each changed 16 KiB page to the WAL once, however many checks
  // share it), and each is answered after that commit.
  let queue: Array<{ token: FieldTokenRow; checks: FieldCheckInput[]; resolve: (a: FieldCheckAnswer[]) => void; reject: (e: unknown) => void }> = [];
  // While one batch is being written, the next gathers: under load the batches grow instead of queueing.
  const flush = async (): Promise<void> => {
    const batch = queue;
    queue = [];
    try {
      const answers = await recordWithRetry(() =>
        db.use(async (ports) => recordFieldCheckBatches(ports.checks, clock, batch, { timeZone: await timeZone(ports) })),
      );
      batch.forEach((b, i) => b.resolve(answers[i]!));
      events.nudge();
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  };
  const recordTogether = (token: FieldTokenRow, input: FieldCheckInput[]): Promise<FieldCheckAnswer[]> =>
    new Promise((resolve, reject) => {
      if (queue.length === 0) setImmediate(() => void serially(flush));
      queue.push({ token, checks: input, resolve, reject });
    });

  // A stream's first events come from the feed when it renders them off this thread (SQLite's
  // worker: computed here, the status and activity of 1M voters held every teller's request for
  // 0.3 s when a dashboard with new options opened); else they are computed at once, for its
  // options only (PostgreSQL: the database does the work). Later ones come from the feed.
  const hub = new EventHub((key) => {
    if (events.rendersFirst) return undefined;
    const w = watched.get(key);
    if (w === undefined) return '';
    return db.use(async (ports) => (await renderWatched(ports, new Map([[key, w]]), clock.now()))[key] ?? '');
  });
  // Whether each streaming token is still live, checked again before each publication (a revoked
  // or expired link's stream is cut at its next event) and every 15 s. A token is forgotten when
  // its last stream closes. The checks run together, so PostgreSQL looks them up in one query.
  const streamTokens = new Map<string, { live: boolean; streams: number }>();
  const recheckStreams = async (): Promise<void> => {
    await Promise.all(
      [...streamTokens].map(async ([token, entry]) => {
        try {
          entry.live = (await authenticate(db.tokens, clock, token)) !== undefined;
        } catch {
          // The database is away: keep the streams as they are until it answers.
        }
      }),
    );
  };
  // Publications one after the other, in order: an older one finishing its recheck last would
  // otherwise leave older figures on the dashboards until the next change.
  let publishing: Promise<void> = Promise.resolve();
  const eventsFailed = (message: string): void => void process.stderr.write(`turnout serve: the dashboard events failed: ${message}\n`);
  events.start((texts) => {
    publishing = publishing
      .then(recheckStreams)
      .then(() => hub.publish(texts))
      .catch((error: unknown) => eventsFailed((error as Error).name));
  }, eventsFailed);
  const recheck = setInterval(() => void recheckStreams(), 15_000);
  recheck.unref();

  app.addHook('onRequest', async (request) => {
    (request as FastifyRequest & { startedAt?: bigint }).startedAt = process.hrtime.bigint();
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  const logRequest = (request: FastifyRequest, statusCode: number): void => {
    const started = (request as FastifyRequest & { startedAt?: bigint }).startedAt ?? process.hrtime.bigint();
    options.log({
      time: toIso(new Date()),
      method: request.method,
      path: redactPath(request.url),
      status: statusCode,
      ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
    });
  };
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply.statusCode));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).headers(error.headers).send({ error: error.message });
    }
    // The database away, or a statement past its time limit: the phone's queue sends it again.
    if (error instanceof UnavailableError || error.code === 'SQLITE_BUSY') {
      return reply.code(503).header('retry-after', '1').send({ error: 'the database is busy or unreachable: try again' });
    }
    if (error instanceof UsageError || error instanceof DataError) return reply.code(400).send({ error: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    if (error instanceof TurnoutError) {
      // A database failure: its text may quote values (voters' data), so it is not logged.
      process.stderr.write(`turnout serve: internal error: ${error.name} (${codeOf(error) ?? 'no code'})\n`);
      return reply.code(500).send({ error: 'internal error' });
    }
    const code = error.statusCode;
    if (code !== undefined && code >= 400 && code < 500) {
      const message =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'request body too large'
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'send JSON (Content-Type: application/json)'
            : error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(error.message)
              ? 'malformed JSON'
              : error.message;
      return reply.code(code).send({ error: message });
    }
    process.stderr.write(`turnout serve: internal error: ${error.name}: ${error.message}\n`);
    return reply.code(500).send({ error: 'internal error' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));

  await app.register(fastifyCompress, { global: true, threshold: 1024, encodings: ['br', 'gzip'], brotliOptions: { params: { 1: 5 } } as never });
  await app.register(fastifyStatic, {
    root: publicDir,
    prefix: '/',
    index: false,
    wildcard: true,
    cacheControl: false,
    // Pages carry a token in their address: never stored; scripts and styles revalidated.
    setHeaders: (reply, file) => void reply.header('cache-control', file.endsWith('.html') ? 'no-store' : 'no-cache'),
  });

  const page = (file: string) => async (_request: FastifyRequest, reply: FastifyReply) => {
    if (!fs.existsSync(path.join(publicDir, file))) throw new HttpError(404, `${file} is missing from this installation`);
    // The token is in the address: the page must never be cached by anything in between.
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').sendFile(file, { cacheControl: false });
  };
  app.get('/t/:token', page('teller.html'));
  app.get('/hq/:token', page('hq.html'));

  // The dashboard's chart library, from its npm package: served by turnout itself (no CDN: the
  // server may be a laptop with no internet), by a fixed list of names (nothing else of node_modules).
  const uplotDist = path.dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
  const vendor: Readonly<Record<string, string>> = { 'uplot.iife.min.js': 'uPlot.iife.min.js', 'uplot.min.css': 'uPlot.min.css' };
  app.get('/vendor/:file', async (request, reply) => {
    const file = vendor[(request.params as { file: string }).file];
    if (file === undefined) throw new HttpError(404, 'not found');
    return reply.header('cache-control', 'no-cache').sendFile(file, uplotDist);
  });

  app.get('/api/me', async (request) => {
    const who = await requireToken(request, undefined as never, auth, ['teller', 'staff']);
    if (who.role === 'teller') {
      const recorded = await db.use(async (ports) => ports.checks.countsByPrecinct(who.id));
      return { role: 'teller', name: who.name, precincts: who.precincts, recorded };
    }
    return { role: 'staff', name: who.name };
  });

  app.post('/api/checks', async (request) => {
    const who = await requireToken(request, undefined as never, auth, ['teller', 'staff']);
    const body = request.body as { checks?: unknown } | null | undefined;
    if (body === null || typeof body !== 'object' || !Array.isArray(body.checks)) {
      throw new HttpError(400, 'the body must be {"checks": [{"id": "...", "precinct": "...", "list_number": "..."}]}');
    }
    if (body.checks.length > MAX_CHECKS_PER_REQUEST) throw new HttpError(413, `at most ${MAX_CHECKS_PER_REQUEST} checks per request`);
    const results = await recordTogether(who, body.checks as FieldCheckInput[]);
    return { results };
  });

  app.delete('/api/checks/:id', async (request) => {
    const who = await requireToken(request, undefined as never, auth, ['teller', 'staff']);
    const id = (request.params as { id: string }).id;
    const outcome = await serially(() => recordWithRetry(() => db.use((ports) => undoFieldCheck(ports.checks, clock, who, id))));
    if (outcome === 'not-found') throw new HttpError(404, 'no check with this id from this link');
    events.nudge();
    return { id, result: 'undone' };
  });

  app.get('/api/status', async (request) => {
    await requireToken(request, undefined as never, auth, ['staff']);
    const { cli, underMobilized } = reportStatus(request.query as Record<string, unknown>);
    return statusRows(await computeFor(cli, false), underMobilized);
  });

  app.get('/api/timeline', async (request) => {
    await requireToken(request, undefined as never, auth, ['staff']);
    const { cli, underMobilized } = reportStatus(request.query as Record<string, unknown>);
    const report = await computeFor(cli, true);
    const areas = underMobilized ? report.areas.filter((a) => a.under_mobilized) : report.areas;
    return timelineRows(report, timelineSeries(report, areas));
  });

  app.get('/api/activity', async (request) => {
    await requireToken(request, undefined as never, auth, ['staff']);
    const now = toIso(clock.now());
    return { now, ...(await db.use(async (ports) => ports.activity.activity(now))) };
  });

  app.get('/api/events', async (request, reply) => {
    await requireToken(request, undefined as never, auth, ['staff'], true);
    const presented = presentedToken(request, true)!;
    const { options: cli, underMobilized, key } = statusOptions(request.query as Record<string, unknown>);
    // Validate the options now (a bad one is a 400, not a broken stream); the input is rebuilt on
    // each change because "now" moves.
    await db.use(async (ports) => statusInputFrom(cli, { timeZone: await timeZone(ports), now: clock.now() }));
    if (!watched.has(key)) {
      watched.set(key, { cli, underMobilized });
      events.watch(key, { cli, underMobilized });
    }
    reply.hijack();
    const res = reply.raw;
    // The dashboard may have gone during the awaits above: its 'close' has been emitted already,
    // and a stream counted now would never be let go.
    if (res.destroyed || request.raw.destroyed || res.socket === null || res.socket.destroyed) {
      res.destroy();
      return;
    }
    const entry = streamTokens.get(presented) ?? { live: true, streams: 0 };
    entry.streams += 1;
    streamTokens.set(presented, entry);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    logRequest(request, 200);
    res.on('close', () => {
      entry.streams -= 1;
      if (entry.streams === 0 && streamTokens.get(presented) === entry) streamTokens.delete(presented);
    });
    hub.add(res, key, () => entry.live);
  });

  hub.start();
  /** Stops taking requests, ends the event streams, answers the requests in flight, stops the worker. */
  const stop = async (): Promise<void> => {
    hub.stop();
    clearInterval(recheck);
    await app.close();
    await writing;
    await events.stop();
  };
  return { app, stop };
}

/** The PostgreSQL error code behind a turnout error, if any (logged instead of its text). */
function codeOf(error: Error): string | undefined {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/**
 * Runs a write again when the database aborted it for a conflict with another writer (a
 * deadlock, or a serialization failure): it was rolled back whole, so running it again records
 * each check once. Three tries.
 */
async function recordWithRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = codeOf(error as Error) ?? (error as { code?: string }).code;
      if (attempt >= 3 || (code !== '40P01' && code !== '40001')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
    }
  }
}
