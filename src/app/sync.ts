/**
 * `turnout sync`: brings the message log up to date with Twilio (delivered, undelivered,
 * failed with its error code), resolves messages whose outcome was lost (by SID, or by
 * looking for a message with the same recipient and text when the SID never came back), and
 * records the replies sent to our number, with opt-outs for replies that are only a keyword.
 */
import { isOptOutReply } from '../core/optoutKeywords.js';
import { OPTOUT_ERROR, UNUSABLE_ERRORS } from './sendReminders.js';
import type { Awaitable, Clock, Reporter } from './ports.js';

export interface RemoteMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  status: string;
  errorCode: number | null;
  errorMessage: string | null;
  /** inbound, outbound-api, outbound-call, outbound-reply */
  direction: string;
  dateCreated: Date | null;
}

export interface SyncGateway {
  /** undefined when Twilio has no message with this SID (404). Throws on network or auth failure. */
  fetch(sid: string): Promise<RemoteMessage | undefined>;
  list(filter: { to?: string; from?: string; sentAfter?: Date; limit?: number }): Promise<RemoteMessage[]>;
}

export interface TrackedMessage {
  id: number;
  phone: string;
  body: string;
  status: string;
  sid: string | null;
  createdAt: string;
  sender: string | null;
}

export interface InboundReply {
  sid: string;
  from: string;
  to: string | undefined;
  body: string;
  receivedAt: string;
  optout: boolean;
}

export interface SyncStore {
  /** Messages whose status may still change (sent but not final, or unknown). */
  tracked(): Awaitable<TrackedMessage[]>;
  update(id: number, change: { status: string; sid?: string; errorCode?: number | null; errorMessage?: string | null }, now: string): Awaitable<void>;
  firstSent(): Awaitable<{ at: string | undefined; senders: string[] }>;
  wasContacted(phone: string): Awaitable<boolean>;
  recordReply(reply: InboundReply, now: string): Awaitable<boolean>;
  recordOptout(phone: string, source: string, now: string): Awaitable<boolean>;
  recordUnusable(phone: string, code: number, now: string): Awaitable<boolean>;
  /** Runs `fn` as one write transaction (committed when its promise resolves). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

export interface SyncOptions {
  /** Our From number(s), where replies arrive; the log's senders are added. */
  senders: string[];
  /**
   * An unknown message without SID that Twilio does not list after this long was never
   * created there: it is marked failed (not sent), so a later run may send it.
   */
  notFoundAfterMs?: number;
}

export interface SyncSummary {
  checked: number;
  /** New statuses, by status. */
  updated: Record<string, number>;
  unknown_resolved: number;
  unknown_not_sent: number;
  unknown_remaining: number;
  replies: number;
  optouts_recorded: number;
  unusable_recorded: number;
}

const FIVE_MINUTES = 5 * 60_000;

