/**
 * What only PostgreSQL adds, through the built CLI against the real server (skipped, and said
 * so, when none answers; required when TURNOUT_TEST_PG is set): several processes on one
 * database (check imports at once, two senders at once, a killed sender), a connection killed
 * mid-import, `turnout copy` both ways, and no password in any message. The engine-neutral
 * behaviour is tested on both engines by the other e2e files (see test/helpers/backends.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, FIXTURES, ROOT, runTurnout, tempDir, type RunResult } from '../helpers/cli.js';
import { DEFAULT_PG_URL, testBackends, type Backend, type TestDatabase } from '../helpers/backends.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fakeTwilio.js';

const backends = await testBackends();
const postgres = backends.find((b) => b.name === 'postgres') as Backend | undefined;
const sqlite = backends.find((b) => b.name === 'sqlite')!;
const URL = process.env.TURNOUT_TEST_PG && /^postgres/.test(process.env.TURNOUT_TEST_PG) ? process.env.TURNOUT_TEST_PG : DEFAULT_PG_URL;
const NOW = { TURNOUT_NOW: '2026-03-15T15:00:00+01:00' };

let dir: string;
let cleanup: () => void;
let db: TestDatabase;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir('turnout-pg-'));
  if (postgres) db = await postgres.create(dir);
});
afterEach(async () => {
  if (postgres) await db.drop();
  cleanup();
});

const on = (target: TestDatabase, args: string[], env: Record<string, string> = {}, input?: string) =>
  runTurnout([...target.args, ...args], { env: { ...NOW, ...env }, ...(input === undefined ? {} : { input }) });

function start(args: string[], env: Record<string, string>): { child: ReturnType<typeof spawn>; done: Promise<RunResult> } {
  const full: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(full)) if (key.startsWith('TURNOUT_') || key.startsWith('TWILIO_')) delete full[key];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...full, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return { child, done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function init(target: TestDatabase, extra: string[] = []): Promise<void> {
  const result = await on(target, ['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet', ...extra]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

/** Voters (seeded, invented) in 6 neighborhoods and 4 precincts, and check files that overlap. */
function writeCity(voters: number): { voters: string; checks: string[] } {
  const lines = ['id,first_name,last_name,neighborhood,precinct,list_number,support'];
  for (let i = 0; i < voters; i++) lines.push(`V${String(i).padStart(5, '0')},Prénom ${i},Nom ${i % 97},Quartier ${i % 6},P${i % 4},${i},${(i % 5) + 1}`);
  fs.writeFileSync(path.join(dir, 'voters.csv'), `${lines.join('\n')}\n`);
  const checks: string[] = [];
  for (let k = 0; k < 4; k++) {
    const rows = ['voter_id,checked_at'];
    // Overlapping voters across files (each file every third voter, shifted), times in several hours.
    for (let i = k * 150; i < voters; i += 3) rows.push(`V${String(i).padStart(5, '0')},2026-03-15 ${String(8 + ((i + k) % 7)).padStart(2, '0')}:${String((i * 7 + k) % 60).padStart(2, '0')}`);
    const file = path.join(dir, `checks-${k}.csv`);
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    checks.push(file);
  }
  return { voters: path.join(dir, 'voters.csv'), checks };
}

