/**
 * `turnout import contacts` (issue 11): a campaign's NationBuilder-like export linked onto an REU
 * list, then émargement checks, status and the SMS reminder list. Fixtures: fixtures/lists/, from
 * test/bench/lists.ts, whose data says where each contact must land.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PG_URL, testBackends, type TestDatabase } from '../helpers/backends.js';
import { BIN, FIXTURES, ROOT, runTurnout, tempDir } from '../helpers/cli.js';
import { listFixtures, renderContacts, type Contact } from '../bench/lists.js';

const NOW = { TURNOUT_NOW: '2026-03-15T16:00:00+01:00' };
const fixture = (name: string): string => path.join(FIXTURES, 'lists', name);

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let dir: string;
let cleanup: () => Promise<void>;
let db: TestDatabase;

beforeEach(async () => {
  const tmp = tempDir('turnout-contacts-');
  dir = tmp.dir;
  db = await backend.create(dir);
  cleanup = async () => {
    await db.drop();
    tmp.cleanup();
  };
});
afterEach(() => cleanup());

const turnout = (args: string[], input?: string | Buffer) => runTurnout([...db.args, ...args], { env: NOW, input });

function query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return db.query<T>(sql, ...params);
}

/** One of the voters' extra columns (JSON text on both engines), in the engine's own SQL. */
const extra = (name: string): string => (backend.name === 'postgres' ? `(extra::json ->> '${name}')` : `json_extract(extra, '$.${name}')`);

async function dump(): Promise<string> {
  const parts: string[] = [];
  for (const t of ['voters', 'voter_columns', 'voter_tally', 'checks']) parts.push(JSON.stringify(await query(`SELECT * FROM ${t} ORDER BY 1, 2`)));
  return parts.join('\n');
}

async function listImported(): Promise<void> {
  const init = await turnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet']);
  expect(init.code, init.stderr).toBe(0);
  const voters = await turnout(['import', 'voters', fixture('reu-electeurs-actifs.csv')]);
  expect(voters.code, voters.stderr).toBe(0);
}

const truth = listFixtures();
const e164 = (mobile: string): string => `+33${mobile.replace(/\D/g, '').slice(1)}`;
/** Where each voter's contact lands: the later row wins. */
function applied(): Map<string, Contact> {
  const byVoter = new Map<string, Contact>();
  for (const c of truth.contacts) if (typeof c.outcome === 'object') byVoter.set(c.outcome.voter, c);
  return byVoter;
}

