import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTurnout, tempDir } from '../helpers/cli.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fakeTwilio.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';
import { execute, storedText } from '../helpers/dbWrite.js';

const ACCOUNT = 'AC' + 'c3'.repeat(16);
const TOKEN = 'sync-token-DO-NOT-LEAK-8f3a';
const FROM = '+33700000009';

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let fake: FakeTwilio;
let cleanup: () => void;
let db: TestDatabase;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_FROM: FROM,
    TURNOUT_TWILIO_BASE_URL: fake.url,
    ...db.env,
    ...extra,
  };
}

/** A message as a sending run records it. */
async function insertMessage(m: { phone: string; body: string; status: string; sid?: string; createdAt: string; voters: string[]; sender?: string }): Promise<void> {
  const [row] = await execute<{ id: number }>(
    db,
    `INSERT INTO messages (run_id, phone, body, segments, encoding, status, sid, sender, created_at, updated_at)
     VALUES ('r1', ?, ?, 1, 'GSM-7', ?, ?, ?, ?, ?) RETURNING id`,
    m.phone,
    m.body,
    m.status,
    m.sid ?? null,
    m.sender ?? FROM,
    m.createdAt,
    m.createdAt,
  );
  for (const v of m.voters) await execute(db, 'INSERT INTO message_voters (message_id, voter_id) VALUES (?, ?)', row!.id, v);
}

beforeEach(async () => {
  fake = await startFakeTwilio({ authToken: TOKEN });
  let dir: string;
  ({ dir, cleanup } = tempDir());
  db = await backend.create(dir);
  const init = await runTurnout([...db.args, 'init', '--region', 'FR', '--timezone', 'Europe/Paris']);
  expect(init.code).toBe(0);
});
afterEach(async () => {
  await db.drop();
  cleanup();
  await fake.close();
});

