import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** Every .ts file under src/<layer>, with its text. */
function sources(layer: string): Array<{ file: string; text: string }> {
  const dir = path.join(ROOT, 'src', layer);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: path.join('src', layer, f), text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

function imports(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

const UI_LIBRARIES = ['commander', 'chalk', 'ora', '@inquirer/prompts'];

describe('layers', () => {
  it('keeps the web adapter beside the CLI: no terminal libraries, no CLI module, and nothing inward imports it', () => {
    const offenders: string[] = [];
    for (const { file, text } of sources('web')) {
      // What the CLI and the server share (status rows, the status options) lives in src/app.
      for (const spec of imports(text)) if (['chalk', 'ora', '@inquirer/prompts', 'commander'].includes(spec) || spec.includes('/cli/')) offenders.push(`${file} imports ${spec}`);
    }
    for (const layer of ['app', 'core', 'store', 'io']) {
      for (const { file, text } of sources(layer)) for (const spec of imports(text)) if (spec.includes('/web/')) offenders.push(`${file} imports ${spec}`);
    }
    expect(offenders).toEqual([]);
  });

  it('keeps the core pure: no I/O, no database, no process, no outer layer', () => {
    const offenders: string[] = [];
    for (const { file, text } of sources('core')) {
      for (const spec of imports(text)) {
        if (/^(node:)?(fs|fs\/promises|child_process|net|http|https|worker_threads)$/.test(spec) || spec === 'better-sqlite3' || spec === 'twilio' || UI_LIBRARIES.includes(spec) || /\/(cli|app|store|io)\//.test(spec)) {
          offenders.push(`${file} imports ${spec}`);
        }
      }
      if (/\bprocess\./.test(text)) offenders.push(`${file} uses process`);
    }
    expect(offenders).toEqual([]);
  });

  it('keeps terminal libraries and the process in the CLI layer', () => {
    const offenders: string[] = [];
    for (const layer of ['app', 'store', 'io', 'core']) {
      for (const { file, text } of sources(layer)) {
        for (const spec of imports(text)) {
          if (UI_LIBRARIES.includes(spec) || spec.includes('/cli/')) offenders.push(`${file} imports ${spec}`);
        }
        if (/\bprocess\./.test(text)) offenders.push(`${file} uses process`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps SQL in src/store and the use cases free of the database driver', () => {
    const offenders: string[] = [];
    for (const layer of ['app', 'core', 'cli', 'io', 'web']) {
      for (const { file, text } of sources(layer)) {
        if (/\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)\b/.test(text)) offenders.push(`${file} contains SQL`);
        if (layer !== 'cli' && imports(text).includes('better-sqlite3')) offenders.push(`${file} imports better-sqlite3`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps the PostgreSQL driver in src/store/pg', () => {
    const offenders = ['cli', 'app', 'core', 'store', 'io']
      .flatMap((layer) => sources(layer))
      .filter(({ file, text }) => imports(text).some((spec) => spec === 'pg' || spec === 'pg-copy-streams') && !file.startsWith(path.join('src', 'store', 'pg')))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
    expect(sources('store').some(({ file, text }) => file.startsWith(path.join('src', 'store', 'pg')) && imports(text).includes('pg'))).toBe(true);
  });

  it('exits the process only from the entry point', () => {
    const offenders = ['cli', 'app', 'core', 'store', 'io', 'web']
      .flatMap((layer) => sources(layer))
      .filter(({ file, text }) => /process\.exit\(/.test(text) && file !== path.join('src', 'cli', 'main.ts'))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });
});
