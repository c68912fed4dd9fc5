import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTurnout, tempDir } from '../helpers/cli.js';
import { call, startServer } from '../helpers/server.js';
import { seedElection } from '../helpers/seedStatus.js';

// 3,000 invented voters: precincts 101-103, list numbers 1-1000, support cycling 1-5.
const PRECINCTS = ['101', '102', '103'];
const HOODS: Record<string, string> = { '101': 'Nord', '102': 'Centre', '103': 'Sud' };
const voterId = (precinct: string, n: number): string => `V${precinct}-${String(n).padStart(4, '0')}`;

let dir: string;
let cleanup: () => void;
let db: string;
let teller: string;

function query<T>(sql: string): T[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(sql).all() as T[];
  } finally {
    conn.close();
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('turnout-serve-load-'));
  db = path.join(dir, 'election.db');
  const lines = ['id,first_name,last_name,phone,precinct,neighborhood,list_number,support'];
  for (const p of PRECINCTS) {
    for (let n = 1; n <= 1000; n++) lines.push(`${voterId(p, n)},Prenom${n},Nom${p},+3361234${p}${String(n).padStart(3, '0').slice(-3)},${p},${HOODS[p]},${n},${(n % 5) + 1}`);
  }
  fs.writeFileSync(path.join(dir, 'voters.csv'), `${lines.join('\n')}\n`);
  await seedElection(db, { voters: path.join(dir, 'voters.csv') });
  const link = await runTurnout(['--db', db, 'tellers', 'add', '--precinct', '101', '--precinct', '103', '--format', 'json']);
  teller = JSON.parse(link.stdout).token;
}, 60_000);
afterAll(() => cleanup());

describe('turnout serve beside other commands', () => {
  it('keeps every tally exact when checks are posted while import checks and remind run', async () => {
    const server = await startServer(db, ['--rate-limit', '0']);
    try {
      // The import: all of 102 by id, and 101's list numbers 501-700 (overlapping the teller's 1-600).
      const rows = ['precinct,list_number,checked_at'];
      for (let n = 1; n <= 1000; n++) rows.push(`102,${n},2026-03-15 10:00`);
      for (let n = 501; n <= 700; n++) rows.push(`101,${n},2026-03-15 10:30`);
      fs.writeFileSync(path.join(dir, 'checks.csv'), `${rows.join('\n')}\n`);
      const teller101 = Array.from({ length: 600 }, (_, i) => i + 1);
      const answers = new Map<string, string>();
      const post = async (worker: number): Promise<void> => {
        for (let i = worker * 10; i < teller101.length; i += 40) {
          const batch = teller101.slice(i, i + 10).map((n) => ({ id: `c${n}`, precinct: '101', list_number: String(n), checked_at: '2026-03-15T09:00:00Z' }));
          const answer = await call(`${server.url}/api/checks`, teller, { body: { checks: batch } });
          expect(answer.status, answer.text).toBe(200);
          for (const r of answer.body.results as Array<{ id: string; result: string }>) answers.set(r.id, r.result);
        }
      };
      const [imported, reminded] = await Promise.all([
        runTurnout(['--db', db, '--quiet', 'import', 'checks', path.join(dir, 'checks.csv')]),
        runTurnout(['--db', db, '--quiet', 'remind', '--format', 'csv', '--limit', '5000']),
        post(0),
        post(1),
        post(2),
        post(3),
      ]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(reminded.code, reminded.stderr).toBe(0);
      expect(answers.size).toBe(600);
      expect([...answers.values()].every((r) => r === 'recorded' || r === 'already')).toBe(true);

      // 101: 1-700 (teller 1-600, import 501-700), 102: all 1000.
      const byPrecinct = query<{ precinct: string; n: number }>(
        'SELECT v.precinct, count(*) AS n FROM checks c JOIN voters v ON v.id = c.voter_id GROUP BY v.precinct ORDER BY 1',
      );
      expect(byPrecinct).toEqual([{ precinct: '101', n: 700 }, { precinct: '102', n: 1000 }]);
      // The teller's 09:00 is earlier than the import's 10:30: the earliest time is kept either way.
      expect(query<{ n: number }>("SELECT count(*) AS n FROM checks c JOIN voters v ON v.id = c.voter_id WHERE v.precinct = '101' AND c.checked_at < '2026-03-15T09:00:01'")[0]!.n).toBe(600);
      // The tallies the status reads agree with a count of the checks themselves.
      const status = await runTurnout(['--db', db, 'status', '--format', 'json', '--support', '1-5']);
      const areas = JSON.parse(status.stdout) as Array<{ area: string; voted: number; supporters_voted: number }>;
      const counted = query<{ area: string; n: number }>(
        'SELECT v.neighborhood AS area, count(*) AS n FROM checks c JOIN voters v ON v.id = c.voter_id GROUP BY 1',
      );
      for (const { area, n } of counted) expect(areas.find((a) => a.area === area)?.voted, area).toBe(n);
      expect(areas.find((a) => a.area === '(total)')!.voted).toBe(1700);
      const api = await call(`${server.url}/api/me`, teller);
      expect(api.body.recorded).toEqual({ '101': 600 });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);

  it('shuts down gracefully: every check it acknowledged is in the database', async () => {
    const server = await startServer(db, ['--rate-limit', '0']);
    const acknowledged: string[] = [];
    let failures = 0;
    let next = 0;
    let firstAcks!: () => void;
    const someAcknowledged = new Promise<void>((resolve) => (firstAcks = resolve));
    // 20 phones sending one check after another; SIGTERM lands while many are in flight.
    const phone = async (): Promise<void> => {
      while (next < 300) {
        const i = next++;
        try {
          const answer = await call(`${server.url}/api/checks`, teller, { body: { checks: [{ id: `g${i}`, precinct: '103', list_number: String(i + 1) }] } });
          if (answer.status === 200 && answer.body.results[0].result === 'recorded') acknowledged.push(voterId('103', i + 1));
          else failures++;
        } catch {
          failures++; // refused or cut once the server closed: never acknowledged
        }
        if (acknowledged.length >= 20) firstAcks();
      }
    };
    const phones = Array.from({ length: 20 }, phone);
    await someAcknowledged;
    const code = await server.stop('SIGTERM');
    await Promise.all(phones);
    expect(code).toBe(0);
    expect(server.stderr()).toContain('stopped');
    expect(acknowledged.length).toBeGreaterThan(0);
    const stored = new Set(query<{ voter_id: string }>("SELECT voter_id FROM checks WHERE voter_id LIKE 'V103-%'").map((r) => r.voter_id));
    for (const id of acknowledged) expect(stored.has(id), id).toBe(true);
    expect(stored.size).toBe(acknowledged.length);
    expect(acknowledged.length + failures).toBe(300);
  }, 60_000);
});
