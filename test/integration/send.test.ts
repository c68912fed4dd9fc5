import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffMs, planMessages, sendReminders, type SendOptions, type SendPorts } from '../../src/app/sendReminders.js';
import type { SmsRecipient } from '../../src/app/recipients.js';
import { silentReporter } from '../../src/app/ports.js';
import { parseQuietHours } from '../../src/core/quietHours.js';
import { parseTemplate } from '../../src/core/template.js';
import type { Db } from '../../src/store/db.js';
import { messageLog, sendLock } from '../../src/store/messages.js';
import { twilioConfig } from '../../src/io/twilio/config.js';
import { twilioSmsGateway } from '../../src/io/twilio/gateway.js';
import { holderIsStale } from '../../src/io/lock.js';
import { thisProcess } from '../helpers/thisProcess.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fakeTwilio.js';
import { openSendFixture, type SendFixture } from '../helpers/sendFixture.js';

const self = thisProcess;

const ACCOUNT = 'AC' + 'a1'.repeat(16);
const TOKEN = 'tok-integration-secret-1234';
const FROM = '+33700000001';

let fixture: SendFixture;
let fake: FakeTwilio;
let db: Db;

beforeEach(async () => {
  fixture = await openSendFixture(TOKEN, 'send.db');
  ({ fake, db } = fixture);
});
afterEach(() => fixture.close());

function recipient(n: number, voters = 1): SmsRecipient {
  const phone = `+3361234${String(n).padStart(4, '0')}`;
  return {
    phone,
    area: 'Belsunce',
    voters: Array.from({ length: voters }, (_, i) => {
      const id = `V${n}-${i + 1}`;
      const first = ['Amina', 'Karim', 'Sara'][i] ?? 'X';
      return { id, first_name: first, last_name: 'Benali', fields: { id, first_name: first, last_name: 'Benali', polling_place: 'École Belsunce', phone: phone } };
    }),
  };
}

