/**
 * `turnout remind`: who to contact, in what order, and through which channel.
 *
 * Supporters who have not voted, in the chosen areas, are put in order (areas as `turnout status`
 * orders them: flagged first, then by shortfall; then voters by turnout priority: see
 * src/core/remindOrder.ts), filtered for the channel (opt-outs,
 * numbers that cannot take an SMS, reminders already sent within the cooldown) and gathered into
 * one row per contact point: one SMS or call per phone number, one visit per door, one e-mail per
 * address. A row stands for every voter it reaches.
 */
import { DataError, UsageError } from '../core/errors.js';
import { VOTER_FIELDS } from '../core/fields.js';
import { emailKey, groupContacts, joinIds, joinNames, type Contact } from '../core/remindHouseholds.js';
import { sortVoters } from '../core/remindOrder.js';
import { isSmsCapable } from '../core/remindPhones.js';
import type { Channel } from '../core/remindSelection.js';
import { doorKey, parseHouseNumber, sideOf, sortInWalkOrder, walkKey } from '../core/walkList.js';
import { computeStatus, type StatusInput, type StatusSource } from './computeStatus.js';
import type { RecipientVoter, SmsRecipient } from './recipients.js';
import type { Awaitable } from './ports.js';

export interface CandidateQuery {
  /** The --by field, as the user names it. */
  areaField: string;
  supportLevels: number[];
  /** ISO instant: checks after it are ignored. */
  at: string;
  /** Area values to keep (null: voters without a value); undefined keeps every area. */
  areas?: (string | null)[];
  /** ISO instant: messages since then count as reminders; undefined skips the check. */
  remindedSince?: string;
  /** Also read the extra columns (for message templates). */
  withExtra?: boolean;
}

/** A supporter who has not voted, with what the channels need to decide about them. */
export interface CandidateVoter {
  id: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  phone_e164: string | null;
  phone_valid: number | null;
  email: string | null;
  street_number: string | null;
  street: string | null;
  city: string | null;
  zip: string | null;
  precinct: string | null;
  neighborhood: string | null;
  polling_place: string | null;
  list_number: string | null;
  support: number | null;
  turnout_score: number | null;
  /** JSON object of the file's other columns; read only with `withExtra`. */
  extra?: string | null;
  area: string | null;
  /** Their phone number is in the opt-out list. */
  opted_out: boolean;
  /** Twilio said their number cannot take SMS. */
  sms_unusable: boolean;
  /** A message naming them was sent (not failed) within the cooldown. */
  reminded: boolean;
  /** A message went to their phone number (for anyone) within the cooldown. */
  phone_reminded: boolean;
}

/** What the use case needs from the database. */
export interface ReminderSource {
  extraColumns(): Awaitable<string[]>;
  candidates(query: CandidateQuery): Awaitable<CandidateVoter[]>;
}

export interface RemindPorts {
  source: ReminderSource;
  /** The counts behind `turnout status`: areas, their shortfall and the under-mobilized rule. */
  status: StatusSource;
}

export interface RemindInput {
  channel: Channel;
  /** The status options (--by, --support, --at, reference, --z, --min-remaining), as for `turnout status`. */
  status: StatusInput;
  /** Only the areas the status rule flags. */
  underMobilized?: boolean;
  /** --area names as typed (matched ignoring case and accents). */
  areas?: string[];
  limit?: number;
  cooldownMs: number;
  includeReminded: boolean;
  now: Date;
  /** The contacts will become SMS recipients (templates may name extra columns). */
  forSending?: boolean;
}

/** Why supporters who have not voted are not on the list, each counted once (first reason that applies). */
export interface LeftOut {
  /** No valid phone number (sms, call). */
  noPhone: number;
  /** Their number is in the opt-out list (sms, call). */
  optedOut: number;
  /** A fixed line (sms). */
  landline: number;
  /** Twilio refused the number before (sms). */
  smsUnusable: number;
  /** No e-mail address (email). */
  noEmail: number;
  /** No street to walk to (door). */
  noAddress: number;
  /** Reminded within the cooldown (any channel): listed again with --include-reminded. */
  reminded: number;
}

export interface AreaSummary {
  area: string | null;
  supporters: number;
  remaining: number;
  shortfall: number | null;
  under_mobilized: boolean;
}

