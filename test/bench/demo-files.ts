/**
 * Reads the demo's CSV files back, independently of turnout's importer, so tests can compare what
 * turnout did with what the files say (fixtures/demo is described by its demo.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { parseTime } from '../../src/core/time.js';

export interface DemoManifestFile {
  timeZone: string;
  date: string;
  asOf: string;
  asOfInstant: string;
  voters: { file: string };
  checks: Array<{ file: string; source: string; at?: string }>;
}

export function readManifest(dir: string): DemoManifestFile {
  return JSON.parse(fs.readFileSync(path.join(dir, 'demo.json'), 'utf8')) as DemoManifestFile;
}

/** A demo CSV as records: BOM dropped, UTF-8 or else Windows-1252, `;` or `,` by the header line. */
export function readDemoCsv(dir: string, file: string): Record<string, string>[] {
  let bytes = fs.readFileSync(path.join(dir, file));
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = iconv.decode(bytes, 'win1252');
  }
  const firstLine = text.slice(0, text.indexOf('\n'));
  return parse(text, { columns: true, delimiter: firstLine.includes(';') ? ';' : ',', skip_empty_lines: true }) as Record<string, string>[];
}

export interface DemoTruth {
  voters: Record<string, string>[];
  /** Voter id → earliest check instant, over all check files. */
  votedAt: Map<string, Date>;
  /** Check rows that name no voter of the file. */
  unmatched: number;
  /** Distinct unmatched keys (a typo reported twice is one unmatched check). */
  unmatchedKeys: Set<string>;
}

/** What the demo files say: who is registered, who has voted and when, which checks match nobody. */
export function demoTruth(dir: string): DemoTruth {
  const manifest = readManifest(dir);
  const voters = readDemoCsv(dir, manifest.voters.file);
  const byList = new Map(voters.map((v) => [`${v['Bureau de vote']}\u001f${v["N° d'ordre"]}`, v['N° électeur']!]));
  const ids = new Set(voters.map((v) => v['N° électeur']!));
  const asOf = new Date(manifest.asOfInstant);
  const votedAt = new Map<string, Date>();
  const unmatchedKeys = new Set<string>();
  let unmatched = 0;
  for (const source of manifest.checks) {
    for (const row of readDemoCsv(dir, source.file)) {
      const byId = row['N° électeur'] ?? row['voter_id'];
      const listKey = `${row['Bureau de vote']}\u001f${row["N° d'ordre"]}`;
      const id = byId ?? byList.get(listKey);
      const text = row['Heure'] ?? row['checked_at'] ?? source.at;
      const at = text === undefined ? undefined : parseTime(text, manifest.timeZone, asOf);
      if (at === undefined) throw new Error(`${source.file}: unreadable time "${text}"`);
      if (id === undefined || !ids.has(id)) {
        unmatched++;
        unmatchedKeys.add(byId !== undefined ? `id:${byId}` : `pl:${listKey}`);
        continue;
      }
      const seen = votedAt.get(id);
      if (!seen || at < seen) votedAt.set(id, at);
    }
  }
  return { voters, votedAt, unmatched, unmatchedKeys };
}
