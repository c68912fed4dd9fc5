import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAGGING, SMALL_AND_LOW } from '../bench/city.js';
import { demoTruth, readManifest } from '../bench/demo-files.js';
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

function counts(file: string): { voters: number; voted: number; checks: number; unmatched: number; demo: string | undefined } {
  const db = new Database(file, { readonly: true });
  try {
    const one = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    return {
      voters: one('SELECT count(*) AS n FROM voters'),
      voted: one('SELECT count(*) AS n FROM voters v WHERE EXISTS (SELECT 1 FROM checks c WHERE c.voter_id = v.id)'),
      checks: one('SELECT count(*) AS n FROM checks'),
      unmatched: one('SELECT count(*) AS n FROM unmatched_checks'),
      demo: (db.prepare("SELECT value FROM settings WHERE key = 'demo'").get() as { value: string } | undefined)?.value,
    };
  } finally {
    db.close();
  }
}

const num = (n: number): string => n.toLocaleString('en-US');

describe('turnout demo', () => {
  let dir: string;
  let cleanup: () => void;
  let first: RunResult;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('turnout-demo-'));
    // Run from an unrelated folder, with TURNOUT_DB pointing at a "real" database that must stay untouched.
    first = await runTurnout(['demo'], { cwd: dir, env: { ...OFFLINE, TURNOUT_DB: path.join(dir, 'campaign.db') } });
  });
  afterAll(() => cleanup());

  it('builds ./turnout-demo.db (mode 0600) in the current folder from the packaged fixtures, offline', () => {
    expect(first.stderr).not.toMatch(/error:/);
    expect(first.code).toBe(0);
    const db = path.join(dir, 'turnout-demo.db');
    expect(fs.statSync(db).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dir, 'campaign.db'))).toBe(false);
  });

  it('ends on the status table, the call sheet of the most under-mobilized quartier and a dry-run SMS', () => {
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
    const db = new Database(path.join(dir, 'turnout-demo.db'), { readonly: true });
    try {
      for (const [id, , , area] of calls) {
        expect(area).toBe(worst);
        const voter = db.prepare('SELECT v.support, c.checked_at AS voted_at FROM voters v LEFT JOIN checks c ON c.voter_id = v.id WHERE v.id = ?').get(id) as { support: number; voted_at: string | null };
        expect([1, 2]).toContain(voter.support);
        expect(voter.voted_at === null || voter.voted_at > new Date(manifest.asOfInstant).toISOString()).toBe(true);
      }
      expect((db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n).toBe(0);
    } finally {
      db.close();
    }
    const smsHeader = lines.findIndex((l) => l.startsWith('phone,voter_ids,names,area,encoding,segments,body'));
    expect(smsHeader).toBeGreaterThan(callHeader);
    const sms = first.stdout.slice(first.stdout.indexOf('phone,voter_ids'));
    expect(sms.match(/^\+33\d{9},/gm)).toHaveLength(3);
    expect(sms.match(/Répondez STOP/g)).toHaveLength(3);
  });

  it('imports every voter and check of the files, and prints the counts it did', () => {
    const db = counts(path.join(dir, 'turnout-demo.db'));
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

  it('places every voter of the REU export in its quartier through the bureaux map, and links the contacts by name and birth date', () => {
    const db = new Database(path.join(dir, 'turnout-demo.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT id, neighborhood, support, phone FROM voters').all() as Array<{ id: string; neighborhood: string | null; support: number | null; phone: string | null }>;
      expect(rows.filter((r) => r.neighborhood !== truth.quartier.get(r.id))).toEqual([]);
      const wrong = rows.filter((r) => {
        const c = truth.contactOf.get(r.id);
        return (c === undefined ? null : c['support_level'] === '' ? null : Number(c['support_level'])) !== r.support || (c === undefined ? null : c['mobile_number']!.trim() || null) !== r.phone;
      });
      expect(wrong).toEqual([]);
      expect(truth.contactOf.size).toBeGreaterThan(4000);
      // The tallies status reads agree with the voters after the areas and the contacts moved them.
      const tally = db.prepare("SELECT neighborhood, precinct, support, voters FROM voter_tally WHERE voters <> 0 ORDER BY 1, 2, 3").all();
      const fresh = db.prepare("SELECT ifnull(neighborhood, '') AS neighborhood, ifnull(precinct, '') AS precinct, ifnull(support, 0) AS support, count(*) AS voters FROM voters GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").all();
      expect(tally).toEqual(fresh);
    } finally {
      db.close();
    }
    expect(first.stderr).toContain(`${num(truth.contactOf.size)} of`);
    expect(first.stderr).toContain(`${num(truth.ambiguous)} ambiguous`);
    expect(first.stderr).toContain('30 bureaux grouped into 20 quartiers');
  });

  it('keeps each check time as the watchers wrote it (Paris time, stored in UTC)', () => {
    const db = new Database(path.join(dir, 'turnout-demo.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT voter_id AS id, checked_at AS at FROM checks').all() as Array<{ id: string; at: string }>;
      const wrong = rows.filter((r) => truth.votedAt.get(r.id)?.toISOString() !== r.at);
      expect(wrong).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('shows the commands to try next, at the demo moment', () => {
    expect(first.stderr).toContain(`--db turnout-demo.db status --at "${manifest.date} ${manifest.asOf}"`);
    expect(first.stderr).toMatch(/remind --under-mobilized/);
  });

  it('keeps the demo database when run again without --force', async () => {
    const again = await runTurnout(['demo'], { cwd: dir, env: OFFLINE });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already the demo database');
    expect(again.stderr).toContain('status --at');
  });

  it('rebuilds it with --force, twice in a row, to the same counts', async () => {
    const file = path.join(dir, 'turnout-demo.db');
    const scribble = new Database(file);
    scribble.prepare("DELETE FROM checks WHERE voter_id IN (SELECT voter_id FROM checks LIMIT 10)").run();
    scribble.close();
    const before = counts(file);
    expect(before.checks).toBe(truth.votedAt.size - 10);
    for (let i = 0; i < 2; i++) {
      const result = await runTurnout(['demo', '--force'], { cwd: dir, env: OFFLINE });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('rebuilt');
      const after = counts(file);
      expect(after.voters).toBe(truth.voters.length);
      expect(after.checks).toBe(truth.votedAt.size);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    }
  });

  it('honours the global --db', async () => {
    const other = path.join(dir, 'elsewhere.db');
    const result = await runTurnout(['--db', other, 'demo', '--quiet'], { cwd: dir, env: OFFLINE });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(counts(other).voters).toBe(truth.voters.length);
    const nowhere = await runTurnout(['--db', path.join(dir, 'no-such-folder', 'd.db'), 'demo'], { cwd: dir, env: OFFLINE });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('no-such-folder does not exist');
    expect(fs.readdirSync(dir).filter((f) => f.includes('.building-'))).toEqual([]);
  });

  it('refuses to overwrite a database that is not a demo, even with --force, and leaves it as it was', async () => {
    const campaign = path.join(dir, 'campaign.db');
    expect((await runTurnout(['--db', campaign, 'init', '--region', 'FR', '--timezone', 'Europe/Paris'])).code).toBe(0);
    const bytes = fs.readFileSync(campaign);
    for (const args of [['demo'], ['demo', '--force']]) {
      const result = await runTurnout(['--db', campaign, ...args], { cwd: dir, env: OFFLINE });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('is not a demo database');
      expect(result.stderr).toContain('hint:');
      expect(fs.readFileSync(campaign).equals(bytes)).toBe(true);
    }
    const notSqlite = path.join(dir, 'notes.txt');
    fs.writeFileSync(notSqlite, 'my notes\n');
    const result = await runTurnout(['--db', notSqlite, 'demo', '--force'], { cwd: dir, env: OFFLINE });
    expect(result.code).toBe(1);
    expect(fs.readFileSync(notSqlite, 'utf8')).toBe('my notes\n');
  });
});