export interface RemindSummary {
  channel: Channel;
  areaField: string;
  /** ISO instant the selection refers to (checks after it ignored). */
  at: string;
  /** Areas served that still have supporters to vote, in order. */
  areas: AreaSummary[];
  /** Supporters not yet voted in those areas. */
  candidates: number;
  leftOut: LeftOut;
  /** Rows (contact points) listed, and the voters they stand for. */
  rows: number;
  voters: number;
  /** Rows that --limit left off. */
  limitedOut: number;
}

/** A selected contact point with the voters it stands for, primary first. */
export type Selection = Contact<CandidateVoter>;

export interface RemindResult {
  contacts: Selection[];
  summary: RemindSummary;
  /** From the status computation (e.g. areas missing from a targets file). */
  warnings: string[];
}

/** Selects and orders the contacts for a channel. */
export async function selectReminders(ports: RemindPorts, input: RemindInput): Promise<RemindResult> {
  const report = await computeStatus({ source: ports.status }, input.status);
  const areaField = report.by;
  const rank = new Map(report.areas.map((a, index) => [a.area, index]));
  let served = report.areas.filter((a) => a.supporters > 0);
  if (input.underMobilized) served = served.filter((a) => a.under_mobilized);
  if (input.areas !== undefined) {
    const named = resolveAreas(input.areas, report.areas.map((a) => a.area), areaField);
    served = served.filter((a) => named.has(a.area));
  }
  const everywhere = input.underMobilized !== true && input.areas === undefined;
  const candidates = await ports.source.candidates({
    areaField,
    supportLevels: report.support,
    at: report.at,
    areas: everywhere ? undefined : served.map((a) => a.area),
    remindedSince: input.includeReminded ? undefined : new Date(input.now.getTime() - input.cooldownMs).toISOString(),
    withExtra: input.forSending === true,
  });
  sortVoters(candidates, rank);

  const leftOut: LeftOut = { noPhone: 0, optedOut: 0, landline: 0, smsUnusable: 0, noEmail: 0, noAddress: 0, reminded: 0 };
  const all = groupContacts(candidates, contactKey(input.channel, leftOut));
  const contacts = input.limit === undefined ? all : all.slice(0, input.limit);
  if (input.channel === 'door') {
    sortInWalkOrder(contacts, (c) => walkKey(doorOf(c, rank)));
  }
  return {
    contacts,
    summary: {
      channel: input.channel,
      areaField,
      at: report.at,
      areas: served.filter((a) => a.remaining > 0).map((a) => ({
        area: a.area,
        supporters: a.supporters,
        remaining: a.remaining,
        shortfall: a.shortfall,
        under_mobilized: a.under_mobilized,
      })),
      candidates: candidates.length,
      leftOut,
      rows: contacts.length,
      voters: contacts.reduce((n, c) => n + c.members.length, 0),
      limitedOut: all.length - contacts.length,
    },
    warnings: report.warnings,
  };
}

function foldName(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();
}

/** --area names to the area values of the database, ignoring case and accents. */
function resolveAreas(names: string[], areas: (string | null)[], areaField: string): Set<string | null> {
  const known = areas.filter((a): a is string => a !== null).sort();
  const out = new Set<string | null>();
  for (const name of names) {
    const exact = known.filter((a) => a === name);
    const matches = exact.length > 0 ? exact : known.filter((a) => foldName(a) === foldName(name));
    if (matches.length === 0) {
      const sample = known.slice(0, 20).join(', ');
      throw new UsageError(`no ${areaField} is called "${name}"`, {
        hint: known.length === 0 ? 'Import a voter file first.' : `Known values: ${sample}${known.length > 20 ? ', …' : ''} (or choose another field with --by).`,
      });
    }
    for (const m of matches) out.add(m);
  }
  return out;
}

