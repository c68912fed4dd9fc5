/**
 * Seeds a database created by the CLI (`turnout init`) with voters and poll checks read from
 * fixture CSVs, with plain SQL, the way `turnout import voters|checks` stores them: phones
 * normalized to E.164 in the database's region, extra columns as JSON, voted_at kept by the
 * checks triggers. The reminder tests now import through the CLI; the send tests
 * (test/e2e/send.test.ts, test/contract/twilio-openapi.test.ts) still seed with this.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { VOTER_FIELDS } from '../../src/core/fields.js';
import { parseTime } from '../../src/core/time.js';

export function seedVoters(dbFile: string, votersCsv: string, checksCsv?: string): void {
  const db = new Database(dbFile);
  try {
    const settings = Object.fromEntries(
      (db.prepare('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]),
    );
    const region = settings.region as CountryCode | undefined;
    const timeZone = settings.timezone ?? 'UTC';
    const voters = parse(fs.readFileSync(votersCsv), { columns: true, bom: true }) as Array<Record<string, string>>;
    const headers = Object.keys(voters[0] ?? {});
    const extras = headers.filter((h) => !(VOTER_FIELDS as readonly string[]).includes(h));
    const insert = db.prepare(`
      INSERT INTO voters (id, first_name, last_name, phone, phone_e164, phone_valid, email, street_number, street, city, zip,
                          precinct, neighborhood, polling_place, list_number, support, turnout_score, extra)
      VALUES (@id, @first_name, @last_name, @phone, @phone_e164, @phone_valid, @email, @street_number, @street, @city, @zip,
              @precinct, @neighborhood, @polling_place, @list_number, @support, @turnout_score, @extra)`);
    const insertCheck = db.prepare('INSERT INTO checks (voter_id, checked_at, source, recorded_at) VALUES (?, ?, ?, ?)');
    const insertColumn = db.prepare('INSERT OR IGNORE INTO voter_columns (name, position) VALUES (?, ?)');
    db.transaction(() => {
      extras.forEach((name, i) => insertColumn.run(name, i));
      for (const row of voters) {
        const value = (field: string): string | null => (row[field] === undefined || row[field] === '' ? null : row[field]!);
        const phone = value('phone');
        const parsed = phone === null ? undefined : parsePhoneNumberFromString(phone.replace(/^\s*00/, '+'), region);
        const valid = parsed?.isValid() === true;
        insert.run({
          ...Object.fromEntries(VOTER_FIELDS.map((f) => [f, value(f)])),
          phone_e164: valid ? parsed!.number : null,
          phone_valid: phone === null ? null : valid ? 1 : 0,
          support: value('support') === null ? null : Number(row.support),
          turnout_score: value('turnout_score') === null ? null : Number(row.turnout_score),
          extra: JSON.stringify(Object.fromEntries(extras.map((e) => [e, value(e)]))),
        });
      }
      if (checksCsv) {
        const checks = parse(fs.readFileSync(checksCsv), { columns: true, bom: true }) as Array<Record<string, string>>;
        for (const check of checks) {
          const at = parseTime(check.checked_at!, timeZone, new Date());
          if (!at) throw new Error(`bad checked_at in ${checksCsv}: ${check.checked_at}`);
          insertCheck.run(check.voter_id, at.toISOString(), check.source ?? null, at.toISOString());
        }
      }
    })();
  } finally {
    db.close();
  }
}
