import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../src/core/time.js';
import { DEMO_ELECTION, generateDemo, LAGGING, SMALL_AND_LOW } from '../bench/generate.js';
import { FIXTURES } from '../helpers/cli.js';
import { demoTruth, readDemoCsv, readManifest, REU, reuId } from '../bench/demo-files.js';
import { REU_HEADERS } from '../bench/lists.js';

const DIR = path.join(FIXTURES, 'demo');
const manifest = readManifest(DIR);
const readCsv = (file: string): Record<string, string>[] => readDemoCsv(DIR, file);

/** +33 6…, 0033 6…, +33 (0)6…, 06… all as the ten national digits. */
function nationalDigits(phone: string): string {
  const d = phone.replace(/\D/g, '');
  if (d.startsWith('0033')) return `0${d.slice(4)}`;
  if (d.startsWith('330')) return d.slice(2);
  if (d.startsWith('33')) return `0${d.slice(2)}`;
  return d;
}

describe('the demo data in fixtures/demo', () => {
  it('is exactly what the seeded generator produces', () => {
    const files = generateDemo();
    const committed = fs.readdirSync(DIR).sort();
    expect(committed).toEqual(files.map((f) => f.name).sort());
    for (const f of files) {
      expect(fs.readFileSync(path.join(DIR, f.name)).equals(f.bytes), `${f.name} differs from a fresh generation`).toBe(true);
    }
  });

  it('runs the real flow of a French campaign: the REU export, the bureaux map, the NationBuilder export', () => {
    // The REU export: UTF-8 without BOM, LF, 27 quoted columns but the last; no phone, support or quartier.
    const raw = fs.readFileSync(path.join(DIR, manifest.voters.file));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(raw)).not.toThrow();
    expect(raw[0]).toBe(0x22);
    expect(raw.includes(Buffer.from('\r\n'))).toBe(false);
    const voters = readCsv(manifest.voters.file);
    expect(voters.length).toBeGreaterThanOrEqual(4000);
    expect(voters.length).toBeLessThanOrEqual(6000);
    expect(Object.keys(voters[0]!)).toEqual([...REU_HEADERS]);
    expect(new Set(voters.map(reuId)).size).toBe(voters.length);
    expect(voters.some((v) => v[REU.usageName] !== '' && v[REU.usageName] !== v[REU.birthName])).toBe(true);
    expect(voters.some((v) => v[REU.givenNames]!.includes(' '))).toBe(true);
    expect(voters.filter((v) => v[REU.birthDate]!.startsWith('00/00/'))).toHaveLength(3);
    expect(voters.some((v) => v['numéro de voie']!.endsWith(' bis'))).toBe(true);

    // The bureaux map: every bureau of the list in one of 20 quartiers.
    const areas = readCsv(manifest.areas.file);
    expect(new Set(areas.map((a) => a['Quartier'])).size).toBe(20);
    expect(new Set(voters.map((v) => v[REU.bureau]))).toEqual(new Set(areas.map((a) => a['Bureau de vote'])));

    // The contact export: its own ids, names and dates as typed, phones every which way.
    const contacts = readCsv(manifest.contacts.file);
    expect(Object.keys(contacts[0]!)).toEqual(expect.arrayContaining(['nationbuilder_id', 'first_name', 'last_name', 'born_at', 'mobile_number', 'support_level']));
    expect(new Set(contacts.map((c) => c['nationbuilder_id'])).size).toBe(contacts.length);
    const born = contacts.map((c) => c['born_at']!);
    expect(born.some((d) => /^\d{4}-\d\d-\d\d$/.test(d))).toBe(true);
    expect(born.some((d) => /^\d\d\/\d\d\/\d{4}$/.test(d))).toBe(true);
    expect(born.some((d) => /^\d\d\.\d\d\.\d{4}$/.test(d))).toBe(true);
    const truth = demoTruth(DIR);
    const voterById = new Map(voters.map((v) => [reuId(v), v]));
    const renamed = [...truth.contactOf.entries()].filter(([id, c]) => {
      const v = voterById.get(id)!;
      return c['last_name'] !== v[REU.usageName] && c['last_name'] !== v[REU.birthName];
    });
    expect(renamed.length).toBeGreaterThan(contacts.length / 2); // other case, accents, punctuation
    expect(truth.ambiguous).toBeGreaterThanOrEqual(1); // homonyms born the same day: their contacts match both
    expect(truth.unmatchedContacts).toBeGreaterThanOrEqual(6); // not on this list (and the list's 00/00 dates)
    expect(truth.unmatchedContacts).toBeLessThan(15);

    // Households: several people behind one door sharing one phone.
    const byPhone = new Map<string, Set<string>>();
    for (const [id, c] of truth.contactOf) {
      const phone = c['mobile_number']!;
      if (!/^0[1-9]\d{8}$/.test(nationalDigits(phone))) continue;
      const v = voterById.get(id)!;
      byPhone.set(phone, (byPhone.get(phone) ?? new Set()).add(`${v['numéro de voie']} ${v['libellé de voie']}`));
    }
    const shared = [...byPhone.keys()].filter((phone) => contacts.filter((c) => c['mobile_number'] === phone).length > 1);
    expect(shared.length).toBeGreaterThan(50);
    expect(shared.every((phone) => byPhone.get(phone)!.size === 1)).toBe(true);
    const phones = contacts.map((c) => c['mobile_number']!).filter((p) => p !== '');
    expect(phones.some((p) => /^0[67] \d\d \d\d \d\d \d\d$/.test(p))).toBe(true);
    expect(phones.some((p) => /^0[67](\.\d\d){4}$/.test(p))).toBe(true);
    expect(phones.some((p) => p.startsWith('+33'))).toBe(true);
    expect(phones.some((p) => /^04/.test(p))).toBe(true);
    const unusable = phones.filter((p) => !/^0[1-9]\d{8}$/.test(nationalDigits(p)));
    expect(unusable.length).toBeGreaterThan(10);
    expect(unusable.length).toBeLessThan(phones.length * 0.05);
    expect([...new Set(contacts.map((c) => c['support_level']))].sort()).toEqual(['', '1', '2', '3', '4', '5']);
  });

  it('makes the intended quartiers lag by mid-afternoon, and only those (the z rule of turnout status)', () => {
    const { voters, quartier, contactOf, votedAt, unmatched } = demoTruth(DIR);
    const asOf = new Date(manifest.asOfInstant);
    const pollsOpen = parseTime(`${DEMO_ELECTION.date} 08:00`, manifest.timeZone, asOf)!;
    for (const at of votedAt.values()) {
      expect(at.getTime()).toBeLessThanOrEqual(asOf.getTime());
      expect(at.getTime()).toBeGreaterThanOrEqual(pollsOpen.getTime());
    }
    expect(unmatched).toBeGreaterThan(0); // a few watcher typos, kept by turnout as unmatched checks
    expect(unmatched).toBeLessThan(10);

    const areas = new Map<string, { supporters: number; voted: number }>();
    // Support levels reach the list only through the linked contacts.
    for (const v of voters) {
      const id = reuId(v);
      const support = contactOf.get(id)?.['support_level'];
      if (support !== '1' && support !== '2') continue;
      const a = areas.get(quartier.get(id)!) ?? { supporters: 0, voted: 0 };
      a.supporters++;
      if (votedAt.has(id)) a.voted++;
      areas.set(quartier.get(id)!, a);
    }
    const total = [...areas.values()].reduce((t, a) => ({ supporters: t.supporters + a.supporters, voted: t.voted + a.voted }), { supporters: 0, voted: 0 });
    const r = total.voted / total.supporters;
    expect(r).toBeGreaterThan(0.3);
    expect(r).toBeLessThan(0.7);
    const z = (a: { supporters: number; voted: number }): number => (a.voted / a.supporters - r) / Math.sqrt((r * (1 - r)) / a.supporters);
    const flagged = [...areas.entries()].filter(([, a]) => z(a) <= -1.96 && a.supporters - a.voted >= 10).map(([name]) => name);
    expect(flagged.sort()).toEqual([...LAGGING].sort());
    for (const name of LAGGING) expect(z(areas.get(name)!), name).toBeLessThan(-2.5); // clearly, not narrowly

    const small = areas.get(SMALL_AND_LOW)!;
    expect(small.voted / small.supporters).toBeLessThan(r - 0.08); // as low as a lagging quartier…
    expect(z(small)).toBeGreaterThan(-1.96); // …but too few supporters for that to be more than chance
    expect(small.supporters - small.voted).toBeGreaterThanOrEqual(10); // so it is z, not min-remaining, that spares it
  });
});
