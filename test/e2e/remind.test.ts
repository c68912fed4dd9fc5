import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';
import { execute } from '../helpers/dbWrite.js';

/**
 * A small hand-made election (fixtures/remind-voters.csv, 20 voters in three Marseille
 * neighborhoods) at 17:00 on election day. Supporters (support 1–2): Belsunce 10 (1 voted),
 * Panier 5 (2 voted), Noailles 3 (2 voted): reference 5/18, shortfalls 2, 0, 0; Panier comes
 * before Noailles (3 supporters still to vote against 1). Chloé Girard's number is opted out.
 */
const NOW = '2026-03-15T17:00:00+01:00';
const env = { TURNOUT_NOW: NOW };

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let tmp: ReturnType<typeof tempDir>;
let base: TestDatabase;
const made: TestDatabase[] = [];
let copies = 0;

/** A fresh database (in a folder of its own), dropped after the tests. */
async function fresh(): Promise<TestDatabase> {
  const dir = path.join(tmp.dir, `db-${++copies}`);
  fs.mkdirSync(dir);
  const db = await backend.create(dir);
  made.push(db);
  return db;
}

async function seed(db: TestDatabase): Promise<void> {
  const init = await runTurnout([...db.args, 'init', '--region', 'FR', '--timezone', 'Europe/Paris']);
  expect(init.code).toBe(0);
  for (const kind of ['voters', 'checks']) {
    const imported = await runTurnout([...db.args, 'import', kind, path.join(FIXTURES, `remind-${kind}.csv`)]);
    expect(imported.code, imported.stderr).toBe(0);
  }
  const optout = await runTurnout([...db.args, 'optout', 'add', '06 12 34 56 10']);
  expect(optout.code, optout.stderr).toBe(0);
}

beforeAll(async () => {
  tmp = tempDir('turnout-remind-');
  base = await fresh();
  await seed(base);
});
afterAll(async () => {
  for (const db of made) await db.drop();
  tmp.cleanup();
});

/** A private copy of the seeded election, for tests that add messages. */
async function election(): Promise<TestDatabase> {
  const db = await fresh();
  await seed(db);
  return db;
}

/** Records a sent SMS naming `voterIds`, as the sending half does, for cooldown tests. */
async function recordMessage(db: TestDatabase, message: { phone: string; voterIds: string[]; status: string; createdAt: string }): Promise<void> {
  const [row] = await execute<{ id: number }>(
    db,
    `INSERT INTO messages (run_id, phone, body, segments, encoding, status, created_at, updated_at)
     VALUES ('test-run', ?, 'Bonjour, pensez à voter !', 1, 'GSM-7', ?, ?, ?) RETURNING id`,
    message.phone,
    message.status,
    message.createdAt,
    message.createdAt,
  );
  for (const id of message.voterIds) await execute(db, 'INSERT INTO message_voters (message_id, voter_id) VALUES (?, ?)', row!.id, id);
}

function remind(db: TestDatabase, ...args: string[]) {
  return runTurnout([...db.args, 'remind', ...args], { env });
}

const SMS_HEADER = 'id,first_name,last_name,area,polling_place,phone,voters,ids,names';
const SMS = {
  B11: 'B11,Yanis,Blanc,Belsunce,École Belsunce,+33612345611,1,B11,Yanis Blanc',
  B01: 'B01,Amina,Benali,Belsunce,École Belsunce,+33612345601,2,B01; B02,Amina Benali; Karim Benali',
  B06: 'B06,Marc,"=HYPERLINK(""http://evil.example"",""Lefebvre"")",Belsunce,École Belsunce,+33612345606,1,B06,"Marc =HYPERLINK(""http://evil.example"",""Lefebvre"")"',
  B04: 'B04,Paul,Durand,Belsunce,École Belsunce,+33612345604,1,B04,Paul Durand',
  B05: 'B05,Sophie,Roux,Belsunce,École Belsunce,+33612345605,1,B05,Sophie Roux',
  P02: 'P02,Hugo,Petit,Panier,École du Panier,+33612345622,1,P02,Hugo Petit',
  P04: 'P04,Théo,Marchand,Panier,École du Panier,+33612345624,1,P04,Théo Marchand',
  N03: 'N03,Emma,Rousseau,Noailles,Gymnase Noailles,+33756345633,1,N03,Emma Rousseau',
};
const csv = (...lines: string[]) => `${[SMS_HEADER, ...lines].join('\n')}\n`;

