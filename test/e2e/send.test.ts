import os from 'node:os';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, FIXTURES, ROOT, runTurnout, tempDir, type RunResult } from '../helpers/cli.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fakeTwilio.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';
import { execute, storedText } from '../helpers/dbWrite.js';

const ACCOUNT = 'AC' + 'd4'.repeat(16);
const TOKEN = 'e2e-auth-token-SECRET-42';
const FROM = '+33700000042';
const NOW = '2026-03-15T15:00:00+01:00';
const MESSAGE = 'Bonjour {first_names}, votre bureau {polling_place} ferme à 20h.';
/** Every phone the fixture's supporters can be texted on (S01 and S02 share one). */
const PHONES = ['+33612345701', '+33612345703', '+33612345704', '+33612345705', '+33612345706', '+33756345707', '+33612345708'];

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let fake: FakeTwilio;
let db: TestDatabase;
let dir: string;
let cleanup: () => void;

beforeEach(async () => {
  fake = await startFakeTwilio({ authToken: TOKEN });
  ({ dir, cleanup } = tempDir());
  db = await backend.create(dir);
  const init = await runTurnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--footer', 'STOP au 36180'], { env: db.env });
  expect(init.code).toBe(0);
  const imported = await runTurnout(['import', 'voters', path.join(FIXTURES, 'send-voters.csv')], { env: db.env });
  expect(imported.code).toBe(0);
});
afterEach(async () => {
  await db.drop();
  cleanup();
  await fake.close();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...db.env,
    TURNOUT_NOW: NOW,
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_FROM: FROM,
    TURNOUT_TWILIO_BASE_URL: fake.url,
    ...extra,
  };
}

const SEND = ['remind', '--channel', 'sms', '--send', '--yes', '--rate', '50', '--format', 'json', '--message', MESSAGE];

function send(extra: string[] = [], envExtra: Record<string, string> = {}): Promise<RunResult> {
  return runTurnout([...SEND, ...extra], { env: env(envExtra) });
}

function query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return db.query<T>(sql, ...params);
}

/** Outbound messages the fake accepted, by phone. */
function counts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of fake.messages) if (m.direction === 'outbound-api') out[m.to] = (out[m.to] ?? 0) + 1;
  return out;
}

