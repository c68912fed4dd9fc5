/**
 * The query behind `turnout remind`: the supporters still to contact, with what each channel
 * needs to decide about them (opt-outs, numbers Twilio refused, reminders already sent within
 * the cooldown). Per-area counts come from the status queries (src/store/status.ts).
 */
import type { CandidateQuery, CandidateVoter, ReminderSource } from '../app/remind.js';
import type { Db } from './db.js';
import { EVERY_VOTER, extraColumns, fieldExpression } from './fields.js';

export function reminderSource(db: Db): ReminderSource {
  return {
    extraColumns: () => extraColumns(db),
    candidates: (query) => candidates(db, query),
  };
}

/** Support levels as SQL literals: they are validated integers, and a literal list lets SQLite use them directly. */
function levelList(levels: readonly number[]): string {
  if (levels.length === 0 || !levels.every((l) => Number.isInteger(l))) throw new Error(`support levels must be integers: ${levels.join(',')}`);
  return levels.join(', ');
}

function candidates(db: Db, query: CandidateQuery): CandidateVoter[] {
  const area = fieldExpression(db, query.areaField);
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
  let areaFilter = '';
  const params: Record<string, string | number> = { at: query.at };
  if (query.areas !== undefined) {
    // Areas as `turnout status` names them: the value as text; empty and missing are one area (null).
    const named = query.areas.filter((a): a is string => a !== null);
    const withNull = query.areas.includes(null);
    areaFilter = `AND (CAST(${area} AS TEXT) IN (SELECT value FROM json_each(@areas))
                       ${withNull ? `OR ${area} IS NULL OR trim(CAST(${area} AS TEXT)) = ''` : ''})`;
    params.areas = JSON.stringify(named);
  }
  if (since !== undefined) params.since = since;
  const sql = `
    SELECT v.id, v.first_name, v.last_name, v.phone, v.phone_e164, v.phone_valid, v.email,
           v.street_number, v.street, v.city, v.zip, v.precinct, v.neighborhood, v.polling_place,
           v.list_number, v.support, v.turnout_score${query.withExtra ? ', v.extra' : ''},
           ${area} AS area,
           (v.phone_e164 IS NOT NULL AND EXISTS (SELECT 1 FROM optouts o WHERE o.phone = v.phone_e164)) AS opted_out,
           (v.phone_e164 IS NOT NULL AND EXISTS (SELECT 1 FROM sms_unusable u WHERE u.phone = v.phone_e164)) AS sms_unusable,
           ${reminded} AS reminded,
           ${phoneReminded} AS phone_reminded
    FROM ${EVERY_VOTER}
    WHERE v.support IN (${levelList(query.supportLevels)})
      AND NOT EXISTS (SELECT 1 FROM checks c WHERE c.voter_id = v.id AND c.checked_at <= @at)
      ${areaFilter}`;
  // Raw rows made into objects of one literal shape: better-sqlite3 gives a row of this many
  // columns as an object in dictionary mode, ~2 KB each. On the 1M-voter bench's 241,812
  // supporters not yet voted: 6.2 s and 501 MB of heap as objects, 2.0 s and 150 MB like this.
  const out: CandidateVoter[] = [];
  const withExtra = query.withExtra === true;
  for (const r of db.prepare(sql).raw().iterate(params) as IterableIterator<unknown[]>) out.push(candidateOf(r, withExtra));
  return out;
}

/** A row of the query above (columns in its order; `extra` only when selected) as a CandidateVoter. */
function candidateOf(r: unknown[], withExtra: boolean): CandidateVoter {
  const areaColumn = withExtra ? 18 : 17;
  const area = r[areaColumn];
  return {
    id: r[0] as string,
    first_name: r[1] as string | null,
    last_name: r[2] as string | null,
    phone: r[3] as string | null,
    phone_e164: r[4] as string | null,
    phone_valid: r[5] as number | null,
    email: r[6] as string | null,
    street_number: r[7] as string | null,
    street: r[8] as string | null,
    city: r[9] as string | null,
    zip: r[10] as string | null,
    precinct: r[11] as string | null,
    neighborhood: r[12] as string | null,
    polling_place: r[13] as string | null,
    list_number: r[14] as string | null,
    support: r[15] as number | null,
    turnout_score: r[16] as number | null,
    extra: withExtra ? (r[17] as string | null) : undefined,
    area: area === null || area === undefined || String(area).trim() === '' ? null : String(area),
    opted_out: r[areaColumn + 1] === 1,
    sms_unusable: r[areaColumn + 2] === 1,
    reminded: r[areaColumn + 3] === 1,
    phone_reminded: r[areaColumn + 4] === 1,
  };
}
