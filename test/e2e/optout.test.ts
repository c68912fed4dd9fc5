import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

const NOW = '2026-03-15T16:00:00.000Z';
const env = { TURNOUT_NOW: NOW };

// The same tests on every backend this run has (SQLite always; PostgreSQL when it answers).
describe.each(await testBackends())('on $name', (backend) => {
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** The temporary folder of the current test's election. */
let folder = '';

async function newElection(): Promise<TestDatabase> {
  const tmp = tempDir('turnout-optout-');
  folder = tmp.dir;
  const db = await backend.create(tmp.dir);
  cleanup = async () => {
    await db.drop();
    tmp.cleanup();
  };
  const init = await runTurnout([...db.args, 'init', '--region', 'FR', '--timezone', 'Europe/Paris']);
  expect(init.code).toBe(0);
  return db;
}

function optouts(db: TestDatabase): Promise<Array<{ phone: string; source: string; created_at: string }>> {
  return db.query('SELECT phone, source, created_at FROM optouts ORDER BY phone');
}

function optout(db: TestDatabase, args: string[], input?: string | Buffer) {
  return runTurnout([...db.args, 'optout', ...args], { env, input });
}

describe('turnout optout add / remove', () => {
  it('stores numbers in E.164 read in the database region, once each', async () => {
    const db = await newElection();
    const add = await optout(db, ['add', '06 12 34 56 10', '+33 6 12 34 56 10', '0033612345604', '+44 7911 123456']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe('');
    expect(add.stderr).toContain('3 numbers added to the opt-out list');
    const again = await optout(db, ['add', '0612345604']);
    expect(again.stderr).toContain('0 numbers added to the opt-out list (1 already there)');
    expect(await optouts(db)).toEqual([
      { phone: '+33612345604', source: 'manual', created_at: NOW },
      { phone: '+33612345610', source: 'manual', created_at: NOW },
      { phone: '+447911123456', source: 'manual', created_at: NOW },
    ]);

    const remove = await optout(db, ['remove', '06.12.34.56.04', '0699999999']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stderr).toContain('1 number removed from the opt-out list (1 not in it)');
    expect(remove.stderr).toContain('not in the opt-out list: +33699999999');
    expect((await optouts(db)).map((o) => o.phone)).toEqual(['+33612345610', '+447911123456']);
  });

  it('refuses a number it cannot read, naming it, and adds nothing (exit 1)', async () => {
    const db = await newElection();
    const result = await optout(db, ['add', '0612345610', 'twelve']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: "twelve" is not a phone number (read in region FR)');
    expect(result.stderr).toContain('hint:');
    expect(await optouts(db)).toEqual([]);
  });
});

describe('turnout optout import', () => {
  it('reads a semicolon CSV with a French "Téléphone" header', async () => {
    const db = await newElection();
    await optout(db, ['add', '06 12 34 56 10']);
    const result = await optout(db, ['import', path.join(FIXTURES, 'remind-optouts.csv')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('2 numbers added to the opt-out list from column "Téléphone" (1 already there)');
    expect(await optouts(db)).toEqual([
      { phone: '+33612345604', source: 'file:remind-optouts.csv', created_at: NOW },
      { phone: '+33612345610', source: 'manual', created_at: NOW },
      { phone: '+447911123456', source: 'file:remind-optouts.csv', created_at: NOW },
    ]);
  });

  it('reads a Windows-1252 file from stdin, and a bare list of numbers without header', async () => {
    const db = await newElection();
    const latin = iconv.encode('Prénom,Numéro de téléphone\r\nAndré,06 12 34 56 01\r\nRené,\r\n', 'win1252');
    const first = await optout(db, ['import', '-'], latin);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('1 number added to the opt-out list from column "Numéro de téléphone"; 1 row without a number skipped');
    const bare = await optout(db, ['import', '-'], '0612345602\n+33612345603\n');
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toContain('2 numbers added to the opt-out list from a list without header');
    expect((await optouts(db)).map((o) => [o.phone, o.source])).toEqual([
      ['+33612345601', 'file:stdin'],
      ['+33612345602', 'file:stdin'],
      ['+33612345603', 'file:stdin'],
    ]);
  });

  it('records the readable numbers, names each unreadable one with file:line:column, and exits 1', async () => {
    const db = await newElection();
    const result = await optout(db, ['import', '-'], 'name,mobile\nA,0612345601\nB,06 12 34\nC,07 51 31 30 45\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: stdin:3:2: "06 12 34" is not a phone number');
    expect(result.stderr).toContain('1 number could not be read and is NOT opted out');
    expect((await optouts(db)).map((r: { phone: string }) => r.phone).sort()).toEqual(['+33612345601', '+33751313045']);
  });

  it('asks for --column when no header names a phone, and uses it', async () => {
    const db = await newElection();
    const csv = 'From,Body\n+33612345601,STOP\n';
    const missing = await optout(db, ['import', '-'], csv.replace('+33612345601', 'Marc'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no phone column found');
    expect(missing.stderr).toContain('"From", "Body"');
    const named = await optout(db, ['import', '-', '--column', 'from'], csv);
    expect(named.code, named.stderr).toBe(0);
    expect((await optouts(db)).map((o) => o.phone)).toEqual(['+33612345601']);
    const wrong = await optout(db, ['import', '-', '--column', 'Phone'], csv);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('the file has no column "Phone"');
  });

  it('reports a broken CSV with its line', async () => {
    const db = await newElection();
    const result = await optout(db, ['import', '-'], 'phone\n"0612345601\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: stdin:2:1: a quoted field is never closed');
  });
});

describe('turnout optout list / export', () => {
  it('prints the list in every format, and export to a 0600 file', async () => {
    const db = await newElection();
    await optout(db, ['add', '+447911123456', '0612345610']);
    const list = await optout(db, ['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe(`phone,source,created_at\n+33612345610,manual,${NOW}\n+447911123456,manual,${NOW}\n`);
    const json = await optout(db, ['list', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { phone: '+33612345610', source: 'manual', created_at: NOW },
      { phone: '+447911123456', source: 'manual', created_at: NOW },
    ]);
    const ndjson = await optout(db, ['export', '--format', 'ndjson']);
    expect(ndjson.stdout.trim().split('\n').map((l) => JSON.parse(l).phone)).toEqual(['+33612345610', '+447911123456']);
    const file = path.join(folder, 'optouts.csv');
    const exported = await optout(db, ['export', '--out', file]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toBe(list.stdout);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps opted-out numbers off SMS and call lists but not off the walk list', async () => {
    const db = await newElection();
    for (const kind of ['voters', 'checks']) {
      const result = await runTurnout([...db.args, 'import', kind, path.join(FIXTURES, `remind-${kind}.csv`)]);
      expect(result.code, result.stderr).toBe(0);
    }
    const imported = await optout(db, ['import', path.join(FIXTURES, 'remind-optouts.csv')]);
    expect(imported.code).toBe(0);
    for (const channel of ['sms', 'call']) {
      const result = await runTurnout([...db.args, 'remind', '--channel', channel, '--area', 'Belsunce', '--format', 'ndjson'], { env });
      const ids = result.stdout.trim().split('\n').map((l) => JSON.parse(l).id);
      expect(ids).not.toContain('B04');
      expect(ids).not.toContain('B10');
      expect(result.stderr).toContain('2 opted out');
    }
    const door = await runTurnout([...db.args, 'remind', '--channel', 'door', '--area', 'Belsunce', '--format', 'ndjson'], { env });
    expect(door.stdout).toContain('"B04"');
  });
});
});