describe('turnout import contacts', () => {
  it('REU list, émargement by bureau + numéro, contacts, status, then remind --channel sms finds exactly the linked supporters not voted', async () => {
    await listImported();
    const checks = await turnout(['import', 'checks', fixture('emargement-bureaux.csv')]);
    expect(checks.code, checks.stderr).toBe(0);
    const unmatchedFile = path.join(dir, 'non-relies.csv');
    const contacts = await turnout(['import', 'contacts', fixture('contacts-nationbuilder.csv'), '--unmatched', unmatchedFile]);
    expect(contacts.code, contacts.stderr).toBe(0);
    expect(contacts.stdout).toBe('');

    const matched = truth.contacts.filter((c) => typeof c.outcome === 'object').length;
    const ambiguous = truth.contacts.filter((c) => c.outcome === 'ambiguous').length;
    const unmatched = truth.contacts.filter((c) => c.outcome === 'unmatched').length;
    expect(contacts.stderr).toContain(`read        ${truth.contacts.length} rows`);
    expect(contacts.stderr).toContain(`matched by name + birth date: ${matched}\n`);
    expect(contacts.stderr).toMatch(new RegExp(`ambiguous +${ambiguous} \\(not applied`));
    expect(contacts.stderr).toMatch(new RegExp(`unmatched +${unmatched}\\n`));
    expect(contacts.stderr).toContain('voters named by more than one row: 1 (the later row was applied)');
    expect(contacts.stderr).toContain(`voters updated ${applied().size}, unchanged 0`);
    expect(contacts.stderr).toMatch(new RegExp(`fields updated: phone ${applied().size}, support ${applied().size}, nationbuilder_id ${applied().size}`));

    // Every contact on its voter, the later of two rows on one voter; ambiguous ones on nobody.
    const phones = new Map((await query<{ id: string; phone_e164: string | null; support: number | null }>('SELECT id, phone_e164, support FROM voters')).map((r) => [r.id, r]));
    for (const [voter, c] of applied()) {
      expect(phones.get(voter), `${c.firstName} ${c.lastName} → ${voter}`).toEqual({ id: voter, phone_e164: e164(c.mobile), support: Number(c.support) });
    }
    expect([...phones.values()].filter((r) => r.phone_e164 !== null)).toHaveLength(applied().size);
    const martins = await query<{ phone: string | null }>("SELECT phone FROM voters WHERE birth_name = 'MARTIN' AND birth_date = '14/03/1962'");
    expect(martins.map((m) => m.phone)).toEqual([null, null]);

    // The not-applied rows, whole, with line and reason, private.
    expect(fs.statSync(unmatchedFile).mode & 0o777).toBe(0o600);
    const lines = fs.readFileSync(unmatchedFile, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('nationbuilder_id,first_name,last_name,born_at,email,mobile_number,support_level,tag_list,reject_line,reject_reason');
    expect(lines).toHaveLength(1 + ambiguous + unmatched);
    expect(lines.filter((l) => l.includes('ambiguous: 2 voters have this name and birth date'))).toHaveLength(ambiguous);
    expect(lines.filter((l) => l.includes('unmatched: no voter with this name and birth date'))).toHaveLength(unmatched);

    const status = await turnout(['status', '--by', 'precinct', '--format', 'json']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.length).toBeGreaterThan(2);

    const checked = new Set(truth.checks.map((c) => `${c.bureau}/${c.number}`));
    const expected = [...applied()]
      .filter(([voter, c]) => ['1', '2'].includes(c.support) && !checked.has(voter))
      .map(([, c]) => e164(c.mobile))
      .sort();
    expect(expected.length).toBeGreaterThan(5);
    const remind = await turnout(['remind', '--channel', 'sms', '--format', 'json']);
    expect(remind.code, remind.stderr).toBe(0);
    const rows = JSON.parse(remind.stdout) as Array<{ phone: string }>;
    expect(rows.map((r) => r.phone).sort()).toEqual(expected);
  });

  it('matches the spellings and date forms the issue names', async () => {
    await listImported();
    const result = await turnout(['import', 'contacts', fixture('contacts-nationbuilder.csv')]);
    expect(result.code, result.stderr).toBe(0);
    const phoneOf = async (birthName: string): Promise<string | null> =>
      (await query<{ phone: string | null }>('SELECT phone FROM voters WHERE birth_name = ?', birthName))[0]!.phone;
    const contactOf = (last: string): Contact => truth.contacts.find((c) => c.lastName === last)!;
    expect(await phoneOf('ÉLÉONORE-BLIN')).toBe(contactOf('Eleonore Blin').mobile); // married DE LA TOUR: matched by the birth name
    expect(await phoneOf("D'AUBIGNÉ")).toBe(contactOf('Daubigne').mobile); // "Jean Pierre" = "Jean-Pierre", 14.03.1962
    expect(await phoneOf('BEN AHMED')).toBe(contactOf('Benahmed').mobile);
    expect(await phoneOf('LE GALL')).toBe(contactOf('Le Gall').mobile); // birth name of N'DIAYE, "Maelys" = "Maëlys"
  });

  it('a file read in many slices: the later row wins across them, and every row not applied keeps its own line', async () => {
    // The fixture's contacts 40 times over (1,560 rows, two read chunks, linked 200 rows at a
    // time), each round with its own phones: the last round must win everywhere.
    await listImported();
    const rounds = 40;
    const phoneOf = (round: number, index: number): string => `07 ${40 + round} ${String(index).padStart(2, '0')} 00 00`; // 074x-077x: valid mobiles
    const contacts = Array.from({ length: rounds }, (_, round) => truth.contacts.map((c, index) => ({ ...c, mobile: phoneOf(round, index) }))).flat();
    const unmatchedFile = path.join(dir, 'non-relies.csv');
    const result = await turnout(['import', 'contacts', '-', '--unmatched', unmatchedFile], renderContacts(contacts));
    expect(result.code, result.stderr).toBe(0);
    const notApplied = truth.contacts.filter((c) => typeof c.outcome !== 'object').length;
    const n = (count: number): string => count.toLocaleString('en-US');
    expect(result.stderr).toContain(`read        ${n(contacts.length)} rows`);
    expect(result.stderr).toContain(`matched by name + birth date: ${n(contacts.length - rounds * notApplied)}\n`);
    expect(result.stderr).not.toContain('phones invalid');
    expect(result.stderr).toContain(`voters named by more than one row: ${applied().size} (the later row was applied)`);
    expect(result.stderr).toContain(`voters updated ${applied().size}, unchanged 0`);

    const last = new Map<string, string>();
    truth.contacts.forEach((c, index) => {
      if (typeof c.outcome === 'object') last.set(c.outcome.voter, e164(phoneOf(rounds - 1, index)));
    });
    const linked = await query<{ id: string; phone_e164: string }>('SELECT id, phone_e164 FROM voters WHERE phone_e164 IS NOT NULL ORDER BY id');
    expect(linked).toEqual([...last].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, phone_e164]) => ({ id, phone_e164 })));

    // Each row not applied, at its own line (the header is line 1), with its own phone.
    const expected = contacts.flatMap((c, row) => (typeof c.outcome === 'object' ? [] : [`${c.mobile},${c.support},${c.tags},${row + 2},`]));
    const lines = fs.readFileSync(unmatchedFile, 'utf8').trim().split('\n').slice(1);
    expect(lines).toHaveLength(rounds * notApplied);
    expect(lines.map((l) => /[^,]*,[^,]*,[^,]*,\d+,/.exec(l.slice(l.indexOf('07 ')))?.[0])).toEqual(expected);
  });

  it('changes nothing the second time, writes nothing in a dry run, and survives a fresh import of the list', async () => {
    await listImported();
    const dry = await turnout(['import', 'contacts', fixture('contacts-nationbuilder.csv'), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('dry run, nothing written');
    expect((await query<{ n: number }>('SELECT count(*) AS n FROM voters WHERE phone IS NOT NULL'))[0]!.n).toBe(0);

    expect((await turnout(['import', 'contacts', fixture('contacts-nationbuilder.csv')])).code).toBe(0);
    const before = await dump();
    const again = await turnout(['import', 'contacts', fixture('contacts-nationbuilder.csv')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`voters updated 0, unchanged ${applied().size}`);
    expect(await dump()).toBe(before);

    // The same REU export again: nothing changes.
    const same = await turnout(['import', 'voters', fixture('reu-electeurs-actifs.csv')]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/updated +0\n/);
    expect(await dump()).toBe(before);

    // A fresh export: a linked voter moved house, another left the list. The list's fields
    // update, the campaign's stay on every voter still on it.
    const [moved, left] = [...applied().keys()];
    const lines = fs.readFileSync(fixture('reu-electeurs-actifs.csv'), 'utf8').split('\n');
    const key = (line: string): string => {
      const cells = line.split(';');
      return `${cells[21]!.replace(/"/g, '')}/${cells[26]}`;
    };
    const fresh = lines
      .filter((line) => line === '' || line.startsWith('"code') || key(line) !== left)
      .map((line) => (line !== '' && !line.startsWith('"code') && key(line) === moved ? line.replace(/^((?:[^;]*;){14})"[^"]*"/, '$1"Allée des Nouveaux Oliviers"') : line))
      .join('\n');
    const next = await turnout(['import', 'voters', '-'], fresh);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/updated +1\n/);
    const after = await query<{ id: string; street: string; phone: string | null; support: number | null; nb: string | null }>(
      `SELECT id, street, phone, support, ${extra('nationbuilder_id')} AS nb FROM voters WHERE phone IS NOT NULL ORDER BY id`,
    );
    expect(after).toHaveLength(applied().size); // the voter who left is not deleted by a re-import
    expect(after.find((v) => v.id === moved)!.street).toBe('Allée des Nouveaux Oliviers');
    for (const [voter, c] of applied()) {
      const v = after.find((a) => a.id === voter)!;
      expect([v.phone, v.support, v.nb]).toEqual([c.mobile, Number(c.support), c.nationbuilderId]);
    }
  });

  it('uses the strongest key each row has, and only the rule asked for with --match', async () => {
    await listImported();
    const csv = [
      'voter_id,bureau,numero_ordre,nom,prenom,date_naissance,portable,soutien,équipe',
      '0001/1,,,,,,06 10 00 00 01,1,A', // by id
      ',0002,1,,,,06 10 00 00 02,2,B', // by precinct + list number
      `,,,${truth.voters[2]!.birthName},${truth.voters[2]!.givenNames.split(' ')[0]},${truth.voters[2]!.birthDate},06 10 00 00 03,1,C`, // by identity
      'NOPE,,,,,,06 10 00 00 04,1,D', // an id that names nobody
      ',0002,2,,,,06 10 00 00 05,7,E', // support out of range: rejected
      ',,,,,,06 10 00 00 06,1,F', // names nobody at all
    ].join('\n');
    const result = await turnout(['import', 'contacts', '-'], csv);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('matched by voter id: 1\n');
    expect(result.stderr).toContain('matched by precinct + list number: 1\n');
    expect(result.stderr).toContain('matched by name + birth date: 1\n');
    expect(result.stderr).toMatch(/unmatched +2\n/);
    expect(result.stderr).toContain('stdin:6: rejected: support "7" is not a whole number from 1 to 5');
    expect(result.stderr).toContain('stdin:5: not applied: unmatched: no voter with this voter id');
    expect(result.stderr).toContain('stdin:7: not applied: names no voter');
    const third = `${truth.voters[2]!.bureau}/${truth.voters[2]!.number}`;
    expect(await query<{ id: string; team: string }>(`SELECT id, ${extra('équipe')} AS team FROM voters WHERE phone IS NOT NULL ORDER BY phone`)).toEqual([
      { id: '0001/1', team: 'A' },
      { id: '0002/1', team: 'B' },
      { id: third, team: 'C' },
    ]);

    // A failed (--strict) import and a dry run leave the database exactly as it was.
    const before = await dump();
    const strict = await turnout(['import', 'contacts', '-', '--strict'], csv.replace(/06 10 00 0/g, '07 10 00 0'));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('--strict is set: nothing was imported');
    expect(await dump()).toBe(before);

    const byList = await turnout(['import', 'contacts', '-', '--match', 'list', '--dry-run'], csv.replace(/06 10 00 0/g, '07 10 00 0'));
    expect(byList.code, byList.stderr).toBe(0);
    expect(byList.stderr).toContain('matched by precinct + list number: 1\n');
    expect(byList.stderr).not.toContain('matched by voter id');
    expect(await dump()).toBe(before);
  });

  it.skipIf(backend.name !== 'postgres')('gives PostgreSQL the voters’ statistics before its lookups when a voter import left none', async () => {
    // Without them the planner scanned the whole voters table for every slice of contacts.
    await listImported();
    const analyzed = async (): Promise<{ manual: number; stats: number }> =>
      (
        await query<{ manual: number; stats: number }>(
          `SELECT (SELECT analyze_count FROM pg_stat_user_tables WHERE relid = 'voters'::regclass)::int AS manual,
                  (SELECT count(*) FROM pg_stats WHERE tablename = 'voters' AND schemaname = current_schema())::int AS stats`,
        )
      )[0]!;
    const before = await analyzed();
    expect(before.stats).toBe(0);
    const result = await turnout(['import', 'contacts', fixture('contacts-nationbuilder.csv'), '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    const after = await analyzed();
    expect(after.manual).toBe(before.manual + 1);
    expect(after.stats).toBeGreaterThan(10);
    // Known statistics: the next import does not analyze again.
    expect((await turnout(['import', 'contacts', fixture('contacts-nationbuilder.csv')])).code).toBe(0);
    expect((await analyzed()).manual).toBe(after.manual);
  });

  it.skipIf(backend.name !== 'postgres')('a connection killed while the contacts are written fails with a clear error and writes nothing', async () => {
    const init = await turnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet']);
    expect(init.code, init.stderr).toBe(0);
    const voters = ['id,last_name,neighborhood'];
    const contacts = ['id,phone,support'];
    for (let i = 0; i < 100_000; i++) {
      voters.push(`K${String(i).padStart(6, '0')},Nom ${i},Quartier ${i % 9}`);
      contacts.push(`K${String(i).padStart(6, '0')},06 ${String(10_000_000 + i).slice(0, 8).replace(/(\d\d)(?=\d)/g, '$1 ')},${1 + (i % 5)}`);
    }
    fs.writeFileSync(path.join(dir, 'voters.csv'), `${voters.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 'contacts.csv'), `${contacts.join('\n')}\n`);
    expect((await turnout(['-q', 'import', 'voters', path.join(dir, 'voters.csv')])).code).toBe(0);
    const before = await dump();

    const env: NodeJS.ProcessEnv = { ...process.env, ...NOW };
    for (const key of Object.keys(env)) if (key.startsWith('TURNOUT_') && key !== 'TURNOUT_NOW') delete env[key];
    // Its sessions named for this test alone: other test files import on the same server.
    const appName = `turnout_kill_${process.pid}_${Date.now().toString(36)}`;
    env.PGAPPNAME = appName;
    const child = spawn(process.execPath, [BIN, ...db.args, 'import', 'contacts', path.join(dir, 'contacts.csv')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = new Promise<number | null>((resolve) => child.on('close', resolve));
    const admin = new pg.Client({ connectionString: db.args[1] ?? DEFAULT_PG_URL });
    await admin.connect();
    try {
      // Once some slices of updates are written (the session's last statement is one), kill it.
      // One statement finds and kills it, so the write cannot end between a look and the kill.
      const end = Date.now() + 60_000;
      while ((await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'UPDATE voters SET%FROM contacts_in%'", [appName])).rowCount === 0) {
        if (Date.now() > end) throw new Error(`the import never reached its writes: ${stderr}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await admin.end();
    }
    expect(await code).toBe(1);
    expect(stderr).toMatch(/error: lost the connection to postgres:\/\/[^ ]+ \(schema turnout_test_[^)]+\): .*nothing of this command was kept/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(await dump()).toBe(before);
    expect(await query('SELECT count(*) AS n FROM voters WHERE phone IS NOT NULL')).toEqual([{ n: 0 }]);
  }, 120_000);

  it('links on names alone only when asked, and says it is weaker', async () => {
    await listImported();
    const v = truth.voters.find((x) => x.birthName === 'BEN AHMED')!;
    // Windows-1252, as a spreadsheet saves it.
    const csv = Buffer.from(`NOM;Prénom;Téléphone\r\nBen-Ahmed;karim;06 10 20 30 40\r\nMartin;Marie;06 10 20 30 41\r\n`, 'latin1');
    const refused = await turnout(['import', 'contacts', '-'], csv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no column names voters');
    expect(refused.stderr).toContain('--match name');
    const byName = await turnout(['import', 'contacts', '-', '--match', 'name'], csv);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stderr).toContain('(windows-1252, ";"-delimited)');
    expect(byName.stderr).toContain('matched by last + first name only (weaker: no birth date): 1');
    expect(byName.stderr).toMatch(/ambiguous +1 /);
    expect(await query<{ phone: string }>('SELECT phone FROM voters WHERE phone IS NOT NULL')).toEqual([{ phone: '06 10 20 30 40' }]);
    expect(v.bureau).not.toBe('');
  });
});
});
