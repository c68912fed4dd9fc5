/**
 * Pacing and retries of sendReminders in virtual time (deterministic): a scripted gateway that
 * answers after a latency, the real message log and lock on a temporary SQLite file.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planMessages, sendReminders, type SendOptions, type SendPorts, type SendResult, type SmsGateway } from '../../src/app/sendReminders.js';
import type { SmsRecipient } from '../../src/app/recipients.js';
import { silentReporter } from '../../src/app/ports.js';
import { defaultBurst } from '../../src/core/pacer.js';
import { parseQuietHours } from '../../src/core/quietHours.js';
import { parseTemplate } from '../../src/core/template.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { messageLog, sendLock } from '../../src/store/messages.js';
import { tempDir } from '../helpers/cli.js';
import { VirtualTimer } from '../helpers/virtualTime.js';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  db = openDatabase(path.join(tmp.dir, 'pacing.db'));
});
afterEach(() => {
  db.close();
  cleanup();
});

const RATE_LIMITED: SendResult = { kind: 'rate-limited', message: 'Too Many Requests' };

interface Post {
  to: string;
  /** Virtual ms when the request started. */
  at: number;
  kind: SendResult['kind'];
}

/** A gateway answering after `latencyMs` of virtual time; `answer(to, n)` for the n-th request (1-based), accepted when undefined. */
function scriptedGateway(timer: VirtualTimer, latencyMs: number, answer: (to: string, n: number) => SendResult | undefined = () => undefined) {
  const posts: Post[] = [];
  let count = 0;
  let sids = 0;
  const gateway: SmsGateway = {
    sender: '+33700000042',
    async send({ to }) {
      const n = ++count;
      const at = timer.now;
      await timer.sleep(latencyMs);
      const result = answer(to, n) ?? { kind: 'accepted', sid: `SM${++sids}`, status: 'queued' };
      posts.push({ to, at, kind: result.kind });
      return result;
    },
  };
  return { gateway, posts };
}

function recipients(count: number): SmsRecipient[] {
  return Array.from({ length: count }, (_, n) => {
    const phone = `+3361000${String(n).padStart(4, '0')}`;
    return { phone, area: null, voters: [{ id: `V${n}`, first_name: 'Ana', last_name: 'B', fields: { first_name: 'Ana' } }] };
  });
}

function send(timer: VirtualTimer, gateway: SmsGateway, list: SmsRecipient[], options: Partial<SendOptions>, ports: Partial<SendPorts> = {}) {
  const plan = planMessages(parseTemplate('Bonjour {first_name}'), 'STOP au 36180', list, ['first_name']);
  const start = new Date('2026-03-15T10:00:00.000Z').getTime();
  return sendReminders(
    plan,
    { runId: 'pacing', rate: 1, quietHours: undefined, timeZone: 'Europe/Paris', cooldownMs: 3_600_000, ...options },
    {
      gateway,
      log: messageLog(db),
      lock: sendLock(db),
      owner: { pid: process.pid, hostname: 'test-host' },
      isStale: () => false,
      clock: { now: () => new Date(start + timer.now) },
      timer,
      reporter: silentReporter,
      random: () => 0.5, // backoffs of 100, 200, 400… ms
      ...ports,
    },
  );
}

/** The largest (count in window) − rate × window over all windows: what burst a sequence of start times needed. */
function burstNeeded(times: number[], rate: number): number {
  const t = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0; i < t.length; i++) for (let j = i; j < t.length; j++) worst = Math.max(worst, j - i + 1 - (rate * (t[j]! - t[i]!)) / 1000);
  return worst;
}

const rows = (): Array<{ phone: string; status: string; attempts: number; error_code: number | null }> =>
  db.prepare('SELECT phone, status, attempts, error_code FROM messages ORDER BY id').all() as Array<{ phone: string; status: string; attempts: number; error_code: number | null }>;

