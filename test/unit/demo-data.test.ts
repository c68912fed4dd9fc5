import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../src/core/time.js';
import { DEMO_ELECTION, DEMO_FILES, generateDemo, LAGGING, SMALL_AND_LOW } from '../bench/generate.js';
import { FIXTURES } from '../helpers/cli.js';
import { demoTruth, readDemoCsv, readManifest } from '../bench/demo-files.js';

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

  it('looks like a real French campaign export', () => {
    const raw = fs.readFileSync(path.join(DIR, manifest.voters.file));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(raw)).toThrow(); // Windows-1252, not UTF-8
    expect(raw.includes(Buffer.from('\r\n'))).toBe(true);
    const voters = readCsv(manifest.voters.file);
    expect(voters.length).toBeGreaterThanOrEqual(4000);
    expect(voters.length).toBeLessThanOrEqual(6000);
    expect(Object.keys(voters[0]!)).toEqual(expect.arrayContaining(['N° électeur', 'Nom', 'Prénom', 'Téléphone portable', 'Bureau de vote', 'Quartier', "N° d'ordre", 'Soutien', 'Âge']));
    expect(new Set(voters.map((v) => v['Quartier'])).size).toBe(20);
    expect(new Set(voters.map((v) => v['N° électeur'])).size).toBe(voters.length);
    expect(voters.some((v) => v['N° électeur']!.startsWith('0'))).toBe(true);
    expect(voters.some((v) => v['N° voie']!.endsWith(' bis'))).toBe(true);
    // Households: several voters behind one door sharing one phone.
    const byPhone = new Map<string, Set<string>>();
    for (const v of voters) {
      if (!/^0[1-9]\d{8}$/.test(nationalDigits(v['Téléphone portable']!))) continue;
      const addresses = byPhone.get(v['Téléphone portable']!) ?? new Set<string>();
      addresses.add(`${v['N° voie']} ${v['Voie']}`);
      byPhone.set(v['Téléphone portable']!, addresses);
    }
    const shared = [...byPhone.entries()].filter(([phone]) => voters.filter((v) => v['Téléphone portable'] === phone).length > 1);
    expect(shared.length).toBeGreaterThan(50);
    expect(shared.every(([, addresses]) => addresses.size === 1)).toBe(true);
    // Phones written every which way, a few unusable.
    const phones = voters.map((v) => v['Téléphone portable']!).filter((p) => p !== '');
    expect(phones.some((p) => /^0[67] \d\d \d\d \d\d \d\d$/.test(p))).toBe(true);
    expect(phones.some((p) => /^0[67](\.\d\d){4}$/.test(p))).toBe(true);
    expect(phones.some((p) => p.startsWith('+33'))).toBe(true);
    expect(phones.some((p) => /^04/.test(p))).toBe(true);
    const unusable = phones.filter((p) => !/^0[1-9]\d{8}$/.test(nationalDigits(p)));
    expect(unusable.length).toBeGreaterThan(10);
    expect(unusable.length).toBeLessThan(phones.length * 0.05);
    const supports = new Set(voters.map((v) => v['Soutien']));
    expect([...supports].sort()).toEqual(['', '1', '2', '3', '4', '5']);
  });

  it('makes the intended quartiers lag by mid-afternoon, and only those (the z rule of turnout status)', () => {
    const { voters, votedAt, unmatched } = demoTruth(DIR);
    const asOf = new Date(manifest.asOfInstant);
    const pollsOpen = parseTime(`${DEMO_ELECTION.date} 08:00`, manifest.timeZone, asOf)!;
    for (const at of votedAt.values()) {
      expect(at.getTime()).toBeLessThanOrEqual(asOf.getTime());
      expect(at.getTime()).toBeGreaterThanOrEqual(pollsOpen.getTime());
    }
    expect(unmatched).toBeGreaterThan(0); // a few watcher typos, kept by turnout as unmatched checks
    expect(unmatched).toBeLessThan(10);

    const areas = new Map<string, { supporters: number; voted: number }>();
    for (const v of voters) {
      if (v['Soutien'] !== '1' && v['Soutien'] !== '2') continue;
      const a = areas.get(v['Quartier']!) ?? { supporters: 0, voted: 0 };
      a.supporters++;
      if (votedAt.has(v['N° électeur']!)) a.voted++;
      areas.set(v['Quartier']!, a);
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
