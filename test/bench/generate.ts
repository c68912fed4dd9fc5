/**
 * Deterministic data generator: the demo city (fixtures/demo/) and the benchmark's big files.
 *
 *   node dist/test/bench/generate.js demo [DIR]               # fixtures/demo (default) — byte-identical every time
 *   node dist/test/bench/generate.js bench --rows N [--out DIR] # voters.csv, checks.csv, checks-new.csv
 *
 * Everything comes from a seeded generator (random.ts): same seed, same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import iconv from 'iconv-lite';
import {
  CANVASSERS,
  CITY,
  EMAIL_DOMAINS,
  FEMALE_FIRST_NAMES,
  LAGGING,
  LAST_NAMES,
  MALE_FIRST_NAMES,
  QUARTIERS,
  SMALL_AND_LOW,
  type Quartier,
} from './city.js';
import { Random } from './random.js';
import { REU_HEADERS } from './lists.js';

export const DEMO_SEED = 'turnout demo — Marseille, municipales 2026';

/** What the demo's data stands for; also written to fixtures/demo/demo.json for `turnout demo`. */
export const DEMO_ELECTION = {
  name: 'Municipales 2026 — Marseille (démo)',
  region: 'FR',
  /** The SMS opt-out footer French rules require (GSM-7 only: no extra SMS cost). */
  footer: 'Répondez STOP pour ne plus recevoir nos SMS',
  timeZone: 'Europe/Paris',
  /** Election day (first round of the 2026 municipal elections). */
  date: '2026-03-15',
  /** The checks are those known at this local time: "mid-afternoon". */
  asOf: '15:30',
  /** The same instant with its offset (Paris is UTC+1 in March, before the switch to summer time). */
  asOfInstant: '2026-03-15T15:30:00+01:00',
} as const;

export const DEMO_FILES = {
  manifest: 'demo.json',
  /** The authorities' export of the list ("Listes électeurs actifs", REU): no phone, no support, no quartier. */
  voters: 'liste-electeurs-actifs.csv',
  /** The campaign's own grouping of bureaux into quartiers. */
  areas: 'bureaux-quartiers.csv',
  /** The campaign's contact export (NationBuilder-like): its own ids, phones, support, names as typed. */
  contacts: 'contacts-nationbuilder.csv',
  /** Poll watchers of the 1st–3rd arrondissements: spreadsheet, bureau + N° d'ordre, Windows-1252. */
  centre: 'emargements-centre.csv',
  /** The campaign's app (4th–6th, plus some of the centre): bureau + numéro, UTF-8, commas, ISO times. */
  app: 'pointages-appli.csv',
  /** Poll watchers of the 7th–9th: bureau + N° d'ordre, UTF-8 with BOM. */
  south: 'emargements-sud.csv',
  /** One bureau's list sent at 15:20 with no times at all: imported with --at. */
  late: 'bureau-302-15h20.csv',
} as const;

/** The bureau whose afternoon checks arrive as one batch without times, and when. */
const LATE_BUREAU = 302;
const LATE_AT = '15:20';

export { LAGGING, SMALL_AND_LOW };

// ---------------------------------------------------------------------------------------------
// CSV writing

function csvField(value: string, delimiter: string): string {
  return value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r')
    ? `"${value.replace(/"/g, '""')}"`
    : value;
}

function csvText(rows: string[][], delimiter: string, eol: string): string {
  return rows.map((row) => row.map((v) => csvField(v, delimiter)).join(delimiter)).join(eol) + eol;
}

// ---------------------------------------------------------------------------------------------
// The demo city

export interface DemoVoter {
  id: string;
  lastName: string;
  firstName: string;
  age: number;
  phone: string;
  email: string;
  number: string;
  street: string;
  zip: string;
  quartier: string;
  bureau: number;
  school: string;
  listNumber: number;
  support: number | null;
  score: number;
  canvasser: string;
  /** Seconds after local midnight when the voter was seen voting; undefined: not (yet) voted. */
  votedAt?: number;
}

