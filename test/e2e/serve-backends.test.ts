/**
 * `turnout tellers`, `turnout staff` and `turnout serve` on every backend (SQLite always,
 * PostgreSQL when it answers): the same links, answers, status and events, through the built CLI
 * and a real server process. serve.test.ts covers the rest of the server on SQLite; this file
 * holds what must be equal on both engines, and PostgreSQL's own faults (a database that goes away).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { call, listenEvents, startServer, type RunningServer, type StreamEvent } from '../helpers/server.js';
import { seedElection } from '../helpers/seedStatus.js';
import { testBackends, type TestDatabase } from '../helpers/backends.js';

const NOW = { TURNOUT_NOW: '2026-03-15T15:00:00Z' };
// remind-voters.csv: precinct 101 (Belsunce) list numbers 11-21, 102 (Panier) 1-5, 201 (Noailles) 1-4.

async function waitFor(test: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await test()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return test();
}

const total = (rows: Array<{ area: string | null; voted: number }>): number => rows.find((a) => a.area === '(total)')!.voted;

describe.each(await testBackends())('serve, tellers and staff on $name', (backend) => {
  let dir: string;
  let cleanup: () => void;
  let db: TestDatabase;
  let server: RunningServer;
  let ana: string;
  let staff: string;

  const turnout = (args: string[], env: Record<string, string> = {}) => runTurnout([...db.args, ...args], { env: { ...NOW, ...env } });
  const issue = async (args: string[]): Promise<{ token: string; url: string; name: string }> => {
    const result = await turnout([...args, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  const checkRows = (voter: string) => db.query<{ n: number }>('SELECT count(*) AS n FROM checks WHERE voter_id = ?', voter);

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('turnout-serve-backends-'));
    db = await backend.create(dir);
    await seedElection(db.args, { voters: path.join(FIXTURES, 'remind-voters.csv') });
    ana = (await issue(['tellers', 'add', '--precinct', '101', '--name', 'Ana', '--public-url', 'https://gotv.example.org'])).token;
    staff = (await issue(['staff', 'add', '--name', 'HQ desk'])).token;
    server = await startServer(db.args, [], NOW);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    cleanup?.();
  });

  it('issues, lists and revokes links; only the tokens\' hashes are stored', async () => {
    const link = await issue(['tellers', 'add', '--precinct', '102', '--name', 'Bo']);
    expect(link.url).toBe(`https://gotv.example.org/t/${link.token}`);
    const dump = await db.dump();
    expect(dump).not.toContain(link.token);
    expect(dump).not.toContain(ana);
    const list = await turnout(['tellers', 'list', '--format', 'json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).not.toContain(link.token);
    expect(JSON.parse(list.stdout).map((r: { name: string; state: string }) => `${r.name}:${r.state}`)).toEqual(['Ana:active', 'Bo:active']);
    const revoked = await turnout(['tellers', 'revoke', link.url]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await call(`${server.url}/api/me`, link.token)).status).toBe(401);
    const again = await turnout(['tellers', 'revoke', 'Bo']);
    expect(again.code).toBe(2);
    const staffList = JSON.parse((await turnout(['staff', 'list', '--format', 'json'])).stdout) as Array<{ name: string; state: string }>;
    expect(staffList).toMatchObject([{ name: 'HQ desk', state: 'active' }]);
  });

  it('records, answers a retry with its first answer, keeps unknown numbers, refuses other precincts, undoes', async () => {
    const body = {
      checks: [
        { id: 'c1', precinct: '101', list_number: '11', checked_at: '2026-03-15 15:40' },
        { id: 'c2', precinct: '101', list_number: '11' },
        { id: 'c3', precinct: '101', list_number: '888/8' },
        { id: 'c4', precinct: '102', list_number: '1' },
        { id: 'c5', precinct: '101', list_number: '12' },
      ],
    };
    const first = await call(`${server.url}/api/checks`, ana, { body });
    expect(first.status, first.text).toBe(200);
    expect(first.body.results.map((r: { result: string }) => r.result)).toEqual(['recorded', 'already', 'unmatched', 'rejected', 'recorded']);
    const retry = await call(`${server.url}/api/checks`, ana, { body });
    expect(retry.body.results).toEqual(first.body.results);
    expect(await checkRows('B01')).toEqual([{ n: 1 }]);
    const unmatched = await db.query<{ precinct: string; list_number: string }>('SELECT precinct, list_number FROM unmatched_checks');
    expect(unmatched).toEqual([{ precinct: '101', list_number: '888/8' }]);
    const me = await call(`${server.url}/api/me`, ana);
    expect(me.body).toEqual({ role: 'teller', name: 'Ana', precincts: ['101'], recorded: { '101': 4 } });
    expect(me.text).not.toMatch(/Benali|Amina|06 12/);

    expect((await call(`${server.url}/api/checks/c5`, ana, { method: 'DELETE' })).status).toBe(200);
    expect(await checkRows('B02')).toEqual([{ n: 0 }]);
    expect((await call(`${server.url}/api/checks/nope`, ana, { method: 'DELETE' })).status).toBe(404);
    const undone = await call(`${server.url}/api/checks`, ana, { body: { checks: [{ id: 'c5', precinct: '101', list_number: '12' }] } });
    expect(undone.body.results).toEqual([{ id: 'c5', result: 'rejected', reason: 'this entry was undone' }]);
  });

  it('/api/status equals the CLI, and the event stream follows the checks', async () => {
    const cli = await turnout(['status', '--by', 'precinct', '--format', 'json']);
    expect(cli.code, cli.stderr).toBe(0);
    const api = await call(`${server.url}/api/status?by=precinct`, staff);
    expect(api.status).toBe(200);
    expect(api.body).toEqual(JSON.parse(cli.stdout));

    const events: StreamEvent[] = [];
    const { response, stop } = await listenEvents(`${server.url}/api/events?token=${staff}`, events);
    expect(response.status).toBe(200);
    try {
      expect(await waitFor(() => events.some((e) => e.event === 'status'), 5000)).toBe(true);
      const before = total(events.find((e) => e.event === 'status')!.data);
      // A check through the server, then one imported by another process: each moves the stream.
      await call(`${server.url}/api/checks`, ana, { body: { checks: [{ id: 'e1', precinct: '101', list_number: '13' }] } });
      expect(await waitFor(() => events.some((e) => e.event === 'status' && total(e.data) === before + 1), 3000)).toBe(true);
      const file = path.join(dir, 'late.csv');
      fs.writeFileSync(file, 'id,checked_at\nN04,2026-03-15 14:00\n');
      const imported = await turnout(['--quiet', 'import', 'checks', file]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(await waitFor(() => events.some((e) => e.event === 'status' && total(e.data) === before + 2), 3000)).toBe(true);
      const activity = events.filter((e) => e.event === 'activity').at(-1)!.data;
      expect(activity.tellers.find((t: { name: string }) => t.name === 'Ana')).toMatchObject({ precincts: ['101'], state: 'active' });
      expect(activity.precincts.map((p: { precinct: string }) => p.precinct)).toContain('101');
    } finally {
      await stop();
    }
  });

  it('keeps the tallies exact while the server and `import checks` write at once', async () => {
    const ids = Array.from({ length: 4 }, (_, i) => String(i + 1));
    const file = path.join(dir, 'panier.csv');
    fs.writeFileSync(file, `precinct,list_number,checked_at\n${[1, 2, 3, 4].map((n) => `201,${n},2026-03-15 14:1${n}`).join('\n')}\n`);
    const staffLink = staff;
    const [posted, imported] = await Promise.all([
      Promise.all(ids.map((n) => call(`${server.url}/api/checks`, staffLink, { body: { checks: [{ id: `p${n}`, precinct: '102', list_number: n }] } }))),
      turnout(['--quiet', 'import', 'checks', file]),
    ]);
    expect(posted.map((p) => p.body.results[0].result)).toEqual(['recorded', 'recorded', 'recorded', 'recorded']);
    expect(imported.code, imported.stderr).toBe(0);
    const counted = await db.query<{ n: number }>('SELECT count(*) AS n FROM checks');
    const status = await turnout(['status', '--format', 'json']);
    expect(total(JSON.parse(status.stdout))).toBe(Number(counted[0]!.n));
    const api = await call(`${server.url}/api/status`, staff);
    expect(total(api.body)).toBe(Number(counted[0]!.n));
  });
});

describe.skipIf(!(await testBackends()).some((b) => b.name === 'postgres'))('serve on PostgreSQL while the database goes away', () => {
  let dir: string;
  let cleanup: () => void;
  let db: TestDatabase;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('turnout-serve-pg-fault-'));
    db = await (await testBackends()).find((b) => b.name === 'postgres')!.create(dir);
    await seedElection(db.args, { voters: path.join(FIXTURES, 'remind-voters.csv') });
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
    cleanup?.();
  });

  it('answers 503 and stays up while PostgreSQL cannot be reached, then records the retry once', async () => {
    // A TCP proxy on loopback between the server and PostgreSQL, which the test cuts and restores.
    const target = new URL(db.args[1]!);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as net.AddressInfo).port;
    const viaProxy = new URL(target.href);
    viaProxy.port = String(port);
    const args = ['--db', viaProxy.href, ...db.args.slice(2)];
    const link = JSON.parse((await runTurnout([...args, 'tellers', 'add', '--precinct', '101', '--name', 'Cy', '--format', 'json'])).stdout) as { token: string };
    const server = await startServer(args, [], NOW);
    try {
      const ok = await call(`${server.url}/api/checks`, link.token, { body: { checks: [{ id: 'f1', precinct: '101', list_number: '14' }] } });
      expect(ok.body.results).toEqual([{ id: 'f1', result: 'recorded' }]);

      // Cut: every connection dropped and new ones refused.
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      const body = { checks: [{ id: 'f2', precinct: '101', list_number: '15' }] };
      const away = await call(`${server.url}/api/checks`, link.token, { body });
      expect(away.status, away.text).toBe(503);
      expect(away.headers.get('retry-after')).toBe('1');
      expect(away.body.error).toMatch(/unreachable|busy/);
      const again = await call(`${server.url}/api/me`, link.token);
      expect(again.status).toBe(503);
      expect(server.child.exitCode).toBeNull();

      // Back: the same port again; the phone's retry is recorded, once.
      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
      let back = await call(`${server.url}/api/checks`, link.token, { body });
      for (let i = 0; i < 20 && back.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 250));
        back = await call(`${server.url}/api/checks`, link.token, { body });
      }
      expect(back.status, back.text).toBe(200);
      expect(back.body.results).toEqual([{ id: 'f2', result: 'recorded' }]);
      expect(await db.query('SELECT voter_id FROM checks ORDER BY voter_id')).toEqual([{ voter_id: 'B04' }, { voter_id: 'B05' }]);
      // Nothing personal and no token in what it logged meanwhile.
      expect(server.stderr()).not.toContain(link.token);
      expect(server.stderr()).not.toMatch(/Durand|Paul/);
    } finally {
      expect(await server.stop()).toBe(0);
      proxy.close();
      for (const s of sockets) s.destroy();
    }
  });
});