describe('turnout sync', () => {
  it('updates statuses, resolves lost answers, records opt-out replies, and never shows the token', async () => {
    const at = new Date('2026-03-15T12:00:00Z');
    const delivered = fake.addOutbound({ account: ACCOUNT, to: '+33612340001', from: FROM, body: 'Bonjour Amina', status: 'delivered', at });
    const undelivered = fake.addOutbound({ account: ACCOUNT, to: '+33612340002', from: FROM, body: 'Bonjour Karim', status: 'undelivered', errorCode: 30003, at });
    const unsubscribed = fake.addOutbound({ account: ACCOUNT, to: '+33612340005', from: FROM, body: 'Bonjour Léa', status: 'failed', errorCode: 21610, at });
    // The run sending to ...03 was killed after Twilio created the message: no SID in our log.
    const lost = fake.addOutbound({ account: ACCOUNT, to: '+33612340003', from: FROM, body: 'Bonjour Lucie', status: 'sent', at });
    fake.addInbound({ from: '+33612340001', to: FROM, body: ' Stop ', at });
    fake.addInbound({ from: '+33612340002', to: FROM, body: 'Arrêt', at });
    fake.addInbound({ from: '+33612340003', to: FROM, body: "J'y vais, ne stoppez pas !", at });
    fake.addInbound({ from: '+33612340006', to: '+33799999999', body: 'STOP', at }); // to someone else's number

    await insertMessage({ phone: '+33612340001', body: 'Bonjour Amina', status: 'queued', sid: delivered.sid, createdAt: at.toISOString(), voters: ['B01'] });
    await insertMessage({ phone: '+33612340002', body: 'Bonjour Karim', status: 'sent', sid: undelivered.sid, createdAt: at.toISOString(), voters: ['B02'] });
    await insertMessage({ phone: '+33612340003', body: 'Bonjour Lucie', status: 'unknown', createdAt: at.toISOString(), voters: ['B03'] });
    // Killed before its request left: Twilio never heard of it.
    await insertMessage({ phone: '+33612340004', body: 'Bonjour Paul', status: 'unknown', createdAt: at.toISOString(), voters: ['B04'] });
    await insertMessage({ phone: '+33612340005', body: 'Bonjour Léa', status: 'queued', sid: unsubscribed.sid, createdAt: at.toISOString(), voters: ['P03'] });

    const result = await runTurnout(['sync', '--format', 'json'], { env: env({ TURNOUT_NOW: '2026-03-15T12:30:00Z' }) });
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ checked: 5, unknown_resolved: 1, unknown_not_sent: 1, unknown_remaining: 0, replies: 3, optouts_recorded: 3 });
    expect(summary.updated).toEqual({ delivered: 1, undelivered: 1, sent: 1, failed: 2 });
    expect(result.stderr).toContain('replies: 3 new, opt-outs recorded: 3');

    expect(await db.query('SELECT phone, status, error_code, CASE WHEN sid IS NULL THEN 0 ELSE 1 END AS has_sid FROM messages ORDER BY id')).toEqual([
      { phone: '+33612340001', status: 'delivered', error_code: null, has_sid: 1 },
      { phone: '+33612340002', status: 'undelivered', error_code: 30003, has_sid: 1 },
      { phone: '+33612340003', status: 'sent', error_code: null, has_sid: 1 },
      { phone: '+33612340004', status: 'failed', error_code: null, has_sid: 0 },
      { phone: '+33612340005', status: 'failed', error_code: 21610, has_sid: 1 },
    ]);
    expect(await db.query('SELECT sid FROM messages WHERE phone = ?', '+33612340003')).toEqual([{ sid: lost.sid }]);
    expect(await db.query('SELECT phone, source FROM optouts ORDER BY phone')).toEqual([
      { phone: '+33612340001', source: 'reply' },
      { phone: '+33612340002', source: 'reply' },
      { phone: '+33612340005', source: 'twilio:21610' },
    ]);
    expect(await db.query('SELECT from_phone, optout FROM inbound_messages ORDER BY from_phone')).toEqual([
      { from_phone: '+33612340001', optout: 1 },
      { from_phone: '+33612340002', optout: 1 },
      { from_phone: '+33612340003', optout: 0 },
    ]);

    // Twice is harmless: nothing new.
    const again = await runTurnout(['sync', '--format', 'json'], { env: env({ TURNOUT_NOW: '2026-03-15T12:31:00Z' }) });
    expect(JSON.parse(again.stdout)).toMatchObject({ replies: 0, optouts_recorded: 0, updated: {} });

    for (const text of [result.stdout, result.stderr, again.stdout, again.stderr, await storedText(db)]) {
      expect(text).not.toContain(TOKEN);
    }
  });

  it('never concludes "not sent" for a message the provider accepted but whose SID it had given to another (recorded without it)', async () => {
    const created = '2026-03-15T12:00:00.000Z';
    await insertMessage({ phone: '+33612340021', body: 'Bonjour Odile', status: 'queued', createdAt: created, voters: [] });
    await insertMessage({ phone: '+33612340022', body: 'Bonjour Paul', status: 'unknown', createdAt: created, voters: [] });
    // Ten minutes later; the provider lists neither.
    const result = await runTurnout(['sync', '--format', 'json'], { env: env({ TURNOUT_NOW: '2026-03-15T12:10:00Z' }) });
    expect(result.code).toBe(0);
    expect(await db.query('SELECT phone, status FROM messages ORDER BY phone')).toEqual([
      { phone: '+33612340021', status: 'queued' }, // accepted: sent, whatever the listing says
      { phone: '+33612340022', status: 'failed' }, // its request may never have arrived: not sent, a later run may send it
    ]);
  });

  it('through a messaging service (no number of ours to list replies by), keeps the replies of people texted only', async () => {
    const SERVICE = 'MG' + '7d'.repeat(16);
    const at = new Date('2026-03-15T12:00:00Z');
    const sent = fake.addOutbound({ account: ACCOUNT, to: '+33612340041', from: '+33700000555', body: 'Bonjour Nadia', status: 'delivered', at });
    await insertMessage({ phone: '+33612340041', body: 'Bonjour Nadia', status: 'queued', sid: sent.sid, createdAt: at.toISOString(), voters: [], sender: SERVICE });
    fake.addInbound({ from: '+33612340041', to: '+33700000555', body: 'STOP', at });
    fake.addInbound({ from: '+33612340099', to: '+33700000555', body: 'STOP', at }); // never texted by this campaign
    const result = await runTurnout(['sync', '--format', 'json'], {
      env: env({ TWILIO_FROM: '', TWILIO_MESSAGING_SERVICE_SID: SERVICE, TURNOUT_NOW: '2026-03-15T12:30:00Z' }),
    });
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ checked: 1, updated: { delivered: 1 }, replies: 1, optouts_recorded: 1 });
    expect(await db.query('SELECT phone, source FROM optouts')).toEqual([{ phone: '+33612340041', source: 'reply' }]);
    expect(await db.query('SELECT from_phone FROM inbound_messages')).toEqual([{ from_phone: '+33612340041' }]);
  });

  it('says which variable is missing, without a stack trace, and exits 2', async () => {
    const result = await runTurnout(['sync'], { env: { ...db.env, TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_FROM: FROM } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TWILIO_AUTH_TOKEN is not set');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails clearly when Twilio refuses the credentials, without echoing them', async () => {
    const result = await runTurnout(['sync'], { env: env({ TWILIO_AUTH_TOKEN: 'wrong-token-zzz' }) });
    await insertMessage({ phone: '+33612340001', body: 'x', status: 'queued', sid: 'SM' + '0'.repeat(32), createdAt: '2026-03-15T12:00:00.000Z', voters: [] });
    const refused = await runTurnout(['sync'], { env: env({ TWILIO_AUTH_TOKEN: 'wrong-token-zzz' }) });
    expect(result.code).toBe(0); // nothing to check yet
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HTTP 401, error 20003');
    expect(refused.stderr + refused.stdout).not.toContain('wrong-token-zzz');
  });
});

describe('turnout reminders', () => {
  it('lists the log with voters and errors, and counts by status and error code', async () => {
    await execute(db, `INSERT INTO voters (id, first_name, last_name) VALUES ('B01', 'Amina', 'Benali'), ('B02', 'Karim', 'Benali'), ('N01', 'Inès', 'Garnier')`);
    await insertMessage({ phone: '+33612340001', body: 'a', status: 'delivered', sid: 'SM1', createdAt: '2026-03-15T12:00:00.000Z', voters: ['B01', 'B02'] });
    await insertMessage({ phone: '+33612340031', body: 'b', status: 'failed', createdAt: '2026-03-15T12:00:01.000Z', voters: ['N01'] });
    await execute(db, "UPDATE messages SET error_code = 21610, error_message = 'unsubscribed' WHERE phone = '+33612340031'");
    // Failed too, without an error code (sync found no such message): counted before 21610.
    await insertMessage({ phone: '+33612340032', body: 'b', status: 'failed', createdAt: '2026-03-15T12:00:02.000Z', voters: [] });
    await insertMessage({ phone: '+33612340009', body: 'c', status: 'delivered', sid: 'SM3', createdAt: '2026-03-15T14:00:00.000Z', voters: [] });

    const log = await runTurnout(['reminders', '--format', 'json'], { env: db.env });
    expect(log.code).toBe(0);
    const rows = JSON.parse(log.stdout);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ phone: '+33612340001', voter_ids: 'B01; B02', names: 'Amina Benali; Karim Benali', status: 'delivered', sid: 'SM1' });
    expect(rows[1]).toMatchObject({ phone: '+33612340031', status: 'failed', error_code: 21610, error_message: 'unsubscribed' });
    expect(rows[2]).toMatchObject({ phone: '+33612340032', voter_ids: null, names: null, status: 'failed', error_code: null });
    expect(rows[3]).toMatchObject({ phone: '+33612340009', status: 'delivered' });
    expect(log.stderr).toContain('4 reminders: 2 delivered, 2 failed (21610: 1)');

    const failed = await runTurnout(['reminders', '--status', 'failed', '--format', 'csv'], { env: db.env });
    expect(failed.stdout.trim().split('\n')).toHaveLength(3);
    const one = await runTurnout(['reminders', '--phone', '+33612340031', '--format', 'json'], { env: db.env });
    expect(JSON.parse(one.stdout).map((r: { names: string }) => r.names)).toEqual(['Inès Garnier']);
    const since = await runTurnout(['reminders', '--since', '2026-03-15 14:30', '--format', 'ndjson'], { env: db.env });
    expect(since.stdout.trim().split('\n').map((l) => JSON.parse(l).phone)).toEqual(['+33612340009']); // 15:00 Paris

    const counts = await runTurnout(['reminders', '--summary', '--format', 'json'], { env: db.env });
    expect(JSON.parse(counts.stdout)).toEqual([
      { status: 'delivered', error_code: null, count: 2 },
      { status: 'failed', error_code: null, count: 1 },
      { status: 'failed', error_code: 21610, count: 1 },
    ]);
  });
});
});