export interface DemoFile {
  name: string;
  bytes: Buffer;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function mobileDigits(rng: Random): string {
  // Metropolitan mobiles: 06 with a second digit other than 3 and 9 (0639, 069x are overseas
  // ranges that a region-FR import rightly refuses), or 07 3–9.
  return rng.chance(0.72)
    ? `06${rng.pick([0, 1, 2, 4, 5, 6, 7, 8])}${rng.int(0, 9_999_999).toString().padStart(7, '0')}`
    : `07${rng.int(3, 9)}${rng.int(0, 9_999_999).toString().padStart(7, '0')}`;
}

function landlineDigits(rng: Random): string {
  return `04${rng.pick(['91', '91', '91', '96', '88', '84'])}${rng.int(0, 999_999).toString().padStart(6, '0')}`;
}

/** A 10-digit national number written the way people really write it. */
function writePhone(rng: Random, digits: string): string {
  const pairs = digits.match(/../g)!;
  const rest = digits.slice(1);
  return rng.weighted<() => string>([
    [() => pairs.join(' '), 40],
    [() => pairs.join('.'), 15],
    [() => digits, 15],
    [() => `+33 ${rest[0]} ${rest.slice(1).match(/../g)!.join(' ')}`, 10],
    [() => `+33${rest}`, 8],
    [() => pairs.join('-'), 5],
    [() => `+33 (0)${rest[0]} ${rest.slice(1).match(/../g)!.join(' ')}`, 3],
    [() => `${pairs.join(' ')} `, 2], // a trailing space from a copy-paste
    [() => `0033${rest}`, 2],
  ])();
}

/** About one phone in fifty cannot be a number at all: cut short, a digit too many, a placeholder. */
function invalidPhone(rng: Random): string {
  const pairs = mobileDigits(rng).match(/../g)!;
  return rng.weighted<() => string>([
    [() => pairs.slice(0, 4).join(' '), 35],
    [() => `${pairs.join(' ')} ${rng.int(0, 9)}`, 25],
    [() => pairs.join('').slice(1, 8), 20],
    [() => '00 00 00 00 00', 10],
    [() => `${pairs[0]} XX XX XX XX`, 10],
  ])();
}

function asciiFold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

function email(rng: Random, first: string, last: string): string {
  const f = asciiFold(first);
  const l = asciiFold(last);
  const local = rng.weighted<string>([
    [`${f}.${l}`, 45],
    [`${f[0]}${l}`, 15],
    [`${f}${l}${rng.int(1, 99)}`, 15],
    [`${l}.${f}`, 10],
    [`${f}${rng.int(1950, 2006)}`, 10],
    [`${f}_${l}`, 5],
  ]);
  const text = `${local}@${rng.weighted(EMAIL_DOMAINS)}`;
  return rng.chance(0.04) ? text.replace(/^./, (c) => c.toUpperCase()) : text; // some typed a capital
}

function supportLevel(rng: Random, supporterShare: number): number | null {
  if (rng.chance(0.08)) return null; // not yet identified
  if (rng.chance(supporterShare / 0.92)) return rng.chance(0.55) ? 1 : 2;
  return rng.weighted<number>([
    [3, 40],
    [4, 30],
    [5, 30],
  ]);
}

/** A check time between 08:00 and 15:30, shaped like a French polling day (a late-morning peak). */
function checkSeconds(rng: Random): number {
  const hour = rng.weighted<number>([
    [8, 8],
    [9, 14],
    [10, 18],
    [11, 20],
    [12, 12],
    [13, 8],
    [14, 10],
    [15, 5], // 15:00–15:30 only: half an hour
  ]);
  const minutes = hour === 15 ? rng.int(0, 29) : rng.int(0, 59);
  return hour * 3600 + minutes * 60 + rng.int(0, 59);
}

function localTime(seconds: number, withSeconds: boolean): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return withSeconds ? `${pad2(h)}:${pad2(m)}:${pad2(s)}` : `${pad2(h)}:${pad2(m)}`;
}

function sortKey(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase();
}

