/**
 * `npm run bench -- --only serve`: `turnout serve` on the bench database, loaded with autocannon,
 * each request posting one check for a distinct voter. Reports, never gates:
 *   - closed loop: 200 keep-alive connections posting as fast as answered, against a bare
 *     node:http server that reads the same requests, parses the JSON and answers (target ≥ 0.3×),
 *     and against a national election's peak of 5,000 checks/s;
 *   - open loop: a steady 1,000 checks/s, latency from each request's scheduled moment (p99 ≤ 50 ms),
 *     with the same open loop on the bare server for scale;
 *   - correctness: 0 errors, every acknowledged check stored exactly once;
 *   - freshness: POST → its `status` event on /api/events, p95.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import type { BenchContext, BenchRow } from './types.js';

const REFERENCE_SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { res.writeHead(400); res.end('{"error":"malformed JSON"}'); return; }
    if (!req.headers.authorization) { res.writeHead(401); res.end('{}'); return; }
    const text = JSON.stringify({ results: body.checks.map((c) => ({ id: c.id, result: 'recorded' })) });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
}).listen(0, '127.0.0.1', function () { process.stderr.write('listening on http://127.0.0.1:' + this.address().port + '\\n'); });
`;

function listen(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err.slice(-500)}`)));
  });
}

const stop = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });

const pad = (n: number): string => String(n).padStart(9, '0');

async function closedLoop(url: string, token: string, firstVoter: { next: number }, seconds: number, acknowledged?: Set<string>): Promise<{ rps: number; errors: number; non2xx: number }> {
  const result = await autocannon({
    url: `${url}/api/checks`,
    connections: 200,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        setupRequest: (req: Record<string, unknown>) => {
          const voter = pad(firstVoter.next++);
          return { ...req, body: JSON.stringify({ checks: [{ id: `b${voter}`, voter_id: voter }] }) };
        },
        onResponse: (status: number, body: string) => {
          if (acknowledged && status === 200) {
            const r = JSON.parse(body) as { results: Array<{ id: string; result: string }> };
            for (const x of r.results) if (x.result === 'recorded') acknowledged.add(x.id.slice(1));
          }
        },
      },
    ],
  } as never);
  const r = result as unknown as { requests: { average: number }; errors: number; non2xx: number; timeouts: number };
  return { rps: r.requests.average, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

/** A steady rate, each latency from its scheduled moment (no coordinated omission). */
async function openLoop(url: string, token: string, voter: { next: number }, rate: number, seconds: number, acknowledged: Set<string>, posted: Array<{ id: string; sent: number }>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL(`${url}/api/checks`);
  const latencies: number[] = [];
  let errors = 0;
  const total = rate * seconds;
  const start = performance.now() + 50;
  const pending: Array<Promise<void>> = [];
  const fire = (scheduled: number): Promise<void> =>
    new Promise((resolve) => {
      const v = pad(voter.next++);
      const body = JSON.stringify({ checks: [{ id: `o${v}`, voter_id: v }] });
      const req = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const now = performance.now();
            latencies.push(now - scheduled);
            if (res.statusCode === 200) {
              const r = JSON.parse(Buffer.concat(chunks).toString()) as { results: Array<{ result: string }> };
              if (r.results[0]?.result === 'recorded') {
                acknowledged.add(v);
                posted.push({ id: v, sent: scheduled });
              }
            } else errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && start + (i * 1000) / rate <= now) {
      pending.push(fire(start + (i * 1000) / rate));
      i++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), errors, count: latencies.length };
}