describe('turnout remind --channel sms (the default)', () => {
  it('lists one row per mobile number, areas by shortfall, voters by priority, a shared phone once', async () => {
    const result = await remind(base);
    expect(result.code, result.stderr).toBe(0);
    // Lucie Martin (score 50) would come first but has a landline; Omar Saïd's number is unreadable;
    // Chloé Girard opted out; Karim Benali shares Amina's phone and rides on her row.
    expect(result.stdout).toBe(csv(SMS.B11, SMS.B01, SMS.B06, SMS.B04, SMS.B05, SMS.P02, SMS.P04, SMS.N03));
    expect(result.stderr).toContain('8 text messages for 9 supporters who have not voted (3 areas by neighborhood: Belsunce, Panier, Noailles)');
    expect(result.stderr).toContain('left out: 2 without a valid phone number, 1 opted out, 1 on a landline');
  });

  it('takes --area (repeatable, case and accents ignored) and --limit, households kept whole', async () => {
    const areas = await remind(base, '--area', 'panier', '--area', 'NOAILLES');
    expect(areas.code, areas.stderr).toBe(0);
    expect(areas.stdout).toBe(csv(SMS.P02, SMS.P04, SMS.N03));
    const limited = await remind(base, '--limit', '2');
    expect(limited.stdout).toBe(csv(SMS.B11, SMS.B01));
    expect(limited.stderr).toContain('--limit left out 6 more rows');
  });

  it('prints JSON and NDJSON with the same fields, and writes --out files readable by the owner only', async () => {
    const json = await remind(base, '--area', 'Noailles', '--format', 'json');
    expect(JSON.parse(json.stdout)).toEqual([
      {
        id: 'N03',
        first_name: 'Emma',
        last_name: 'Rousseau',
        area: 'Noailles',
        polling_place: 'Gymnase Noailles',
        phone: '+33756345633',
        voters: 1,
        ids: 'N03',
        names: 'Emma Rousseau',
      },
    ]);
    const ndjson = await remind(base, '--area', 'Panier', '--format', 'ndjson');
    expect(ndjson.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['P02', 'P04']);
    const out = path.join(tmp.dir, 'list.csv');
    const file = await remind(base, '--area', 'Panier', '--out', out);
    expect(file.code).toBe(0);
    expect(file.stdout).toBe('');
    expect(fs.readFileSync(out, 'utf8')).toBe(csv(SMS.P02, SMS.P04));
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
  });

  it('counts checks up to --at only', async () => {
    // Louis Henry voted at 16:20: at 15:00 he is still to remind, and before Emma (60 is closer to 50 than 65).
    const result = await remind(base, '--area', 'Noailles', '--at', '15:00');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      csv('N02,Louis,Henry,Noailles,Gymnase Noailles,+33612345632,1,N02,Louis Henry', SMS.N03),
    );
  });

  it('groups by any field with --by, extra columns included', async () => {
    const result = await remind(base, '--by', 'team', '--area', 'sud');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(csv('N03,Emma,Rousseau,Sud,Gymnase Noailles,+33756345633,1,N03,Emma Rousseau'));
  });

  it('neutralizes formulas with --spreadsheet-safe but leaves E.164 phones alone', async () => {
    const result = await remind(base, '--limit', '3', '--spreadsheet-safe');
    expect(result.stdout).toBe(
      csv(
        SMS.B11,
        SMS.B01,
        `B06,Marc,"'=HYPERLINK(""http://evil.example"",""Lefebvre"")",Belsunce,École Belsunce,+33612345606,1,B06,"Marc =HYPERLINK(""http://evil.example"",""Lefebvre"")"`,
      ),
    );
  });
});