describe('sending at --rate with 429 answers (virtual time)', () => {
  it('429 on one request in ten: every message accepted exactly once, attempts recorded, rate and burst respected', async () => {
    const timer = new VirtualTimer();
    const { gateway, posts } = scriptedGateway(timer, 20, (_to, n) => (n % 10 === 0 ? RATE_LIMITED : undefined));
    const list = recipients(400);
    const rate = 100;
    const outcome = await timer.run(send(timer, gateway, list, { rate, concurrency: 8 }));
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 400, failed: 0, unknown: 0, not_attempted: 0, stopped: null });
    const limited = posts.filter((p) => p.kind === 'rate-limited');
    expect(limited.length).toBeGreaterThan(40);
    expect(outcome.kind === 'done' && outcome.summary.rate_limited_retries).toBe(limited.length);
    const accepted = posts.filter((p) => p.kind === 'accepted');
    expect(accepted.map((p) => p.to).sort()).toEqual(list.map((r) => r.phone).sort());
    // the log: every message queued once, its attempts = the requests made for it
    const perPhone = new Map<string, number>();
    for (const p of posts) perPhone.set(p.to, (perPhone.get(p.to) ?? 0) + 1);
    expect(rows().every((r) => r.status === 'queued' && r.attempts === perPhone.get(r.phone))).toBe(true);
    // accepted messages: never more than rate × window + burst; all requests: twice that
    expect(burstNeeded(accepted.map((p) => p.at), rate)).toBeLessThanOrEqual(defaultBurst(rate) + 1e-9);
    expect(burstNeeded(posts.map((p) => p.at), 2 * rate)).toBeLessThanOrEqual(2 * defaultBurst(rate) + 1e-9);
    // 429s cost no pace: the last message started on schedule (400 at 100/s, the first 10 at once)
    expect(Math.max(...accepted.map((p) => p.at))).toBeLessThanOrEqual((400 - defaultBurst(rate)) * 10 + 1000);
  });

  it('a message waiting for its backoff holds no request slot: the others keep the pace', async () => {
    const timer = new VirtualTimer();
    const list = recipients(30);
    const slow = new Set([list[0]!.phone, list[1]!.phone]);
    // the first two recipients are answered 429 five times each: 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s of backoff at least
    const tries = new Map<string, number>();
    const { gateway, posts } = scriptedGateway(timer, 50, (to) => {
      tries.set(to, (tries.get(to) ?? 0) + 1);
      return slow.has(to) && tries.get(to)! <= 5 ? RATE_LIMITED : undefined;
    });
    const outcome = await timer.run(send(timer, gateway, list, { rate: 10, concurrency: 2 }));
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 30, failed: 0, rate_limited_retries: 10 });
    const others = posts.filter((p) => !slow.has(p.to)).map((p) => p.at);
    // with both request slots held by the backoffs (≥ 3.1 s), the other 28 could not start before;
    // here they go at 10/s from the start (a gap of 2 tokens when a retry of the first two is accepted)
    expect(others).toHaveLength(28);
    expect(others[0]).toBeLessThan(300);
    for (let i = 1; i < others.length; i++) expect(others[i]! - others[i - 1]!).toBeLessThanOrEqual(250);
    expect(posts.filter((p) => slow.has(p.to) && p.kind === 'accepted')).toHaveLength(2);
  });

  it('--rate 1 (burst 1): accepted messages are never less than a second apart, 429s or not', async () => {
    const timer = new VirtualTimer((n) => (n % 7 === 0 ? 2500 : 0)); // and some wake-ups very late
    const { gateway, posts } = scriptedGateway(timer, 300, (_to, n) => (n % 3 === 0 ? RATE_LIMITED : undefined));
    const outcome = await timer.run(send(timer, gateway, recipients(12), { rate: 1 }));
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 12, failed: 0 });
    const accepted = posts
      .filter((p) => p.kind === 'accepted')
      .map((p) => p.at)
      .sort((a, b) => a - b);
    for (let i = 1; i < accepted.length; i++) expect(accepted[i]! - accepted[i - 1]!).toBeGreaterThanOrEqual(1000);
    expect(burstNeeded(posts.map((p) => p.at), 2)).toBeLessThanOrEqual(2 + 1e-9);
  });

  it('makes up for late wake-ups within the burst: the run ends on schedule', async () => {
    // every 25th sleep wakes 60 ms late (a busy event loop); 100 ms of burst covers it
    const timer = new VirtualTimer((n) => (n % 25 === 0 ? 60 : 0));
    const { gateway, posts } = scriptedGateway(timer, 20);
    const rate = 500;
    const log = messageLog(db);
    let transactions = 0;
    const counted = { ...log, claimMany: (requests: Parameters<typeof log.claimMany>[0]) => (transactions++, log.claimMany(requests)) };
    const outcome = await timer.run(send(timer, gateway, recipients(1000), { rate }, { log: counted }));
    expect(outcome.kind === 'done' && outcome.summary.sent).toBe(1000);
    // recorded a few at a time (5 per 10 ms tick at 500/s), each batch committed before its requests
    expect(transactions).toBeLessThanOrEqual(250);
    expect(rows().every((r) => r.status === 'queued' && r.attempts === 1)).toBe(true);
    const last = Math.max(...posts.map((p) => p.at));
    // 1000 messages at 500/s: the last starts by 2 s (minus the first burst), plus one late wake-up at most
    expect(last).toBeLessThanOrEqual(2000 - defaultBurst(rate) * 2 + 60);
    expect(burstNeeded(posts.map((p) => p.at), rate)).toBeLessThanOrEqual(defaultBurst(rate) + 1e-9);
  });

  it('gives up after maxAttempts 429s: failed with 20429, every attempt recorded', async () => {
    const timer = new VirtualTimer();
    const list = recipients(3);
    const { gateway, posts } = scriptedGateway(timer, 10, (to) => (to === list[1]!.phone ? RATE_LIMITED : undefined));
    const outcome = await timer.run(send(timer, gateway, list, { rate: 50, maxAttempts: 4 }));
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 2, failed: 1, rate_limited_retries: 3, errors: { '20429': 1 } });
    expect(posts.filter((p) => p.to === list[1]!.phone)).toHaveLength(4);
    expect(rows()[1]).toEqual({ phone: list[1]!.phone, status: 'failed', attempts: 4, error_code: 20429 });
  });

  it('Ctrl-C while a message waits for its backoff: no new message, no retry, the waiting one recorded failed', async () => {
    const timer = new VirtualTimer();
    const list = recipients(10);
    const { gateway, posts } = scriptedGateway(timer, 20, (to) => (to === list[0]!.phone ? RATE_LIMITED : undefined));
    const abort = new AbortController();
    // the first is answered 429 at 0.02 s and 1.04 s (the 2nd and 3rd messages take the tokens it gave back);
    // at 2.01 s it waits for a token for its 3rd attempt
    const outcome = await timer.run(send(timer, gateway, list, { rate: 1, signal: abort.signal }), [[2_010, () => abort.abort()]]);
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ stopped: 'interrupted', sent: 2, failed: 1, errors: { '20429': 1 }, not_attempted: 7 });
    expect(posts.filter((p) => p.at > 2_010)).toHaveLength(0);
    expect(rows().map((r) => [r.status, r.error_code])).toEqual([
      ['failed', 20429],
      ['queued', null],
      ['queued', null],
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM messages WHERE status = 'pending'").get()).toEqual({ n: 0 });
  });

  it('quiet hours beginning while a retry waits: the retry is not sent', async () => {
    const timer = new VirtualTimer();
    const list = recipients(5);
    const { gateway, posts } = scriptedGateway(timer, 20, (to, n) => (to === list[1]!.phone && n < 4 ? RATE_LIMITED : undefined));
    // 20:59:59 in Paris at virtual 0: quiet hours start a second later
    const start = new Date('2026-03-15T19:59:59.000Z').getTime();
    const outcome = await timer.run(
      send(timer, gateway, list, { rate: 2, quietHours: parseQuietHours('21:00-08:00') }, { clock: { now: () => new Date(start + timer.now) } }),
    );
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ stopped: 'quiet-hours', sent: 2, failed: 1 });
    expect(posts.every((p) => p.at < 1000)).toBe(true);
    expect(rows().map((r) => r.status)).toEqual(['queued', 'failed', 'queued']);
  });

  it('renews the lock heartbeat while only a long backoff remains', async () => {
    const timer = new VirtualTimer();
    const list = recipients(1);
    const { gateway } = scriptedGateway(timer, 10, (_to, n) => (n <= 7 ? RATE_LIMITED : undefined));
    const beats: number[] = [];
    const lock = sendLock(db);
    const outcome = await timer.run(
      send(timer, gateway, list, { rate: 5 }, { lock: { ...lock, heartbeat: (runId, now) => (beats.push(timer.now), lock.heartbeat(runId, now)) } }),
    );
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 1, rate_limited_retries: 7 });
    // 7 backoffs: 0.1 + 0.2 + … + 3.2 + 5 (half the 10 s cap) = 11.3 s with nothing else to do
    expect(timer.now).toBeGreaterThan(11_300);
    for (let i = 1; i < beats.length; i++) expect(beats[i]! - beats[i - 1]!).toBeLessThanOrEqual(4_100);
    expect(beats.length).toBeGreaterThanOrEqual(3);
  });

  it('records a batch in one transaction, re-checking each message: opted out, or a second message to a phone already pending', () => {
    db.prepare("INSERT INTO optouts (phone, source, created_at) VALUES ('+33610000001', 'reply', '2026-03-15T09:00:00.000Z')").run();
    const log = messageLog(db);
    const request = (phone: string, voter: string) => ({
      runId: 'batch', phone, voterIds: [voter], body: 'x', segments: 1, encoding: 'GSM-7' as const, sender: '+33700000042', now: '2026-03-15T10:00:00.000Z', since: '2026-03-15T08:00:00.000Z',
    });
    const results = log.claimMany([request('+33610000000', 'V0'), request('+33610000001', 'V1'), request('+33610000000', 'V9')]);
    expect(results.map((r) => r.kind)).toEqual(['claimed', 'opted-out', 'ambiguous']);
    expect(rows()).toEqual([{ phone: '+33610000000', status: 'pending', attempts: 1, error_code: null }]);
  });

  it('a SID given twice never fails the write of the answers (nor the claims written with them): the second message is recorded without it', () => {
    const log = messageLog(db);
    const request = (phone: string, voter: string) => ({
      runId: 'dup', phone, voterIds: [voter], body: 'x', segments: 1, encoding: 'GSM-7' as const, sender: '+33700000042', now: '2026-03-15T10:00:00.000Z', since: undefined,
    });
    const [a, b] = log.claimMany([request('+33610000000', 'V0'), request('+33610000001', 'V1')]).map((r) => (r.kind === 'claimed' ? r.id : -1));
    log.accepted(a!, 'SMsame', 'queued', '2026-03-15T10:00:01.000Z');
    expect(log.sidHolder('SMsame', b!)).toBe(a); // still waiting to be written
    expect(log.sidHolder('SMsame', a!)).toBeUndefined();
    // A caller that did not ask: written anyway, without failing the transaction that carries a new claim.
    log.accepted(b!, 'SMsame', 'queued', '2026-03-15T10:00:01.000Z');
    const [c] = log.claimMany([request('+33610000002', 'V2')]);
    expect(c!.kind).toBe('claimed');
    expect(log.sidHolder('SMsame', b!)).toBe(a); // now in the database
    expect(db.prepare('SELECT phone, status, sid, error_message FROM messages ORDER BY id').all()).toEqual([
      { phone: '+33610000000', status: 'queued', sid: 'SMsame', error_message: null },
      { phone: '+33610000001', status: 'queued', sid: null, error_message: `accepted with SID SMsame, which the provider had already given to message ${a}: recorded without it` },
      { phone: '+33610000002', status: 'pending', sid: null, error_message: null },
    ]);
  });
});
