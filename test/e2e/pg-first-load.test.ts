/**
 * A first load on PostgreSQL drops the voters' secondary indexes and the tally trigger and makes
 * them again at the end, in the import's transaction (src/store/pg/voters.ts). These check what a
 * user cannot see directly: that the schema is whole again afterwards, after a failure too, and
 * that the tally written from the reader's count is the one the trigger would have kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

const backends = (await testBackends()).filter((b) => b.name === 'postgres');

describe.skipIf(backends.length === 0).each(backends)('on $name', (backend) => {
  let dir: string;
  let cleanup: () => void;
  let db: TestDatabase;

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir('turnout-first-load-'));
    db = await backend.create(dir);
    const init = await turnout(['init', '--region', 'FR', '--timezone', 'Europe/Paris', '--quiet']);
    expect(init.code, init.stderr).toBe(0);
  });
  afterEach(async () => {
    await db.drop();
    cleanup();
  });

  const turnout = (args: string[]) => runTurnout([...db.args, ...args]);

  /** The voters' indexes and triggers, as the catalog has them. */
  const schemaOfVoters = async (): Promise<unknown> => ({
    indexes: await db.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'voters' ORDER BY 1"),
    triggers: await db.query("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'voters'::regclass AND NOT tgisinternal ORDER BY 1"),
  });

  /** voter_tally against a count of the voters grouped as the trigger groups them: equal when exact. */
  const tallyMismatches = async (): Promise<unknown[]> =>
    db.query(`SELECT * FROM (
                SELECT coalesce(neighborhood, '') AS neighborhood, coalesce(precinct, '') AS precinct, coalesce(support, 0) AS support, count(*)::bigint AS voters FROM voters GROUP BY 1, 2, 3
              ) v FULL JOIN (SELECT * FROM voter_tally WHERE voters <> 0) t USING (neighborhood, precinct, support)
              WHERE v.voters IS DISTINCT FROM t.voters`);

  it('makes the indexes and the tally trigger again after a first load, and the next import is counted by the trigger', async () => {
    const before = await schemaOfVoters();
    expect(JSON.stringify(before)).toContain('voters_precinct_list');
    const first = await turnout(['import', 'voters', path.join(FIXTURES, 'status-voters.csv')]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/inserted\s+475\n/);
    expect(await schemaOfVoters()).toEqual(before);
    expect(await tallyMismatches()).toEqual([]);

    // A second import goes through the trigger: two new voters, one who moved.
    const [header, second] = fs.readFileSync(path.join(FIXTURES, 'status-voters.csv'), 'utf8').split('\n');
    const moved = second!.split(',');
    moved[3] = 'Belsunce';
    const next = path.join(dir, 'next.csv');
    fs.writeFileSync(next, [header, moved.join(','), 'NEW-1,Ana,Nouvelle,Noailles,1301,1,Nord', 'NEW-2,Bob,Nouveau,Noailles,1301,2,Nord', ''].join('\n'));
    const again = await turnout(['import', 'voters', next]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/inserted\s+2\n\s+updated\s+1\n/);
    expect(await tallyMismatches()).toEqual([]);
  });

  it('leaves the indexes and the trigger in place when a first load fails midway', async () => {
    const before = await schemaOfVoters();
    const lines = fs.readFileSync(path.join(FIXTURES, 'status-voters.csv'), 'utf8').trimEnd().split('\n');
    const broken = path.join(dir, 'broken.csv');
    fs.writeFileSync(broken, [...lines, 'P999,"Ana,Broken,Le Panier,1301,1,Nord', ''].join('\n'));
    const failed = await turnout(['import', 'voters', broken]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/a quoted field is never closed/);
    expect(await schemaOfVoters()).toEqual(before);
    expect(await db.query('SELECT count(*) AS n FROM voters')).toEqual([{ n: 0 }]);
    expect(await db.query('SELECT count(*) AS n FROM voter_tally WHERE voters <> 0')).toEqual([{ n: 0 }]);
  });
});