describe.skipIf(!postgres)('PostgreSQL, several machines on one database', () => {
  it('imports checks from four processes at once with exact tallies, and status equal to SQLite given the same files', async () => {
    const city = writeCity(3000);
    await init(db);
    expect((await on(db, ['import', 'voters', city.voters, '-q'])).code).toBe(0);
    const runs = city.checks.map((file) => start([...db.args, '-q', 'import', 'checks', file], NOW));
    for (const r of runs) expect((await r.done).code).toBe(0);
    // Every vote counted once, where its voter is, at its earliest time.
    const raw = await db.query<{ n: number }>('SELECT count(*) AS n FROM checks');
    const tallied = await db.query<{ n: number }>('SELECT sum(votes) AS n FROM vote_tally');
    expect(tallied[0]!.n).toBe(raw[0]!.n);
    const lite = await sqlite.create(dir);
    await init(lite);
    expect((await on(lite, ['import', 'voters', city.voters, '-q'])).code).toBe(0);
    for (const file of city.checks) expect((await on(lite, ['-q', 'import', 'checks', file])).code).toBe(0);
    for (const args of [['status', '--format', 'json'], ['status', '--format', 'json', '--at', '11:30', '--by', 'precinct'], ['export', 'checks']]) {
      const a = await on(db, args);
      const b = await on(lite, args);
      expect(a.code, args.join(' ')).toBe(0);
      expect(a.stdout, args.join(' ')).toBe(b.stdout);
    }
  });

  it('a connection killed in the middle of a voter import fails with a clear error and writes nothing', async () => {
    await init(db);
    const lines = ['id,last_name,neighborhood'];
    for (let i = 0; i < 400_000; i++) lines.push(`K${i},Nom ${i},Quartier ${i % 9}`);
    fs.writeFileSync(path.join(dir, 'big.csv'), `${lines.join('\n')}\n`);
    // Its sessions named for this test alone (PGAPPNAME): other test files import on the same server.
    const appName = `turnout_kill_${process.pid}_${Date.now().toString(36)}`;
    const run = start([...db.args, 'import', 'voters', path.join(dir, 'big.csv')], { ...NOW, PGAPPNAME: appName });
    const admin = new pg.Client({ connectionString: URL });
    await admin.connect();
    try {
      // Kill the import's session while its COPY is under way: one statement finds and kills it,
      // so the COPY cannot end between a look and the kill.
      await until(async () => (await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'COPY voters%'", [appName])).rowCount! > 0);
    } finally {
      await admin.end();
    }
    const result = await run.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: lost the connection to postgres:\/\/[^ ]+ \(schema turnout_test_[^)]+\): .*nothing of this command was kept/);
    expect(result.stderr).toContain('hint: Check that the PostgreSQL server is running');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await db.query('SELECT count(*) AS n FROM voters')).toEqual([{ n: 0 }]);
    expect(await db.query('SELECT count(*) AS n FROM voter_tally WHERE voters <> 0')).toEqual([{ n: 0 }]);
  });

  it('copies a campaign from SQLite to PostgreSQL and back with equal counts and equal status', async () => {
    const lite = await sqlite.create(dir);
    await init(lite, ['--footer', 'STOP au 36180']);
    expect((await on(lite, ['-q', 'import', 'voters', path.join(FIXTURES, 'status-voters.csv')])).code).toBe(0);
    expect((await on(lite, ['-q', 'import', 'checks', path.join(FIXTURES, 'status-checks.csv')])).code).toBe(0);
    expect((await on(lite, ['optout', 'add', '06 12 34 57 03'])).code).toBe(0);
    const file = lite.args[1]!;
    const there = await runTurnout(['--db-schema', db.args[3]!, 'copy', '--from', file, '--to', URL], { env: NOW });
    expect(there.stderr).toMatch(/voters: 475 rows/);
    expect(there.stderr).toMatch(/✔ copied \d+ tables to postgres:\/\/\S+ \(schema turnout_test_\S+\); every table has as many rows as the source \(475 voters, 193 votes\)/);
    expect(there.code).toBe(0);
    const back = path.join(dir, 'back.db');
    const home = await runTurnout(['--db-schema', db.args[3]!, 'copy', '--from', URL, '--to', back], { env: NOW });
    expect(home.code).toBe(0);
    expect(home.stderr).toContain('(475 voters, 193 votes)');
    for (const args of [['status', '--format', 'json'], ['status', '--by', 'city', '--format', 'csv'], ['export', 'voters'], ['optout', 'list', '--format', 'json']]) {
      const original = await on(lite, args);
      const onPg = args[0] === 'optout' ? original : await on(db, args);
      const copied = await runTurnout(['--db', back, ...args], { env: NOW });
      expect(onPg.stdout, args.join(' ')).toBe(original.stdout);
      expect(copied.stdout, args.join(' ')).toBe(original.stdout);
    }
    // A second copy into the same schema is refused: a copy never merges.
    const again = await runTurnout(['--db-schema', db.args[3]!, 'copy', '--from', file, '--to', URL], { env: NOW });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds a campaign');
  });

  it('never prints a password, and says when the schema holds no campaign (tellers too)', async () => {
    const wrong = await runTurnout(['--db', 'postgres://postgres:hunter2-SECRET@127.0.0.1:1/test', 'status'], { env: NOW });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('postgres://postgres:***@127.0.0.1:1/test');
    expect(wrong.stderr).not.toContain('hunter2');
    // Every command works on PostgreSQL now: the tellers' links too, which need a campaign first.
    const tellers = await on(db, ['tellers', 'list']);
    expect(tellers.code).toBe(1);
    expect(tellers.stderr).toMatch(/no turnout database at postgres:\/\/\S+ \(schema turnout_test_/);
    const empty = await on(db, ['status']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/no turnout database at postgres:\/\/\S+ \(schema turnout_test_/);
  });
});

describe.skipIf(!postgres)('PostgreSQL, two senders', () => {
  const TOKEN = 'pg-e2e-token-SECRET';
  let fake: FakeTwilio;
  beforeEach(async () => {
    fake = await startFakeTwilio({ authToken: TOKEN });
    await init(db, ['--footer', 'STOP au 36180']);
    expect((await on(db, ['-q', 'import', 'voters', path.join(FIXTURES, 'send-voters.csv')])).code).toBe(0);
  });
  afterEach(async () => {
    await fake.close();
  });
  const env = (): Record<string, string> => ({
    ...db.env,
    ...NOW,
    TWILIO_ACCOUNT_SID: 'AC' + 'e5'.repeat(16),
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_FROM: '+33700000042',
    TURNOUT_TWILIO_BASE_URL: fake.url,
  });
  const SEND = ['remind', '--channel', 'sms', '--send', '--yes', '--format', 'json', '--message', 'Bonjour {first_names}, votre bureau ferme à 20h.'];
  const counts = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const m of fake.messages) if (m.direction === 'outbound-api') out[m.to] = (out[m.to] ?? 0) + 1;
    return out;
  };

  it('two sender processes started at once: one sends, the other exits 4, no phone texted twice', async () => {
    fake.setLatency(150);
    const a = start([...SEND, '--rate', '5'], env());
    const b = start([...SEND, '--rate', '5'], env());
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code].sort()).toEqual([0, 4]);
    const winner = ra.code === 0 ? ra : rb;
    expect(JSON.parse(winner.stdout)).toMatchObject({ recipients: 7, sent: 7 });
    expect(Object.values(counts())).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(await db.query("SELECT count(*) AS n FROM messages WHERE status = 'queued'")).toEqual([{ n: 7 }]);
  });

  it('a sender killed with SIGKILL mid-way, then rerun: its pending messages become unknown, none is sent twice', async () => {
    fake.setLatency(400);
    const run = start([...SEND, '--rate', '10'], env());
    await until(() => fake.messagePosts().length >= 3);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    fake.setLatency(0);
    const rerun = await runTurnout(SEND, { env: env() });
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/took over the send lock|interrupted run/);
    for (const n of Object.values(counts())) expect(n).toBe(1);
    expect(await db.query("SELECT count(*) AS n FROM messages WHERE status = 'pending'")).toEqual([{ n: 0 }]);
    const unknown = await db.query<{ n: number }>("SELECT count(*) AS n FROM messages WHERE status = 'unknown'");
    expect(unknown[0]!.n).toBeGreaterThan(0);
  });
});