/** All voters of the demo city, with who has voted by 15:30 and when. Pure and deterministic. */
export function demoVoters(seed = DEMO_SEED): DemoVoter[] {
  const rng = new Random(seed);
  const voters: DemoVoter[] = [];

  for (const q of QUARTIERS) {
    const streetBureau = new Map(q.streets.map((s, i) => [s, q.bureaux[i % q.bureaux.length]!] as const));
    const streetCanvasser = new Map(q.streets.map((s) => [s, rng.chance(0.75) ? rng.pick(CANVASSERS) : ''] as const));
    const streetLength = new Map(q.streets.map((s) => [s, rng.int(12, 140)] as const));
    const inQuartier: DemoVoter[] = [];

    while (inQuartier.length < q.voters) {
      const size = Math.min(q.voters - inQuartier.length, rng.weighted<number>([[1, 45], [2, 35], [3, 13], [4, 7]]));
      const street = rng.pick(q.streets);
      const bureau = streetBureau.get(street)!;
      let number = String(rng.int(1, streetLength.get(street)!));
      if (rng.chance(0.06)) number += ' bis';
      else if (rng.chance(0.015)) number += ' ter';
      const familyName = rng.pick(LAST_NAMES);
      const sharedPhone = rng.chance(0.22)
        ? writePhone(rng, landlineDigits(rng))
        : rng.chance(0.08)
          ? writePhone(rng, mobileDigits(rng))
          : undefined;
      const headAge = rng.int(22, 92);
      let lean: number | null = supportLevel(rng, q.supporterShare);

      for (let member = 0; member < size; member++) {
        const female = rng.chance(0.53);
        const firstName = rng.pick(female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
        const lastName = member === 0 || rng.chance(0.85) ? familyName : rng.pick(LAST_NAMES);
        const age = member === 0 ? headAge : member === 1 ? Math.max(18, Math.min(95, headAge + rng.int(-6, 6))) : headAge >= 42 ? rng.int(18, Math.min(30, headAge - 20)) : rng.int(18, 95);
        let phone: string;
        if (sharedPhone !== undefined) phone = sharedPhone;
        else if (rng.chance(0.78)) phone = writePhone(rng, mobileDigits(rng));
        else phone = '';
        if (phone !== '' && rng.chance(0.02)) phone = invalidPhone(rng);
        const support = member === 0 || rng.chance(0.6) ? lean : supportLevel(rng, q.supporterShare);
        if (member === 0) lean = support;
        const noise = rng.next() + rng.next() + rng.next() - 1.5; // roughly bell-shaped, ±1.5
        const score = Math.max(0, Math.min(100, Math.round(22 + age * 0.75 + noise * 28)));
        inQuartier.push({
          id: '',
          lastName: rng.chance(0.9) ? lastName.toUpperCase() : lastName, // lists write NOMS in capitals, mostly
          firstName,
          age,
          phone,
          email: rng.chance(0.32) ? email(rng, firstName, lastName) : '',
          number,
          street,
          zip: q.zip,
          quartier: q.name,
          bureau: bureau.number,
          school: bureau.school,
          listNumber: 0,
          support,
          score,
          canvasser: streetCanvasser.get(street)!,
        });
      }
    }
    markVoted(rng, q, inQuartier);
    voters.push(...inQuartier);
  }

  // Registry numbers bear no relation to addresses: hand them out in a shuffled order, with gaps.
  let next = 100_000 + rng.int(0, 5000);
  for (const v of rng.shuffle([...voters])) {
    v.id = String(next).padStart(8, '0');
    next += rng.int(1, 37);
  }

  // N° d'ordre: the voter's line on the bureau's list, which is alphabetical.
  const byBureau = new Map<number, DemoVoter[]>();
  for (const v of voters) {
    const list = byBureau.get(v.bureau);
    if (list) list.push(v);
    else byBureau.set(v.bureau, [v]);
  }
  for (const list of byBureau.values()) {
    list.sort((a, b) => compare(sortKey(a.lastName), sortKey(b.lastName)) || compare(sortKey(a.firstName), sortKey(b.firstName)) || compare(a.id, b.id));
    list.forEach((v, i) => (v.listNumber = i + 1));
  }
  voters.sort((a, b) => a.bureau - b.bureau || a.listNumber - b.listNumber);
  return voters;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Chooses exactly round(rate × n) supporters (and others) of a quartier as having voted, the
 * habitual voters (high turnout_score) more likely, so each quartier lands where the city plan says.
 */
function markVoted(rng: Random, q: Quartier, voters: DemoVoter[]): void {
  const supporterRate = q.supporterTurnout ?? 0.47 + rng.next() * 0.09;
  const otherRate = q.otherTurnout ?? 0.36 + rng.next() * 0.08;
  const supporters = voters.filter((v) => v.support === 1 || v.support === 2);
  const others = voters.filter((v) => !(v.support === 1 || v.support === 2));
  const weight = (v: DemoVoter): number => 0.25 + v.score / 100;
  for (const [group, rate] of [[supporters, supporterRate], [others, otherRate]] as const) {
    for (const v of rng.sampleWeighted(group, weight, Math.round(rate * group.length))) v.votedAt = checkSeconds(rng);
  }
}

export function bureauCode(n: number): string {
  return String(n);
}

/** What the REU says about a voter beyond the demo city's own description (names at birth and in use, dates). */
export interface ReuIdentity {
  sex: 'F' | 'M';
  birthName: string;
  /** Nom d'usage: '' when none. */
  usageName: string;
  givenNames: string;
  /** As the REU writes it: DD/MM/YYYY, or an impossible 00/00/YYYY. */
  birthDate: string;
}

/** An election-day age → a birth date written DD/MM/YYYY (age reached by 15 March 2026). */
function birthDateFor(rng: Random, age: number): string {
  const m = rng.int(1, 12);
  const d = rng.int(1, 28);
  const passed = m < 3 || (m === 3 && d <= 15);
  return `${pad2(d)}/${pad2(m)}/${2026 - age - (passed ? 0 : 1)}`;
}

const isSupporter = (v: DemoVoter): boolean => v.support === 1 || v.support === 2;

/**
 * The REU side of every voter, from its own seeded stream (the city's voters stay exactly as
 * demoVoters draws them). Married names for some women, several given names, a few impossible
 * birth dates, and one pair of homonyms born the same day (real lists have them).
 */
export function reuIdentities(voters: readonly DemoVoter[], seed = DEMO_SEED): Map<DemoVoter, ReuIdentity> {
  const rng = new Random(`${seed} / reu`);
  const result = new Map<DemoVoter, ReuIdentity>();
  for (const v of voters) {
    const sex = FEMALE_FIRST_NAMES.includes(v.firstName) ? 'F' : 'M';
    const name = v.lastName.toUpperCase();
    let birthName = name;
    let usageName = '';
    if (sex === 'F' && v.age >= 24 && rng.chance(0.45)) {
      usageName = name;
      birthName = rng.pick(LAST_NAMES).toUpperCase();
    } else if (rng.chance(0.04)) usageName = name; // some exports repeat the birth name
    const pool = sex === 'F' ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES;
    let givenNames = v.firstName;
    if (rng.chance(0.55)) givenNames += ` ${rng.pick(pool)}`;
    if (rng.chance(0.15)) givenNames += ` ${rng.pick(pool)}`;
    result.set(v, { sex, birthName, usageName, givenNames, birthDate: birthDateFor(rng, v.age) });
  }
  // A few dates the registry never completed (not supporters: the demo's point lies elsewhere).
  const others = voters.filter((v) => !isSupporter(v) && v.support !== null);
  for (let i = 0; i < 3; i++) {
    const r = result.get(others[rng.int(0, others.length - 1)]!)!;
    r.birthDate = `00/00/${r.birthDate.slice(6)}`;
  }
  // Homonyms: the first two non-supporters with the same names, made to share a birth date.
  const seen = new Map<string, DemoVoter>();
  for (const v of others) {
    const r = result.get(v)!;
    const key = `${r.usageName || r.birthName}|${v.firstName}`;
    const twin = seen.get(key);
    if (twin && twin.bureau !== v.bureau && !r.birthDate.startsWith('00/') && !result.get(twin)!.birthDate.startsWith('00/')) {
      r.birthDate = result.get(twin)!.birthDate;
      r.givenNames = result.get(twin)!.givenNames;
      break;
    }
    seen.set(key, v);
  }
  return result;
}

/** One REU line: every field quoted but the last (the numéro d'ordre); empty fields are nothing. */
function demoReuLine(v: DemoVoter, r: ReuIdentity): string {
  const bornHere = v.age > 40 || v.id.endsWith('3');
  const fields = [
    '13055', 'Marseille', 'Liste principale', r.birthName, r.usageName, r.givenNames, r.sex, r.birthDate,
    bornHere ? '13055' : '', bornHere ? 'Marseille' : 'Alger', bornHere ? 'Bouches-du-Rhône' : '', bornHere ? 'FRANCE' : 'ALGÉRIE', 'Française',
    v.number, v.street, '', '', '', v.zip, CITY, 'FRANCE',
    bureauCode(v.bureau), v.school, '1301', '1ère circonscription', '1399',
  ];
  return `${fields.map((f) => (f === '' ? '' : `"${f.replace(/"/g, '""')}"`)).join(';')};${v.listNumber}\n`;
}

