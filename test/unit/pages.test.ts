import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/*
 * The pages of src/web/public as files: what the CSP and "everything from turnout itself" demand,
 * checked without a browser (test/browser checks them in one).
 */
const PUBLIC = path.join(ROOT, 'src/web/public');
const PAGES = ['teller.html', 'hq.html'];
/** Files the pages load from node_modules, by the address they use (the server maps them). */
const VENDOR: Record<string, string> = {
  '/vendor/uplot.iife.min.js': 'node_modules/uplot/dist/uPlot.iife.min.js',
  '/vendor/uplot.min.css': 'node_modules/uplot/dist/uPlot.min.css',
};

const read = (file: string) => fs.readFileSync(path.join(PUBLIC, file), 'utf8');
const publicFiles = (): string[] =>
  fs.readdirSync(PUBLIC, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(PUBLIC, f)).isFile());

describe('the pages in src/web/public', () => {
  it.each(PAGES)('%s has no inline script, handler or style (the CSP forbids them)', (page) => {
    const html = read(page);
    for (const tag of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
      expect(tag, 'a script loads a file and holds nothing').toMatch(/^<script src="[^"]+"( defer)?><\/script>$/);
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/<style\b/i);
  });

  it('loads nothing from elsewhere: no CDN, web font or external script', () => {
    for (const file of publicFiles()) {
      const text = read(file);
      expect(text.match(/\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//gi) ?? [], file).toEqual([]);
      expect(text, file).not.toMatch(/@import|@font-face|url\(\s*['"]?(?:https?:)?\/\//i);
    }
  });

  it.each(PAGES)('%s loads only files that exist (here, or named in the vendor map)', (page) => {
    const refs = [...read(page).matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((r) => !r.startsWith('data:'));
    expect(refs.length).toBeGreaterThan(1);
    for (const ref of refs) {
      expect(ref, 'an absolute path: the page lives at /t/<token> or /hq/<token>').toMatch(/^\//);
      if (ref in VENDOR) expect(fs.existsSync(path.join(ROOT, VENDOR[ref]!)), ref).toBe(true);
      else expect(fs.existsSync(path.join(PUBLIC, ref)), ref).toBe(true);
    }
  });

  it("keeps the service worker's offline copy to files that exist", () => {
    const sw = read('sw.js');
    const shell = JSON.parse(/var SHELL = (\[[^\]]*\]);/.exec(sw)![1]!.replace(/'/g, '"')) as string[];
    expect(shell).toEqual(['/static/teller.css', '/static/teller.js']);
    for (const file of shell) expect(fs.existsSync(path.join(PUBLIC, file)), file).toBe(true);
    expect(read('static/teller.js')).toContain("navigator.serviceWorker.register('/sw.js')");
  });
});