describe('turnout remind --send', () => {
  it('sends one message per phone (one for the household), records it, and a rerun sends nothing new', async () => {
    const first = await send();
    expect(first.stderr).not.toContain('error');
    expect(first.stderr).not.toContain('Warning'); // e.g. pg's "already executing a query"
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ recipients: 7, sent: 7, failed: 0, unknown: 0, stopped: null, sender: FROM });
    expect(counts()).toEqual(Object.fromEntries(PHONES.map((p) => [p, 1])));
    expect(fake.sentTo('+33612345701')[0]!.body).toBe('Bonjour Amina & Karim, votre bureau École Belsunce ferme à 20h.\nSTOP au 36180');
    expect(await query('SELECT voter_id FROM message_voters mv JOIN messages m ON m.id = mv.message_id WHERE m.phone = ? ORDER BY voter_id', '+33612345701')).toEqual([
      { voter_id: 'S01' },
      { voter_id: 'S02' },
    ]);
    expect(await query("SELECT count(*) AS n FROM messages WHERE status = 'queued' AND sid IS NOT NULL")).toEqual([{ n: 7 }]);

    const again = await send();
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ recipients: 0, sent: 0 });
    expect(fake.messagePosts()).toHaveLength(7);
  });

  it('greets a household sharing a phone by all its names with {first_name} and {last_name}', async () => {
    const result = await send(['--message', 'Bonjour {first_name} {last_name} !']);
    expect(result.code).toBe(0);
    expect(fake.sentTo('+33612345701').map((m) => m.body)).toEqual(['Bonjour Amina & Karim Benali !\nSTOP au 36180']);
    expect(fake.sentTo('+33612345703').map((m) => m.body)).toEqual(['Bonjour Lucie Martin !\nSTOP au 36180']);
  });

  it('respects the cooldown: nothing an hour later, again three hours later', async () => {
    expect((await send(['--area', 'Panier'])).code).toBe(0);
    const soon = await send(['--area', 'Panier'], { TURNOUT_NOW: '2026-03-15T16:00:00+01:00' });
    expect(JSON.parse(soon.stdout)).toMatchObject({ sent: 0 });
    expect(soon.stderr).toContain('reminded within 2h');
    const later = await send(['--area', 'Panier'], { TURNOUT_NOW: '2026-03-15T18:00:00+01:00' });
    expect(JSON.parse(later.stdout)).toMatchObject({ sent: 2 });
    expect(counts()).toEqual({ '+33612345705': 2, '+33612345706': 2 });
  });

  it('never contacts an opted-out number', async () => {
    expect((await runTurnout(['optout', 'add', '06 12 34 57 03'], { env: db.env })).code).toBe(0);
    const result = await send();
    expect(JSON.parse(result.stdout)).toMatchObject({ sent: 6 });
    expect(counts()['+33612345703']).toBeUndefined();
  });

  it('stops on a placeholder error before anything is sent', async () => {
    const unknown = await send(['--message', 'Bonjour {prenom}']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown placeholder {prenom}');
    expect(unknown.stderr).toContain('surnom'); // the hint lists the file's extra columns

        fs.writeFileSync(path.join(dir, 'msg.txt'), 'Salut {surnom} !\nVotez à {polling_place}.\n');
    const empty = await runTurnout(['remind', '--send', '--yes', '--template', path.join(dir, 'msg.txt')], { env: env() });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/msg\.txt:1:7: \{surnom\} is empty for 1 recipient \(e\.g\. voter S04\); nothing was sent/);
    expect(empty.stderr).toContain('hint: Give a default, e.g. {surnom|…}');

    expect(fake.requests).toHaveLength(0);
    expect(await query('SELECT count(*) AS n FROM messages')).toEqual([{ n: 0 }]);
    const withDefault = await send(['--message', 'Salut {surnom|toi} !']);
    expect(JSON.parse(withDefault.stdout)).toMatchObject({ sent: 7 });
    expect(fake.sentTo('+33612345704')[0]!.body).toBe('Salut toi !\nSTOP au 36180');
    expect(fake.sentTo('+33612345703')[0]!.body).toBe('Salut Lulu !\nSTOP au 36180'); // the extra column's value
    // Later, nobody left to text: an extra column is still a known field, the run is just empty.
    const nobody = await send(['--message', 'Salut {surnom|toi} !']);
    expect(nobody.code).toBe(0);
    expect(JSON.parse(nobody.stdout)).toMatchObject({ recipients: 0, sent: 0 });
    expect(nobody.stderr).toContain('nothing to send');
  });

  it('retries 429 and sends every message once', async () => {
    fake.setScript([{ every: 3, times: 2, respond: { status: 429, code: 20429, message: 'Too Many Requests' } }]);
    const result = await send();
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ sent: 7, failed: 0, rate_limited_retries: 2 });
    expect(counts()).toEqual(Object.fromEntries(PHONES.map((p) => [p, 1])));
  });

  it('records an opt-out when Twilio answers 21610, and exits 3', async () => {
    fake.setScript([{ to: '+33612345708', respond: { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' } }]);
    const result = await send();
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ sent: 6, failed: 1, optouts_recorded: 1, errors: { '21610': 1 } });
    expect(result.stderr).toContain('failed: 1 (21610: 1)');
    expect(await query('SELECT phone, source FROM optouts')).toEqual([{ phone: '+33612345708', source: 'twilio:21610' }]);
    expect(await query("SELECT status, error_code FROM messages WHERE phone = '+33612345708'")).toEqual([{ status: 'failed', error_code: 21610 }]);
  });

  it('a provider answering every message with the same SID (a mock) does not crash the run: each is recorded sent, later ones without the SID, exit 3, never resent', async () => {
    const SID = 'SM' + '5a'.repeat(16);
    await fake.close();
    fake = await startFakeTwilio({ authToken: TOKEN, sameSid: SID });
    const result = await send();
    expect(result.stderr).not.toContain('looks like a bug');
    expect(result.stderr).not.toContain('UNIQUE');
    expect(result.stderr).not.toContain('duplicate key'); // PostgreSQL's word for it
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ recipients: 7, sent: 7, failed: 0, unknown: 0, duplicate_sids: 6, stopped: null });
    // One clear warning, naming the SID, at the first duplicate; the summary counts them.
    expect(result.stderr.match(new RegExp(SID, 'g'))).toHaveLength(1);
    expect(result.stderr).toMatch(/answered with a message SID it had already given to another message/);
    expect(result.stderr).toContain('accepted with a SID already given to another message: 6');
    // Every message is accounted for: none left pending, one holds the SID, the others say why they have none.
    const rows = await query<{ status: string; sid: string | null; error_message: string | null; sent_at: string | null }>(
      'SELECT status, sid, error_message, sent_at FROM messages ORDER BY id',
    );
    expect(rows.map((r) => r.status)).toEqual(Array(7).fill('queued'));
    expect(rows.every((r) => r.sent_at !== null)).toBe(true);
    expect(rows.filter((r) => r.sid === SID)).toHaveLength(1);
    const untracked = rows.filter((r) => r.sid === null);
    expect(untracked).toHaveLength(6);
    for (const r of untracked) expect(r.error_message).toMatch(new RegExp(`^accepted with SID ${SID}, which the provider had already given to message \\d+`));
    expect(fake.messagePosts()).toHaveLength(7);

    // A rerun texts nobody twice: they count as reminded.
    const again = await send();
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ recipients: 0, sent: 0 });

    // sync finds them at the provider by recipient and text, with the same SID again: no crash,
    // the SID stays with one message, and none is ever concluded "not sent".
    fake.setStatus(SID, 'delivered');
    const sync = await runTurnout(['sync', '--format', 'json'], { env: env({ TURNOUT_NOW: '2026-03-15T15:10:00+01:00' }) });
    expect(sync.stderr).not.toContain('looks like a bug');
    expect(sync.code).toBe(0);
    expect(await query('SELECT count(*) AS n FROM messages WHERE sid = ?', SID)).toEqual([{ n: 1 }]);
    expect(await query("SELECT count(*) AS n FROM messages WHERE status IN ('pending', 'failed', 'unknown')")).toEqual([{ n: 0 }]);
    expect(await query("SELECT count(*) AS n FROM messages WHERE sid IS NULL AND error_message LIKE 'accepted with SID %'")).toEqual([{ n: 6 }]);
    const last = await send([], { TURNOUT_NOW: '2026-03-15T15:11:00+01:00' });
    expect(last.code).toBe(0);
    expect(fake.messagePosts()).toHaveLength(7);
  });

  it('other answers that cannot be right (201 without a SID, 201 that is not JSON) are recorded unknown, the run goes on, exit 3', async () => {
    fake.setScript([
      { to: '+33612345703', respond: { status: 201, raw: '{"status":"queued"}' } },
      { to: '+33612345704', respond: { status: 201, raw: '<html>OK</html>' } },
    ]);
    const result = await send();
    expect(result.stderr).not.toContain('looks like a bug');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ recipients: 7, sent: 5, failed: 0, unknown: 2, stopped: null });
    const rows = await query<{ phone: string; status: string; sid: string | null; error_message: string | null }>(
      "SELECT phone, status, sid, error_message FROM messages WHERE status <> 'queued' ORDER BY phone",
    );
    expect(rows).toEqual([
      { phone: '+33612345703', status: 'unknown', sid: null, error_message: 'the provider answered without a message SID' },
      { phone: '+33612345704', status: 'unknown', sid: null, error_message: expect.stringMatching(/^the provider's answer could not be read: /) },
    ]);
    expect(await query("SELECT count(*) AS n FROM messages WHERE status = 'pending'")).toEqual([{ n: 0 }]);
    const again = await send();
    expect(again.code).toBe(0);
    expect(fake.messagePosts()).toHaveLength(7);
  });

  it('sends nothing inside quiet hours and says so', async () => {
    const result = await send([], { TURNOUT_NOW: '2026-03-15T22:30:00+01:00' });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('quiet hours (21:00-08:00 Europe/Paris): nothing sent; sending may resume at 08:00');
    expect(JSON.parse(result.stdout)).toMatchObject({ sent: 0, stopped: 'quiet-hours' });
    expect(fake.requests).toHaveLength(0);
    const off = await send(['--quiet-hours', 'off'], { TURNOUT_NOW: '2026-03-15T22:30:00+01:00' });
    expect(JSON.parse(off.stdout)).toMatchObject({ sent: 7 });
  });

  it('without a terminal and without --yes, exits 2 at once and sends nothing', async () => {
    const result = await runTurnout(['remind', '--send', '--message', MESSAGE], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--send without a terminal needs --yes');
    expect(fake.requests).toHaveLength(0);
    expect(await query('SELECT count(*) AS n FROM messages')).toEqual([{ n: 0 }]);
  });

  it('--dry-run prints what would be sent and neither calls Twilio nor records anything', async () => {
    const result = await runTurnout(['remind', '--dry-run', '--message', 'Hé {first_name} 🗳', '--format', 'json'], { env: env() });
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout);
    expect(rows).toHaveLength(7);
    expect(rows[0]).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(result.stderr).toContain('dry run, nothing sent: 7 messages for 8 voters: 7 SMS segments in total [7 UCS-2]');
    expect(fake.requests).toHaveLength(0);
    expect(await query('SELECT count(*) AS n FROM messages')).toEqual([{ n: 0 }]);
  });

  it('never shows or stores the auth token', async () => {
    fake.setScript([{ to: '+33612345703', respond: { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." } }]);
    const result = await send();
    expect(result.code).toBe(3);
    for (const text of [result.stdout, result.stderr, await storedText(db)]) expect(text).not.toContain(TOKEN);
    expect(await query('SELECT phone, error_code FROM sms_unusable')).toEqual([{ phone: '+33612345703', error_code: 21211 }]);
  });

  it('never shows or stores the API secret either, nor either secret when Twilio refuses them in sync', async () => {
    const API_KEY = 'SK' + 'a1'.repeat(16);
    const API_SECRET = 'e2e-api-secret-SECRET-77';
    const keyFake = await startFakeTwilio({ authToken: API_SECRET });
    try {
      const keyEnv = (url: string): Record<string, string> => env({ TURNOUT_TWILIO_BASE_URL: url, TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET });
      const sent = await runTurnout(SEND, { env: keyEnv(keyFake.url) });
      expect(sent.code).toBe(0);
      expect(keyFake.messagePosts()).toHaveLength(7);
      expect(keyFake.messagePosts()[0]!.user).toBe(API_KEY);
      // Each fake answers 401 to the other credentials.
      const later = { TURNOUT_NOW: '2026-03-15T15:10:00+01:00' };
      const refusedToken = await runTurnout(['sync'], { env: env({ TURNOUT_TWILIO_BASE_URL: keyFake.url, ...later }) });
      const refusedKey = await runTurnout(['sync'], { env: { ...keyEnv(fake.url), ...later } });
      for (const refused of [refusedToken, refusedKey]) {
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).not.toBe('');
      }
      expect(keyFake.requests.some((r) => r.answer === 401)).toBe(true);
      expect(fake.requests.some((r) => r.answer === 401)).toBe(true);
      const stored = await storedText(db);
      expect(stored).toContain('+33612345701'); // the messages are there to search
      for (const text of [sent.stdout, sent.stderr, refusedToken.stdout, refusedToken.stderr, refusedKey.stdout, refusedKey.stderr, stored]) {
        expect(text).not.toContain(TOKEN);
        expect(text).not.toContain(API_SECRET);
      }
    } finally {
      await keyFake.close();
    }
  });
});

function startTurnout(args: string[], envVars: Record<string, string>): { child: ReturnType<typeof spawn>; done: Promise<RunResult> } {
  const full: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(full)) if (key.startsWith('TURNOUT_') || key.startsWith('TWILIO_')) delete full[key];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...full, ...envVars }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<RunResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('at most once, whatever happens', () => {
  it('a run killed with SIGKILL mid-way, then rerun, sends no message twice; sync settles the rest', async () => {
    fake.setLatency(400);
    const run = startTurnout([...SEND, '--rate', '10'], env()); // the last --rate wins
    await until(() => fake.messagePosts().length >= 3);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    const before = fake.messagePosts().length;
    expect(before).toBeLessThan(7);

    fake.setLatency(0);
    const rerun = await send();
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/took over the send lock|interrupted run/);
    for (const n of Object.values(counts())) expect(n).toBe(1);
    // The killed run's messages in flight (the fake was holding its answers) are 'unknown' now, none 'pending', and not resent.
    expect(await query("SELECT count(*) AS n FROM messages WHERE status = 'pending'")).toEqual([{ n: 0 }]);
    const unknown = await query<{ phone: string }>("SELECT phone FROM messages WHERE status = 'unknown'");
    expect(unknown.length).toBeGreaterThan(0);
    for (const { phone } of unknown) expect(counts()[phone]).toBe(1);

    // The killed run's messages in flight are 'unknown': sync finds them at Twilio (or not).
    const sync = await runTurnout(['sync', '--format', 'json'], { env: env({ TURNOUT_NOW: '2026-03-15T15:10:00+01:00' }) });
    expect(sync.code).toBe(0);
    expect(await query("SELECT count(*) AS n FROM messages WHERE status IN ('unknown', 'pending')")).toEqual([{ n: 0 }]);
    const last = await send([], { TURNOUT_NOW: '2026-03-15T15:11:00+01:00' });
    expect(last.code).toBe(0);
    expect(counts()).toEqual(Object.fromEntries(PHONES.map((p) => [p, 1])));
  });

  it('takes over a lock whose heartbeat is a day old, even when its pid is alive on this host (reused after a reboot)', async () => {
    const dayOld = new Date(new Date(NOW).getTime() - 24 * 3_600_000).toISOString();
    // pid 1 always exists (init, or the container's first process): alive, but not the holder any more.
    await execute(db, 'INSERT INTO send_lock (name, run_id, pid, hostname, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)', 'send', 'crashed-yesterday', 1, os.hostname(), dayOld, dayOld);
    const result = await send();
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('took over the send lock of run crashed-yesterday');
    expect(counts()).toEqual(Object.fromEntries(PHONES.map((p) => [p, 1])));
    expect(await query('SELECT count(*) AS n FROM send_lock')).toEqual([{ n: 0 }]);
  });

  it('two runs started at the same moment: one sends, the other exits 4, no phone texted twice', async () => {
    fake.setLatency(150);
    const a = startTurnout([...SEND, '--rate', '5'], env());
    const b = startTurnout([...SEND, '--rate', '5'], env());
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code].sort()).toEqual([0, 4]);
    expect(JSON.parse((ra.code === 0 ? ra : rb).stdout)).toMatchObject({ recipients: 7, sent: 7 });
    expect(JSON.parse((ra.code === 0 ? rb : ra).stdout)).toMatchObject({ sent: 0, stopped: 'locked' });
    expect(counts()).toEqual(Object.fromEntries(PHONES.map((p) => [p, 1])));
    expect(await query("SELECT count(*) AS n FROM messages WHERE status = 'queued'")).toEqual([{ n: 7 }]);
    expect(await query('SELECT count(*) AS n FROM send_lock')).toEqual([{ n: 0 }]);
  });

  it('a second run started while the first holds the lock sends nothing, exits 4 and says why', async () => {
    fake.setLatency(300);
    const first = startTurnout([...SEND, '--rate', '2'], env()); // slow: about 3.5 s for 7 messages
    // The lock is taken before the first API call: once a message reached Twilio, the first run holds it.
    await until(() => fake.messagePosts().length >= 1);
    expect(await query('SELECT count(*) AS n FROM send_lock')).toEqual([{ n: 1 }]);
    const second = await runTurnout(SEND, { env: env() });
    const ra = await first.done;
    expect(ra.code).toBe(0);
    expect(second.code).toBe(4);
    expect(second.stderr).toContain('another send run is in progress');
    expect(second.stderr).toContain('nothing sent by this one');
    expect(JSON.parse(second.stdout)).toMatchObject({ sent: 0, stopped: 'locked' });
    expect(JSON.parse(ra.stdout)).toMatchObject({ recipients: 7, sent: 7 });
    expect(counts()).toEqual(Object.fromEntries(PHONES.map((p) => [p, 1])));
  });
  it('Ctrl-C while a message waits to be retried after 429: stops without retrying it, records it failed 20429, and a rerun sends it', async () => {
    fake.setScript([{ to: PHONES[0], respond: { status: 429, code: 20429, message: 'Too Many Requests' } }]);
    const run = startTurnout([...SEND, '--rate', '2'], env()); // about 3.5 s for 7 messages
    await until(() => fake.messagePosts().some((p) => p.form.To === PHONES[0]) && fake.messagePosts().length >= 3);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain('stopping');
    const summary = JSON.parse(stopped.stdout) as { stopped: string; sent: number; failed: number; not_attempted: number; errors: Record<string, number> };
    expect(summary).toMatchObject({ stopped: 'interrupted', failed: 1, errors: { '20429': 1 } });
    expect(summary.sent + summary.failed + summary.not_attempted).toBe(7);
    expect(await query('SELECT status, error_code, error_message FROM messages WHERE phone = ?', PHONES[0])).toEqual([
      { status: 'failed', error_code: 20429, error_message: 'rate-limited (429), not retried: the run stopped (interrupted)' },
    ]);
    expect(await query("SELECT count(*) AS n FROM messages WHERE status = 'pending'")).toEqual([{ n: 0 }]);

    fake.setScript([]);
    const rerun = await send();
    expect(rerun.code).toBe(0);
    expect(counts()).toEqual(Object.fromEntries(PHONES.map((p) => [p, 1])));
  });
});
});
