/**
 * The PostgreSQL store against a real server (skipped, and said so, when none answers; required
 * when TURNOUT_TEST_PG is set): schema, COPY imports, exact tallies under concurrent writers, a
 * connection killed mid-import, and no password in any message.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VOTER_ROW_COLUMNS } from '../../src/core/voterRecord.js';
import { connectPostgres, DatabaseUnavailableError, redactUrl, type PgDb } from '../../src/store/pg/connect.js';
import { migratePostgres, pgMigrations, pgSchemaVersion } from '../../src/store/pg/migrations.js';
import { pgVoterImportStore } from '../../src/store/pg/voters.js';
import { pgCheckImportStore, pgMarkStore } from '../../src/store/pg/checks.js';
import { pgFieldCheckStore } from '../../src/store/pg/field.js';
import { pgContactImportStore } from '../../src/store/pg/contacts.js';
import { pgAreaImportStore } from '../../src/store/pg/areas.js';
import { pgStatusStore } from '../../src/store/pg/status.js';
import { pgExportStore } from '../../src/store/pg/exportData.js';
import { exportVoters } from '../../src/app/exportData.js';
import { pgMessageLog, pgReminderSource, pgSendLock } from '../../src/store/pg/messages.js';
import { testBackends } from '../helpers/backends.js';
import type { CheckToRecord } from '../../src/app/importChecks.js';
import { voterRowsFor } from '../helpers/voterRows.js';

const backends = await testBackends();
const pgBackend = backends.find((b) => b.name === 'postgres');
const URL = process.env.TURNOUT_TEST_PG && /^postgres/.test(process.env.TURNOUT_TEST_PG) ? process.env.TURNOUT_TEST_PG : 'postgres://postgres@127.0.0.1:5432/test';

const schemas: string[] = [];
let n = 0;
async function fresh(): Promise<PgDb> {
  const schema = `turnout_store_${process.pid}_${n++}`;
  schemas.push(schema);
  const db = await connectPostgres(URL, { schema });
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await migratePostgres(db);
  return db;
}
const open: PgDb[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});
afterAll(async () => {
  if (!pgBackend) return;
  const db = await connectPostgres(URL);
  for (const s of schemas) await db.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await db.close();
});

/** Flat values as the reader sends them: the supplied columns only, in their order. */
function voters(rows: Array<Partial<Record<(typeof VOTER_ROW_COLUMNS)[number], string | null>>>, supplied: readonly (typeof VOTER_ROW_COLUMNS)[number][]): Array<string | null> {
  return rows.flatMap((row) => supplied.map((c) => row[c] ?? null));
}

async function importVoters(db: PgDb, rows: Parameters<typeof voters>[0], supplied = ['id', 'last_name', 'neighborhood', 'precinct', 'list_number', 'support', 'extra'] as const): Promise<number> {
  const store = pgVoterImportStore(db);
  await store.begin();
  const bulk = (await store.countVoters()) === 0;
  if (bulk) await store.bulkLoad('before');
  const write = store.voterWriter([...supplied], []);
  const batchOf = voterRowsFor(store.batchForm, supplied.length);
  for (let i = 0; i < rows.length; i += 250) {
    const batch = rows.slice(i, i + 250);
    await write(batchOf(voters(batch, supplied), batch.length));
  }
  const changed = await store.endVoterWrites();
  if (bulk) await store.bulkLoad('after');
  await store.applyUnmatchedChecks();
  await store.commit();
  return changed;
}

function check(voterId: string, checkedAt: string): CheckToRecord {
  return { target: { voterId }, checkedAt, source: 'test', file: 'checks.csv', line: 2, recordedAt: '2026-03-15T18:00:00.000Z' };
}

async function importChecks(db: PgDb, checks: CheckToRecord[]): Promise<number> {
  const store = pgCheckImportStore(db);
  await store.begin();
  for (let i = 0; i < checks.length; i += 500) await store.recordBatch(checks.slice(i, i + 500));
  const newly = await store.write();
  await store.commit();
  return newly;
}

