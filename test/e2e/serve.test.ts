import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, FIXTURES, runTurnout, tempDir } from '../helpers/cli.js';
import { call, listenEvents, startServer, type RunningServer, type StreamEvent } from '../helpers/server.js';
import { seedElection } from '../helpers/seedStatus.js';

// remind-voters.csv: precinct 101 (Belsunce) list numbers 11-21, 102 (Panier) 1-5, 201 (Noailles) 1-4.
let dir: string;
let cleanup: () => void;
let db: string;
let server: RunningServer;
let teller: string;
let teller102: string;
let staff: string;

async function issue(args: string[], env: Record<string, string> = {}): Promise<{ token: string; url: string; name: string; precincts: string[]; expires: string | null }> {
  const result = await runTurnout(['--db', db, ...args, '--format', 'json'], { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

const checksOf = (file: string): Array<{ voter_id: string; checked_at: string; source: string }> => {
  const conn = new Database(file, { readonly: true });
  try {
    return conn.prepare('SELECT voter_id, checked_at, source FROM checks ORDER BY voter_id').all() as never;
  } finally {
    conn.close();
  }
};

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('turnout-serve-'));
  db = path.join(dir, 'election.db');
  await seedElection(db, { voters: path.join(FIXTURES, 'remind-voters.csv') });
  teller = (await issue(['tellers', 'add', '--precinct', '101', '--name', 'Ana', '--public-url', 'https://gotv.example.org'])).token;
  teller102 = (await issue(['tellers', 'add', '--precinct', '102', '--name', 'Bo'])).token;
  staff = (await issue(['staff', 'add', '--name', 'HQ desk'])).token;
  server = await startServer(db, ['--rate-limit', '60']);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  cleanup();
});