describe('--under-mobilized: the areas turnout status flags, by its options and rule', () => {
  it('keeps only flagged areas, in status order, and can be narrowed with --area', async () => {
    // Against an expected 80 %: Belsunce 1/10 (z ≈ −5.5, 9 to vote), Panier 2/5 (z ≈ −2.2, 3 to vote),
    // Noailles 2/3 (1 to vote). With --min-remaining 5 only Belsunce is flagged; with 3, Panier too.
    const belsunce = await remind(base, '--under-mobilized', '--expected', '80', '--min-remaining', '5');
    expect(belsunce.code, belsunce.stderr).toBe(0);
    expect(belsunce.stdout).toBe(csv(SMS.B11, SMS.B01, SMS.B06, SMS.B04, SMS.B05));
    expect(belsunce.stderr).toContain('for 6 supporters who have not voted (1 under-mobilized area by neighborhood: Belsunce)');
    const two = await remind(base, '--under-mobilized', '--expected', '80', '--min-remaining', '3', '--format', 'ndjson');
    expect(two.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['B11', 'B01', 'B06', 'B04', 'B05', 'P02', 'P04']);
    const narrowed = await remind(base, '--under-mobilized', '--expected', '80', '--min-remaining', '3', '--area', 'Panier');
    expect(narrowed.stdout).toBe(csv(SMS.P02, SMS.P04));
  });

  it('lists nobody when no area is flagged, and says so', async () => {
    const result = await remind(base, '--under-mobilized');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(csv());
    expect(result.stderr).toContain('0 text messages for 0 supporters who have not voted (no under-mobilized area by neighborhood right now)');
  });
});

describe('handing the selection to the sending half', () => {
  it('--dry-run renders one message per row of the list, in its order, households greeted together', async () => {
    const result = await remind(base, '--limit', '3', '--dry-run', '--message', 'Bonjour {first_names}', '--footer', 'STOP au 36xxx', '--format', 'ndjson');
    expect(result.code, result.stderr).toBe(0);
    const messages = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(messages.map((m) => [m.phone, m.voter_ids])).toEqual([
      ['+33612345611', 'B11'],
      ['+33612345601', 'B01; B02'],
      ['+33612345606', 'B06'],
    ]);
    expect(messages[1].body).toBe('Bonjour Amina & Karim\nSTOP au 36xxx');
  });
});

describe('cooldown', () => {
  it('leaves out voters and phone numbers reminded within the cooldown unless --include-reminded', async () => {
    const db = await election();
    const at = (minutesBefore: number) => new Date(Date.parse(NOW) - minutesBefore * 60_000).toISOString();
    await recordMessage(db, { phone: '+33612345611', voterIds: ['B11'], status: 'sent', createdAt: at(30) });
    // Karim was texted an hour ago: his household's shared phone is not texted again.
    await recordMessage(db, { phone: '+33612345601', voterIds: ['B02'], status: 'delivered', createdAt: at(60) });
    await recordMessage(db, { phone: '+33612345604', voterIds: ['B04'], status: 'failed', createdAt: at(10) });
    await recordMessage(db, { phone: '+33612345622', voterIds: ['P02'], status: 'sent', createdAt: at(180) });

    const sms = await remind(db);
    expect(sms.code, sms.stderr).toBe(0);
    expect(sms.stdout).toBe(csv(SMS.B06, SMS.B04, SMS.B05, SMS.P02, SMS.P04, SMS.N03));
    expect(sms.stderr).toContain('3 reminded within 2h (--include-reminded lists them)');

    const longer = await remind(db, '--cooldown', '4h');
    expect(longer.stdout).toBe(csv(SMS.B06, SMS.B04, SMS.B05, SMS.P04, SMS.N03));

    const all = await remind(db, '--include-reminded');
    expect(all.stdout).toBe(csv(SMS.B11, SMS.B01, SMS.B06, SMS.B04, SMS.B05, SMS.P02, SMS.P04, SMS.N03));

    // A call reaches a person: Amina was not reminded herself, so her number is on the call sheet.
    const call = await remind(db, '--channel', 'call', '--area', 'Belsunce', '--format', 'ndjson');
    expect(call.stdout.trim().split('\n').map((l) => JSON.parse(l).ids)).toEqual(['B03', 'B01', 'B06', 'B04', 'B05']);
  });
});