export async function syncMessages(
  ports: { gateway: SyncGateway; store: SyncStore; clock: Clock; reporter: Reporter },
  options: SyncOptions,
): Promise<SyncSummary> {
  const { gateway, store, clock, reporter } = ports;
  const iso = (): string => clock.now().toISOString();
  const summary: SyncSummary = {
    checked: 0,
    updated: {},
    unknown_resolved: 0,
    unknown_not_sent: 0,
    unknown_remaining: 0,
    replies: 0,
    optouts_recorded: 0,
    unusable_recorded: 0,
  };
  const notFoundAfter = options.notFoundAfterMs ?? 2 * 60_000;

  const apply = async (message: TrackedMessage, remote: RemoteMessage): Promise<void> => {
    const now = iso();
    await store.transaction(async () => {
      if (remote.status !== message.status || message.sid === null) {
        await store.update(message.id, { status: remote.status, sid: remote.sid, errorCode: remote.errorCode, errorMessage: remote.errorMessage }, now);
        summary.updated[remote.status] = (summary.updated[remote.status] ?? 0) + 1;
      }
      if (remote.errorCode === OPTOUT_ERROR && (await store.recordOptout(message.phone, `twilio:${OPTOUT_ERROR}`, now))) summary.optouts_recorded++;
      if (remote.errorCode !== null && UNUSABLE_ERRORS.includes(remote.errorCode) && (await store.recordUnusable(message.phone, remote.errorCode, now))) {
        summary.unusable_recorded++;
      }
    });
  };

  const tracked = await store.tracked();
  // Many messages: read them back page by page (up to 1,000 a request) rather than one request
  // each; those the listing misses (not sent yet, so no DateSent) are fetched one by one.
  const listed = new Map<string, RemoteMessage>();
  const withSid = tracked.filter((m) => m.sid !== null);
  if (withSid.length > 20) {
    const earliest = withSid.reduce((min, m) => Math.min(min, new Date(m.createdAt).getTime()), Infinity);
    const sentAfter = new Date(earliest - 24 * 3_600_000);
    const senders = [...new Set(withSid.map((m) => m.sender).filter((s): s is string => s !== null))];
    const fromNumbers = senders.filter((s) => s.startsWith('+'));
    const lists = fromNumbers.length === senders.length ? fromNumbers.map((from) => ({ from, sentAfter })) : [{ sentAfter }];
    for (const filter of lists) for (const r of await gateway.list(filter)) listed.set(r.sid, r);
  }
  for (const [i, message] of tracked.entries()) {
    reporter.progress({ task: 'syncing', done: i, total: tracked.length, unit: 'messages' });
    summary.checked++;
    if (message.sid !== null) {
      const remote = listed.get(message.sid) ?? (await gateway.fetch(message.sid));
      if (remote) await apply(message, remote);
      else if (message.status === 'unknown') summary.unknown_remaining++;
      continue;
    }
    // No SID: the answer to our request was lost (or its SID was another message's). Look for our text to this number.
    const created = new Date(message.createdAt).getTime();
    const candidates = await gateway.list({ to: message.phone, limit: 50 });
    const match = candidates.find(
      (r) => r.direction.startsWith('outbound') && r.body === message.body && (r.dateCreated === null || r.dateCreated.getTime() >= created - FIVE_MINUTES),
    );
    if (match) {
      await apply(message, match);
      if (message.status === 'unknown') summary.unknown_resolved++;
    } else if (message.status !== 'unknown') {
      // Accepted, but recorded without a SID (the provider gave it to another message too): it was
      // sent, whether or not the listing shows it; never concluded "not sent", so never resent.
    } else if (clock.now().getTime() - created >= notFoundAfter) {
      await store.update(message.id, { status: 'failed', errorMessage: 'not sent: Twilio has no such message (checked by turnout sync)' }, iso());
      summary.updated.failed = (summary.updated.failed ?? 0) + 1;
      summary.unknown_not_sent++;
    } else {
      summary.unknown_remaining++;
    }
  }

  // Replies: messages sent to our number(s) since the first reminder.
  const first = await store.firstSent();
  if (first.at !== undefined) {
    const after = new Date(new Date(first.at).getTime() - 24 * 3_600_000);
    const numbers = [...new Set([...options.senders, ...first.senders])].filter((s) => s.startsWith('+'));
    const inbound: RemoteMessage[] = [];
    if (numbers.length > 0) {
      for (const to of numbers) inbound.push(...(await gateway.list({ to, sentAfter: after })));
    } else {
      // Only messaging-service senders: its numbers are Twilio's to choose; keep replies from people we texted.
      for (const r of await gateway.list({ sentAfter: after })) if (await store.wasContacted(r.from)) inbound.push(r);
    }
    for (const reply of inbound) {
      if (reply.direction !== 'inbound') continue;
      const optout = isOptOutReply(reply.body);
      const now = iso();
      await store.transaction(async () => {
        const fresh = await store.recordReply(
          { sid: reply.sid, from: reply.from, to: reply.to, body: reply.body, receivedAt: (reply.dateCreated ?? clock.now()).toISOString(), optout },
          now,
        );
        if (fresh) summary.replies++;
        if (optout && (await store.recordOptout(reply.from, 'reply', now))) summary.optouts_recorded++;
      });
    }
  }
  return summary;
}
