import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAGGING, SMALL_AND_LOW } from '../bench/city.js';
import { demoTruth, readManifest } from '../bench/demo-files.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';
import { FIXTURES, runTurnout, tempDir, type RunResult } from '../helpers/cli.js';

const DEMO_DIR = path.join(FIXTURES, 'demo');
const truth = demoTruth(DEMO_DIR);
const manifest = readManifest(DEMO_DIR);

/** No credentials, and any attempt to reach the network through a proxy would fail. */
const OFFLINE = {
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  NO_COLOR: '1',
};

/** Where the demo is built: the global options naming it (none: ./turnout-demo.db) and its rows. */
interface DemoTarget {
  args: string[];
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
}

function sqliteTarget(file: string, args: string[] = []): DemoTarget {
  return {
    args,
    async query<T>(sql: string, ...params: unknown[]) {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
  };
}

async function counts(target: DemoTarget): Promise<{ voters: number; voted: number; checks: number; unmatched: number; demo: string | undefined }> {
  const one = async (sql: string): Promise<number> => (await target.query<{ n: number }>(sql))[0]!.n;
  return {
    voters: await one('SELECT count(*) AS n FROM voters'),
    voted: await one('SELECT count(*) AS n FROM voters v WHERE EXISTS (SELECT 1 FROM checks c WHERE c.voter_id = v.id)'),
    checks: await one('SELECT count(*) AS n FROM checks'),
    unmatched: await one('SELECT count(*) AS n FROM unmatched_checks'),
    demo: (await target.query<{ value: string }>("SELECT value FROM settings WHERE key = 'demo'"))[0]?.value,
  };
}

const num = (n: number): string => n.toLocaleString('en-US');

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers): on
// PostgreSQL the demo is built in the test's own schema (--db-schema), as `turnout demo` with a
// postgres:// --db builds it in turnout_demo or the schema given.
describe.each(await testBackends())('turnout demo on $name', (backend) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let first: RunResult;
  /** The demo's database. */
  let demo: DemoTarget;
  /** PostgreSQL schemas made here, dropped at the end. */
  const schemas: TestDatabase[] = [];
  const pg = backend.name === 'postgres';

  beforeAll(async () => {
    const tmp = tempDir('turnout-demo-');
    dir = tmp.dir;
    cleanup = async () => {
      for (const db of schemas) await db.drop();
      tmp.cleanup();
    };
    if (pg) {
      const db = await backend.create(dir);
      schemas.push(db);
      demo = db;
    } else {
      demo = sqliteTarget(path.join(dir, 'turnout-demo.db'));
    }
    // Run from an unrelated folder, with TURNOUT_DB pointing at a "real" database that must stay untouched.
    first = await runTurnout([...demo.args, 'demo'], { cwd: dir, env: { ...OFFLINE, TURNOUT_DB: path.join(dir, 'campaign.db') } });
  }, 120_000);
  afterAll(() => cleanup());

  it(pg ? 'builds the demo in the schema given, offline, and no file' : 'builds ./turnout-demo.db (mode 0600) in the current folder from the packaged fixtures, offline', async () => {
    expect(first.stderr).not.toMatch(/error:/);
    expect(first.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'campaign.db'))).toBe(false);
    if (pg) {
      expect(fs.readdirSync(dir)).toEqual([]);
      expect(first.stderr).toContain(`postgres://postgres@127.0.0.1:5432/test (schema ${demo.args[3]}) built`);
      return;
    }
    const db = path.join(dir, 'turnout-demo.db');
    expect(fs.statSync(db).mode & 0o777).toBe(0o600);
  });

  it('ends on the status table, the call sheet of the most under-mobilized quartier and a dry-run SMS', async () => {
    // stdout carries the three commands' rows, as if typed one after the other; headings are on stderr.
    const lines = first.stdout.split('\n');
    const flagged = lines.filter((l) => /\bLOW\s*$/.test(l)).map((l) => l.replace(/\s{2,}.*$/, ''));
    expect(new Set(flagged)).toEqual(new Set(LAGGING));
    expect(lines.find((l) => l.startsWith(SMALL_AND_LOW))).not.toMatch(/LOW/);
    expect(first.stderr).toContain('Who to call first in');
    expect(first.stderr).toContain('rehearsed with --dry-run');

    const callHeader = lines.findIndex((l) => l.startsWith('id,first_name,last_name,area,polling_place,phone'));
    expect(callHeader).toBeGreaterThan(0);
    const calls = lines.slice(callHeader + 1, callHeader + 9).map((l) => l.split(','));
    const worst = flagged[0]!;
    expect(calls).toHaveLength(8);
    for (const [id, , , area] of calls) {
      expect(area).toBe(worst);
      const [voter] = await demo.query<{ support: number; voted_at: string | null }>('SELECT v.support, c.checked_at AS voted_at FROM voters v LEFT JOIN checks c ON c.voter_id = v.id WHERE v.id = ?', id);
      expect([1, 2]).toContain(voter!.support);
      expect(voter!.voted_at === null || voter!.voted_at > new Date(manifest.asOfInstant).toISOString()).toBe(true);
    }
    expect((await demo.query<{ n: number }>('SELECT count(*) AS n FROM messages'))[0]!.n).toBe(0);
    const smsHeader = lines.findIndex((l) => l.startsWith('phone,voter_ids,names,area,encoding,segments,body'));
    expect(smsHeader).toBeGreaterThan(callHeader);
    const sms = first.stdout.slice(first.stdout.indexOf('phone,voter_ids'));
    expect(sms.match(/^\+33\d{9},/gm)).toHaveLength(3);
    expect(sms.match(/Répondez STOP/g)).toHaveLength(3);
  });

  it('imports every voter and check of the files, and prints the counts it did', async () => {
    const db = await counts(demo);
    expect(db.voters).toBe(truth.voters.length);
    expect(db.voted).toBe(truth.votedAt.size);
    expect(db.checks).toBe(truth.votedAt.size);
    expect(db.unmatched).toBe(truth.unmatchedKeys.size);
    expect(db.demo).toBeDefined();
    expect(first.stderr).toContain(`${num(truth.voters.length)} voters imported`);
    expect(first.stderr).toContain(`${num(truth.votedAt.size)} of ${num(truth.voters.length)} voters checked as having voted by ${manifest.asOf}`);
    expect(first.stderr).toContain(`${num(truth.unmatchedKeys.size)} checks matched no voter`);
    for (const c of manifest.checks) expect(first.stderr).toContain(c.file);
  });

  it('places every voter of the REU export in its quartier through the bureaux map, and links the contacts by name and birth date', async () => {
    const rows = await demo.query<{ id: string; neighborhood: string | null; support: number | null; phone: string | null }>('SELECT id, neighborhood, support, phone FROM voters');
    expect(rows.filter((r) => r.neighborhood !== truth.quartier.get(r.id))).toEqual([]);
    const wrong = rows.filter((r) => {
      const c = truth.contactOf.get(r.id);
      return (c === undefined ? null : c['support_level'] === '' ? null : Number(c['support_level'])) !== r.support || (c === undefined ? null : c['mobile_number']!.trim() || null) !== r.phone;
    });
    expect(wrong).toEqual([]);
    expect(truth.contactOf.size).toBeGreaterThan(4000);
    // The tallies status reads agree with the voters after the areas and the contacts moved them.
    const tally = await demo.query('SELECT neighborhood, precinct, support, voters FROM voter_tally WHERE voters <> 0 ORDER BY 1, 2, 3');
    const fresh = await demo.query("SELECT coalesce(neighborhood, '') AS neighborhood, coalesce(precinct, '') AS precinct, coalesce(support, 0) AS support, count(*) AS voters FROM voters GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
    expect(tally).toEqual(fresh);
    expect(first.stderr).toContain(`${num(truth.contactOf.size)} of`);
    expect(first.stderr).toContain(`${num(truth.ambiguous)} ambiguous`);
    expect(first.stderr).toContain('30 bureaux grouped into 20 quartiers');
  });

  it('keeps each check time as the watchers wrote it (Paris time, stored in UTC)', async () => {
    const rows = await demo.query<{ id: string; at: string }>('SELECT voter_id AS id, checked_at AS at FROM checks');
    const wrong = rows.filter((r) => truth.votedAt.get(r.id)?.toISOString() !== r.at);
    expect(wrong).toEqual([]);
  });

  it('shows the commands to try next, at the demo moment, and they work as printed', async () => {
    const db = pg ? `--db 'postgres://postgres@127.0.0.1:5432/test' --db-schema ${demo.args[3]}` : '--db turnout-demo.db';
    expect(first.stderr).toContain(`turnout ${db} status --at "${manifest.date} ${manifest.asOf}"`);
    expect(first.stderr).toMatch(/remind --under-mobilized/);
    const printed = first.stderr.split('\n').find((l) => l.includes(`${db} checks unmatched`))!;
    const command = printed.replace(/\s+#.*$/, '').trim();
    expect(command).toBe(`turnout ${db} checks unmatched`);
    // Its words as a shell reads them (single quotes only, as printed).
    const args = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(1).concat('--format', 'csv');
    const run = await runTurnout(args, { cwd: dir, env: OFFLINE });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1 + truth.unmatchedKeys.size);
  });

  it('keeps the demo database when run again without --force', async () => {
    const again = await runTurnout([...demo.args, 'demo'], { cwd: dir, env: OFFLINE });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already the demo database');
    expect(again.stderr).toContain('status --at');
  });

  it('rebuilds it with --force, twice in a row, to the same counts', async () => {
    const scribble = "DELETE FROM checks WHERE voter_id IN (SELECT voter_id FROM checks ORDER BY voter_id LIMIT 10)";
    if (pg) await demo.query(scribble);
    else {
      const db = new Database(path.join(dir, 'turnout-demo.db'));
      db.prepare(scribble).run();
      db.close();
    }
    const before = await counts(demo);
    expect(before.checks).toBe(truth.votedAt.size - 10);
    for (let i = 0; i < 2; i++) {
      const result = await runTurnout([...demo.args, 'demo', '--force'], { cwd: dir, env: OFFLINE });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('rebuilt');
      const after = await counts(demo);
      expect(after.voters).toBe(truth.voters.length);
      expect(after.checks).toBe(truth.votedAt.size);
      if (!pg) expect(fs.statSync(path.join(dir, 'turnout-demo.db')).mode & 0o777).toBe(0o600);
    }
  }, 120_000);

  it.skipIf(pg)('honours the global --db', async () => {
    const other = path.join(dir, 'elsewhere.db');
    const result = await runTurnout(['--db', other, 'demo', '--quiet'], { cwd: dir, env: OFFLINE });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect((await counts(sqliteTarget(other))).voters).toBe(truth.voters.length);
    const nowhere = await runTurnout(['--db', path.join(dir, 'no-such-folder', 'd.db'), 'demo'], { cwd: dir, env: OFFLINE });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('no-such-folder does not exist');
    expect(fs.readdirSync(dir).filter((f) => f.includes('.building-'))).toEqual([]);
  });

  it.skipIf(!pg)('on PostgreSQL without --db-schema: builds in turnout_demo, never in TURNOUT_DB_SCHEMA', async () => {
    const campaign = await backend.create(dir);
    schemas.push(campaign);
    const url = campaign.args[1]!;
    const inDemo = (sql: string) => campaign.query(sql.replace(/\bFROM (\w+)/, 'FROM turnout_demo.$1'));
    const existed = (await campaign.query("SELECT 1 FROM pg_namespace WHERE nspname = 'turnout_demo'")).length > 0;
    try {
      const result = await runTurnout(['--db', url, 'demo', '--quiet'], { cwd: dir, env: { ...OFFLINE, TURNOUT_DB_SCHEMA: campaign.args[3]! } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      expect((await inDemo('SELECT count(*) AS n FROM voters'))[0]).toEqual({ n: truth.voters.length });
      expect(await campaign.query('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()')).toEqual([]);
    } finally {
      if (!existed) await campaign.query('DROP SCHEMA IF EXISTS turnout_demo CASCADE');
    }
  }, 120_000);

  it('refuses to overwrite a database that is not a demo, even with --force, and leaves it as it was', async () => {
    let campaign: string[];
    let contents: () => Promise<string>;
    if (pg) {
      const db = await backend.create(dir);
      schemas.push(db);
      campaign = db.args;
      contents = () => db.dump();
    } else {
      const file = path.join(dir, 'campaign.db');
      campaign = ['--db', file];
      contents = async () => fs.readFileSync(file).toString('base64');
    }
    expect((await runTurnout([...campaign, 'init', '--region', 'FR', '--timezone', 'Europe/Paris'])).code).toBe(0);
    const before = await contents();
    for (const args of [['demo'], ['demo', '--force']]) {
      const result = await runTurnout([...campaign, ...args], { cwd: dir, env: OFFLINE });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('is not a demo database');
      expect(result.stderr).toContain('hint:');
      expect(await contents()).toBe(before);
    }
    if (pg) return;
    const notSqlite = path.join(dir, 'notes.txt');
    fs.writeFileSync(notSqlite, 'my notes\n');
    const result = await runTurnout(['--db', notSqlite, 'demo', '--force'], { cwd: dir, env: OFFLINE });
    expect(result.code).toBe(1);
    expect(fs.readFileSync(notSqlite, 'utf8')).toBe('my notes\n');
  });
});