function titleCase(name: string): string {
  return name.toLowerCase().replace(/(^|[\s'-])(\p{L})/gu, (_, sep: string, a: string) => `${sep}${a.toUpperCase()}`);
}

function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

/** A name as a volunteer typed it into the CRM: other case, accents dropped, hyphen or apostrophe lost. */
function typedName(rng: Random, name: string): string {
  return rng.weighted<() => string>([
    [() => titleCase(name), 55],
    [() => name.toUpperCase(), 20],
    [() => stripAccents(titleCase(name)), 12],
    [() => titleCase(name).replace(/-/g, ' '), 5],
    [() => titleCase(name).replace(/'/g, ''), 4],
    [() => name.toLowerCase(), 4],
  ])();
}

/** NationBuilder's born_at is ISO; older imports kept the French forms. */
function typedDate(rng: Random, reuDate: string): string {
  const [d, m, y] = reuDate.split('/');
  return rng.weighted<string>([
    [`${y}-${m}-${d}`, 55],
    [reuDate, 30],
    [`${d}.${m}.${y}`, 15],
  ]);
}

export const CONTACT_HEADERS = ['nationbuilder_id', 'first_name', 'last_name', 'born_at', 'email', 'mobile_number', 'support_level', 'score_participation', 'tag_list'];

/** Every file of fixtures/demo, as bytes. */
export function generateDemo(seed = DEMO_SEED): DemoFile[] {
  const voters = demoVoters(seed);
  const identities = reuIdentities(voters, seed);
  const rng = new Random(`${seed} / checks`);
  const date = DEMO_ELECTION.date;

  // The REU export: UTF-8 without BOM, LF, every field quoted but the last.
  const reuText = `${REU_HEADERS.map((h) => `"${h}"`).join(';')}\n${voters.map((v) => demoReuLine(v, identities.get(v)!)).join('')}`;
  const votersCsv = Buffer.from(reuText, 'utf8');

  // The campaign's map of bureaux onto quartiers, kept in a spreadsheet.
  const areaRows = QUARTIERS.flatMap((q) => q.bureaux.map((b) => [bureauCode(b.number), q.name, b.school]));
  const areasCsv = Buffer.from(csvText([['Bureau de vote', 'Quartier', 'Lieu de vote'], ...areaRows], ';', '\n'), 'utf8');

  // The contact export: everyone the campaign has a phone, an e-mail or a support level for.
  const crng = new Random(`${seed} / contacts`);
  const known = voters.filter((v) => v.support !== null || v.phone !== '' || v.email !== '');
  const contacts: string[][] = crng.shuffle([...known]).map((v) => {
    const r = identities.get(v)!;
    const last = r.usageName !== '' && crng.chance(0.8) ? r.usageName : r.birthName;
    const tags = [v.canvasser !== '' ? 'porte-à-porte' : '', v.support === 1 ? 'bénévole potentiel' : ''].filter((t) => t !== '').join(', ');
    // The person gave the campaign their real birth date, even where the list has none.
    const born = r.birthDate.startsWith('00/') ? `${pad2(crng.int(1, 28))}/${pad2(crng.int(1, 12))}/${r.birthDate.slice(6)}` : r.birthDate;
    return ['', typedName(crng, v.firstName), typedName(crng, last), typedDate(crng, born), v.email, v.phone, v.support === null ? '' : String(v.support), String(v.score), tags];
  });
  // People the campaign met who are not on this list (registered elsewhere, or not at all).
  for (let i = 0; i < 6; i++) {
    const female = crng.chance(0.5);
    const age = crng.int(19, 80);
    contacts.splice(crng.int(0, contacts.length), 0, [
      '', crng.pick(female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES), titleCase(crng.pick(LAST_NAMES)), typedDate(crng, birthDateFor(crng, age)), '',
      writePhone(crng, mobileDigits(crng)), String(crng.int(1, 5)), '', '',
    ]);
  }
  let nb = 1000 + crng.int(0, 500);
  for (const c of contacts) c[0] = String((nb += crng.int(1, 9)));
  const contactsCsv = Buffer.from(csvText([CONTACT_HEADERS, ...contacts], ',', '\r\n'), 'utf8');

  const voted = voters.filter((v) => v.votedAt !== undefined);
  const arrondissement = (v: DemoVoter): number => Math.floor(v.bureau / 100);
  const lateCutoff = 13 * 3600;

  // Centre (1st–3rd): watchers' spreadsheet, by bureau and N° d'ordre, minutes only.
  const centre = voted.filter((v) => arrondissement(v) <= 3 && !(v.bureau === LATE_BUREAU && v.votedAt! >= lateCutoff));
  const late = voted.filter((v) => v.bureau === LATE_BUREAU && v.votedAt! >= lateCutoff);
  const centreRows = byTime(centre).map((v) => [bureauCode(v.bureau), String(v.listNumber), `${date} ${localTime(v.votedAt!, false)}`]);
  // Two lines a watcher misread: list numbers past the end of the bureau's list.
  centreRows.splice(Math.floor(centreRows.length / 3), 0, [bureauCode(101), '9012', `${date} 11:02`]);
  centreRows.splice(Math.floor((centreRows.length * 2) / 3), 0, [bureauCode(303), '1870', `${date} 13:47`]);
  const centreCsv = iconv.encode(csvText([['Bureau de vote', "N° d'ordre", 'Heure'], ...centreRows], ';', '\r\n'), 'win1252');

  // The app (4th–6th), also used by some volunteers in the centre: bureau and numéro as on the
  // émargement list, ISO time, who entered it.
  const appVoters = voted.filter((v) => (arrondissement(v) >= 4 && arrondissement(v) <= 6) || (arrondissement(v) <= 3 && rng.chance(0.12)));
  const appEntries = appVoters.map((v) => ({
    v,
    // A volunteer in the centre may tap "voted" a little before or after the watcher's note.
    at: arrondissement(v) <= 3 ? Math.max(8 * 3600, Math.min(15 * 3600 + 29 * 60, v.votedAt! + rng.int(-1200, 1200))) : v.votedAt!,
    who: v.canvasser || rng.pick(CANVASSERS),
  }));
  appEntries.sort((a, b) => a.at - b.at || a.v.bureau - b.v.bureau || a.v.listNumber - b.v.listNumber);
  const appRows = appEntries.map((e) => [bureauCode(e.v.bureau), String(e.v.listNumber), `${date}T${localTime(e.at, true)}+01:00`, `appli / ${e.who}`]);
  appRows.splice(Math.floor(appRows.length / 4), 0, [bureauCode(401), '4571', `${date}T10:14:09+01:00`, 'appli / Zoé L.']);
  appRows.splice(Math.floor(appRows.length / 2), 0, [bureauCode(650), '17', `${date}T12:31:44+01:00`, 'appli / Karim B.']);
  const appCsv = Buffer.from(csvText([['precinct', 'list_number', 'checked_at', 'source'], ...appRows], ',', '\n'), 'utf8');

  // South (7th–9th): another team's sheet, saved as "CSV UTF-8" (with a BOM).
  const south = byTime(voted.filter((v) => arrondissement(v) >= 7));
  const southRows = south.map((v) => [bureauCode(v.bureau), String(v.listNumber), `${date} ${localTime(v.votedAt!, false)}`]);
  const southCsv = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from(csvText([['Bureau de vote', "N° d'ordre", 'Heure'], ...southRows], ';', '\r\n'), 'utf8'),
  ]);

  // Bureau 302's afternoon, copied from the signature list and typed at 15:20: no times.
  const lateRows = [...late].sort((a, b) => a.listNumber - b.listNumber).map((v) => [bureauCode(v.bureau), String(v.listNumber)]);
  const lateCsv = iconv.encode(csvText([['Bureau de vote', "N° d'ordre"], ...lateRows], ';', '\r\n'), 'win1252');

  const manifest = {
    name: DEMO_ELECTION.name,
    region: DEMO_ELECTION.region,
    footer: DEMO_ELECTION.footer,
    timeZone: DEMO_ELECTION.timeZone,
    date: DEMO_ELECTION.date,
    asOf: DEMO_ELECTION.asOf,
    asOfInstant: DEMO_ELECTION.asOfInstant,
    generatedBy: 'node dist/test/bench/generate.js demo',
    seed,
    voters: { file: DEMO_FILES.voters },
    areas: { file: DEMO_FILES.areas },
    contacts: { file: DEMO_FILES.contacts },
    checks: [
      { file: DEMO_FILES.centre, source: 'observateurs centre' },
      { file: DEMO_FILES.app, source: 'appli' },
      { file: DEMO_FILES.south, source: 'observateurs sud' },
      { file: DEMO_FILES.late, source: `bureau ${LATE_BUREAU}`, at: `${date} ${LATE_AT}` },
    ],
  };

  return [
    { name: DEMO_FILES.manifest, bytes: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
    { name: DEMO_FILES.voters, bytes: votersCsv },
    { name: DEMO_FILES.areas, bytes: areasCsv },
    { name: DEMO_FILES.contacts, bytes: contactsCsv },
    { name: DEMO_FILES.centre, bytes: centreCsv },
    { name: DEMO_FILES.app, bytes: appCsv },
    { name: DEMO_FILES.south, bytes: southCsv },
    { name: DEMO_FILES.late, bytes: lateCsv },
  ];
}

function byTime(voters: DemoVoter[]): DemoVoter[] {
  return [...voters].sort((a, b) => a.votedAt! - b.votedAt! || a.bureau - b.bureau || a.listNumber - b.listNumber);
}

export function writeDemo(dir: string, seed = DEMO_SEED): DemoFile[] {
  fs.mkdirSync(dir, { recursive: true });
  const files = generateDemo(seed);
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.bytes);
  return files;
}

// ---------------------------------------------------------------------------------------------
// Benchmark files: UTF-8, commas, English headers, as an export from another tool would be.

export const BENCH_VOTER_HEADERS = [
  'id',
  'first_name',
  'last_name',
  'phone',
  'email',
  'street_number',
  'street',
  'zip',
  'city',
  'precinct',
  'neighborhood',
  'list_number',
  'support',
  'turnout_score',
] as const;

export interface BenchFiles {
  voters: string;
  /** About 35 % of the voters, by id, with ISO times. */
  checks: string;
  /** Up to 10,000 voters not in `checks`. */
  newChecks: string;
  rows: number;
  checkCount: number;
  newCheckCount: number;
  bytes: number;
}

const BENCH_STREETS = ['Rue de la République', 'Boulevard National', "Rue d'Aubagne", 'Avenue du Prado', 'Rue de Rome', 'Cours Julien', 'Rue Paradis', 'Boulevard Baille', 'Rue Sainte', 'Chemin du Roucas Blanc'];
const BENCH_FIRST = [...FEMALE_FIRST_NAMES, ...MALE_FIRST_NAMES];

/**
 * Writes the benchmark's voter file and check files into `dir`, streaming (memory stays flat
 * at any row count). 100 neighborhoods of 10 precincts each.
 */
export function writeBenchFiles(dir: string, rows: number, seed = 'turnout bench'): BenchFiles {
  fs.mkdirSync(dir, { recursive: true });
  const rng = new Random(seed);
  const files = {
    voters: path.join(dir, 'voters.csv'),
    checks: path.join(dir, 'checks.csv'),
    newChecks: path.join(dir, 'checks-new.csv'),
  };
  const out = {
    voters: fs.openSync(files.voters, 'w', 0o600),
    checks: fs.openSync(files.checks, 'w', 0o600),
    newChecks: fs.openSync(files.newChecks, 'w', 0o600),
  };
  let bytes = 0;
  const buffers = { voters: [`${BENCH_VOTER_HEADERS.join(',')}\n`], checks: ['voter_id,checked_at\n'], newChecks: ['voter_id,checked_at\n'] };
  const flush = (key: keyof typeof buffers): void => {
    const text = buffers[key].join('');
    buffers[key] = [];
    const b = Buffer.from(text, 'utf8');
    if (key === 'voters') bytes += b.length;
    fs.writeSync(out[key], b);
  };
  const newCheckProbability = Math.min(0.5, (2 * 10_000) / Math.max(rows, 1));
  let checkCount = 0;
  let newCheckCount = 0;
  const listNumbers = new Map<number, number>();
  const digits = (n: number, width: number): string => String(n).padStart(width, '0');

  for (let i = 0; i < rows; i++) {
    const id = digits(i + 1, 9);
    const first = rng.pick(BENCH_FIRST);
    const last = rng.pick(LAST_NAMES);
    const mobile = mobileDigits(rng);
    const style = rng.next();
    const phone = style < 0.45 ? mobile.match(/../g)!.join(' ') : style < 0.75 ? `+33${mobile.slice(1)}` : style < 0.93 ? mobile : style < 0.95 ? '06 12 34' : '';
    const mail = rng.chance(0.3) ? `${asciiFold(first)}.${asciiFold(last)}@example.fr` : '';
    const neighborhood = rng.int(0, 99);
    const precinct = neighborhood * 10 + rng.int(0, 9);
    const list = (listNumbers.get(precinct) ?? 0) + 1;
    listNumbers.set(precinct, list);
    const supportDraw = rng.next();
    const support = supportDraw < 0.07 ? '' : String(1 + Math.floor(((supportDraw - 0.07) / 0.93) * 5));
    const street = rng.pick(BENCH_STREETS);
    const number = `${rng.int(1, 250)}${rng.chance(0.05) ? ' bis' : ''}`;
    const nameField = last.includes("'") || last.includes(',') ? `"${last}"` : last;
    buffers.voters.push(
      `${id},${first},${nameField},${phone},${mail},${number},"${street}",${13001 + (neighborhood % 16)},Marseille,P${digits(precinct, 4)},Quartier ${digits(neighborhood, 3)},${list},${support},${rng.int(0, 100)}\n`,
    );
    const checkDraw = rng.next();
    const at = new Date(Date.UTC(2026, 2, 15, 7, 0, 0) + rng.int(0, 8 * 3600 - 1) * 1000).toISOString();
    if (checkDraw < 0.35) {
      buffers.checks.push(`${id},${at}\n`);
      checkCount++;
    } else if (newCheckCount < 10_000 && rng.chance(newCheckProbability)) {
      buffers.newChecks.push(`${id},${at}\n`);
      newCheckCount++;
    }
    if (buffers.voters.length >= 20_000) {
      flush('voters');
      flush('checks');
      flush('newChecks');
    }
  }
  flush('voters');
  flush('checks');
  flush('newChecks');
  for (const fd of Object.values(out)) fs.closeSync(fd);
  return { ...files, rows, checkCount, newCheckCount, bytes };
}

// ---------------------------------------------------------------------------------------------
// Command line

/** The repository root: the nearest folder above this file with a package.json. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root');
    dir = parent;
  }
  return dir;
}

function main(argv: string[]): void {
  const [what, ...rest] = argv;
  if (what === 'demo') {
    const dir = rest[0] ?? path.join(repoRoot(), 'fixtures', 'demo');
    const files = writeDemo(dir);
    for (const f of files) process.stderr.write(`${path.join(dir, f.name)}  ${f.bytes.length.toLocaleString('en-US')} bytes\n`);
    return;
  }
  if (what === 'bench') {
    const rowsAt = rest.indexOf('--rows');
    const outAt = rest.indexOf('--out');
    const rows = rowsAt >= 0 ? Number(rest[rowsAt + 1]) : 1_000_000;
    const dir = outAt >= 0 ? rest[outAt + 1]! : path.join(repoRoot(), 'bench-data');
    if (!Number.isInteger(rows) || rows <= 0) throw new Error('--rows takes a positive whole number');
    const result = writeBenchFiles(dir, rows);
    process.stderr.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stderr.write('usage: node dist/test/bench/generate.js demo [DIR] | bench [--rows N] [--out DIR]\n');
  process.exitCode = 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main(process.argv.slice(2));
