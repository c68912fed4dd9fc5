import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTurnout, tempDir } from '../helpers/cli.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

/**
 * Without a phone region (no `turnout init --region`, no --region), numbers written with the
 * international prefix "00" (`0033 6…`, `00 44 7…`) are read as +33… / +44…, by the voter
 * import and by the opt-out list alike; national numbers still cannot be read.
 */

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let dir: string;
let cleanup: () => void;
let db: TestDatabase;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('turnout-phone-00-'));
  db = await backend.create(dir);
  const init = await runTurnout([...db.args, 'init', '--timezone', 'Europe/Paris']);
  expect(init.code).toBe(0);
});
afterAll(async () => {
  await db.drop();
  cleanup();
});

describe('phones written with 00 and no region', () => {
  it('import voters reads 0033… and 00 44… as +33… and +44…, and says national numbers need a region', async () => {
    const file = path.join(dir, 'voters.csv');
    fs.writeFileSync(
      file,
      [
        'id,first_name,phone,support',
        'P1,Odile,0033 6 12 34 56 78,1',
        'P2,Gareth,00 44 7911 123456,1',
        'P3,Nadia,0033612345679,1',
        'P4,Joe,+1 212 555 0142,1',
        'P5,Inès,06 12 34 56 80,1',
      ].join('\n') + '\n',
    );
    const result = await runTurnout([...db.args, 'import', 'voters', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/phones invalid\s+1/);
    expect(result.stderr).toContain('only international numbers (+33…, 0033…) can be read');
    const exported = await runTurnout([...db.args, 'export', 'voters', '--format', 'json']);
    expect(exported.code).toBe(0);
    const phones = Object.fromEntries(
      (JSON.parse(exported.stdout) as Array<{ id: string; phone: string; phone_e164: string | null; phone_valid: number }>).map((v) => [
        v.id,
        [v.phone, v.phone_e164, v.phone_valid],
      ]),
    );
    expect(phones).toEqual({
      P1: ['0033 6 12 34 56 78', '+33612345678', 1],
      P2: ['00 44 7911 123456', '+447911123456', 1],
      P3: ['0033612345679', '+33612345679', 1],
      P4: ['+1 212 555 0142', '+12125550142', 1],
      P5: ['06 12 34 56 80', null, 0],
    });
  });

  it('optout add reads them the same way, so the voter written 0033… is never texted', async () => {
    const added = await runTurnout([...db.args, 'optout', 'add', '0033 6 12 34 56 78', '00 44 7911 123456']);
    expect(added.stderr).not.toContain('error');
    expect(added.code).toBe(0);
    const list = await runTurnout([...db.args, 'optout', 'list', '--format', 'json']);
    expect((JSON.parse(list.stdout) as Array<{ phone: string }>).map((o) => o.phone).sort()).toEqual(['+33612345678', '+447911123456']);
    const remind = await runTurnout([...db.args, 'remind', '--channel', 'call', '--format', 'json'], {
      env: { TURNOUT_NOW: '2026-03-15T15:00:00+01:00' },
    });
    expect(remind.code).toBe(0);
    expect((JSON.parse(remind.stdout) as Array<{ phone: string }>).map((r) => r.phone).sort()).toEqual(['+12125550142', '+33612345679']);
  });
});
});