export async function benchServe(ctx: BenchContext & { db: string }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const add = spawnSync(ctx.node, [ctx.bin, '--db', ctx.db, 'staff', 'add', '--name', 'bench', '--format', 'json'], { env: ctx.env, encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`staff add failed: ${add.stderr}`);
  const token = (JSON.parse(add.stdout) as { token: string }).token;
  const voter = { next: 1 };

  // The reference: a bare node:http server reading, parsing and answering the same requests.
  const reference = spawn(ctx.node, ['-e', REFERENCE_SERVER], { stdio: ['ignore', 'ignore', 'pipe'] });
  const refUrl = await listen(reference);
  ctx.log('serve: closed loop on the bare node:http reference, 10 s');
  const ref = await closedLoop(refUrl, token, { next: 1 }, 10);
  // The same open loop on it, for scale: the load is generated by this process, on the same two
  // cores, and its own timer and parsing are in every latency it measures.
  ctx.log('serve: open loop on the bare node:http reference, 1,000 requests/s for 10 s');
  const refOpen = await openLoop(refUrl, token, { next: 1 }, 1000, 10, new Set(), []);
  await stop(reference);

  const server = spawn(ctx.node, [ctx.bin, '--db', ctx.db, 'serve', '--port', '0', '--rate-limit', '0', '--log', 'json'], { env: ctx.env, stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await listen(server);
  const acknowledged = new Set<string>();
  try {
    ctx.log('serve: closed loop on turnout serve, 10 s, 200 connections');
    const ours = await closedLoop(url, token, voter, 10, acknowledged);
    const ratio = ours.rps / ref.rps;
    rows.push({
      section: 'serve',
      measure: 'closed loop, 200 connections, 1 check per POST (requests/s)',
      turnout: `${Math.round(ours.rps)}/s`,
      reference: `${Math.round(ref.rps)}/s`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≥ 0.3×',
      result: ratio >= 0.3 ? 'PASS' : 'MISS',
      note: `${ours.errors} errors, ${ours.non2xx} non-2xx; ${(ours.rps / 5000).toFixed(2)}× a national peak of 5,000 checks/s`,
    });

    // Freshness: a dashboard stream open during the open loop.
    const events: number[] = [];
    const sse = await new Promise<http.ClientRequest>((resolve) => {
      const req = http.get(`${url}/api/events?token=${token}`, (res) => {
        res.on('data', (c: Buffer) => {
          if (c.toString().includes('event: status')) events.push(performance.now());
        });
        resolve(req);
      });
    });
    ctx.log('serve: open loop, 1,000 checks/s for 10 s');
    const posted: Array<{ id: string; sent: number }> = [];
    const open = await openLoop(url, token, voter, 1000, 10, acknowledged, posted);
    await new Promise((r) => setTimeout(r, 1000));
    sse.destroy();
    rows.push({
      section: 'serve',
      measure: 'open loop 1,000 checks/s, 10 s: p99 from the scheduled moment',
      turnout: `${open.p99.toFixed(1)} ms`,
      reference: `${refOpen.p99.toFixed(1)} ms (bare node:http)`,
      target: '≤ 50 ms',
      result: open.p99 <= 50 && open.errors === 0 ? 'PASS' : 'MISS',
      note: `p50 ${open.p50.toFixed(1)} ms, ${open.count} answers, ${open.errors} errors · the reference in the same harness: p50 ${refOpen.p50.toFixed(1)} ms, ${refOpen.errors} errors`,
    });
    // Each check's event: the first status event after its POST was sent that comes after its answer.
    const fresh = posted
      .map((p) => {
        const e = events.find((t) => t > p.sent);
        return e === undefined ? Infinity : e - p.sent;
      })
      .sort((a, b) => a - b);
    const p95 = fresh[Math.floor(0.95 * fresh.length)] ?? NaN;
    rows.push({ section: 'serve', measure: 'POST → status event on /api/events, p95', turnout: `${p95.toFixed(0)} ms`, target: '≤ 1,000 ms', result: p95 <= 1000 ? 'PASS' : 'MISS', note: `${events.length} events` });
  } finally {
    await stop(server);
  }
  // Correctness: every acknowledged check stored exactly once, nothing else from this run.
  const db = new Database(ctx.db, { readonly: true });
  try {
    const stored = db.prepare("SELECT voter_id FROM checks WHERE source = 'staff bench'").pluck().all() as string[];
    const set = new Set(stored);
    const missing = [...acknowledged].filter((id) => !set.has(id)).length;
    // The load tool stops listening at the end of its duration: checks answered after that were
    // stored but never seen acknowledged (counted in the note), never the other way round.
    const answered = db.prepare("SELECT count(*) FROM field_checks c JOIN field_tokens t ON t.id = c.token_id WHERE t.name = 'bench' AND c.result = 'recorded'").pluck().get() as number;
    const ok = missing === 0 && set.size === stored.length && answered === stored.length;
    rows.push({
      section: 'serve',
      measure: 'acknowledged checks stored exactly once',
      turnout: `${stored.length} stored / ${acknowledged.size} acknowledged`,
      target: 'equal, 0 missing',
      result: ok ? 'PASS' : 'MISS',
      note: `${missing} missing; ${stored.length - acknowledged.size} answered after the load tool stopped reading; ${answered} recorded answers in the server's ledger`,
    });
  } finally {
    db.close();
  }
  void path;
  return rows;
}

/**
 * The closed loop's intake (checks/s) of `turnout serve` on each database named by its global
 * options, one after the other, 10 s each: `--only pg` compares PostgreSQL's with SQLite's.
 * Each server gets a staff link of its own; the first voter id continues across runs.
 */
export async function serveIntakes(
  ctx: Pick<BenchContext, 'node' | 'bin' | 'env' | 'log'>,
  databases: ReadonlyArray<{ label: string; args: string[] }>,
  voter: { next: number },
): Promise<Array<{ label: string; rps: number; errors: number; non2xx: number; acknowledged: number }>> {
  const out = [];
  for (const db of databases) {
    const add = spawnSync(ctx.node, [ctx.bin, ...db.args, 'staff', 'add', '--name', 'bench intake', '--format', 'json'], { env: ctx.env, encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`staff add on ${db.label} failed: ${add.stderr}`);
    const token = (JSON.parse(add.stdout) as { token: string }).token;
    const server = spawn(ctx.node, [ctx.bin, ...db.args, 'serve', '--port', '0', '--rate-limit', '0', '--log', 'json'], { env: ctx.env, stdio: ['ignore', 'ignore', 'pipe'] });
    const url = await listen(server);
    const acknowledged = new Set<string>();
    try {
      ctx.log(`serve: closed loop on turnout serve (${db.label}), 10 s, 200 connections`);
      const r = await closedLoop(url, token, voter, 10, acknowledged);
      out.push({ label: db.label, ...r, acknowledged: acknowledged.size });
    } finally {
      await stop(server);
    }
  }
  return out;
}