/** The contact key for a channel; undefined (with the reason counted) when the voter cannot be reached that way. */
function contactKey(channel: Channel, leftOut: LeftOut): (v: CandidateVoter) => string | undefined {
  const phoneKey = (v: CandidateVoter, sms: boolean): string | undefined => {
    if (v.phone_valid !== 1 || !v.phone_e164) return void leftOut.noPhone++;
    if (v.opted_out) return void leftOut.optedOut++;
    if (sms && !isSmsCapable(v.phone_e164)) return void leftOut.landline++;
    if (sms && v.sms_unusable) return void leftOut.smsUnusable++;
    // For SMS, a number already texted within the cooldown is not texted again, whoever it was for.
    if (v.reminded || (sms && v.phone_reminded)) return void leftOut.reminded++;
    return v.phone_e164;
  };
  switch (channel) {
    case 'sms':
      return (v) => phoneKey(v, true);
    case 'call':
      return (v) => phoneKey(v, false);
    case 'email':
      return (v) => {
        const key = emailKey(v.email);
        if (key === undefined) return void leftOut.noEmail++;
        if (v.reminded) return void leftOut.reminded++;
        return key;
      };
    case 'door':
      return (v) => {
        const key = doorKey(v);
        if (key === undefined) return void leftOut.noAddress++;
        if (v.reminded) return void leftOut.reminded++;
        return key;
      };
  }
}

function doorOf(contact: Selection, rank: ReadonlyMap<string | null, number>) {
  const v = contact.members[0]!;
  return { precinct: v.precinct, street: v.street, street_number: v.street_number, city: v.city, zip: v.zip, areaRank: rank.get(v.area) ?? Number.MAX_SAFE_INTEGER };
}

/** The columns of each channel's list, in order. */
export const REMIND_COLUMNS: Record<Channel, readonly string[]> = {
  sms: ['id', 'first_name', 'last_name', 'area', 'polling_place', 'phone', 'voters', 'ids', 'names'],
  call: ['id', 'first_name', 'last_name', 'area', 'polling_place', 'phone', 'voters', 'ids', 'names'],
  door: ['precinct', 'street', 'side', 'street_number', 'id', 'first_name', 'last_name', 'area', 'polling_place', 'city', 'zip', 'voters', 'ids', 'names'],
  email: ['id', 'first_name', 'last_name', 'area', 'polling_place', 'email', 'voters', 'ids', 'names'],
};

export type ReminderRow = Record<string, string | number | null>;

/** One list row per contact: the primary voter's id and name, and everyone the row stands for. */
export function reminderRow(channel: Channel, contact: Selection): ReminderRow {
  const v = contact.members[0]!;
  const row: ReminderRow = {
    id: v.id,
    first_name: v.first_name,
    last_name: v.last_name,
    area: v.area,
    polling_place: v.polling_place,
    voters: contact.members.length,
    ids: joinIds(contact.members),
    names: joinNames(contact.members),
  };
  switch (channel) {
    case 'sms':
    case 'call':
      row.phone = v.phone_e164;
      break;
    case 'email':
      row.email = v.email?.trim() ?? null;
      break;
    case 'door':
      row.precinct = v.precinct;
      row.street = v.street;
      row.street_number = v.street_number;
      row.side = sideOf(parseHouseNumber(v.street_number));
      row.city = v.city;
      row.zip = v.zip;
      break;
  }
  return row;
}

/** The SMS to send: one per phone number, carrying every voter it stands for (primary first). */
export async function smsRecipients(source: ReminderSource, contacts: Selection[]): Promise<SmsRecipient[]> {
  const extras = await source.extraColumns();
  return contacts.map((c) => ({
    phone: c.key,
    area: c.members[0]!.area,
    voters: c.members.map((v) => recipientVoter(v, extras)),
  }));
}

function recipientVoter(v: CandidateVoter, extras: string[]): RecipientVoter {
  const fields: Record<string, string | null> = {};
  let extra: Record<string, unknown> = {};
  if (v.extra) {
    try {
      extra = JSON.parse(v.extra) as Record<string, unknown>;
    } catch {
      throw new DataError(`voter ${v.id} has unreadable extra columns in the database`, { hint: 'Import the voter file again.' });
    }
  }
  for (const name of extras) fields[name] = text(extra[name]);
  // The list fields (birth_name…) are not read for reminders: null, as for a voter without them.
  for (const name of VOTER_FIELDS) fields[name] = text((v as unknown as Record<string, unknown>)[name]);
  fields.phone_e164 = v.phone_e164;
  fields.area = v.area;
  return { id: v.id, first_name: v.first_name, last_name: v.last_name, fields };
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value);
  return s.trim() === '' ? null : s;
}
