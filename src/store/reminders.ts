/**
 * The queries behind `turnout remind`: per-area supporter counts, and the supporters still to
 * contact with what each channel needs to decide about them (opt-outs, numbers Twilio refused,
 * reminders already sent within the cooldown).
 */
import type { AreaCount, CandidateQuery, CandidateVoter, ReminderSource } from '../app/remind.js';
import type { Db } from './db.js';
import { extraColumns, fieldExpression } from './fields.js';

export function reminderSource(db: Db): ReminderSource {
  return {
    defaultAreaField: () => defaultAreaField(db),
    extraColumns: () => extraColumns(db),
    areaCounts: (query) => areaCounts(db, query),
    candidates: (query) => candidates(db, query),
  };
}

/** `neighborhood`, or `precinct` when no voter has a neighborhood (the rule of `turnout status`). */
export function defaultAreaField(db: Db): string {
  const row = db
    .prepare<[], { has: number }>("SELECT EXISTS (SELECT 1 FROM voters WHERE neighborhood IS NOT NULL AND trim(neighborhood) <> '') AS has")
    .get();
  return row?.has ? 'neighborhood' : 'precinct';
}

/** A voter counts as voted when checked at or before `at` (any time when there is no `at`). */
function votedCondition(at: string | undefined): string {
  return at === undefined ? 'v.voted_at IS NOT NULL' : '(v.voted_at IS NOT NULL AND v.voted_at <= @at)';
}

function areaCounts(db: Db, query: Pick<CandidateQuery, 'areaField' | 'supportLevels' | 'at'>): AreaCount[] {
  const area = fieldExpression(db, query.areaField);
  const voted = votedCondition(query.at);
  const sql = `
    SELECT CAST(${area} AS TEXT) AS area,
           count(*) AS voters,
           sum(${voted}) AS voted,
           sum(v.support IN (SELECT value FROM json_each(@levels))) AS supporters,
           sum(v.support IN (SELECT value FROM json_each(@levels)) AND ${voted}) AS supporters_voted
    FROM voters v
    GROUP BY 1`;
  return db
    .prepare(sql)
    .all({ levels: JSON.stringify(query.supportLevels), ...(query.at === undefined ? {} : { at: query.at }) }) as AreaCount[];
}

interface CandidateRow extends Omit<CandidateVoter, 'opted_out' | 'sms_unusable' | 'reminded' | 'phone_reminded'> {
  opted_out: number;
  sms_unusable: number;
  reminded: number;
  phone_reminded: number;
}

function candidates(db: Db, query: CandidateQuery): CandidateVoter[] {
  const area = fieldExpression(db, query.areaField);
  const voted = votedCondition(query.at);
  const since = query.remindedSince;
  // A message counts as a reminder unless it failed outright; one recorded later than `now`
  // (a rehearsal clock behind the real one) counts too: it was sent.
  const reminded =
    since === undefined
      ? '0'
      : `EXISTS (SELECT 1 FROM message_voters mv JOIN messages m ON m.id = mv.message_id
                 WHERE mv.voter_id = v.id AND m.status <> 'failed' AND m.created_at >= @since)`;
  const phoneReminded =
    since === undefined
      ? '0'
      : `(v.phone_e164 IS NOT NULL AND EXISTS (SELECT 1 FROM messages m
                 WHERE m.phone = v.phone_e164 AND m.status <> 'failed' AND m.created_at >= @since))`;
  const sql = `
    SELECT v.id, v.first_name, v.last_name, v.phone, v.phone_e164, v.phone_valid, v.email,
           v.street_number, v.street, v.city, v.zip, v.precinct, v.neighborhood, v.polling_place,
           v.list_number, v.support, v.turnout_score, v.extra,
           CAST(${area} AS TEXT) AS area,
           (v.phone_e164 IS NOT NULL AND EXISTS (SELECT 1 FROM optouts o WHERE o.phone = v.phone_e164)) AS opted_out,
           (v.phone_e164 IS NOT NULL AND EXISTS (SELECT 1 FROM sms_unusable u WHERE u.phone = v.phone_e164)) AS sms_unusable,
           ${reminded} AS reminded,
           ${phoneReminded} AS phone_reminded
    FROM voters v
    WHERE v.support IN (SELECT value FROM json_each(@levels))
      AND NOT ${voted}
      ${query.areas === undefined ? '' : `AND CAST(${area} AS TEXT) IN (SELECT value FROM json_each(@areas))`}`;
  const params: Record<string, string> = { levels: JSON.stringify(query.supportLevels) };
  if (query.at !== undefined) params.at = query.at;
  if (since !== undefined) params.since = since;
  if (query.areas !== undefined) params.areas = JSON.stringify(query.areas);
  return (db.prepare(sql).all(params) as CandidateRow[]).map((r) => ({
    ...r,
    opted_out: r.opted_out === 1,
    sms_unusable: r.sms_unusable === 1,
    reminded: r.reminded === 1,
    phone_reminded: r.phone_reminded === 1,
  }));
}
