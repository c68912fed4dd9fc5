import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { testBackends } from '../helpers/backends.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  EARLY_VOTED,
  RUN_BROWSER_TESTS,
  LAPTOP,
  PHONE,
  SUPPORTERS_PER_AREA,
  firstLoadBytes,
  launchChromium,
  postChecks,
  screenshot,
  startServer,
  statusByArea,
  watchPageErrors,
  type Link,
  type Server,
  eventually,
} from './harness.js';

/*
 * The HQ dashboard in headless Chromium against the built `turnout serve`. Nord (101) and Sud
 * (102) start level, 30 of 100 supporters each; a teller of 101 then posts checks through the
 * API: the dashboard shows each within a second, and Sud, left behind, becomes flagged.
 */
describe.skipIf(!RUN_BROWSER_TESTS).each(await testBackends())('the HQ dashboard on $name', (backend) => {
  let server: Server;
  let browser: Browser;
  let staff: Link;
  let nord: Link;
  let page: Page;
  let pageErrors: string[] = [];
  const early = EARLY_VOTED.to - EARLY_VOTED.from + 1;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer('turnout-hq-', backend), launchChromium()]);
    [staff, nord] = await Promise.all([server.staff('Permanence'), server.teller(['101'], 'Chloé Modèle')]);
    const context = await browser.newContext({ viewport: LAPTOP });
    pageErrors = watchPageErrors(context);
    page = await context.newPage();
    await page.goto(staff.url);
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live');
  });
  afterEach(() => expect(pageErrors).toEqual([]));
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const cellText = (area: string, field: string) => page.locator(`tr[data-area="${area}"] [data-field="${field}"]`).textContent();
  const isFlagged = (area: string) => page.locator(`tr[data-area="${area}"]`).evaluate((tr) => tr.classList.contains('flagged'));

  it('shows the status table with the same figures as turnout status', async () => {
    await eventually(() => cellText('Nord', 'supporters_voted')).toBe(String(early));
    const cli = await statusByArea(server);
    for (const area of ['Nord', 'Sud']) {
      expect(await cellText(area, 'voted')).toBe(String(cli.get(area)!.voted));
      expect(await cellText(area, 'supporters_voted')).toBe(String(cli.get(area)!.supporters_voted));
      expect(await isFlagged(area)).toBe(cli.get(area)!.under_mobilized);
    }
    expect(await cellText('(total)', 'supporters_voted')).toBe(String(2 * early));
  });

  it('draws the timeline as a chart with uPlot, served by turnout itself', async () => {
    // The chart library comes from node_modules (the uplot dependency) through a server route.
    const vendor = await fetch(`${server.base}/vendor/uplot.iife.min.js`);
    expect(vendor.status).toBe(200);
    expect((await fetch(`${server.base}/vendor/uplot.min.css`)).status).toBe(200);
    expect((await fetch(`${server.base}/vendor/package.json`)).status).toBe(404);
    expect(vendor.headers.get('content-type')).toMatch(/javascript/);
    // uPlot's canvas, with the whole election, the flagged areas and the others in the legend.
    await eventually(() => page.locator('#chart canvas').count()).toBe(1);
    expect(await page.textContent('#legend')).toMatch(/all areas.*flagged areas.*other areas/);
  });

  it('shows a check within one second of its POST', async () => {
    const posted = Date.now();
    const r = await postChecks(server, nord.token, [{ id: randomUUID(), precinct: '101', list_number: '1' }]);
    expect(r.body.results?.[0]?.result).toBe('recorded');
    await page.waitForFunction(
      ({ want }) => document.querySelector('tr[data-area="Nord"] [data-field="supporters_voted"]')?.textContent === want,
      { want: String(early + 1) },
      { timeout: 1000 - (Date.now() - posted), polling: 20 },
    );
    const seen = Date.now() - posted;
    console.log(`dashboard updated ${seen} ms after the POST`);
    expect(seen).toBeLessThanOrEqual(1000);
  });

  it('shows an area becoming flagged, and the polling station active', async () => {
    expect(await isFlagged('Sud')).toBe(false);
    // 40 more Nord supporters vote: Nord 71 %, Sud 30 %, overall 50.5 %: z for Sud ≈ −4.
    const checks = Array.from({ length: 40 }, (_, i) => ({ id: randomUUID(), precinct: '101', list_number: String(i + 2) }));
    const r = await postChecks(server, nord.token, checks);
    expect(r.body.results?.every((c) => c.result === 'recorded')).toBe(true);
    await eventually(() => isFlagged('Sud')).toBe(true);
    expect(await cellText('Sud', 'under_mobilized')).toBe('LOW (new)'); // flagged since the dashboard opened
    expect(await isFlagged('Nord')).toBe(false);
    expect((await statusByArea(server)).get('Sud')!.under_mobilized).toBe(true);
    // Flagged areas come first.
    expect(await page.locator('#status tbody tr').first().getAttribute('data-area')).toBe('Sud');
    await eventually(() => page.textContent('#sum-flagged')).toBe('1');
    expect(Number(await cellText('Nord', 'supporters_voted'))).toBe(early + 41);
    expect(early + 41).toBeLessThanOrEqual(SUPPORTERS_PER_AREA);

    // Precinct 101 has just reported; the activity table follows.
    await eventually(() => page.locator('#activity tbody tr', { hasText: '101' }).textContent()).toMatch(/now|min/);
    await page.waitForTimeout(300);
    await screenshot(page, 'hq-laptop');
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(400); // the chart follows the width
    await screenshot(page, 'hq-phone');
    await page.setViewportSize(LAPTOP);
  });

  it('follows a check recorded by another path (turnout mark) within a second', async () => {
    const before = Number(await cellText('Sud', 'supporters_voted'));
    const r = await server.cli(['mark', 'S001', '--source', 'call centre']);
    expect(r.code, r.stderr).toBe(0);
    const committed = Date.now(); // the CLI has exited: its write is committed
    await page.waitForFunction(
      ({ want }) => document.querySelector('tr[data-area="Sud"] [data-field="supporters_voted"]')?.textContent === want,
      { want: String(before + 1) },
      { timeout: 1000, polling: 20 },
    );
    console.log(`dashboard updated ${Date.now() - committed} ms after turnout mark exited`);
  });

  it("opens on another view with status options in the link's query string", async () => {
    const context = await browser.newContext({ viewport: LAPTOP });
    const errors = watchPageErrors(context);
    const view = await context.newPage();
    await view.goto(`${staff.url}?by=precinct&expected=60`);
    await eventually(() => view.locator('#status tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-area')).sort())).toEqual(['101', '102']);
    expect(await view.textContent('tr[data-area="101"] [data-field="reference"]')).toBe('60.0%');
    expect(await view.textContent('#rule')).toMatch(/a fixed 60%/);
    expect(await view.textContent('#by')).toBe('precinct');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refuses a revoked staff link, and stops a dashboard open on it', async () => {
    const other = await server.staff('Stagiaire');
    const context = await browser.newContext({ viewport: LAPTOP });
    const hq = await context.newPage();
    await hq.goto(other.url);
    await hq.waitForFunction(() => document.getElementById('live')?.textContent === 'live');
    expect((await server.cli(['staff', 'revoke', other.token])).code).toBe(0);
    // The next change ends its event stream with "revoked": the page says so and stops following.
    await postChecks(server, nord.token, [{ id: randomUUID(), precinct: '101', list_number: '60' }]);
    await eventually(() => hq.textContent('#error')).toMatch(/no longer works/);
    expect(await hq.textContent('#live')).toBe('refused');
    // Opened afresh, it is refused at once.
    await hq.goto(other.url);
    await eventually(() => hq.textContent('#error')).toMatch(/no longer works/);
    // A teller's link does not open the dashboard either.
    await hq.goto(`${server.base}/hq/${nord.token}`);
    await eventually(() => hq.textContent('#error')).toMatch(/does not open the dashboard/);
    expect(await hq.locator('#status tbody tr').count()).toBe(0);
    await context.close();
  });

  it('weighs at most 200 KB on the wire for its first load', async () => {
    const { total: transferred, byUrl } = await firstLoadBytes(browser, staff.url, LAPTOP);
    console.log(`dashboard first load: ${transferred} bytes transferred`, byUrl);
    expect(Object.keys(byUrl)).toEqual(expect.arrayContaining(['/hq/<token>', '/static/hq.js', '/static/hq.css', '/vendor/uplot.iife.min.js', '/api/status', '/api/timeline']));
    // The chart library is most of the weight: it must be there for this measure to mean anything.
    for (const file of ['/hq/<token>', '/static/hq.js', '/static/hq.css', '/vendor/uplot.iife.min.js', '/api/status', '/api/timeline']) expect(byUrl[file]!.status, file).toBe(200);
    expect(transferred).toBeLessThanOrEqual(200 * 1024);
  });
});
