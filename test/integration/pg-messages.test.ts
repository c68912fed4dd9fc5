/**
 * The PostgreSQL message log where the sender leans on it hardest (answers handled several at a
 * time on one connection), the reminder log read page by page, and watch's memory of files
 * (skipped, and said so, when no server answers; required when TURNOUT_TEST_PG is set).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connectPostgres, type PgDb } from '../../src/store/pg/connect.js';
import { migratePostgres } from '../../src/store/pg/migrations.js';
import { pgMessageLog, pgReminderLogStore } from '../../src/store/pg/messages.js';
import { pgImportedFilesStore } from '../../src/store/pg/importedFiles.js';
import type { ClaimRequest } from '../../src/app/sendReminders.js';
import { DEFAULT_PG_URL, testBackends } from '../helpers/backends.js';

const pgBackend = (await testBackends()).find((b) => b.name === 'postgres');
const URL = process.env.TURNOUT_TEST_PG && /^postgres/.test(process.env.TURNOUT_TEST_PG) ? process.env.TURNOUT_TEST_PG : DEFAULT_PG_URL;
const NOW = '2026-03-15T14:00:00.000Z';

const schemas: string[] = [];
const open: PgDb[] = [];
let n = 0;
async function fresh(): Promise<PgDb> {
  const schema = `turnout_messages_${process.pid}_${n++}`;
  schemas.push(schema);
  const db = await connectPostgres(URL, { schema });
  open.push(db);
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await migratePostgres(db);
  return db;
}
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});
afterAll(async () => {
  if (!pgBackend) return;
  const db = await connectPostgres(URL);
  for (const s of schemas) await db.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await db.close();
});

const request = (phone: string): ClaimRequest => ({ runId: 'r1', phone, voterIds: [], body: 'Bonjour', segments: 1, encoding: 'GSM-7', sender: '+33700000042', now: NOW });

async function claim(db: PgDb, phones: string[]): Promise<number[]> {
  const results = await pgMessageLog(db).claimMany(phones.map(request));
  return results.map((r) => (r.kind === 'claimed' ? r.id : Number.NaN));
}

describe.skipIf(!pgBackend)('PostgreSQL message log', () => {
  it('two answers with the same SID handled at once: the first keeps it, the second is told who holds it', async () => {
    const db = await fresh();
    const log = pgMessageLog(db);
    const [a, b] = await claim(db, ['+33612340001', '+33612340002']);
    const SID = 'SM' + '5a'.repeat(16);
    // As the sender does for two answers in flight: both look, then each records.
    const [holderA, holderB] = await Promise.all([log.sidHolder(SID, a!), log.sidHolder(SID, b!)]);
    expect(holderA).toBeUndefined();
    expect(holderB).toBe(a);
    await Promise.all([log.accepted(a!, SID, 'queued', NOW), log.acceptedUntracked(b!, 'queued', `accepted with SID ${SID}, held by ${holderB}`, NOW)]);
    expect((await db.query('SELECT id, status, sid FROM messages ORDER BY id')).rows).toEqual([
      { id: a, status: 'queued', sid: SID },
      { id: b, status: 'queued', sid: null },
    ]);
    // Once written, the database answers.
    expect(await log.sidHolder(SID, b!)).toBe(a);
  });

  it('accepted() with a SID another message took meanwhile (sync, elsewhere) records the message sent, without it, and says why', async () => {
    const db = await fresh();
    const log = pgMessageLog(db);
    const [a, b] = await claim(db, ['+33612340011', '+33612340012']);
    const SID = 'SM' + '6b'.repeat(16);
    await log.accepted(a!, SID, 'queued', NOW);
    await log.accepted(b!, SID, 'sent', NOW);
    expect((await db.query('SELECT id, status, sid, error_message, sent_at FROM messages ORDER BY id')).rows).toEqual([
      { id: a, status: 'queued', sid: SID, error_message: null, sent_at: NOW },
      { id: b, status: 'sent', sid: null, error_message: `accepted with SID ${SID}, which the provider had already given to message ${a}: recorded without it`, sent_at: NOW },
    ]);
  });

  it('writes given all at once run one after the other, without pg warning that the connection is busy', async () => {
    const db = await fresh();
    const log = pgMessageLog(db);
    const ids = await claim(db, Array.from({ length: 20 }, (_, i) => `+336123401${String(i).padStart(2, '0')}`));
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await Promise.all(ids.flatMap((id, i) => [log.attempt(id, NOW), log.accepted(id, `SM${String(i).padStart(32, '0')}`, 'queued', NOW)]));
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
    expect((await db.query("SELECT count(*) AS n, sum(attempts) AS attempts FROM messages WHERE status = 'queued'")).rows).toEqual([{ n: 20, attempts: 40 }]);
  });

  it('streams a reminder log longer than a page, every row once, oldest first, filters applied on every page', async () => {
    const db = await fresh();
    await db.query(
      `INSERT INTO messages (run_id, phone, body, segments, encoding, status, created_at, updated_at)
       SELECT 'r', '+3361' || lpad(i::text, 7, '0'), 'b', 1, 'GSM-7', CASE WHEN i % 3 = 0 THEN 'failed' ELSE 'delivered' END, $1, $1
       FROM generate_series(1, 12001) AS i`,
      [NOW],
    );
    const store = pgReminderLogStore(db);
    const ids: number[] = [];
    for await (const row of store.rows({})) ids.push(row.id);
    expect(ids).toHaveLength(12001);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    let failed = 0;
    for await (const row of store.rows({ status: ['failed'] })) if (row.status === 'failed') failed++;
    expect(failed).toBe(4000);
    expect(await store.counts({})).toEqual([
      { status: 'delivered', error_code: null, count: 8001 },
      { status: 'failed', error_code: null, count: 4000 },
    ]);
  });

  it("watch's memory of files: a content refused, then imported, counts as imported; an imported one is never marked bad", async () => {
    const db = await fresh();
    const files = pgImportedFilesStore(db);
    expect(await files.known('h1')).toBeUndefined();
    await files.recordBad({ hash: 'h1', name: 'a.csv', size: 10, at: NOW, error: 'no voter id column' });
    expect(await files.known('h1')).toEqual({ outcome: 'bad', name: 'a.csv', error: 'no voter id column' });
    await files.record({ hash: 'h1', name: 'b.csv', size: 10, importedAt: NOW, summary: { read: 1 } });
    expect(await files.known('h1')).toEqual({ outcome: 'imported' });
    await files.recordBad({ hash: 'h1', name: 'c.csv', size: 10, at: NOW, error: 'x' });
    await files.record({ hash: 'h1', name: 'd.csv', size: 10, importedAt: NOW, summary: { read: 2 } });
    expect((await db.query('SELECT name, size, summary FROM imported_files')).rows).toEqual([{ name: 'b.csv', size: 10, summary: '{"read":1}' }]);
  });
});
