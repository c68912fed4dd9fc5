/**
 * Sending SMS reminders, at most once. Each message is recorded (status 'pending') in a
 * committed transaction that also re-checks opt-outs, unusable numbers, the cooldown and
 * unresolved messages, before the API call; the answer is recorded after it. Only one run
 * sends at a time (a lock with the holder's pid, host and a heartbeat renewed every few seconds,
 * taken over when the heartbeat is stale or that process is dead); a run that finds 'pending' rows left by a dead run marks them 'unknown', and
 * `turnout sync` resolves those with Twilio instead of sending them again.
 *
 * Pacing: one dispatcher starts the attempts, at most `concurrency` in flight, each taking a
 * token of a Pacer (src/core/pacer.ts): --rate per second with a bounded burst that makes up
 * for a late start. A message answered 429 gives its token back and waits for its backoff in a
 * queue (it holds no request slot), so accepted messages per second track --rate.
 */
import { isQuietTime, quietHoursEnd, type QuietHours } from '../core/quietHours.js';
import { countSegments, type SegmentCount, type SmsEncoding } from '../core/segments.js';
import { renderAll, type Template } from '../core/template.js';
import { UsageError } from '../core/errors.js';
import { defaultBurst, Pacer, type PacerTicket } from '../core/pacer.js';
import type { Awaitable, Clock, Reporter } from './ports.js';
import type { SmsRecipient } from './recipients.js';

// ---------------------------------------------------------------- ports

export interface OutgoingSms {
  to: string;
  body: string;
}

/** What the SMS provider answered; the gateway never throws for an API or network problem. */
export type SendResult =
  | { kind: 'accepted'; sid: string; status: string }
  /** Twilio refused it: it will not be delivered. */
  | { kind: 'rejected'; httpStatus: number; code: number | undefined; message: string }
  /** 429 / 20429: not accepted, try again later. */
  | { kind: 'rate-limited'; message: string }
  /** The request never left this machine (connection refused, DNS): nothing was sent. */
  | { kind: 'not-sent'; message: string }
  /** It may have reached Twilio but the answer was lost (timeout, reset, 5xx). */
  | { kind: 'ambiguous'; message: string };

export interface SmsGateway {
  /** The From number or messaging service SID, for the log and the confirmation. */
  readonly sender: string;
  send(sms: OutgoingSms): Promise<SendResult>;
}

export interface ClaimRequest {
  runId: string;
  phone: string;
  voterIds: string[];
  body: string;
  segments: number;
  encoding: SmsEncoding;
  sender: string | undefined;
  now: string;
  /** Messages since this instant count as reminders (the cooldown); undefined: --include-reminded. */
  since: string | undefined;
}

export type ClaimResult = { kind: 'claimed'; id: number } | { kind: 'opted-out' | 'unusable' | 'recent' | 'ambiguous' };

export interface MessageLog {
  /**
   * Re-checks each message and records it as 'pending' (first attempt), in one committed
   * transaction for messages about to be sent at once; one result per request, in order.
   */
  claimMany(requests: readonly ClaimRequest[]): Awaitable<ClaimResult[]>;
  /** Counts one more attempt (a retry after 429); may be written later, like `accepted`. */
  attempt(id: number, now: string): Awaitable<void>;
  /** May be written later (with the next claim, or by flush); a lost write leaves the row 'pending'. */
  accepted(id: number, sid: string, status: string, now: string): Awaitable<void>;
  /** The message other than `id` that already holds this provider SID (recorded or waiting to be), if any. */
  sidHolder(sid: string, id: number): Awaitable<number | undefined>;
  /** Accepted, but its SID cannot be kept (another message holds it): the provider's status, no SID, and why. */
  acceptedUntracked(id: number, status: string, note: string, now: string): Awaitable<void>;
  /** Writes accepted answers still waiting. */
  flush(): Awaitable<void>;
  failed(id: number, code: number | undefined, message: string, now: string): Awaitable<void>;
  unknown(id: number, message: string, now: string): Awaitable<void>;
  recordOptout(phone: string, source: string, now: string): Awaitable<boolean>;
  recordUnusable(phone: string, code: number, now: string): Awaitable<boolean>;
}