async function run(recipients: SmsRecipient[], overrides: Partial<SendOptions> = {}, env: Record<string, string> = {}, ports: Partial<SendPorts> = {}) {
  const config = twilioConfig({ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM, TURNOUT_TWILIO_BASE_URL: fake.url, ...env });
  const plan = planMessages(parseTemplate('Bonjour {first_names}, votez à {polling_place}.'), 'STOP au 36180', recipients, ['id', 'first_name', 'last_name', 'polling_place', 'phone']);
  return sendReminders(
    plan,
    { runId: `run-${Math.random()}`, rate: 200, quietHours: undefined, timeZone: 'Europe/Paris', cooldownMs: 2 * 3_600_000, ...overrides },
    {
      gateway: await twilioSmsGateway(config, 8),
      log: messageLog(db),
      lock: sendLock(db),
      owner: { pid: self.pid, hostname: self.hostname },
      isStale: (h, now) => holderIsStale(h, now, self),
      clock: { now: () => new Date() },
      timer: { monotonic: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      reporter: silentReporter,
      ...ports,
    },
  );
}

const statuses = (): Array<{ phone: string; status: string; error_code: number | null }> =>
  db.prepare('SELECT phone, status, error_code FROM messages ORDER BY id').all() as Array<{ phone: string; status: string; error_code: number | null }>;

describe('sending through the real twilio client to the fake', () => {
  it('sends one message per recipient with Twilio’s auth, form body and user agent, and records sid and status', async () => {
    const outcome = await run([recipient(1, 2), recipient(2)]);
    expect(outcome.kind).toBe('done');
    if (outcome.kind !== 'done') return;
    expect(outcome.summary).toMatchObject({ recipients: 2, sent: 2, failed: 0, unknown: 0, stopped: null });
    const posts = fake.messagePosts();
    expect(posts).toHaveLength(2);
    expect(posts[0]!.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(posts[0]!.user).toBe(ACCOUNT);
    expect(posts[0]!.userAgent).toMatch(/^twilio-node\//);
    expect(posts[0]!.contentType).toBe('application/x-www-form-urlencoded');
    expect(posts[0]!.form).toEqual({ To: '+33612340001', From: FROM, Body: 'Bonjour Amina & Karim, votez à École Belsunce.\nSTOP au 36180' });
    const rows = db.prepare('SELECT phone, status, sid, sender, attempts FROM messages ORDER BY id').all();
    expect(rows).toEqual([
      { phone: '+33612340001', status: 'queued', sid: fake.messages[0]!.sid, sender: FROM, attempts: 1 },
      { phone: '+33612340002', status: 'queued', sid: fake.messages[1]!.sid, sender: FROM, attempts: 1 },
    ]);
    expect(db.prepare('SELECT voter_id FROM message_voters ORDER BY voter_id').all()).toEqual([{ voter_id: 'V1-1' }, { voter_id: 'V1-2' }, { voter_id: 'V2-1' }]);
    expect(JSON.stringify(db.prepare('SELECT * FROM messages').all())).not.toContain(TOKEN);
  });

  it('a second run with the same list sends nothing new (cooldown re-checked at send time)', async () => {
    await run([recipient(1), recipient(2)]);
    const again = await run([recipient(1), recipient(2), recipient(3)]);
    expect(again.kind === 'done' && again.summary).toMatchObject({ sent: 1, skipped: { reminded: 2 } });
    expect(fake.messagePosts().map((p) => p.form.To)).toEqual(['+33612340001', '+33612340002', '+33612340003']);
  });

  it('skips a number that opted out after the list was made', async () => {
    db.prepare("INSERT INTO optouts (phone, source, created_at) VALUES ('+33612340002', 'reply', '2026-03-15T10:00:00.000Z')").run();
    const outcome = await run([recipient(1), recipient(2)]);
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 1, skipped: { opted_out: 1 } });
    expect(fake.sentTo('+33612340002')).toHaveLength(0);
  });

  it('retries 429 / 20429 with backoff and loses nothing', async () => {
    fake.setScript([{ every: 2, times: 3, respond: { status: 429, code: 20429, message: 'Too Many Requests' } }]);
    const recipients = [1, 2, 3, 4, 5].map((n) => recipient(n));
    const outcome = await run(recipients);
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 5, failed: 0, rate_limited_retries: 3 });
    for (const r of recipients) expect(fake.sentTo(r.phone)).toHaveLength(1);
    expect(fake.messagePosts()).toHaveLength(8);
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, () => 0.999))).toEqual([199, 399, 799, 1598]);
    expect([1, 2, 3].map((n) => backoffMs(n, () => 0.5))).toEqual([100, 200, 400]);
    expect(backoffMs(1, () => 0)).toBe(0);
    expect(backoffMs(12, () => 0.999)).toBe(9990);
  });

  it('records an opt-out on 21610 and an unusable number on 21211; other errors per message', async () => {
    fake.setScript([
      { to: '+33612340001', respond: { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' } },
      { to: '+33612340002', respond: { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." } },
      { to: '+33612340003', respond: { status: 400, code: 21408, message: 'Permission to send an SMS has not been enabled for the region' } },
    ]);
    const outcome = await run([1, 2, 3, 4].map((n) => recipient(n)));
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 1, failed: 3, optouts_recorded: 1, unusable_recorded: 1, errors: { '21610': 1, '21211': 1, '21408': 1 } });
    expect(db.prepare('SELECT phone, source FROM optouts').all()).toEqual([{ phone: '+33612340001', source: 'twilio:21610' }]);
    expect(db.prepare('SELECT phone, error_code FROM sms_unusable').all()).toEqual([{ phone: '+33612340002', error_code: 21211 }]);
    expect(statuses()).toEqual([
      { phone: '+33612340001', status: 'failed', error_code: 21610 },
      { phone: '+33612340002', status: 'failed', error_code: 21211 },
      { phone: '+33612340003', status: 'failed', error_code: 21408 },
      { phone: '+33612340004', status: 'queued', error_code: null },
    ]);
  });

  it('marks a timeout unknown and never resends it, even with --include-reminded', async () => {
    fake.setScript([{ to: '+33612340001', times: 1, respond: 'timeout' }]);
    const first = await run([recipient(1), recipient(2)], {}, { TURNOUT_TWILIO_TIMEOUT_MS: '300' });
    expect(first.kind === 'done' && first.summary).toMatchObject({ sent: 1, unknown: 1 });
    expect(statuses()[0]).toEqual({ phone: '+33612340001', status: 'unknown', error_code: null });
    const second = await run([recipient(1)], { cooldownMs: undefined });
    expect(second.kind === 'done' && second.summary).toMatchObject({ sent: 0, skipped: { unresolved: 1 } });
    expect(fake.messagePosts().filter((p) => p.form.To === '+33612340001')).toHaveLength(1);
  });

  it('marks a reset connection unknown, and a refused connection failed (never sent)', async () => {
    fake.setScript([{ to: '+33612340001', respond: 'reset' }]);
    await run([recipient(1)]);
    const closed = await startFakeTwilio();
    const url = closed.url;
    await closed.close();
    const outcome = await run([recipient(2)], {}, { TURNOUT_TWILIO_BASE_URL: url });
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ failed: 1, errors: { network: 1 } });
    expect(statuses()).toEqual([
      { phone: '+33612340001', status: 'unknown', error_code: null },
      { phone: '+33612340002', status: 'failed', error_code: null },
    ]);
  });

  it('authenticates with an API key and secret, the account SID in the path', async () => {
    const key = 'SK' + 'b2'.repeat(16);
    const keyed = await startFakeTwilio({ authToken: 'api-secret-xyz' });
    try {
      await run([recipient(1)], {}, { TWILIO_API_KEY: key, TWILIO_API_SECRET: 'api-secret-xyz', TURNOUT_TWILIO_BASE_URL: keyed.url });
      expect(keyed.messagePosts()[0]).toMatchObject({ user: key, path: `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, answer: 201 });
    } finally {
      await keyed.close();
    }
  });

  it('stops when quiet hours begin during the run', async () => {
    // 20:59:59 in Paris; the second message is due a second later, at 21:00:00.
    const start = new Date('2026-03-15T19:59:59.000Z').getTime();
    const t0 = performance.now();
    const outcome = await run([1, 2, 3].map((n) => recipient(n)), { rate: 1, quietHours: parseQuietHours('21:00-08:00') }, {}, {
      clock: { now: () => new Date(start + performance.now() - t0) },
    });
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 1, not_attempted: 2, stopped: 'quiet-hours' });
  });

  it('sends nothing when started inside quiet hours', async () => {
    const outcome = await run([recipient(1)], { quietHours: parseQuietHours('21:00-08:00') }, {}, { clock: { now: () => new Date('2026-03-15T22:30:00Z') } });
    expect(outcome).toMatchObject({ kind: 'quiet', resumesAt: '08:00' });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses while a live process holds the lock, and takes over the lock of a dead one', async () => {
    const live = { runId: 'other', pid: process.ppid, hostname: self.hostname, acquiredAt: new Date().toISOString(), heartbeatAt: new Date().toISOString() };
    sendLock(db).acquire(live, () => false);
    const refused = await run([recipient(1)]);
    expect(refused).toMatchObject({ kind: 'locked', holder: { runId: 'other', pid: process.ppid } });
    expect(fake.requests).toHaveLength(0);

    // A dead run: its process is gone and it left a message recorded before its API call.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    db.prepare("UPDATE send_lock SET pid = ?, run_id = 'dead'").run(dead);
    db.prepare(
      "INSERT INTO messages (run_id, phone, body, segments, encoding, status, created_at, updated_at) VALUES ('dead', '+33612340001', 'x', 1, 'GSM-7', 'pending', '2026-03-15T10:00:00.000Z', '2026-03-15T10:00:00.000Z')",
    ).run();
    const taken = await run([recipient(1), recipient(2)], { cooldownMs: undefined });
    expect(taken.kind === 'done' && taken.summary).toMatchObject({ sent: 1, skipped: { unresolved: 1 } });
    expect(statuses()[0]).toMatchObject({ phone: '+33612340001', status: 'unknown' });
    expect(db.prepare('SELECT count(*) AS n FROM send_lock').get()).toEqual({ n: 0 });
  });
});