describe('numbers Twilio refused', () => {
  it('are left off SMS lists but stay on the call sheet', async () => {
    const db = await election();
    await execute(db, 'INSERT INTO sms_unusable (phone, error_code, recorded_at) VALUES (?, ?, ?)', '+33612345605', 21614, '2026-03-15T12:00:00.000Z');
    const sms = await remind(db, '--area', 'Belsunce');
    expect(sms.stdout).toBe(csv(SMS.B11, SMS.B01, SMS.B06, SMS.B04));
    expect(sms.stderr).toContain('1 on a number that cannot take SMS');
    const call = await remind(db, '--channel', 'call', '--area', 'Belsunce');
    expect(call.stdout).toContain(SMS.B05);
  });
});

describe('other channels', () => {
  it('call: a call sheet with landlines, never opted-out numbers', async () => {
    const result = await remind(base, '--channel', 'call');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      csv(
        'B03,Lucie,Martin,Belsunce,École Belsunce,+33491550003,1,B03,Lucie Martin',
        SMS.B11,
        SMS.B01,
        SMS.B06,
        SMS.B04,
        SMS.B05,
        SMS.P02,
        SMS.P04,
        SMS.N03,
      ),
    );
    expect(result.stdout).not.toContain('+33612345610');
    expect(result.stderr).toContain('left out: 2 without a valid phone number, 1 opted out');
  });

  it('door: a walk list by precinct and street, odd side then even side, one row per door', async () => {
    const result = await remind(base, '--channel', 'door');
    expect(result.code, result.stderr).toBe(0);
    const row = (precinct: string, street: string, side: string, number: string, id: string, first: string, last: string, area: string, place: string, zip: string, voters = 1, ids = id, names = `${first} ${last}`) =>
      [precinct, street, side, number, id, first, last, area, place, 'Marseille', zip, voters, ids, names].join(',');
    const b = (street: string, side: string, number: string, id: string, first: string, last: string, voters?: number, ids?: string, names?: string) =>
      row('101', street, side, number, id, first, last, 'Belsunce', 'École Belsunce', '13001', voters, ids, names);
    expect(result.stdout).toBe(
      [
        'precinct,street,side,street_number,id,first_name,last_name,area,polling_place,city,zip,voters,ids,names',
        b('Cours Belsunce', 'odd', '7', 'B09', 'Omar', 'Saïd'),
        // opted out of texts and calls, but a door knock is still fine
        b('Cours Belsunce', 'odd', '9', 'B10', 'Chloé', 'Girard'),
        b('Cours Belsunce', 'even', '12', 'B11', 'Yanis', 'Blanc'),
        b('Rue des Petites Maries', 'odd', '1', 'B06', 'Marc', '"=HYPERLINK(""http://evil.example"",""Lefebvre"")"', 1, 'B06', '"Marc =HYPERLINK(""http://evil.example"",""Lefebvre"")"'),
        b('Rue des Petites Maries', 'odd', '3', 'B05', 'Sophie', 'Roux'),
        // "rue des Petites-Maries" is the same street: the Benalis share one door
        b('Rue des Petites Maries', 'even', '2', 'B01', 'Amina', 'Benali', 2, 'B01; B02', 'Amina Benali; Karim Benali'),
        b('Rue des Petites Maries', 'even', '2bis', 'B03', 'Lucie', 'Martin'),
        b('Rue des Petites Maries', 'even', '10', 'B04', 'Paul', 'Durand'),
        row('102', 'Rue du Panier', 'odd', '5', 'P02', 'Hugo', 'Petit', 'Panier', 'École du Panier', '13002'),
        row('102', 'Rue du Panier', 'odd', '11', 'P04', 'Théo', 'Marchand', 'Panier', 'École du Panier', '13002'),
        row('201', "Rue d'Aubagne", 'even', '4', 'N03', 'Emma', 'Rousseau', 'Noailles', 'Gymnase Noailles', '13001'),
        '',
      ].join('\n'),
    );
    expect(result.stderr).toContain('left out: 1 without a street address');
  });

  it('door with --limit keeps the most useful doors, then puts them in walking order', async () => {
    const result = await remind(base, '--channel', 'door', '--limit', '3', '--format', 'ndjson');
    const doors = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(doors.map((d) => `${d.street_number} ${d.street}`)).toEqual(['7 Cours Belsunce', '12 Cours Belsunce', '2bis Rue des Petites Maries']);
  });

  it('email: name and address, one row per mailbox', async () => {
    const result = await remind(base, '--channel', 'email', '--format', 'ndjson');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(
      [
        ['B03', 'Lucie', 'Martin', 'Belsunce', 'École Belsunce', 'lucie.martin@example.org'],
        ['B09', 'Omar', 'Saïd', 'Belsunce', 'École Belsunce', 'omar.said@example.org'],
        ['B01', 'Amina', 'Benali', 'Belsunce', 'École Belsunce', 'amina.benali@example.org'],
        ['B05', 'Sophie', 'Roux', 'Belsunce', 'École Belsunce', 'SOPHIE.ROUX@example.org'],
        ['P02', 'Hugo', 'Petit', 'Panier', 'École du Panier', 'hugo.petit@example.org'],
        ['N03', 'Emma', 'Rousseau', 'Noailles', 'Gymnase Noailles', 'emma.rousseau@example.org'],
      ].map(([id, first_name, last_name, area, polling_place, email]) => ({
        id,
        first_name,
        last_name,
        area,
        polling_place,
        email,
        voters: 1,
        ids: id,
        names: `${first_name} ${last_name}`,
      })),
    );
  });
});

