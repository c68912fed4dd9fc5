/**
 * Reads the demo's CSV files back, independently of turnout's importer, so tests can compare what
 * turnout did with what the files say (fixtures/demo is described by its demo.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { parseTime } from '../../src/core/time.js';
import { firstNameKeys } from '../../src/core/contact.js';
import { firstGivenName, normalizeName, parseBirthDate } from '../../src/core/identity.js';

export interface DemoManifestFile {
  timeZone: string;
  date: string;
  asOf: string;
  asOfInstant: string;
  voters: { file: string };
  areas: { file: string };
  contacts: { file: string };
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

/** The REU's columns the tests read. */
export const REU = {
  bureau: 'code du bureau de vote',
  number: "numéro d'ordre dans le bureau de vote",
  birthName: 'nom de naissance',
  usageName: "nom d'usage",
  givenNames: 'prénoms',
  birthDate: 'date de naissance',
} as const;

/** A voter of the REU export as turnout keys it: "<bureau>/<numéro d'ordre>". */
export const reuId = (v: Record<string, string>): string => `${v[REU.bureau]}/${v[REU.number]}`;

export interface DemoTruth {
  voters: Record<string, string>[];
  /** Voter id → quartier, from the bureaux file. */
  quartier: Map<string, string>;
  /** Voter id → the contact row linked onto it (name + birth date matching exactly one voter). */
  contactOf: Map<string, Record<string, string>>;
  /** Contacts matching two voters or more (not applied), and matching none. */
  ambiguous: number;
  unmatchedContacts: number;
  /** Voter id → earliest check instant, over all check files. */
  votedAt: Map<string, Date>;
  /** Check rows that name no voter of the file. */
  unmatched: number;
  /** Distinct unmatched keys (a typo reported twice is one unmatched check). */
  unmatchedKeys: Set<string>;
}

/**
 * What the demo files say: who is registered and in which quartier, which contact is whose (the
 * identity rule of issue 11: a last name in use or at birth, the first given name, the birth date,
 * compared without case, accents or punctuation), who has voted and when, which checks match nobody.
 */
export function demoTruth(dir: string): DemoTruth {
  const manifest = readManifest(dir);
  const voters = readDemoCsv(dir, manifest.voters.file);
  const ids = new Set(voters.map(reuId));
  const areaOf = new Map(readDemoCsv(dir, manifest.areas.file).map((r) => [r['Bureau de vote']!, r['Quartier']!]));
  const quartier = new Map(voters.map((v) => [reuId(v), areaOf.get(v[REU.bureau]!)!]));

  const byIdentity = new Map<string, Record<string, string>[]>();
  for (const v of voters) {
    const iso = parseBirthDate(v[REU.birthDate]!);
    if (iso === null) continue;
    const key = `${normalizeName(firstGivenName(v[REU.givenNames]!))}|${iso}`;
    byIdentity.set(key, [...(byIdentity.get(key) ?? []), v]);
  }
  const contactOf = new Map<string, Record<string, string>>();
  let ambiguous = 0;
  let unmatchedContacts = 0;
  for (const c of readDemoCsv(dir, manifest.contacts.file)) {
    const iso = parseBirthDate(c['born_at']!);
    const last = normalizeName(c['last_name']!);
    let found: Record<string, string>[] = [];
    for (const first of iso === null ? [] : firstNameKeys(c['first_name']!)) {
      found = (byIdentity.get(`${first}|${iso}`) ?? []).filter((v) => [v[REU.usageName]!, v[REU.birthName]!].some((n) => n !== '' && normalizeName(n) === last));
      if (found.length > 0) break;
    }
    if (found.length === 1) contactOf.set(reuId(found[0]!), c);
    else if (found.length > 1) ambiguous++;
    else unmatchedContacts++;
  }

  const asOf = new Date(manifest.asOfInstant);
  const votedAt = new Map<string, Date>();
  const unmatchedKeys = new Set<string>();
  let unmatched = 0;
  for (const source of manifest.checks) {
    for (const row of readDemoCsv(dir, source.file)) {
      const id = `${row['Bureau de vote'] ?? row['precinct']}/${row["N° d'ordre"] ?? row['list_number']}`;
      const text = row['Heure'] ?? row['checked_at'] ?? source.at;
      const at = text === undefined ? undefined : parseTime(text, manifest.timeZone, asOf);
      if (at === undefined) throw new Error(`${source.file}: unreadable time "${text}"`);
      if (!ids.has(id)) {
        unmatched++;
        unmatchedKeys.add(id);
        continue;
      }
      const seen = votedAt.get(id);
      if (!seen || at < seen) votedAt.set(id, at);
    }
  }
  return { voters, quartier, contactOf, ambiguous, unmatchedContacts, votedAt, unmatched, unmatchedKeys };
}
