import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { testBackends } from '../helpers/backends.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  EARLY_VOTED,
  RUN_BROWSER_TESTS,
  LAPTOP,
  exportedChecks,
  firstLoadBytes,
  launchChromium,
  phoneContext,
  screenshot,
  startServer,
  statusByArea,
  unmatchedChecks,
  voterId,
  watchPageErrors,
  type Link,
  type Server,
  eventually,
} from './harness.js';

/*
 * The teller page in headless Chromium against the built `turnout serve`: a teller of precinct
 * 101 (neighbourhood Nord: 100 supporters, list numbers 71–100 voted early) records numbers,
 * loses the network, keeps recording, reloads, gets the network back; the database must then
 * hold every number exactly once.
 */
describe.skipIf(!RUN_BROWSER_TESTS).each(await testBackends())('the teller page on $name', (backend) => {
  let server: Server;
  let browser: Browser;
  let teller: Link;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer('turnout-teller-', backend), launchChromium()]);
    teller = await server.teller(['101'], 'Ana Exemple');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  let pageErrors: string[] = [];
  afterEach(() => {
    expect(pageErrors).toEqual([]);
    pageErrors = [];
  });

  async function openTeller(context: BrowserContext, url = teller.url): Promise<Page> {
    pageErrors = watchPageErrors(context);
    const page = await context.newPage();
    await page.goto(url);
    await eventually(() => page.locator('#precinct-fixed').textContent()).toBe('101');
    return page;
  }

  async function record(page: Page, number: string, how: 'enter' | 'button' = 'enter') {
    await page.fill('#number', number);
    if (how === 'enter') await page.press('#number', 'Enter');
    else await page.click('#record');
    await eventually(() => page.inputValue('#number')).toBe('');
  }

  const entry = (page: Page, number: string) => page.locator('#entries li', { has: page.locator('.num', { hasText: new RegExp(`^${number.replace(/[./]/g, '\\$&')}$`) }) });
  const stateOf = (page: Page, number: string) => entry(page, number).locator('.state').textContent();

  it('records online, queues offline across a reload, and sends every entry exactly once', async () => {
    const context = await phoneContext(browser);
    const page = await openTeller(context);
    // The service worker must hold the page before the network goes, as on a phone that opened the link once.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      for (let i = 0; i < 100 && (await caches.keys()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    });
    await eventually(() => page.evaluate(async () => (await caches.keys()).length)).toBeGreaterThan(0);

    await record(page, '1');
    await record(page, '2', 'button');
    await record(page, String(EARLY_VOTED.from)); // voted early: already recorded
    await eventually(() => stateOf(page, '1')).toBe('recorded ✓');
    await eventually(() => stateOf(page, '2')).toBe('recorded ✓');
    await eventually(() => stateOf(page, String(EARLY_VOTED.from))).toBe('already recorded');
    // The counter counts this link's entries that stand, as /api/me does: "already recorded" included.
    await eventually(() => page.textContent('#count')).toBe('3');

    await context.setOffline(true);
    for (const n of ['3', '4', '5', '999/9']) await record(page, n);
    await eventually(() => stateOf(page, '4')).toBe('waiting to send');
    await eventually(() => page.textContent('#net')).toMatch(/Offline — 4 waiting/);
    await screenshot(page, 'teller-phone-offline');

    await page.reload(); // still offline: the service worker serves the page, localStorage the entries
    await eventually(() => page.textContent('#net')).toMatch(/Offline — 4 waiting/);
    await record(page, '6');
    await eventually(() => stateOf(page, '6')).toBe('waiting to send');

    await context.setOffline(false);
    for (const n of ['3', '4', '5', '6']) await eventually(() => stateOf(page, n), { timeout: 20_000 }).toBe('recorded ✓');
    await eventually(() => stateOf(page, '999/9')).toBe('unknown number (kept)');
    await eventually(() => page.isHidden('#net')).toBe(true);
    await eventually(() => page.textContent('#count')).toBe('8');
    await screenshot(page, 'teller-phone');

    const checked = (await exportedChecks(server)).map((c) => c.voter_id);
    for (const n of [1, 2, 3, 4, 5, 6]) expect(checked.filter((id) => id === voterId('N', n))).toHaveLength(1);
    expect(checked).toHaveLength(2 * (EARLY_VOTED.to - EARLY_VOTED.from + 1) + 6);
    const unmatched = (await unmatchedChecks(server)).filter((u) => u.list_number === '999/9');
    expect(unmatched).toEqual([expect.objectContaining({ precinct: '101', list_number: '999/9' })]);
    const status = await statusByArea(server);
    expect(status.get('Nord')!.voted).toBe(EARLY_VOTED.to - EARLY_VOTED.from + 1 + 6);
    await context.close();
  });

  it('sends an entry again when the answer was lost, and the server records it once', async () => {
    const context = await phoneContext(browser);
    const page = await openTeller(context);
    // The first POST of number 10 reaches the server but its answer never reaches the phone.
    // Sent again with the same id, the server gives its first answer (recorded); a new id would
    // get "already recorded", and a duplicate unmatched row for 998/1.
    let dropped = 0;
    await page.route('**/api/checks', async (route) => {
      const body = route.request().postData() ?? '';
      if (route.request().method() === 'POST' && dropped === 0 && body.includes('"list_number":"10"')) {
        dropped++;
        await route.fetch(); // the server records it...
        await route.abort('connectionreset'); // ...and the phone hears nothing
        return;
      }
      await route.continue();
    });
    await record(page, '10');
    await record(page, '998/1'); // unknown: kept as an unmatched check
    await eventually(() => stateOf(page, '998/1'), { timeout: 20_000 }).toBe('unknown number (kept)');
    await eventually(() => stateOf(page, '10'), { timeout: 20_000 }).toBe('recorded ✓');
    expect(dropped).toBe(1);
    expect((await unmatchedChecks(server)).filter((u) => u.list_number === '998/1')).toHaveLength(1);
    expect((await exportedChecks(server)).filter((c) => c.voter_id === voterId('N', 10))).toHaveLength(1);
    await context.close();
  });

  it('undoes the last entries on the server, and an entry never sent without asking it', async () => {
    const context = await phoneContext(browser);
    const page = await openTeller(context);
    await record(page, '20');
    await record(page, '21');
    await eventually(() => stateOf(page, '21')).toBe('recorded ✓');
    const before = Number(await page.textContent('#count'));
    await entry(page, '21').getByRole('button', { name: 'Undo 21' }).click();
    await eventually(() => stateOf(page, '21')).toBe('undone');
    await eventually(() => page.textContent('#count')).toBe(String(before - 1));
    let checked = (await exportedChecks(server)).map((c) => c.voter_id);
    expect(checked).toContain(voterId('N', 20));
    expect(checked).not.toContain(voterId('N', 21));

    // Offline, an entry undone before it left the phone is never sent at all.
    await context.setOffline(true);
    await record(page, '22');
    await entry(page, '22').getByRole('button', { name: 'Undo 22' }).click();
    await eventually(() => stateOf(page, '22')).toBe('undone');
    await context.setOffline(false);
    await record(page, '23');
    await eventually(() => stateOf(page, '23')).toBe('recorded ✓');
    checked = (await exportedChecks(server)).map((c) => c.voter_id);
    expect(checked).not.toContain(voterId('N', 22));
    expect(checked).toContain(voterId('N', 23));

    // Only the last three entries offer an undo.
    expect(await page.locator('#entries button.undo').count()).toBeLessThanOrEqual(3);
    await screenshot(page, 'teller-phone-undo');
    await page.setViewportSize(LAPTOP);
    await screenshot(page, 'teller-laptop');
    await context.close();
  });

  it("lets a teller of two stations pick one, and records there", async () => {
    const both = await server.teller(['101', '102'], 'Driss Essai');
    const context = await phoneContext(browser);
    pageErrors = watchPageErrors(context);
    const page = await context.newPage();
    await page.goto(both.url);
    await eventually(() => page.locator('#precinct option').allTextContents()).toEqual(['101', '102']);
    await page.selectOption('#precinct', '102');
    await record(page, '40');
    await eventually(() => stateOf(page, '40')).toBe('recorded ✓');
    await page.selectOption('#precinct', '101');
    expect(await entry(page, '40').count()).toBe(0); // each station lists its own entries
    await page.reload();
    await eventually(() => page.inputValue('#precinct')).toBe('101'); // the choice is kept
    const checked = (await exportedChecks(server)).map((c) => c.voter_id);
    expect(checked).toContain(voterId('S', 40));
    expect(checked).not.toContain(voterId('N', 40));
    await context.close();
  });

  it("shows an entry the server refused, with the server's reason, and does not send it again", async () => {
    const context = await phoneContext(browser);
    const page = await openTeller(context);
    // As if the page had sent a station the link does not cover: the server answers "rejected".
    let posts = 0;
    await page.route('**/api/checks', async (route) => {
      posts++;
      await route.continue({ postData: (route.request().postData() ?? '').replace('"precinct":"101"', '"precinct":"102"') });
    });
    await record(page, '50');
    await eventually(() => stateOf(page, '50')).toBe('not recorded');
    expect(await entry(page, '50').locator('.time').textContent()).toMatch(/102/);
    await screenshot(page, 'teller-phone-refused');
    await page.waitForTimeout(2500); // past the first retry delay: nothing is sent again
    expect(posts).toBe(1);
    expect((await exportedChecks(server)).map((c) => c.voter_id)).not.toContain(voterId('S', 50));
    await context.close();
  });

  it('refuses a revoked link', async () => {
    const revoked = await server.teller(['101'], 'Bruno Fictif');
    const context = await phoneContext(browser);
    const page = await openTeller(context, revoked.url);
    await record(page, '30');
    await eventually(() => stateOf(page, '30')).toBe('recorded ✓');

    const r = await server.cli(['tellers', 'revoke', revoked.token]);
    expect(r.code, r.stderr).toBe(0);
    const api = await fetch(`${server.base}/api/me`, { headers: { Authorization: `Bearer ${revoked.token}` } });
    expect(api.status).toBe(401);

    await record(page, '31');
    await eventually(() => page.isVisible('#blocked')).toBe(true);
    expect(await page.textContent('#blocked')).toMatch(/This link does not work[\s\S]*1 entry on this phone could not be sent/);
    await screenshot(page, 'teller-phone-revoked');
    // An HQ link opened as a teller link is refused too, before anything is typed.
    const staff = await server.staff('Permanence');
    const hqAsTeller = await context.newPage();
    await hqAsTeller.goto(`${server.base}/t/${staff.token}`);
    await eventually(() => hqAsTeller.isVisible('#blocked')).toBe(true);
    expect(await hqAsTeller.textContent('#blocked')).toMatch(/HQ link/);
    expect((await exportedChecks(server)).map((c) => c.voter_id)).not.toContain(voterId('N', 31));
    await context.close();
  });

  it('weighs at most 50 KB on the wire for its first load', async () => {
    const { total, byUrl } = await firstLoadBytes(browser, teller.url);
    expect(Object.keys(byUrl)).toEqual(expect.arrayContaining(['/t/<token>', '/static/teller.js', '/static/teller.css', '/api/me']));
    for (const file of ['/t/<token>', '/static/teller.js', '/static/teller.css', '/api/me']) expect(byUrl[file]!.status, file).toBe(200);
    // The service worker (blocked in that measure) then fetches itself and keeps a copy of the
    // page's two files: count them once more, sw.js gzipped as the server would at best send it.
    const sw = await fetch(`${server.base}/sw.js`);
    expect(sw.status).toBe(200);
    const swBytes = gzipSync(Buffer.from(await sw.arrayBuffer())).length + 300; // + headers
    const withWorker = total + swBytes + byUrl['/static/teller.js']!.transferred + byUrl['/static/teller.css']!.transferred;
    console.log(`teller page first load: ${total} bytes transferred, ${withWorker} with the service worker's copies`, byUrl);
    expect(withWorker).toBeLessThanOrEqual(50 * 1024);
  });
});