describe('errors', () => {
  it('names the unknown area and lists the known ones (exit 2)', async () => {
    const result = await remind(base, '--area', 'Vieux-Port');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no neighborhood is called "Vieux-Port"');
    expect(result.stderr).toContain('Known values: Belsunce, Noailles, Panier');
  });

  it('refuses --send and --dry-run on a list-only channel (exit 2)', async () => {
    const send = await remind(base, '--channel', 'door', '--send', '--yes', '--message', 'Bonjour');
    expect(send.code).toBe(2);
    expect(send.stderr).toContain('--send and --dry-run work with --channel sms only (got door)');
  });

  it('refuses bad numbers and unknown fields (exit 2)', async () => {
    const limit = await remind(base, '--limit', '0');
    expect(limit.code).toBe(2);
    const field = await remind(base, '--by', 'canton');
    expect(field.code).toBe(2);
    expect(field.stderr).toContain('unknown field "canton"');
  });

  it('says so when there is no database (exit 1) and creates none', async () => {
    const missing = await fresh();
    const result = await remind(missing);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no (turnout )?database at/);
    if (backend.name === 'sqlite') expect(fs.existsSync(missing.args[1]!)).toBe(false);
    else expect(await base.query('SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = ?', missing.args[3])).toEqual([{ n: 0 }]);
  });
});
});