describe('links', () => {
  it('prints the link with the saved public address, 192-bit tokens stored only as hashes', async () => {
    const link = await issue(['tellers', 'add', '--precinct', '201', '--precinct', '102', '--name', 'Cy']);
    expect(link.url).toBe(`https://gotv.example.org/t/${link.token}`);
    expect(link.precincts).toEqual(['201', '102']);
    expect(Buffer.from(link.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const raw = fs.readFileSync(db);
    expect(raw.includes(Buffer.from(link.token))).toBe(false);
    const list = await runTurnout(['--db', db, 'tellers', 'list', '--format', 'json']);
    expect(list.stdout).not.toContain(link.token);
    expect(JSON.parse(list.stdout).map((r: { name: string }) => r.name).slice(0, 3)).toEqual(['Ana', 'Bo', 'Cy']);
  });

  it('issues many links from a CSV and writes a CSV of links; revokes by the whole link', async () => {
    const file = path.join(dir, 'tellers.csv');
    fs.writeFileSync(file, 'name,precincts\nFay,101\nGus,102 201\n');
    const out = path.join(dir, 'links.csv');
    const result = await runTurnout(['--db', db, 'tellers', 'add', '--from', file, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('name,precincts,url,token,expires');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['Fay,101', 'Gus,102 201']);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const gusUrl = lines[2]!.split(',')[2]!;
    expect(gusUrl).toMatch(/^https:\/\/gotv\.example\.org\/t\/[A-Za-z0-9_-]{32}$/);
    const revoke = await runTurnout(['--db', db, 'tellers', 'revoke', gusUrl]);
    expect(revoke.code, revoke.stderr).toBe(0);
    const list = JSON.parse((await runTurnout(['--db', db, 'tellers', 'list', '--format', 'json'])).stdout) as Array<{ name: string; state: string }>;
    expect(list.filter((r) => r.name === 'Fay' || r.name === 'Gus').map((r) => r.state)).toEqual(['active', 'revoked']);
  });

  it('a teller link needs a precinct', async () => {
    const result = await runTurnout(['--db', db, 'tellers', 'add', '--name', 'Nobody']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('at least one precinct');
  });
});

describe('scopes', () => {
  it('refuses no token, an unknown one, and a teller on staff routes', async () => {
    expect((await call(`${server.url}/api/me`, undefined)).status).toBe(401);
    expect((await call(`${server.url}/api/me`, 'x'.repeat(32))).status).toBe(401);
    const noToken = await call(`${server.url}/api/checks`, undefined, { body: { checks: [] } });
    expect(noToken.status).toBe(401);
    expect(noToken.body.error).toMatch(/token/);
    for (const route of ['/api/status', '/api/timeline', '/api/activity', '/api/events']) {
      expect((await call(`${server.url}${route}`, teller)).status, route).toBe(403);
    }
  });

  it('a teller of 101 cannot record for 102; the rest of its batch counts', async () => {
    const answer = await call(`${server.url}/api/checks`, teller, {
      body: { checks: [{ id: 's1', precinct: '102', list_number: '1' }, { id: 's2', precinct: '101', list_number: '11' }, { id: 's3', voter_id: 'P02' }] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { id: 's1', result: 'rejected', reason: 'precinct 102 is not on this link (101)' },
      { id: 's2', result: 'recorded' },
      { id: 's3', result: 'rejected', reason: 'this voter is not in your precincts (101)' },
    ]);
    const ids = checksOf(db).map((c) => c.voter_id);
    expect(ids).toContain('B01');
    expect(ids).not.toContain('P01');
    expect(ids).not.toContain('P02');
  });

  it('refuses a revoked link on its next request, and an expired one', async () => {
    const link = await issue(['tellers', 'add', '--precinct', '201', '--name', 'Dee']);
    expect((await call(`${server.url}/api/me`, link.token)).status).toBe(200);
    const revoke = await runTurnout(['--db', db, 'tellers', 'revoke', 'Dee']);
    expect(revoke.code, revoke.stderr).toBe(0);
    const after = await call(`${server.url}/api/checks`, link.token, { body: { checks: [{ id: 'r1', precinct: '201', list_number: '1' }] } });
    expect(after.status).toBe(401);
    expect(checksOf(db).map((c) => c.voter_id)).not.toContain('N01');
    // Issued at 10:00 to expire at 11:00; the server below lives at 12:00.
    const early = await issue(['staff', 'add', '--name', 'Early', '--expires', '2026-03-15T11:00:00Z'], { TURNOUT_NOW: '2026-03-15T10:00:00Z' });
    const later = await startServer(db, [], { TURNOUT_NOW: '2026-03-15T12:00:00Z' });
    try {
      expect((await call(`${later.url}/api/me`, early.token)).status).toBe(401);
      expect((await call(`${later.url}/api/me`, staff)).status).toBe(200);
    } finally {
      expect(await later.stop()).toBe(0);
    }
  });
});

describe('recording checks', () => {
  it('is idempotent by client id: a retry records nothing twice and gets the first answer', async () => {
    const batch = { checks: [{ id: 'i1', precinct: '102', list_number: '3' }, { id: 'i2', precinct: '102', list_number: '3' }] };
    const first = await call(`${server.url}/api/checks`, teller102, { body: batch });
    expect(first.body.results).toEqual([{ id: 'i1', result: 'recorded' }, { id: 'i2', result: 'already' }]);
    const before = checksOf(db).find((c) => c.voter_id === 'P03');
    const retry = await call(`${server.url}/api/checks`, teller102, { body: batch });
    expect(retry.body).toEqual(first.body);
    expect(checksOf(db).filter((c) => c.voter_id === 'P03')).toEqual([before]);
    const me = await call(`${server.url}/api/me`, teller102);
    expect(me.body).toEqual({ role: 'teller', name: 'Bo', precincts: ['102'], recorded: { '102': 2 } });
  });

  it('keeps unknown numbers as unmatched checks, suffixes exactly as typed', async () => {
    const answer = await call(`${server.url}/api/checks`, teller, {
      body: { checks: [{ id: 'u1', precinct: '101', list_number: '888/8' }, { id: 'u2', precinct: '101', list_number: '888.8' }] },
    });
    expect(answer.body.results).toEqual([{ id: 'u1', result: 'unmatched' }, { id: 'u2', result: 'unmatched' }]);
    const unmatched = await runTurnout(['--db', db, 'checks', 'unmatched', '--format', 'json']);
    const rows = JSON.parse(unmatched.stdout) as Array<{ precinct: string; list_number: string }>;
    expect(rows.map((r) => `${r.precinct} ${r.list_number}`)).toEqual(expect.arrayContaining(['101 888/8', '101 888.8']));
  });

  it('undoes one of its own checks: the voter is no longer checked', async () => {
    await call(`${server.url}/api/checks`, teller, { body: { checks: [{ id: 'd1', precinct: '101', list_number: '15', checked_at: '2026-03-15T09:00:00Z' }] } });
    expect(checksOf(db).map((c) => c.voter_id)).toContain('B05');
    expect((await call(`${server.url}/api/checks/d1`, teller102, { method: 'DELETE' })).status).toBe(404);
    const undo = await call(`${server.url}/api/checks/d1`, teller, { method: 'DELETE' });
    expect(undo).toMatchObject({ status: 200, body: { id: 'd1', result: 'undone' } });
    expect(checksOf(db).map((c) => c.voter_id)).not.toContain('B05');
    const again = await call(`${server.url}/api/checks`, teller, { body: { checks: [{ id: 'd1', precinct: '101', list_number: '15' }] } });
    expect(again.body.results[0]).toMatchObject({ id: 'd1', result: 'rejected' });
    expect(checksOf(db).map((c) => c.voter_id)).not.toContain('B05');
  });

  it('answers bad input with JSON errors, never a 500', async () => {
    const malformed = await call(`${server.url}/api/checks`, teller, { raw: '{"checks": [' });
    expect(malformed).toMatchObject({ status: 400, body: { error: 'malformed JSON' } });
    const shape = await call(`${server.url}/api/checks`, teller, { body: { check: [] } });
    expect(shape.status).toBe(400);
    const big = await call(`${server.url}/api/checks`, teller, { raw: JSON.stringify({ checks: [], pad: 'x'.repeat(300_000) }) });
    expect(big).toMatchObject({ status: 413, body: { error: 'request body too large' } });
    const tooMany = await call(`${server.url}/api/checks`, teller, { body: { checks: Array.from({ length: 501 }, (_, i) => ({ id: `m${i}`, precinct: '101', list_number: '11' })) } });
    expect(tooMany.status).toBe(413);
    const noId = await call(`${server.url}/api/checks`, teller, { body: { checks: [{ precinct: '101', list_number: '12' }, { id: 'b2', precinct: '101', list_number: '12', checked_at: 'tea time' }] } });
    expect(noId.body.results.map((r: { result: string }) => r.result)).toEqual(['rejected', 'rejected']);
    expect((await call(`${server.url}/api/nothing`, teller)).status).toBe(404);
  });

  it('says nothing personal to a teller', async () => {
    const bodies = [
      (await call(`${server.url}/api/me`, teller)).text,
      (await call(`${server.url}/api/checks`, teller, { body: { checks: [{ id: 'p1', precinct: '101', list_number: '16' }, { id: 'p2', voter_id: 'B07' }, { id: 'p3', precinct: '101', list_number: '999' }] } })).text,
      (await call(`${server.url}/api/checks/p1`, teller, { method: 'DELETE' })).text,
    ];
    const voters = fs.readFileSync(path.join(FIXTURES, 'remind-voters.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    // first_name, last_name, phone, email, street: none may appear in any answer.
    const personal = new Set(voters.flatMap((v) => [v[1], v[2], v[3], v[4], v[6]]).filter((s): s is string => s !== undefined && s.length > 2));
    for (const body of bodies) for (const value of personal) expect(body, value).not.toContain(value);
    expect(bodies.join(' ')).not.toMatch(/support|phone|email|first_name|last_name/);
  });

  it('limits each link to its rate (429 with Retry-After)', async () => {
    const link = await issue(['tellers', 'add', '--precinct', '201', '--name', 'Eve']);
    const statuses: number[] = [];
    for (let i = 0; i < 130; i++) statuses.push((await call(`${server.url}/api/me`, link.token)).status);
    expect(statuses.slice(0, 120).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(120)).toContain(429);
    const limited = await call(`${server.url}/api/me`, link.token);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another link is not slowed down.
    expect((await call(`${server.url}/api/me`, teller102)).status).toBe(200);
  });
});

describe('HQ', () => {
  it('/api/status and /api/timeline equal the CLI JSON, options as query parameters', async () => {
    const now = { TURNOUT_NOW: '2026-03-15T18:00:00Z' };
    const fixed = await startServer(db, [], now);
    try {
      for (const [query, args] of [
        ['', []],
        ['?by=precinct&expected=40&min_remaining=1', ['--by', 'precinct', '--expected', '40', '--min-remaining', '1']],
        ['?under_mobilized=1&expected=90&min_remaining=1', ['--under-mobilized', '--expected', '90', '--min-remaining', '1']],
      ] as const) {
        const cli = await runTurnout(['--db', db, 'status', ...args, '--format', 'json'], { env: now });
        expect(cli.code, cli.stderr).toBe(0);
        const api = await call(`${fixed.url}/api/status${query}`, staff);
        expect(api.status).toBe(200);
        expect(api.body, query).toEqual(JSON.parse(cli.stdout));
        const timeline = await runTurnout(['--db', db, 'status', '--timeline', ...args, '--format', 'json'], { env: now });
        expect((await call(`${fixed.url}/api/timeline${query}`, staff)).body).toEqual(JSON.parse(timeline.stdout));
      }
      expect((await call(`${fixed.url}/api/status?by=shoe_size`, staff)).status).toBe(400);
      expect((await call(`${fixed.url}/api/status?curve=/etc/passwd`, staff)).status).toBe(400);
    } finally {
      await fixed.stop();
    }
  });

  it('shows the last activity per precinct and teller', async () => {
    const activity = await call(`${server.url}/api/activity`, staff);
    expect(activity.status).toBe(200);
    const precincts = activity.body.precincts.map((p: { precinct: string }) => p.precinct);
    expect(precincts).toEqual(expect.arrayContaining(['101', '102']));
    const bo = activity.body.tellers.find((t: { name: string }) => t.name === 'Bo');
    expect(bo).toMatchObject({ precincts: ['102'], checks: 2, state: 'active' });
    expect(Date.parse(bo.last_check)).toBeGreaterThan(Date.now() - 120_000);
  });

  it('streams a status event within a second of a check imported by another process', async () => {
    const events: StreamEvent[] = [];
    const { response, stop } = await listenEvents(`${server.url}/api/events?token=${staff}`, events);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const waitFor = async (test: () => boolean, ms: number): Promise<void> => {
      const until = Date.now() + ms;
      while (!test() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    };
    await waitFor(() => events.some((e) => e.event === 'status'), 5000);
    const total = (e: { data: Array<{ area: string | null; voted: number }> }): number => e.data.find((a) => a.area === '(total)')!.voted;
    const first = events.find((e) => e.event === 'status')!;
    const votedBefore = total(first);
    const file = path.join(dir, 'late.csv');
    fs.writeFileSync(file, 'id,checked_at\nN04,2026-03-15 10:00\n');
    const imported = await runTurnout(['--db', db, '--quiet', 'import', 'checks', file]);
    expect(imported.code, imported.stderr).toBe(0);
    const doneAt = Date.now();
    await waitFor(() => events.some((e) => e.event === 'status' && total(e) === votedBefore + 1), 3000);
    const seen = events.find((e) => e.event === 'status' && total(e) === votedBefore + 1);
    await stop();
    expect(seen, 'a status event with the imported check').toBeDefined();
    expect(seen!.at - doneAt).toBeLessThan(1000);
    expect(server.stderr()).not.toContain(staff);
  });

  it('gives a dashboard with options no one asked for yet its first events on a quiet database, computed off the request thread', async () => {
    // Nothing is committed while these streams open: the SQLite worker must render a newly
    // watched set of options at once, not wait for the next change to the database.
    for (const query of ['by=precinct', 'by=precinct&min_remaining=1', 'support=1,2&under_mobilized=1']) {
      const events: StreamEvent[] = [];
      const { response, stop } = await listenEvents(`${server.url}/api/events?token=${staff}&${query}`, events);
      expect(response.status, query).toBe(200);
      const until = Date.now() + 5000;
      while (!events.some((e) => e.event === 'status') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await stop();
      const first = events.find((e) => e.event === 'status');
      expect(first, `a first status event for ${query}`).toBeDefined();
      const plain = await call(`${server.url}/api/status?${query}`, staff);
      expect(plain.status, query).toBe(200);
      const areas = (rows: Array<{ area: string | null }>): Array<string | null> => rows.map((r) => r.area);
      expect(areas(first!.data as Array<{ area: string | null }>), query).toEqual(areas(plain.body));
    }
  });

  it('cuts an event stream when its link is revoked', async () => {
    const link = await issue(['staff', 'add', '--name', 'Leaver']);
    const response = await fetch(`${server.url}/api/events?token=${link.token}`);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    const ended = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return Date.now();
        text += new TextDecoder().decode(value);
      }
    })();
    const revoke = await runTurnout(['--db', db, 'staff', 'revoke', 'Leaver']);
    expect(revoke.code, revoke.stderr).toBe(0);
    const revokedAt = Date.now();
    const marked = await runTurnout(['--db', db, 'mark', 'N03']);
    expect(marked.code, marked.stderr).toBe(0);
    const at = await Promise.race([ended, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
    expect(at, 'the stream ended').toBeGreaterThan(0);
    expect(at - revokedAt).toBeLessThan(3000);
    expect(text).toContain('event: revoked');
    expect((await call(`${server.url}/api/status`, link.token)).status).toBe(401);
  });
});

describe('the server', () => {
  it('sends the security headers and logs no token', async () => {
    const answer = await call(`${server.url}/api/me`, teller);
    expect(answer.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(answer.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('set-cookie')).toBeNull();
    await call(`${server.url}/t/${teller}`, undefined);
    await call(`${server.url}/hq/${staff}`, undefined);
    const log = server.stderr();
    expect(log).toMatch(/GET \/t\/\[token\] \d{3} [\d.]+ms/);
    expect(log).toMatch(/POST \/api\/checks 200 [\d.]+ms/);
    for (const token of [teller, teller102, staff]) expect(log).not.toContain(token);
    expect(log).not.toMatch(/Benali|Belsunce|amina/i);
  });

  it('serves HTTPS with --tls-cert and --tls-key', async () => {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    if (made.status !== 0) return; // no openssl on this machine: nothing to serve with
    const child = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', '0', '--tls-cert', cert, '--tls-key', key], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(err)));
    });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        https.get(`${url}/api/me`, { headers: { authorization: `Bearer ${staff}` }, ca: fs.readFileSync(cert), checkServerIdentity: () => undefined }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(JSON.parse(body)).toEqual({ role: 'staff', name: 'HQ desk' });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('answers 503 when another process holds the write lock too long, and records the retry', async () => {
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    let answer;
    try {
      answer = await call(`${server.url}/api/checks`, teller, { body: { checks: [{ id: 'l1', precinct: '101', list_number: '19' }] } });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(answer).toMatchObject({ status: 503, body: { error: expect.stringMatching(/busy/) } });
    expect(answer.headers.get('retry-after')).toBe('1');
    const retry = await call(`${server.url}/api/checks`, teller, { body: { checks: [{ id: 'l1', precinct: '101', list_number: '19' }] } });
    expect(retry.body.results).toEqual([{ id: 'l1', result: 'recorded' }]);
    expect(checksOf(db).map((c) => c.voter_id)).toContain('B09');
  });

  it('refuses a non-loopback address without TLS unless --insecure-http', async () => {
    const result = await runTurnout(['--db', db, 'serve', '--host', '0.0.0.0', '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/TLS/);
  });
});
