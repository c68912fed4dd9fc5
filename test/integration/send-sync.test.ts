import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planMessages, sendReminders } from '../../src/app/sendReminders.js';
import { syncMessages } from '../../src/app/sync.js';
import type { SmsRecipient } from '../../src/app/recipients.js';
import { silentReporter } from '../../src/app/ports.js';
import { UsageError } from '../../src/core/errors.js';
import { parseTemplate } from '../../src/core/template.js';
import type { Db } from '../../src/store/db.js';
import { messageLog, sendLock, syncStore } from '../../src/store/messages.js';
import { twilioConfig } from '../../src/io/twilio/config.js';
import { twilioSmsGateway, twilioSyncGateway } from '../../src/io/twilio/gateway.js';
import { holderIsStale } from '../../src/io/lock.js';
import { thisProcess } from '../helpers/thisProcess.js';
import { type FakeTwilio } from '../helpers/fakeTwilio.js';
import { openSendFixture, type SendFixture } from '../helpers/sendFixture.js';

const self = thisProcess;

const ACCOUNT = 'AC' + '9f'.repeat(16);
const TOKEN = 'sync-integration-token';
const FROM = '+33700000077';

let fixture: SendFixture;
let fake: FakeTwilio;
let db: Db;

beforeEach(async () => {
  fixture = await openSendFixture(TOKEN, 'sync.db');
  ({ fake, db } = fixture);
});
afterEach(() => fixture.close());

const env = (): Record<string, string> => ({ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM, TURNOUT_TWILIO_BASE_URL: fake.url });

function recipients(count: number): SmsRecipient[] {
  return Array.from({ length: count }, (_, n) => {
    const phone = `+3361111${String(n).padStart(4, '0')}`;
    return { phone, area: null, voters: [{ id: `V${n}`, first_name: 'Ana', last_name: 'B', fields: { first_name: 'Ana' } }] };
  });
}

describe('turnout sync against the fake', () => {
  it('reads many statuses back page by page instead of one request per message', async () => {
    const list = recipients(30);
    const plan = planMessages(parseTemplate('Bonjour {first_name}'), 'Reply STOP to opt out', list, ['first_name']);
    const sent = await sendReminders(
      plan,
      { runId: 'r', rate: 500, quietHours: undefined, timeZone: 'UTC', cooldownMs: 3_600_000 },
      {
        gateway: await twilioSmsGateway(twilioConfig(env())),
        log: messageLog(db),
        lock: sendLock(db),
        owner: { pid: self.pid, hostname: self.hostname },
        isStale: (h, now) => holderIsStale(h, now, self),
        clock: { now: () => new Date() },
        timer: { monotonic: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
        reporter: silentReporter,
      },
    );
    expect(sent.kind === 'done' && sent.summary.sent).toBe(30);
    fake.messages.forEach((m, i) => fake.setStatus(m.sid, i === 0 ? 'undelivered' : 'delivered', i === 0 ? 30003 : null));
    const before = fake.requests.length;
    const summary = await syncMessages(
      { gateway: await twilioSyncGateway(twilioConfig(env())), store: syncStore(db), clock: { now: () => new Date() }, reporter: silentReporter },
      { senders: [FROM] },
    );
    expect(summary).toMatchObject({ checked: 30, updated: { delivered: 29, undelivered: 1 } });
    const gets = fake.requests.slice(before).filter((r) => r.method === 'GET');
    expect(gets.filter((r) => /\/Messages\/SM/.test(r.path))).toHaveLength(0);
    expect(gets.length).toBeLessThanOrEqual(3); // the From listing, then the replies listing
    expect(db.prepare("SELECT error_code FROM messages WHERE status = 'undelivered'").all()).toEqual([{ error_code: 30003 }]);
  });
});

describe('Twilio configuration from the environment', () => {
  it('names missing variables, never their values', () => {
    expect(() => twilioConfig({})).toThrow('TWILIO_ACCOUNT_SID is not set');
    expect(() => twilioConfig({ TWILIO_ACCOUNT_SID: ACCOUNT })).toThrow('TWILIO_AUTH_TOKEN is not set');
    expect(() => twilioConfig({ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN })).toThrow(/no sender/);
    expect(() => twilioConfig({ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_API_KEY: 'SK1', TWILIO_FROM: FROM })).toThrow('TWILIO_API_KEY and TWILIO_API_SECRET go together');
    try {
      twilioConfig({ TWILIO_ACCOUNT_SID: 'not-a-sid-' + TOKEN, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect(String((error as Error).message) + (error as UsageError).hint).not.toContain(TOKEN);
    }
  });

  it('lets --from / --messaging-service override the environment, one sender only', () => {
    const base = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM };
    expect(twilioConfig(base, { from: '+33700000099' })).toMatchObject({ from: '+33700000099', messagingServiceSid: undefined });
    const mg = 'MG' + '1'.repeat(32);
    expect(twilioConfig(base, { messagingService: mg })).toMatchObject({ from: undefined, messagingServiceSid: mg });
    expect(() => twilioConfig({ ...base, TWILIO_MESSAGING_SERVICE_SID: mg })).toThrow('choose one');
  });

  it('takes TURNOUT_TWILIO_BASE_URL as an origin only', () => {
    const base = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM };
    expect(twilioConfig({ ...base, TURNOUT_TWILIO_BASE_URL: 'http://127.0.0.1:4010' }).baseUrl).toBe('http://127.0.0.1:4010');
    expect(() => twilioConfig({ ...base, TURNOUT_TWILIO_BASE_URL: 'http://127.0.0.1:4010/2010-04-01' })).toThrow(/origin only/);
    expect(() => twilioConfig({ ...base, TURNOUT_TWILIO_BASE_URL: 'nope' })).toThrow(/not a URL/);
  });
});
