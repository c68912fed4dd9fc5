/**
 * Twilio credentials and sender, from the environment only (never from files, flags or the
 * database). Error messages name the variables, never their values.
 */
import { UsageError } from '../../core/errors.js';

export interface TwilioConfig {
  /** Basic-auth user: the account SID, or an API key SID (SK…). */
  username: string;
  password: string;
  accountSid: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  /** Replaces the origin https://api.twilio.com (TURNOUT_TWILIO_BASE_URL). */
  baseUrl: string | undefined;
  timeoutMs: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface SenderOverrides {
  from?: string;
  messagingService?: string;
}

export function twilioConfig(env: Record<string, string | undefined>, overrides: SenderOverrides = {}): TwilioConfig {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const accountSid = value('TWILIO_ACCOUNT_SID');
  const authToken = value('TWILIO_AUTH_TOKEN');
  const apiKey = value('TWILIO_API_KEY');
  const apiSecret = value('TWILIO_API_SECRET');
  const hint = 'Export TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET with TWILIO_ACCOUNT_SID) in the environment of turnout.';
  if (!accountSid) throw new UsageError('TWILIO_ACCOUNT_SID is not set', { hint });
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
    throw new UsageError('TWILIO_ACCOUNT_SID does not look like an account SID (AC followed by 32 hex digits)', { hint });
  }
  let username: string;
  let password: string;
  if (apiKey || apiSecret) {
    if (!apiKey || !apiSecret) throw new UsageError('TWILIO_API_KEY and TWILIO_API_SECRET go together: one of them is not set', { hint });
    username = apiKey;
    password = apiSecret;
  } else {
    if (!authToken) throw new UsageError('TWILIO_AUTH_TOKEN is not set', { hint });
    username = accountSid;
    password = authToken;
  }
  const from = overrides.from?.trim() || (overrides.messagingService ? undefined : value('TWILIO_FROM'));
  const messagingServiceSid = overrides.messagingService?.trim() || (overrides.from ? undefined : value('TWILIO_MESSAGING_SERVICE_SID'));
  if (from && messagingServiceSid) {
    throw new UsageError('both a From number and a messaging service are set; choose one', {
      hint: 'Use --from or --messaging-service, or unset TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID.',
    });
  }
  if (!from && !messagingServiceSid) {
    throw new UsageError('no sender: set TWILIO_FROM (a number in +E.164 form) or TWILIO_MESSAGING_SERVICE_SID', {
      hint: 'Or give --from +33… / --messaging-service MG….',
    });
  }
  if (messagingServiceSid && !/^MG[0-9a-fA-F]{32}$/.test(messagingServiceSid)) {
    throw new UsageError(`the messaging service SID "${messagingServiceSid}" does not look like MG followed by 32 hex digits`);
  }
  const baseUrl = value('TURNOUT_TWILIO_BASE_URL');
  if (baseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new UsageError(`TURNOUT_TWILIO_BASE_URL is not a URL: "${baseUrl}"`, { hint: 'Write an origin such as http://127.0.0.1:4010.' });
    }
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username || url.password) {
      throw new UsageError('TURNOUT_TWILIO_BASE_URL replaces the origin only: write scheme, host and port, without path or credentials', {
        hint: 'e.g. http://127.0.0.1:4010',
      });
    }
  }
  const timeout = value('TURNOUT_TWILIO_TIMEOUT_MS');
  const timeoutMs = timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('TURNOUT_TWILIO_TIMEOUT_MS must be a positive number of milliseconds');
  return { username, password, accountSid, from, messagingServiceSid, baseUrl, timeoutMs };
}

/** The sender as shown to people and stored in the log. */
export function senderOf(config: Pick<TwilioConfig, 'from' | 'messagingServiceSid'>): string {
  return config.from ?? config.messagingServiceSid ?? '';
}
