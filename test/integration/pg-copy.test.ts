/**
 * `turnout copy`'s store: a campaign written on SQLite (voters with extras, checks, unmatched
 * checks, messages, opt-outs) goes to PostgreSQL and back to a new SQLite file; every table keeps
 * its rows and status counts the same on all three. Skipped (and said so) without a server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AreaSupportCount } from '../../src/app/computeStatus.js';
import { VOTER_ROW_COLUMNS } from '../../src/core/voterRecord.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { checkImportStore } from '../../src/store/checks.js';
import { statusStore } from '../../src/store/status.js';
import { voterImportStore } from '../../src/store/voters.js';
import { messageLog } from '../../src/store/messages.js';
import { optoutStore } from '../../src/store/optouts.js';
import { connectPostgres } from '../../src/store/pg/connect.js';
import { migratePostgres } from '../../src/store/pg/migrations.js';
import { copyPgToSqlite, copySqliteToPg } from '../../src/store/pg/copyDatabase.js';
import { pgStatusStore } from '../../src/store/pg/status.js';
import { tallyOf } from '../helpers/tally.js';
import { testBackends } from '../helpers/backends.js';
import { voterRowsFor } from '../helpers/voterRows.js';

const pgBackend = (await testBackends()).find((b) => b.name === 'postgres');
const URL = process.env.TURNOUT_TEST_PG && /^postgres/.test(process.env.TURNOUT_TEST_PG) ? process.env.TURNOUT_TEST_PG : 'postgres://postgres@127.0.0.1:5432/test';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'turnout-copy-'));
const schema = `turnout_copy_${process.pid}`;
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (!pgBackend) return;
  const db = await connectPostgres(URL);
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.close();
});

function seed(db: Db): void {
  const voters = voterImportStore(db);
  voters.begin();
  voters.bulkLoad('before');
  voters.addExtraColumns(['Bureau', 'Note']);
  const values: Array<string | null> = [];
  for (let i = 0; i < 300; i++) {
    const row: Record<string, string | null> = {
      id: `V${String(i).padStart(3, '0')}`,
      first_name: i % 7 === 0 ? 'Zoé\ttab' : `Prénom ${i}`,
      last_name: `Nom "${i}"\nligne`,
      phone_e164: i % 3 === 0 ? null : `+336${String(10000000 + i)}`,
      phone_valid: i % 3 === 0 ? null : '1',
      neighborhood: ['Nord', 'Sud', null][i % 3]!,
      precinct: `P${i % 5}`,
      list_number: String(i),
      support: i % 4 === 0 ? null : String((i % 5) + 1),
      turnout_score: i % 2 ? String(i / 4) : null,
      extra: i % 2 ? JSON.stringify({ Bureau: `B${i % 3}`, Note: 'a\\b' }) : null,
    };
    for (const c of VOTER_ROW_COLUMNS) values.push(row[c] ?? null);
  }
  voters.voterWriter([...VOTER_ROW_COLUMNS], ['Bureau', 'Note'])(voterRowsFor(voters.batchForm, VOTER_ROW_COLUMNS.length)(values, 300));
  voters.bulkLoad('after', tallyOf(values, 300, VOTER_ROW_COLUMNS));
  voters.commit();
  const checks = checkImportStore(db);
  checks.begin();
  for (let i = 0; i < 300; i += 3) {
    checks.record({ target: { voterId: `V${String(i).padStart(3, '0')}` }, checkedAt: `2026-03-15T${String(8 + (i % 10)).padStart(2, '0')}:1${i % 10}:00.000Z`, source: 'bureau', file: 'c.csv', line: i + 2, recordedAt: '2026-03-15T19:00:00.000Z' });
  }
  checks.record({ target: { voterId: 'NOBODY' }, checkedAt: '2026-03-15T10:00:00.000Z', source: null, file: 'c.csv', line: 999, recordedAt: '2026-03-15T19:00:00.000Z' });
  checks.commit();
  const log = messageLog(db);
  const claimed = log.claimMany([{ runId: 'r1', phone: '+33610000001', voterIds: ['V001'], body: 'Allez voter !', segments: 1, encoding: 'GSM-7', sender: '+15550001', now: '2026-03-15T12:00:00.000Z', since: undefined }]);
  if (claimed[0]!.kind === 'claimed') log.accepted(claimed[0]!.id, 'SM123', 'sent', '2026-03-15T12:00:01.000Z');
  log.flush();
  void optoutStore(db).add('+33610000002', 'manual', '2026-03-15T11:00:00.000Z');
  // A serve link: its token is kept as a BLOB (SHA-256), bytea on PostgreSQL.
  db.prepare("INSERT INTO field_tokens (role, name, token_hash, created_at) VALUES ('teller', 'Bureau 1', ?, '2026-03-15T07:00:00.000Z')").run(
    Buffer.from('00ff10a0' + 'ab'.repeat(28), 'hex'),
  );
}

const sorted = (rows: AreaSupportCount[]) => rows.map((r) => ({ ...r, area: r.area ?? '' })).sort((a, b) => `${a.area}|${a.support}`.localeCompare(`${b.area}|${b.support}`));
const dump = (db: Db, table: string) => db.prepare(`SELECT * FROM "${table}" ORDER BY 1, 2`).all();

describe.skipIf(!pgBackend)('turnout copy (store)', () => {
  it('moves every table to PostgreSQL and back with equal counts and equal status', async () => {
    const first = openDatabase(path.join(dir, 'first.db'));
    seed(first);
    const pg = await connectPostgres(URL, { schema });
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await migratePostgres(pg);
    const there = await copySqliteToPg(first, pg);
    expect(there.tables.find((t) => t.table === 'voters')).toEqual({ table: 'voters', source: 300, target: 300 });
    expect(there.tables.every((t) => t.source === t.target)).toBe(true);
    expect(there).toMatchObject({ voters: 300, votes: 100 });
    for (const at of ['2026-03-15T12:30:00.000Z', '2026-03-15T20:00:00.000Z']) {
      expect(sorted(await pgStatusStore(pg).areaSupportCounts('neighborhood', at))).toEqual(sorted(statusStore(first).areaSupportCounts('neighborhood', at)));
    }
    // A second copy into the same schema is refused: it never merges into a campaign.
    await expect(copySqliteToPg(first, pg)).rejects.toThrow(/already holds a campaign/);

    const back = openDatabase(path.join(dir, 'back.db'));
    const report = await copyPgToSqlite(pg, back, 'back.db');
    expect(report).toMatchObject({ voters: 300, votes: 100 });
    for (const table of ['settings', 'voter_columns', 'voters', 'checks', 'unmatched_checks', 'messages', 'message_voters', 'optouts', 'voter_tally', 'vote_tally', 'field_tokens']) {
      expect(dump(back, table), table).toEqual(dump(first, table));
    }
    await pg.close();
    first.close();
    back.close();
  });
});