export interface LockHolder {
  runId: string;
  pid: number;
  hostname: string;
  acquiredAt: string;
  heartbeatAt: string;
}

export type LockResult = { acquired: true; previous: LockHolder | undefined; recovered: number } | { acquired: false; holder: LockHolder };

export interface SendLock {
  acquire(me: LockHolder, isStale: (holder: LockHolder) => boolean): Awaitable<LockResult>;
  heartbeat(runId: string, now: string): Awaitable<boolean>;
  release(runId: string): Awaitable<void>;
}

/** Real time for pacing (monotonic milliseconds) and waiting; tests may pass their own. */
export interface Timer {
  monotonic(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (it never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------- planning

/** Twilio's limit for one message body. */
export const MAX_BODY = 1600;

export interface PlannedMessage {
  recipient: SmsRecipient;
  body: string;
  segments: SegmentCount;
}

export interface SendPlan {
  messages: PlannedMessage[];
  totals: {
    recipients: number;
    voters: number;
    segments: number;
    gsm7Messages: number;
    ucs2Messages: number;
    /** Characters that made some messages UCS-2 (the costlier encoding). */
    ucs2Characters: string[];
  };
}

/** Fields of the recipients' voters that a template may name (standard fields and extra columns). */
export function knownFields(recipients: SmsRecipient[], standard: readonly string[]): string[] {
  const names = new Set<string>(standard);
  for (const r of recipients) for (const v of r.voters) for (const k of Object.keys(v.fields)) names.add(k);
  return [...names];
}

/** Renders and measures every message; throws before anything is sent when one cannot be. */
export function planMessages(template: Template, footer: string | undefined, recipients: SmsRecipient[], fields: readonly string[]): SendPlan {
  const rendered = renderAll(template, recipients, footer, fields);
  const messages = rendered.map(({ recipient, body }) => ({ recipient, body, segments: countSegments(body) }));
  const tooLong = messages.find((m) => m.body.length > MAX_BODY);
  if (tooLong) {
    throw new UsageError(`the message for ${tooLong.recipient.phone} is ${tooLong.body.length} characters; Twilio accepts at most ${MAX_BODY}`, {
      hint: 'Shorten the message: past 2 or 3 segments it costs more and reads worse.',
    });
  }
  const ucs2 = new Set<string>();
  for (const m of messages) for (const ch of m.segments.ucs2Characters) ucs2.add(ch);
  return {
    messages,
    totals: {
      recipients: messages.length,
      voters: messages.reduce((n, m) => n + m.recipient.voters.length, 0),
      segments: messages.reduce((n, m) => n + m.segments.segments, 0),
      gsm7Messages: messages.filter((m) => m.segments.encoding === 'GSM-7').length,
      ucs2Messages: messages.filter((m) => m.segments.encoding === 'UCS-2').length,
      ucs2Characters: [...ucs2],
    },
  };
}

// ---------------------------------------------------------------- sending

/** Twilio errors that mean the number is gone for good, and what to record. */
export const OPTOUT_ERROR = 21610;
export const UNUSABLE_ERRORS: readonly number[] = [21211, 21614, 21635];
/** Errors about the account or the sender: every other message would fail too, so the run stops. */
const ACCOUNT_ERRORS = new Set([20003, 20005, 20008, 21212, 21603, 21606, 21608, 21659, 21705, 21712]);
/** After this many network failures in a row the provider is taken as unreachable and the run stops. */
const UNREACHABLE_AFTER = 5;
/**
 * The dispatcher waits at least this long for tokens, so that at high rates new messages are
 * recorded a few at a time (5 at --rate 500), in one commit, then sent at once: fewer commits,
 * fewer WAL checkpoints and their fsync, which block the event loop (see the commit).
 */
const TICK_MS = 10;
/** The reason given when the dispatcher's wait is cut short. */
const WOKEN = 'woken';
/** New messages recorded in one transaction at most. */
const MAX_BATCH = 32;

export interface SendOptions {
  runId: string;
  /** Messages per second. */
  rate: number;
  /** Requests in flight at most; default from the rate. */
  concurrency?: number;
  /** Messages that may start at once to make up for a delay; default `defaultBurst(rate)` (100 ms of messages, at least 1). */
  burst?: number;
  quietHours: QuietHours | undefined;
  timeZone: string;
  /** Cooldown in ms; undefined means --include-reminded (unresolved messages still block). */
  cooldownMs: number | undefined;
  /** Attempts per message when rate-limited (429). */
  maxAttempts?: number;
  /** Aborted (Ctrl-C): no new message starts; those in flight finish and are recorded. */
  signal?: AbortSignal;
  /** Write a progress line every this many ms through reporter.info (for logs); 0: never. */
  progressLinesMs?: number;
}

export interface SendPorts {
  gateway: SmsGateway;
  log: MessageLog;
  lock: SendLock;
  owner: { pid: number; hostname: string };
  isStale(holder: LockHolder, now: Date): boolean;
  clock: Clock;
  timer: Timer;
  reporter: Reporter;
  /** For the backoff's jitter; default Math.random. */
  random?: () => number;
}

export type StopReason = 'quiet-hours' | 'interrupted' | 'unreachable' | 'account-error' | null;

export interface SendSummary {
  run_id: string;
  sender: string;
  started_at: string;
  finished_at: string;
  recipients: number;
  /** Accepted by Twilio. */
  sent: number;
  failed: number;
  /** Outcome unknown (timeout, reset): `turnout sync` resolves them; never sent again blindly. */
  unknown: number;
  skipped: { opted_out: number; unusable: number; reminded: number; unresolved: number };
  /** Not attempted because the run stopped (quiet hours, Ctrl-C, provider unreachable). */
  not_attempted: number;
  stopped: StopReason;
  segments_sent: number;
  rate_limited_retries: number;
  optouts_recorded: number;
  unusable_recorded: number;
  /**
   * Accepted with a SID the provider had already given to another message (a mock's fixed SID):
   * counted in `sent` too, recorded without the SID (its delivery cannot be followed by it).
   */
  duplicate_sids: number;
  /** Failures by Twilio error code ("network" when there is none). */
  errors: Record<string, number>;
  rate_requested: number;
  rate_achieved: number;
}

export type SendOutcome =
  | { kind: 'quiet'; window: string; resumesAt: string; timeZone: string }
  | { kind: 'locked'; holder: LockHolder }
  | { kind: 'done'; summary: SendSummary };

export function defaultConcurrency(rate: number): number {
  return Math.min(64, Math.max(4, Math.ceil(rate / 4)));
}

/**
 * Backoff before retry n (1-based) after a 429: a random wait below 0.2 s, 0.4 s, 0.8 s… up to
 * 10 s ("full jitter"), the schedule of twilio-node's own 429 retry (100 ms × 2ⁿ × random), with
 * a higher cap. Full jitter spreads retries best and halves the mean wait of "between half and
 * all of it"; a retry still waits for a token of the pacer like any request.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 200 * 2 ** (attempt - 1));
  return Math.floor(base * random());
}

/** A claimed message and its next attempt. */
interface Job {
  message: PlannedMessage;
  /** The message's row in the log. */
  id: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** Monotonic ms before which this attempt must not start (backoff after a 429). */
  notBefore: number;
}

export async function sendReminders(plan: SendPlan, options: SendOptions, ports: SendPorts): Promise<SendOutcome> {
  const { gateway, log, lock, clock, timer, reporter } = ports;
  const iso = (): string => clock.now().toISOString();
  const startedAt = clock.now();
  if (isQuietTime(startedAt, options.quietHours, options.timeZone)) {
    return { kind: 'quiet', window: options.quietHours!.text, resumesAt: quietHoursEnd(options.quietHours!), timeZone: options.timeZone };
  }

  const me: LockHolder = { runId: options.runId, ...ports.owner, acquiredAt: startedAt.toISOString(), heartbeatAt: startedAt.toISOString() };
  const taken = await lock.acquire(me, (holder) => ports.isStale(holder, clock.now()));
  if (!taken.acquired) return { kind: 'locked', holder: taken.holder };
  if (taken.previous && taken.previous.runId !== me.runId) {
    reporter.warn(`took over the send lock of run ${taken.previous.runId} (pid ${taken.previous.pid} on ${taken.previous.hostname}, last heartbeat ${taken.previous.heartbeatAt}, is no longer running)`);
  }
  if (taken.recovered > 0) {
    reporter.warn(
      `${taken.recovered} message${taken.recovered === 1 ? '' : 's'} of an interrupted run may or may not have gone out: marked unknown, never resent; run \`turnout sync\` to resolve them`,
    );
  }

  const summary: SendSummary = {
    run_id: options.runId,
    sender: gateway.sender,
    started_at: startedAt.toISOString(),
    finished_at: startedAt.toISOString(),
    recipients: plan.messages.length,
    sent: 0,
    failed: 0,
    unknown: 0,
    skipped: { opted_out: 0, unusable: 0, reminded: 0, unresolved: 0 },
    not_attempted: 0,
    stopped: null,
    segments_sent: 0,
    rate_limited_retries: 0,
    optouts_recorded: 0,
    unusable_recorded: 0,
    duplicate_sids: 0,
    errors: {},
    rate_requested: options.rate,
    rate_achieved: 0,
  };
  const since = options.cooldownMs === undefined ? undefined : new Date(startedAt.getTime() - options.cooldownMs).toISOString();
  const maxAttempts = options.maxAttempts ?? 10;
  const concurrency = Math.max(1, options.concurrency ?? defaultConcurrency(options.rate));
  const total = plan.messages.length;
  const firstStart = timer.monotonic();
  const pacer = new Pacer(options.rate, options.burst ?? defaultBurst(options.rate), firstStart);
  /** Messages answered 429, each waiting for its time before its next attempt; they hold no request slot. */
  const retries: Job[] = [];
  /** Attempts in flight. */
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let next = 0;
  let done = 0;
  let consecutiveNetworkFailures = 0;
  let lastBeat = firstStart;
  let lastLine = firstStart;
  let lastFlush = firstStart;

  const stop = (reason: Exclude<StopReason, null>): void => {
    if (summary.stopped === null) summary.stopped = reason;
  };
  const countError = (code: number | undefined): void => {
    const key = code === undefined ? 'network' : String(code);
    summary.errors[key] = (summary.errors[key] ?? 0) + 1;
  };
  /**
   * A write nobody waits for (SQLite has done it already; PostgreSQL's connection runs it in
   * order): a failure stops the run like any other.
   */
  const background = (write: Awaitable<unknown>): void => {
    if (write instanceof Promise) write.catch((error: unknown) => void (failure ??= { error }));
  };
  /** Writes waiting answers and renews the lock now and then; also while only retries are waiting. */
  const housekeeping = (): void => {
    const t = timer.monotonic();
    if (t - lastFlush > 250) {
      lastFlush = t;
      background(log.flush());
    }
    if (t - lastBeat > 2000) {
      lastBeat = t;
      background(lock.heartbeat(options.runId, iso()));
    }
  };
  /** One message is finished (sent, failed, unknown or skipped). */
  const finished = (): void => {
    done++;
    const trouble = summary.failed + summary.unknown;
    reporter.progress({ task: trouble ? `sending (${summary.failed} failed, ${summary.unknown} unknown)` : 'sending', done, total, unit: 'messages' });
    housekeeping();
    const t = timer.monotonic();
    if (options.progressLinesMs && t - lastLine >= options.progressLinesMs) {
      lastLine = t;
      const rate = summary.sent / Math.max(0.001, (t - firstStart) / 1000);
      reporter.info(`sent ${summary.sent}, failed ${summary.failed}, unknown ${summary.unknown}, remaining ${total - done} (${rate.toFixed(1)}/s)`);
    }
  };

  // The dispatcher waits for a token, a free request slot or a retry's time; an answer or Ctrl-C wakes it early.
  let wake: (() => void) | undefined;
  let waitingForTokens = false;
  const kick = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // At most 2 s, so that the lock's heartbeat goes on while only long backoffs or slow answers remain.
  const pause = async (ms: number): Promise<void> => {
    const cancel = new AbortController();
    let slept = false;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const sleep = timer.sleep(Math.min(2000, Math.max(0, ms)), cancel.signal).then(() => (slept = true));
    await Promise.race([woken, sleep]);
    wake = undefined;
    if (!slept) cancel.abort(WOKEN); // clears the timer; a given reason spares building an AbortError
  };

  /** Records messages before their first attempt, in one transaction; the ids of those to send (the others are counted). */
  const claim = async (messages: PlannedMessage[]): Promise<Array<number | undefined>> => {
    const now = iso();
    const results = await log.claimMany(
      messages.map((message) => ({
        runId: options.runId,
        phone: message.recipient.phone,
        voterIds: message.recipient.voters.map((v) => v.id),
        body: message.body,
        segments: message.segments.segments,
        encoding: message.segments.encoding,
        sender: gateway.sender,
        now,
        since,
      })),
    );
    return results.map((result) => {
      switch (result.kind) {
        case 'claimed':
          return result.id;
        case 'opted-out':
          summary.skipped.opted_out++;
          break;
        case 'unusable':
          summary.skipped.unusable++;
          break;
        case 'recent':
          summary.skipped.reminded++;
          break;
        case 'ambiguous':
          summary.skipped.unresolved++;
          break;
      }
      finished();
      return undefined;
    });
  };

  /** One API call for a claimed message, and what its answer means. */
  const attempt = async (job: Job, ticket: PacerTicket): Promise<void> => {
    const { message, id } = job;
    const phone = message.recipient.phone;
    let result: SendResult;
    try {
      result = await gateway.send({ to: phone, body: message.body });
    } catch (error) {
      // A gateway bug, not an answer: the request may have gone out.
      result = { kind: 'ambiguous', message: error instanceof Error ? error.message : String(error) };
    }
    if (result.kind === 'rate-limited') {
      // Twilio took no message: the token comes back, and the message waits without holding a slot.
      pacer.refund(ticket, timer.monotonic());
      kick(); // the token may be used at once
      consecutiveNetworkFailures = 0;
      if (job.attempt >= maxAttempts) {
        await log.failed(id, 20429, `still rate-limited after ${job.attempt} attempts: ${result.message}`, iso());
        summary.failed++;
        countError(20429);
        return finished();
      }
      summary.rate_limited_retries++;
      retries.push({ message, id, attempt: job.attempt + 1, notBefore: timer.monotonic() + backoffMs(job.attempt, ports.random) });
      return;
    }
    pacer.settle(ticket);
    switch (result.kind) {
      case 'accepted': {
        consecutiveNetworkFailures = 0;
        const holder = await log.sidHolder(result.sid, id);
        summary.sent++;
        summary.segments_sent += message.segments.segments;
        if (holder === undefined) {
          await log.accepted(id, result.sid, result.status, iso());
          break;
        }
        // Twilio never reuses a SID; a mock may. The message was accepted (never to be sent again),
        // but its SID names another message too: it is recorded without it, and the run goes on.
        await log.acceptedUntracked(id, result.status, `accepted with SID ${result.sid}, which the provider had already given to message ${holder}: recorded without it`, iso());
        if (summary.duplicate_sids++ === 0) {
          reporter.warn(
            `the SMS provider answered with a message SID it had already given to another message (${result.sid}); such messages count as sent (never sent again) but are recorded without their SID, so their delivery cannot be followed by it. Twilio never does this: is TURNOUT_TWILIO_BASE_URL a mock?`,
          );
        }
        break;
      }
      case 'rejected': {
        consecutiveNetworkFailures = 0;
        await log.failed(id, result.code, result.message, iso());
        summary.failed++;
        countError(result.code);
        const now = iso();
        if (result.code === OPTOUT_ERROR && (await log.recordOptout(phone, `twilio:${OPTOUT_ERROR}`, now))) summary.optouts_recorded++;
        if (result.code !== undefined && UNUSABLE_ERRORS.includes(result.code) && (await log.recordUnusable(phone, result.code, now))) {
          summary.unusable_recorded++;
        }
        if (result.code !== undefined && ACCOUNT_ERRORS.has(result.code)) {
          if (summary.stopped === null) reporter.warn(`Twilio refused the sender or the credentials (error ${result.code}: ${result.message}); stopping`);
          stop('account-error');
        }
        break;
      }
      case 'not-sent':
        await log.failed(id, undefined, `not sent: ${result.message}`, iso());
        summary.failed++;
        countError(undefined);
        if (++consecutiveNetworkFailures >= UNREACHABLE_AFTER) stop('unreachable');
        break;
      case 'ambiguous':
        await log.unknown(id, result.message, iso());
        summary.unknown++;
        if (++consecutiveNetworkFailures >= UNREACHABLE_AFTER) stop('unreachable');
        break;
    }
    finished();
  };

  const launch = (job: Job): void => {
    const ticket = pacer.take(timer.monotonic());
    const running$ = attempt(job, ticket)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        running.delete(running$);
        // A dispatcher waiting for tokens has nothing to gain from an answer (a refund can wait
        // for its tick), unless the run must stop.
        if (!waitingForTokens || summary.stopped !== null || failure !== undefined) kick();
      });
    running.add(running$);
  };

  /** Starts attempts, ready retries first, at the pace of the pacer, until all are started or the run stops. */
  const dispatch = async (): Promise<void> => {
    for (;;) {
      if (options.signal?.aborted) stop('interrupted');
      if (failure !== undefined || summary.stopped !== null) return;
      housekeeping();
      const now = timer.monotonic();
      let due: Job | undefined;
      for (const r of retries) if (due === undefined || r.notBefore < due.notBefore) due = r;
      const retryReady = due !== undefined && due.notBefore <= now;
      if (!retryReady && next >= total) {
        if (due === undefined && running.size === 0) return;
        await pause(due === undefined ? Infinity : due.notBefore - now);
        continue;
      }
      if (running.size >= concurrency) {
        await pause(Infinity);
        continue;
      }
      const wait = pacer.delay(now);
      if (wait > 0) {
        waitingForTokens = true;
        await pause(Math.max(wait, TICK_MS)); // never more than the burst: rate × 10 ms < rate / 10
        waitingForTokens = false;
        continue;
      }
      if (isQuietTime(clock.now(), options.quietHours, options.timeZone)) return stop('quiet-hours');
      if (retryReady) {
        retries.splice(retries.indexOf(due!), 1);
        background(log.attempt(due!.id, iso()));
        launch(due!);
        continue;
      }
      // New messages: as many as there are tokens and free slots, recorded together, then all sent.
      const count = Math.min(pacer.available(now), concurrency - running.size, total - next, MAX_BATCH);
      const batch = plan.messages.slice(next, next + count);
      next += count;
      const ids = await claim(batch);
      batch.forEach((message, i) => {
        const id = ids[i];
        if (id !== undefined) launch({ message, id, attempt: 1, notBefore: now });
      });
    }
  };

  const onAbort = (): void => kick();
  options.signal?.addEventListener('abort', onAbort);
  try {
    try {
      await dispatch();
    } catch (error) {
      failure ??= { error };
    }
    // Those in flight finish and are recorded.
    while (running.size > 0) await Promise.all([...running]);
    if (failure === undefined) {
      // The run stopped while some messages waited to be retried after a 429: Twilio took none of
      // them, so they are recorded as failed (a later run may send them), never left 'pending'.
      for (const job of retries.splice(0)) {
        await log.failed(job.id, 20429, `rate-limited (429), not retried: the run stopped (${summary.stopped ?? 'stopped'})`, iso());
        summary.failed++;
        countError(20429);
        finished();
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    try {
      await log.flush();
    } finally {
      await lock.release(options.runId);
    }
  }
  if (failure !== undefined) throw failure.error;
  summary.not_attempted = total - done;
  const elapsed = (timer.monotonic() - firstStart) / 1000;
  summary.rate_achieved = elapsed > 0 ? Math.round((summary.sent / elapsed) * 100) / 100 : summary.sent;
  summary.finished_at = iso();
  return { kind: 'done', summary };
}