async function pidOf(db: PgDb): Promise<number> {
  return (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

/**
 * Whether `work`, running on backend `pid`, is blocked by a lock that backend `blocker` holds (as
 * pg_blocking_pids says), or finished without waiting: polled until one or the other, at most 5 s.
 */
async function waitingOrDone(pid: number, blocker: number, work: Promise<unknown>): Promise<'waiting' | 'done' | 'neither'> {
  let done = false;
  work.then(
    () => (done = true),
    () => (done = true),
  );
  const observer = await connectPostgres(URL);
  try {
    for (let tries = 0; tries < 250; tries++) {
      if (done) return 'done';
      const r = await observer.query<{ blocked: boolean }>('SELECT $2::int = ANY(pg_blocking_pids($1)) AS blocked', [pid, blocker]);
      if (r.rows[0]!.blocked) return 'waiting';
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return done ? 'done' : 'neither';
  } finally {
    await observer.close();
  }
}

/** Whether backend `pid` sits in its transaction between statements, holding an advisory lock. */
async function holdsAdvisoryLock(db: PgDb, pid: number): Promise<boolean> {
  const r = await db.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND granted)
            AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'idle in transaction') AS held`,
    [pid],
  );
  return r.rows[0]!.held;
}

/** Status counts from the tallies must equal counts from the raw rows. */
async function expectExactTallies(db: PgDb, at: string): Promise<void> {
  const fromTallies = await pgStatusStore(db).areaSupportCounts('neighborhood', at);
  const raw = await db.query<{ area: string; support: number | null; voters: number; voted: number }>(
    `SELECT coalesce(v.neighborhood, '') AS area, nullif(coalesce(v.support, 0), 0) AS support, count(*) AS voters, count(c.voter_id) FILTER (WHERE c.checked_at <= $1) AS voted
       FROM voters v LEFT JOIN checks c ON c.voter_id = v.id GROUP BY 1, 2`,
    [at],
  );
  const key = (r: { area: unknown; support: unknown }) => `${String(r.area)}|${String(r.support)}`;
  const sort = (rows: Array<{ area: unknown; support: unknown; voters: number; voted: number }>) =>
    rows.map((r) => ({ key: key(r), voters: r.voters, voted: r.voted })).sort((a, b) => a.key.localeCompare(b.key));
  expect(sort(fromTallies)).toEqual(sort(raw.rows));
}

describe.skipIf(!pgBackend)('PostgreSQL store', () => {
  it('creates the schema in an empty schema, versioned like SQLite, once', async () => {
    const db = await fresh();
    open.push(db);
    expect(await pgSchemaVersion(db)).toBe(pgMigrations.length);
    expect(await migratePostgres(db)).toBe(pgMigrations.length);
    const tables = (await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [db.schema])).rows.map((r) => r.t);
    expect(tables).toEqual(expect.arrayContaining(['voters', 'checks', 'unmatched_checks', 'voter_tally', 'vote_tally', 'messages', 'optouts', 'settings', 'imported_files']));
  });

  it('refuses a check for no voter without a foreign key (migration 10): a row-at-a-time writer is turned away by checks_fill_area', async () => {
    const db = await fresh();
    open.push(db);
    const keys = await db.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'checks'::regclass AND contype = 'f'`);
    expect(keys.rows).toEqual([]);
    expect(await importVoters(db, [{ id: 'V1', last_name: 'Un', neighborhood: 'Nord', precinct: 'P1', list_number: '1', support: '1' }])).toBe(1);
    const insert = (id: string) => db.query(`INSERT INTO checks (voter_id, checked_at, recorded_at) VALUES ($1, '2026-03-15T09:00:00.000Z', '2026-03-15T09:00:00.000Z')`, [id]);
    const refused = await insert('NOBODY').then(
      () => undefined,
      (error: { cause?: { code?: string }; code?: string }) => error.cause?.code ?? error.code,
    );
    expect(refused).toBe('23503');
    await insert('V1');
    expect((await db.query('SELECT voter_id, neighborhood, precinct, support FROM checks')).rows).toEqual([{ voter_id: 'V1', neighborhood: 'Nord', precinct: 'P1', support: 1 }]);
    await expectExactTallies(db, '2026-03-15T20:00:00.000Z');
  });

  it('imports voters by COPY, re-imports with moves, imports checks, and keeps the tallies exact', async () => {
    const db = await fresh();
    open.push(db);
    const first = Array.from({ length: 600 }, (_, i) => ({
      id: `V${String(i).padStart(4, '0')}`,
      last_name: `Nom\t${i}\\x`,
      neighborhood: ['Nord', 'Sud', null][i % 3]!,
      precinct: `P${i % 4}`,
      list_number: String(i),
      support: i % 6 === 0 ? null : String((i % 5) + 1),
    }));
    expect(await importVoters(db, first)).toBe(600);
    // Unmatched first: a check for a voter who comes later.
    expect(await importChecks(db, [check('V0001', '2026-03-15T09:10:00.000Z'), check('V9999', '2026-03-15T08:00:00.000Z')])).toBe(1);
    const moved = first.slice(0, 100).map((v, i) => ({ ...v, neighborhood: i % 2 ? 'Est' : v.neighborhood, support: i % 2 ? '1' : v.support }));
    moved.push({ id: 'V9999', last_name: 'Late', neighborhood: 'Est', precinct: 'P9', list_number: '9999', support: '2' });
    expect(await importVoters(db, moved)).toBe(51);
    expect((await db.query('SELECT checked_at FROM checks WHERE voter_id = $1', ['V9999'])).rows).toEqual([{ checked_at: '2026-03-15T08:00:00.000Z' }]);
    const checks = Array.from({ length: 300 }, (_, i) => check(`V${String(i * 2).padStart(4, '0')}`, `2026-03-15T${String(8 + (i % 9)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00.000Z`));
    expect(await importChecks(db, checks)).toBe(300); // V0000..V0598, even: none checked before (V0001 is odd)
    expect(await importChecks(db, checks.map((c) => ({ ...c, checkedAt: '2026-03-15T07:00:00.000Z' })))).toBe(0);
    for (const at of ['2026-03-15T07:30:00.000Z', '2026-03-15T09:10:00.000Z', '2026-03-15T20:00:00.000Z']) await expectExactTallies(db, at);
    const mark = pgMarkStore(db);
    await mark.transaction(async () => {
      expect(await mark.unmark('V0002')).toBe(true);
      expect(await mark.mark('V0003', '2026-03-15T10:00:00.000Z', 'manual', '2026-03-15T10:00:00.000Z')).toBeUndefined();
    });
    await expectExactTallies(db, '2026-03-15T20:00:00.000Z');
    // An administrator's session on another search_path (psql) changing the tables keeps the tallies right.
    const admin = await connectPostgres(URL);
    open.push(admin);
    await admin.query(`DELETE FROM "${db.schema}".checks WHERE voter_id = 'V0004'`);
    await admin.query(`UPDATE "${db.schema}".voters SET neighborhood = 'Ouest' WHERE id = 'V0006'`);
    await expectExactTallies(db, '2026-03-15T20:00:00.000Z');
    const data = await exportVoters(pgExportStore(db));
    const exported: Array<Record<string, unknown>> = [];
    for await (const values of data.rows) exported.push(Object.fromEntries(data.columns.map((c, i) => [c, values[i]])));
    expect(exported).toHaveLength(601);
    expect(exported[1]).toMatchObject({ id: 'V0001', last_name: 'Nom\t1\\x', neighborhood: 'Est', support: 1, voted: true, checked_at: '2026-03-15T09:10:00.000Z' });
  });

  it('keeps tallies exact with four check imports writing at once', async () => {
    const db = await fresh();
    open.push(db);
    await importVoters(db, Array.from({ length: 2000 }, (_, i) => ({ id: `V${i}`, neighborhood: `N${i % 7}`, precinct: `P${i % 3}`, support: String((i % 5) + 1) })));
    const writers = await Promise.all([0, 1, 2, 3].map(() => connectPostgres(URL, { schema: db.schema })));
    open.push(...writers);
    // Overlapping voters, different times: the earliest must win and every vote be counted once.
    await Promise.all(
      writers.map((w, k) =>
        importChecks(w, Array.from({ length: 1500 }, (_, i) => check(`V${(i * 3 + k * 250) % 2000}`, `2026-03-15T${String(8 + ((i + k) % 10)).padStart(2, '0')}:00:00.000Z`))),
      ),
    );
    const total = (await db.query<{ n: number }>('SELECT count(*) AS n FROM checks')).rows[0]!.n;
    const tallied = (await db.query<{ n: number }>('SELECT sum(votes) AS n FROM vote_tally')).rows[0]!.n;
    expect(tallied).toBe(total);
    for (const at of ['2026-03-15T12:30:00.000Z', '2026-03-15T23:00:00.000Z']) await expectExactTallies(db, at);
  });

  it('keeps tallies exact when an import moving a voter (voters, contacts, areas) and a check for that voter in flight cross, in either order', async () => {
    const db = await fresh();
    open.push(db);
    const base = (id: string, support: string) => ({ id, last_name: id, neighborhood: 'Nord', precinct: 'P1', list_number: id, support });
    await importVoters(db, ['V1', 'V2', 'V3', 'V6', 'V7'].map((id) => base(id, '1')));
    const [teller, hq] = await Promise.all([0, 1].map(() => connectPostgres(URL, { schema: db.schema })));
    open.push(teller!, hq!);
    const [tellerPid, hqPid] = [await pidOf(teller!), await pidOf(hq!)];
    const at = '2026-03-15T20:00:00.000Z';

    const checks = pgCheckImportStore(teller!);
    /** A check for `voterId` written by the teller's import, its transaction left open (committed by the case). */
    const checkInFlight = async (voterId: string, checkedAt: string) => {
      await checks.begin();
      const [outcome] = await checks.recordBatch([check(voterId, checkedAt)]);
      await checks.write();
      return outcome;
    };

    // 1. The check first: the teller's transaction copied V1's support (1) into its check and is
    //    still open when the import changes V1 to 2. The import must wait for it, then move the vote.
    expect(await checkInFlight('V1', '2026-03-15T09:00:00.000Z')).toBe('matched');
    const moving = importVoters(hq!, [base('V1', '2')]);
    expect(await waitingOrDone(hqPid, tellerPid, moving)).toBe('waiting');
    await checks.commit();
    expect(await moving).toBe(1);
    await expectExactTallies(db, at);

    // 2. The import first: V2 changed to 2, not yet committed, when a check for V2 is written.
    const imports = pgVoterImportStore(hq!);
    await imports.begin();
    const write = imports.voterWriter(['id', 'last_name', 'neighborhood', 'precinct', 'list_number', 'support'], []);
    await write(voterRowsFor(imports.batchForm, 6)(voters([base('V2', '2')], ['id', 'last_name', 'neighborhood', 'precinct', 'list_number', 'support']), 1));
    expect(await imports.endVoterWrites()).toBe(1);
    const checking = importChecks(teller!, [check('V2', '2026-03-15T10:00:00.000Z')]);
    expect(await waitingOrDone(tellerPid, hqPid, checking)).toBe('waiting');
    await imports.applyUnmatchedChecks();
    await imports.commit();
    expect(await checking).toBe(1);
    await expectExactTallies(db, at);

    // 3. mark, a row-at-a-time writer (its keys come from checks_fill_area): a new check for V3,
    //    and an earlier time for V1's (mark locks that check's row before it writes).
    const marks = pgMarkStore(teller!);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let marked = false;
    const marking = marks.transaction(async () => {
      await marks.mark('V3', '2026-03-15T11:00:00.000Z', 'manual', '2026-03-15T11:00:00.000Z');
      await marks.mark('V1', '2026-03-15T08:00:00.000Z', 'manual', '2026-03-15T11:00:00.000Z');
      marked = true;
      await held;
    });
    await expect.poll(async () => marked && (await holdsAdvisoryLock(db, tellerPid))).toBe(true);
    const moving3 = importVoters(hq!, [base('V3', '3'), base('V1', '4')]);
    expect(await waitingOrDone(hqPid, tellerPid, moving3)).toBe('waiting');
    release();
    await marking;
    expect(await moving3).toBe(2);
    await expectExactTallies(db, at);

    // 4. A check for a voter not on the list yet, in flight while the import adds that voter: it
    //    waits for the check, then takes it out of the unmatched ones.
    expect(await checkInFlight('V4', '2026-03-15T12:00:00.000Z')).toBe('unmatched');
    const adding = importVoters(hq!, [base('V4', '1')]);
    expect(await waitingOrDone(hqPid, tellerPid, adding)).toBe('waiting');
    await checks.commit();
    expect(await adding).toBe(1);
    expect((await db.query('SELECT voter_id, support FROM checks WHERE voter_id = $1', ['V4'])).rows).toEqual([{ voter_id: 'V4', support: 1 }]);
    expect((await db.query('SELECT count(*)::int AS n FROM unmatched_checks')).rows[0]!.n).toBe(0);
    await expectExactTallies(db, at);

    // 5. The same through serve's store: a teller's batch found no V5 and kept its check unmatched.
    const field = pgFieldCheckStore(teller!);
    let release5!: () => void;
    const held5 = new Promise<void>((resolve) => (release5 = resolve));
    const serving = field.transaction(async () => {
      expect(await field.voterById('V5')).toBeUndefined();
      await field.keepUnmatched(check('V5', '2026-03-15T13:00:00.000Z'));
      await held5;
    });
    await expect.poll(() => holdsAdvisoryLock(db, tellerPid)).toBe(true);
    const adding5 = importVoters(hq!, [base('V5', '1')]);
    expect(await waitingOrDone(hqPid, tellerPid, adding5)).toBe('waiting');
    release5();
    await serving;
    expect(await adding5).toBe(1);
    expect((await db.query('SELECT voter_id FROM checks WHERE voter_id = $1', ['V5'])).rows).toEqual([{ voter_id: 'V5' }]);
    await expectExactTallies(db, at);

    // 6. import contacts changing V6's support while a check for V6 is in flight.
    expect(await checkInFlight('V6', '2026-03-15T14:00:00.000Z')).toBe('matched');
    const contacts = pgContactImportStore(hq!);
    await contacts.begin();
    const linking = contacts.update(['support'], [['V6', 5]]);
    expect(await waitingOrDone(hqPid, tellerPid, linking)).toBe('waiting');
    await checks.commit();
    await linking;
    await contacts.commit();
    await expectExactTallies(db, at);

    // 7. import areas moving V7 (and the others of P1) to another quartier while V7's check is in flight.
    expect(await checkInFlight('V7', '2026-03-15T15:00:00.000Z')).toBe('matched');
    const areas = pgAreaImportStore(hq!);
    await areas.begin();
    await areas.replaceAreas([['P1', 'Sud']]);
    const mapping = areas.applyAreas();
    expect(await waitingOrDone(hqPid, tellerPid, mapping)).toBe('waiting');
    await checks.commit();
    expect(await mapping).toBe(7);
    await areas.commit();
    expect((await db.query(`SELECT count(*)::int AS n FROM checks WHERE neighborhood <> 'Sud'`)).rows[0]!.n).toBe(0);
    await expectExactTallies(db, at);

    // 8. Two imports moving voters at once: each takes the lock before it locks any voter's row, so
    //    the voter import waits for the contacts import, and not the other way round as well.
    const third = await connectPostgres(URL, { schema: db.schema });
    open.push(third);
    const thirdPid = await pidOf(third);
    const contacts2 = pgContactImportStore(hq!);
    await contacts2.begin();
    await contacts2.update(['support'], [['V6', 4]]);
    const reimport = importVoters(third, [base('V7', '3')]);
    expect(await waitingOrDone(thirdPid, hqPid, reimport)).toBe('waiting');
    await contacts2.update(['support'], [['V7', 2]]);
    await contacts2.commit();
    expect(await reimport).toBe(1);
    expect((await db.query('SELECT support FROM voters WHERE id = $1', ['V7'])).rows).toEqual([{ support: 3 }]);
    await expectExactTallies(db, at);
  });

  it('fails with a clear error and keeps nothing when the connection is killed mid-import', async () => {
    const db = await fresh();
    open.push(db);
    // This connection's backend, and no other test's (files run in parallel on one server).
    const backend = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const store = pgVoterImportStore(db);
    await store.begin();
    await store.bulkLoad('before');
    const write = store.voterWriter(['id', 'last_name'], []);
    const batchOf = voterRowsFor(store.batchForm, 2);
    await write(batchOf(voters([{ id: 'A1', last_name: 'X' }], ['id', 'last_name']), 1));
    const killer = await connectPostgres(URL);
    open.push(killer);
    const killed = await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'COPY voters%'`, [backend]);
    expect(killed.rowCount).toBe(1);
    await expect((async () => {
      await write(batchOf(voters([{ id: 'A2', last_name: 'Y' }], ['id', 'last_name']), 1));
      await store.endVoterWrites();
      await store.commit();
    })()).rejects.toBeInstanceOf(DatabaseUnavailableError);
    const count = await killer.query<{ n: number }>(`SELECT count(*) AS n FROM "${db.schema}".voters`);
    expect(count.rows[0]!.n).toBe(0);
  });

  it('claims each phone once when two senders on two connections claim the same phones at once', async () => {
    const db = await fresh();
    open.push(db);
    await importVoters(db, Array.from({ length: 40 }, (_, i) => ({ id: `V${i}`, neighborhood: 'Nord', support: '1' })));
    const senders = await Promise.all([0, 1].map(() => connectPostgres(URL, { schema: db.schema })));
    open.push(...senders);
    const request = (run: string, i: number) => ({
      runId: run, phone: `+3361234${String(i).padStart(4, '0')}`, voterIds: [`V${i}`], body: 'Vote!', segments: 1,
      encoding: 'GSM-7' as const, sender: '+15550001', now: '2026-03-15T12:00:00.000Z', since: '2026-03-15T00:00:00.000Z',
    });
    const results = await Promise.all(
      senders.map((s, k) => pgMessageLog(s).claimMany(Array.from({ length: 40 }, (_, i) => request(`run${k}`, k === 0 ? i : 39 - i)))),
    );
    const claimed = results.flat().filter((r) => r.kind === 'claimed').length;
    expect(claimed).toBe(40);
    const perPhone = await db.query<{ n: number }>('SELECT count(*) AS n FROM messages GROUP BY phone HAVING count(*) > 1');
    expect(perPhone.rows).toEqual([]);
    // The candidates query sees the claimed voters as reminded.
    const candidates = await pgReminderSource(db).candidates({ areaField: 'neighborhood', at: '2026-03-15T12:00:00.000Z', supportLevels: [1], remindedSince: '2026-03-15T00:00:00.000Z', withExtra: false } as never);
    expect(candidates).toHaveLength(40);
    expect(candidates.every((c) => c.reminded)).toBe(true);
  });

  it('gives the send lock to one run; a stale holder is taken over and its pending messages become unknown', async () => {
    const db = await fresh();
    open.push(db);
    const [a, b] = await Promise.all([0, 1].map(() => connectPostgres(URL, { schema: db.schema })));
    open.push(a!, b!);
    const holder = (runId: string, hostname: string) => ({ runId, pid: 100, hostname, acquiredAt: '2026-03-15T12:00:00.000Z', heartbeatAt: '2026-03-15T12:00:00.000Z' });
    const [ra, rb] = await Promise.all([pgSendLock(a!).acquire(holder('A', 'host-a'), () => false), pgSendLock(b!).acquire(holder('B', 'host-b'), () => false)]);
    expect([ra.acquired, rb.acquired].sort()).toEqual([false, true]);
    const winner = ra.acquired ? a! : b!;
    const claimed = await pgMessageLog(winner).claimMany([{ runId: 'A', phone: '+33600000001', voterIds: [], body: 'x', segments: 1, encoding: 'GSM-7', sender: undefined, now: '2026-03-15T12:00:00.000Z', since: undefined }]);
    expect(claimed[0]!.kind).toBe('claimed');
    const taken = await pgSendLock(db).acquire(holder('C', 'host-c'), () => true);
    expect(taken).toMatchObject({ acquired: true, recovered: 1 });
    expect((await db.query('SELECT status FROM messages')).rows).toEqual([{ status: 'unknown' }]);
  });

  it('never prints a password', async () => {
    expect(redactUrl('postgres://alice:s3cret@db.example:5432/gotv?sslmode=require')).toBe('postgres://alice:***@db.example:5432/gotv?sslmode=require');
    expect(redactUrl('postgresql://h/db?password=s3cret&x=1')).toBe('postgresql://h/db?password=***&x=1');
    const error = await connectPostgres('postgres://nobody:s3cret@127.0.0.1:1/test', { connectTimeoutMs: 1000 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(`${(error as Error).message} ${(error as { hint?: string }).hint}`).not.toContain('s3cret');
    expect((error as Error).message).toContain('nobody:***@127.0.0.1:1');
  });
});
