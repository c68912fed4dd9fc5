import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { BIN, ROOT, runTurnout, tempDir } from '../helpers/cli.js';
import type { Backend } from '../helpers/backends.js';

/**
 * The browser tests' world: Debian's Chromium driven by playwright-core, and the built
 * `turnout serve` on 127.0.0.1 over a real SQLite file seeded with the CLI, as a campaign would.
 */

export const CHROMIUM = process.env.TURNOUT_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
/** Skip only on a developer machine without Chromium; CI installs it (.ci/run) and must run them. */
export const RUN_BROWSER_TESTS = HAVE_CHROMIUM || Boolean(process.env.CI);
export const SCREENSHOTS = path.join(ROOT, 'test/browser/screenshots');

export const PHONE = { width: 360, height: 740 };
export const LAPTOP = { width: 1366, height: 768 };

/**
 * expect.poll with room for a loaded machine (the whole suite runs beside Chromium on 2 cores):
 * 10 s unless told, where vitest's default is 1 s. The one-second promises of the issue are
 * timed separately, with their own limit.
 */
export function eventually<T>(fn: () => T | Promise<T>, options: { timeout?: number } = {}) {
  return expect.poll(fn, { interval: 50, ...options, timeout: options.timeout ?? 10_000 });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A phone-like context: small screen, touch, the page's own service worker allowed. */
export function phoneContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, serviceWorkers: 'allow' });
}

/**
 * Errors the pages print in the console that point at a page bug rather than a test's doing:
 * a Content-Security-Policy refusal (an inline script or style) and uncaught exceptions.
 */
