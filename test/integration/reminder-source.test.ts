/**
 * The candidates query of src/store/reminders.ts, on a database the built CLI imported from a
 * fixture: every field of a candidate, with and without the extra columns (the row is read by
 * column position), and each of the flags the channels decide on.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { reminderSource } from '../../src/store/reminders.js';
import type { CandidateQuery, CandidateVoter } from '../../src/app/remind.js';

const temp = tempDir('turnout-candidates-');
const dbFile = path.join(temp.dir, 'turnout.db');
let db: Db;

beforeAll(async () => {
  const imported = await runTurnout(['import', 'voters', '--region', 'FR', path.join(FIXTURES, 'send-voters.csv')], { env: { TURNOUT_DB: dbFile } });
  expect(imported.code, imported.stderr).toBe(0);
  db = openDatabase(dbFile);
  // S03's number opted out; S04's cannot take SMS; S01 was texted at 13:00 (their shared number
  // reaches S02 too); S05 voted at 12:00 and is no candidate after that.
  db.exec(`
    INSERT INTO optouts (phone, source, created_at) VALUES ('+33612345703', 'manual', '2026-03-15T08:00:00.000Z');
    INSERT INTO sms_unusable (phone, error_code, recorded_at) VALUES ('+33612345704', 21614, '2026-03-15T08:00:00.000Z');
    INSERT INTO messages (id, run_id, phone, body, segments, encoding, status, created_at, updated_at)
      VALUES (1, 'r1', '+33612345701', 'Bonjour', 1, 'GSM-7', 'queued', '2026-03-15T13:00:00.000Z', '2026-03-15T13:00:00.000Z');
    INSERT INTO message_voters (message_id, voter_id) VALUES (1, 'S01');
    INSERT INTO checks (voter_id, checked_at, recorded_at) VALUES ('S05', '2026-03-15T12:00:00.000Z', '2026-03-15T12:00:00.000Z');
  `);
});
afterAll(() => {
  db?.close();
  temp.cleanup();
});

const QUERY: CandidateQuery = { areaField: 'neighborhood', supportLevels: [1, 2], at: '2026-03-15T14:00:00.000Z', remindedSince: '2026-03-15T12:00:00.000Z' };
const byId = (list: CandidateVoter[]): Map<string, CandidateVoter> => new Map(list.map((c) => [c.id, c]));

describe('reminderSource().candidates', () => {
  it('gives every field of a supporter not yet voted, read by position', () => {
    const candidates = byId(reminderSource(db).candidates(QUERY));
    expect(candidates.get('S01')).toEqual({
      id: 'S01',
      first_name: 'Amina',
      last_name: 'Benali',
      phone: '06 12 34 57 01',
      phone_e164: '+33612345701',
      phone_valid: 1,
      email: null,
      street_number: '2',
      street: 'Rue des Petites Maries',
      city: 'Marseille',
      zip: '13001',
      precinct: '101',
      neighborhood: 'Belsunce',
      polling_place: 'École Belsunce',
      list_number: '11',
      support: 1,
      turnout_score: 55,
      extra: undefined,
      area: 'Belsunce',
      opted_out: false,
      sms_unusable: false,
      reminded: true,
      phone_reminded: true,
    });
  });

  it('reads the extra columns, and every field after them, when asked', () => {
    const plain = byId(reminderSource(db).candidates(QUERY));
    const withExtra = byId(reminderSource(db).candidates({ ...QUERY, withExtra: true }));
    expect([...withExtra.keys()]).toEqual([...plain.keys()]);
    for (const [id, candidate] of withExtra) {
      const { extra, ...rest } = candidate;
      const { extra: none, ...plainRest } = plain.get(id)!;
      expect(rest, id).toEqual(plainRest);
      expect(none, id).toBeUndefined();
      expect(extra === null || typeof extra === 'string', id).toBe(true);
    }
    expect(JSON.parse(withExtra.get('S03')!.extra!)).toMatchObject({ surnom: 'Lulu' });
    expect(withExtra.get('S04')!.extra, 'no extra value at all').toBeNull();
  });

  it('flags each one for what the channels decide on', () => {
    const candidates = byId(reminderSource(db).candidates(QUERY));
    const flags = (id: string) => {
      const c = candidates.get(id)!;
      return { opted_out: c.opted_out, sms_unusable: c.sms_unusable, reminded: c.reminded, phone_reminded: c.phone_reminded };
    };
    expect(flags('S02'), 'shares the number S01 was texted on').toEqual({ opted_out: false, sms_unusable: false, reminded: false, phone_reminded: true });
    expect(flags('S03')).toEqual({ opted_out: true, sms_unusable: false, reminded: false, phone_reminded: false });
    expect(flags('S04')).toEqual({ opted_out: false, sms_unusable: true, reminded: false, phone_reminded: false });
    expect(candidates.has('S05'), 'voted before --at').toBe(false);
    expect(byId(reminderSource(db).candidates({ ...QUERY, at: '2026-03-15T11:00:00.000Z' })).has('S05'), 'not yet voted at 11:00').toBe(true);
  });
});