export function watchPageErrors(context: BrowserContext): string[] {
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(`${page.url()}: ${m.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Invented voters of two neighbourhoods, one precinct each: Nord (101) and Sud (102), list
 * numbers 1–120, the first 100 supporters (support 1), the other 20 not (support 4).
 */
export const AREAS = [
  { neighborhood: 'Nord', precinct: '101', prefix: 'N' },
  { neighborhood: 'Sud', precinct: '102', prefix: 'S' },
] as const;
export const SUPPORTERS_PER_AREA = 100;
export const VOTERS_PER_AREA = 120;
/** List numbers 71–100 of both areas voted early, as imported from a check file: 30 % each. */
export const EARLY_VOTED = { from: 71, to: 100 };

export function voterId(prefix: string, listNumber: number): string {
  return `${prefix}${String(listNumber).padStart(3, '0')}`;
}

const FIRST = ['Ana', 'Bruno', 'Chloé', 'Driss', 'Emma', 'Farid', 'Gaëlle', 'Hugo', 'Inès', 'Jules'];
const LAST = ['Exemple', 'Fictif', 'Modèle', 'Essai', 'Maquette', 'Prototype'];

export function voterCsv(): string {
  const lines = ['id,first_name,last_name,neighborhood,precinct,list_number,support'];
  let k = 0;
  for (const area of AREAS) {
    for (let n = 1; n <= VOTERS_PER_AREA; n++, k++) {
      const support = n <= SUPPORTERS_PER_AREA ? 1 : 4;
      lines.push([voterId(area.prefix, n), FIRST[k % FIRST.length], LAST[(k * 7) % LAST.length], area.neighborhood, area.precinct, n, support].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

export function earlyChecksCsv(at: Date): string {
  const lines = ['voter_id,checked_at,source'];
  for (const area of AREAS) {
    for (let n = EARLY_VOTED.from; n <= EARLY_VOTED.to; n++) lines.push(`${voterId(area.prefix, n)},${at.toISOString()},early file`);
  }
  return lines.join('\n') + '\n';
}

export interface Link {
  token: string;
  url: string;
  name: string;
}

export interface Server {
  base: string;
  db: string;
  dir: string;
  /** Runs the built CLI on the server's database. */
  cli(args: string[]): ReturnType<typeof runTurnout>;
  /** `cli` that must succeed; its stdout parsed as JSON. */
  json<T = unknown>(args: string[]): Promise<T>;
  teller(precincts: string[], name: string): Promise<Link>;
  staff(name: string): Promise<Link>;
  stderr(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

/** The database seeded through the CLI, then `turnout serve` started on it; resolves once it answers. */
export async function startServer(prefix: string, backend?: Backend): Promise<Server> {
  const { dir, cleanup } = tempDir(prefix);
  // SQLite by default; on PostgreSQL a schema of its own (test/helpers/backends.ts), dropped at stop.
  const database = backend === undefined ? undefined : await backend.create(dir);
  const dbArgs = database?.args ?? ['--db', path.join(dir, 'election.db')];
  const db = dbArgs.join(' ');
  const votersFile = path.join(dir, 'voters.csv');
  const checksFile = path.join(dir, 'early-checks.csv');
  fs.writeFileSync(votersFile, voterCsv());
  fs.writeFileSync(checksFile, earlyChecksCsv(new Date(Date.now() - 60 * 60_000)));

  const cli = (args: string[]) => runTurnout([...dbArgs, ...args]);
  const must = async (args: string[]) => {
    const r = await cli(args);
    if (r.code !== 0) throw new Error(`turnout ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
    return r;
  };
  await must(['init', '--timezone', 'Europe/Paris', '--name', 'Browser test']);
  await must(['--quiet', 'import', 'voters', votersFile]);
  await must(['--quiet', 'import', 'checks', checksFile]);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(process.execPath, [BIN, ...dbArgs, 'serve', '--host', '127.0.0.1', '--port', String(port), '--public-url', base], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TURNOUT_') && !k.startsWith('TWILIO_'))),
  });
  child.stdout!.on('data', (c: Buffer) => (log += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`turnout serve exited ${child.exitCode}: ${log}`);
    try {
      await fetch(`${base}/api/me`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`turnout serve did not answer on ${base} within 20 s: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const json = async <T>(args: string[]): Promise<T> => JSON.parse((await must(args)).stdout) as T;
  const link = async (args: string[], kind: 't' | 'hq'): Promise<Link> => {
    const out = await json<{ token: string; url?: string; name: string }>(args);
    return { token: out.token, name: out.name, url: `${base}/${kind}/${out.token}` };
  };
  return {
    base,
    db,
    dir,
    cli,
    json,
    teller: (precincts, name) => link(['tellers', 'add', ...precincts.flatMap((p) => ['--precinct', p]), '--name', name, '--format', 'json'], 't'),
    staff: (name) => link(['staff', 'add', '--name', name, '--format', 'json'], 'hq'),
    stderr: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await database?.drop();
      cleanup();
    },
  };
}

/** `turnout status --by neighborhood --format json`, by area name. */
export async function statusByArea(server: Server): Promise<Map<string, { voted: number; supporters_voted: number; under_mobilized: boolean }>> {
  const rows = await server.json<Array<{ area: string; voted: number; supporters_voted: number; under_mobilized: boolean }>>(['status', '--format', 'json']);
  return new Map(rows.map((r) => [r.area, r]));
}

/** Checks as `turnout export checks` lists them: one row per voter checked. */
export async function exportedChecks(server: Server): Promise<Array<{ voter_id: string; source: string | null }>> {
  return server.json(['export', 'checks', '--format', 'json']);
}

export async function unmatchedChecks(server: Server): Promise<Array<{ precinct: string | null; list_number: string | null }>> {
  return server.json(['checks', 'unmatched', '--format', 'json']);
}

/** POSTs checks with a teller's token, as the page does. */
export async function postChecks(server: Server, token: string, checks: Array<{ id: string; precinct: string; list_number: string }>) {
  const res = await fetch(`${server.base}/api/checks`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ checks }),
  });
  return { status: res.status, body: (await res.json()) as { results?: Array<{ id: string; result: string; reason?: string }>; error?: string } };
}

/**
 * Bytes on the wire for a page's first load in a fresh context (nothing cached): the sum of
 * each response's encodedDataLength as Chromium reports it (headers plus the body as
 * transferred, so compressed when the server compresses), until the network is quiet.
 * Long-lived responses (the event stream) count what arrived by then.
 */
export async function firstLoadBytes(browser: Browser, url: string, viewport = PHONE): Promise<{ total: number; byUrl: Record<string, { transferred: number; encoding: string | null; status: number }> }> {
  const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const urls = new Map<string, string>();
    const encodings = new Map<string, string | null>();
    const statuses = new Map<string, number>();
    const sizes = new Map<string, number>();
    cdp.on('Network.responseReceived', (e) => {
      urls.set(e.requestId, e.response.url);
      const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      encodings.set(e.requestId, headers['content-encoding'] ?? null);
      statuses.set(e.requestId, e.response.status);
    });
    // A stream still open (the event stream) reports no encoded length yet: count its decoded bytes.
    cdp.on('Network.dataReceived', (e) => sizes.set(e.requestId, (sizes.get(e.requestId) ?? 0) + (e.encodedDataLength || e.dataLength)));
    cdp.on('Network.loadingFinished', (e) => sizes.set(e.requestId, e.encodedDataLength));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(1500); // the API calls and the chart after load
    const byUrl: Record<string, { transferred: number; encoding: string | null; status: number }> = {};
    let total = 0;
    for (const [id, u] of urls) {
      const bytes = sizes.get(id) ?? 0;
      total += bytes;
      const key = new URL(u).pathname.replace(/\/(t|hq)\/[^/]+/, '/$1/<token>');
      byUrl[key] = { transferred: (byUrl[key]?.transferred ?? 0) + bytes, encoding: encodings.get(id) ?? null, status: statuses.get(id) ?? 0 };
    }
    return { total, byUrl };
  } finally {
    await context.close();
  }
}
