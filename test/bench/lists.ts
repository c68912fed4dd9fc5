/**
 * Official-list fixtures (issue 11), from a seeded generator: an REU export ("Listes électeurs
 * actifs") with every edge case real exports have, the campaign's NationBuilder-like contact
 * export, an émargement file by bureau and numéro d'ordre, and a UK register with suffixed elector
 * numbers. Everyone is invented: names are drawn from the demo city's lists (test/bench/city.ts)
 * or made up, the commune does not exist.
 *
 *   npx tsc -p tsconfig.json && node dist/test/bench/lists.js          # rewrites fixtures/lists/
 *
 * test/unit/lists-data.test.ts fails when the committed files differ from a fresh generation.
 * The big REU file and its contacts for the benchmark come from writeReuBench (same rules).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES } from './city.js';
import { Random } from './random.js';
import { repoRoot } from './generate.js';
import { normalizeName } from '../../src/core/identity.js';

export const LISTS_SEED = 'turnout lists — REU, contacts, register';

export const REU_HEADERS = [
  "code du l'ugle",
  "libellé de l'ugle",
  'libellé du type de liste',
  'nom de naissance',
  "nom d'usage",
  'prénoms',
  'sexe',
  'date de naissance',
  'code de la commune de naissance',
  'libellé de la commune de naissance',
  'libellé du département de naissance',
  'libellé du pays de naissance',
  'libellé nationalité',
  'numéro de voie',
  'libellé de voie',
  'complément 1',
  'complément 2',
  'lieu-dit',
  'code postal',
  'commune',
  'pays',
  'code du bureau de vote',
  'libellé du bureau de vote',
  'code de la circonscription législative',
  'libellé de la circonscription législative',
  'code du canton',
  "numéro d'ordre dans le bureau de vote",
] as const;

export const LP = 'Liste principale';
export const LCM = 'Liste complémentaire municipale';
export const LCE = 'Liste complémentaire européenne';

/** An invented commune (code postal with a leading zero) and its three bureaux. */
export const COMMUNE = 'Saint-Julien-des-Oliviers';
export const ZIP = '04190';
export const BUREAUX = [
  { code: '0001', label: 'Mairie - Salle du conseil' },
  { code: '0002', label: 'École Frédéric Mistral' },
  { code: '0003', label: 'Gymnase des Oliviers' },
] as const;

export interface ReuVoter {
  listType: string;
  birthName: string;
  usageName: string;
  givenNames: string;
  sex: 'F' | 'M';
  birthDate: string;
  nationality: string;
  streetNumber: string;
  street: string;
  complement1: string;
  complement2: string;
  lieuDit: string;
  bureau: string;
  number: string;
  /** What the import must do with the row. */
  expect: 'imported' | 'no precinct' | 'no list number' | 'duplicate';
}

export interface Contact {
  nationbuilderId: string;
  firstName: string;
  lastName: string;
  bornAt: string;
  email: string;
  mobile: string;
  support: string;
  tags: string;
  /** The voter it should land on (`<bureau>/<numéro>`), or why not. */
  outcome: { voter: string } | 'ambiguous' | 'unmatched';
}

export interface ListFixtures {
  voters: ReuVoter[];
  contacts: Contact[];
  /** Émargement rows: bureau, numéro, heure (local). */
  checks: Array<{ bureau: string; number: string; time: string }>;
}

const STREETS = ['Rue de la Fontaine', 'Avenue Jean Jaurès', 'Chemin des Amandiers', "Place de l'Église", 'Route de Manosque', 'Impasse des Cigales'];
const NATIONALITIES_EU = ['Italienne', 'Portugaise', 'Espagnole', 'Belge'];
const LIEUX_DITS = ['Les Granges', 'Le Plan', 'La Bastide Neuve'];

function titleCase(name: string): string {
  return name.replace(/(^|[\s'-])(\p{L})(\p{L}*)/gu, (_, sep: string, a: string, rest: string) => `${sep}${a.toUpperCase()}${rest.toLowerCase()}`);
}

function date(rng: Random): string {
  const d = rng.int(1, 28);
  const m = rng.int(1, 12);
  const y = rng.int(1935, 2007);
  return `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/${y}`;
}

/** The small fixture: filler voters drawn at random, then every edge case, at fixed places. */
export function listFixtures(seed = LISTS_SEED): ListFixtures {
  const rng = new Random(seed);
  const voters: ReuVoter[] = [];
  const next = new Map<string, number>();
  const number = (bureau: string): string => {
    const n = (next.get(bureau) ?? 0) + 1;
    next.set(bureau, n);
    return String(n);
  };
  const voter = (v: Partial<ReuVoter> & Pick<ReuVoter, 'birthName' | 'givenNames' | 'sex' | 'birthDate' | 'bureau'>): ReuVoter => {
    const full: ReuVoter = {
      listType: LP,
      usageName: '',
      nationality: 'Française',
      streetNumber: String(rng.int(1, 80)),
      street: rng.pick(STREETS),
      complement1: '',
      complement2: '',
      lieuDit: '',
      number: v.number ?? number(v.bureau),
      expect: 'imported',
      ...v,
    };
    voters.push(full);
    return full;
  };
  for (let i = 0; i < 45; i++) {
    const sex = rng.chance(0.5) ? 'F' : 'M';
    const first = rng.pick(sex === 'F' ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
    const second = rng.chance(0.6) ? ` ${rng.pick(sex === 'F' ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES)}` : '';
    const birth = rng.pick(LAST_NAMES).toUpperCase();
    const married = sex === 'F' && rng.chance(0.4) ? rng.pick(LAST_NAMES).toUpperCase() : '';
    voter({
      birthName: birth,
      usageName: married,
      givenNames: `${first}${second}`,
      sex,
      birthDate: date(rng),
      bureau: BUREAUX[i % 3]!.code,
      complement1: rng.chance(0.15) ? `Bât ${rng.pick(['A', 'B', 'C'])}` : '',
      complement2: rng.chance(0.08) ? `Apt ${rng.int(1, 40)}` : '',
      lieuDit: rng.chance(0.1) ? rng.pick(LIEUX_DITS) : '',
    });
  }
  // Married names: one different, one equal to the birth name.
  voter({ birthName: 'ÉLÉONORE-BLIN', usageName: 'DE LA TOUR', givenNames: 'Anne-Sophie Marie', sex: 'F', birthDate: '02/11/1971', bureau: '0001' });
  voter({ birthName: 'FABRE', usageName: 'FABRE', givenNames: 'Josiane', sex: 'F', birthDate: '30/06/1948', bureau: '0001' });
  // Particles, apostrophes, spaces, diacritics; several given names, hyphenated.
  voter({ birthName: "D'AUBIGNÉ", givenNames: 'Jean-Pierre Louis', sex: 'M', birthDate: '14/03/1962', bureau: '0002' });
  voter({ birthName: 'BEN AHMED', givenNames: 'Karim Mehdi', sex: 'M', birthDate: '05/09/1985', bureau: '0002' });
  voter({ birthName: 'LE GALL', usageName: "N'DIAYE", givenNames: 'Maëlys', sex: 'F', birthDate: '21/01/1999', bureau: '0003', complement1: 'Résidence Les Pins; Bât C' });
  // Impossible birth dates: kept as written, flagged.
  voter({ birthName: 'ROUVIÈRE', givenNames: 'Marcel', sex: 'M', birthDate: '00/00/1953', bureau: '0003', lieuDit: 'Les Granges' });
  voter({ birthName: 'AMRANI', givenNames: 'Fatima', sex: 'F', birthDate: '1947', bureau: '0001' });
  // Homonyms with one birth date, in two bureaux: a contact naming them is ambiguous.
  voter({ birthName: 'MARTIN', givenNames: 'Marie Claire', sex: 'F', birthDate: '14/03/1962', bureau: '0001' });
  voter({ birthName: 'MARTIN', givenNames: 'Marie', sex: 'F', birthDate: '14/03/1962', bureau: '0003' });
  // EU citizens on the complementary lists; one person on both (a number on each).
  voter({ listType: LCM, birthName: 'ESPOSITO', givenNames: 'Giulia', sex: 'F', birthDate: '12/12/1980', nationality: 'Italienne', bureau: '0002' });
  voter({ listType: LCE, birthName: 'ESPOSITO', givenNames: 'Giulia', sex: 'F', birthDate: '12/12/1980', nationality: 'Italienne', bureau: '0002' });
  voter({ listType: LCE, birthName: 'FERREIRA', givenNames: 'João', sex: 'M', birthDate: '03/04/1975', nationality: rng.pick(NATIONALITIES_EU), bureau: '0001' });
  voter({ listType: LCM, birthName: 'VAN DAMME', givenNames: 'Lotte', sex: 'F', birthDate: '18/08/1990', nationality: 'Belge', bureau: '0003' });
  // Broken rows: no bureau, no number, one numéro d'ordre twice in a bureau.
  voter({ birthName: 'SAUVAGE', givenNames: 'Luc', sex: 'M', birthDate: '09/10/1966', bureau: '', number: '', expect: 'no precinct' });
  voter({ birthName: 'OLIVE', givenNames: 'Rose', sex: 'F', birthDate: '01/05/1958', bureau: '0002', number: '', expect: 'no list number' });
  voter({ birthName: 'GUÉRIN', givenNames: 'Théo', sex: 'M', birthDate: '27/02/2001', bureau: '0003', number: '7', expect: 'duplicate' });

  const key = (v: ReuVoter): string => `${v.bureau}/${v.number}`;
  const byName = (birth: string, given: string): ReuVoter => voters.find((v) => v.birthName === birth && v.givenNames.startsWith(given))!;
  const contacts: Contact[] = [];
  let nbId = 1040;
  const contact = (c: Omit<Contact, 'nationbuilderId' | 'email' | 'tags'> & Partial<Contact>): void => {
    nbId += rng.int(1, 9);
    contacts.push({ nationbuilderId: String(nbId), email: '', tags: rng.pick(['', 'porte-à-porte', 'marché', 'réunion publique']), ...c });
  };
  const mobile = (): string => `06 ${rng.int(10, 79)} ${rng.int(10, 99)} ${rng.int(10, 99)} ${rng.int(10, 99)}`;
  // Filler voters the campaign knows, written as a CRM writes them: title case, first name only, ISO dates.
  const known = voters.filter((v) => v.expect === 'imported' && v.listType === LP && v.birthDate.length === 10).slice(0, 45).filter(() => rng.chance(0.55));
  for (const v of known) {
    if (voters.filter((o) => o !== v && o.birthDate === v.birthDate && o.givenNames.split(' ')[0] === v.givenNames.split(' ')[0]).length > 0) continue;
    const [d, m, y] = v.birthDate.split('/');
    const style = rng.int(0, 2);
    contact({
      firstName: titleCase(v.givenNames.split(' ')[0]!),
      lastName: titleCase(v.usageName || v.birthName),
      bornAt: style === 0 ? `${y}-${m}-${d}` : style === 1 ? `${d}.${m}.${y}` : v.birthDate,
      mobile: mobile(),
      email: rng.chance(0.4) ? `contact${nbId}@example.org` : '',
      support: String(rng.int(1, 5)),
      outcome: { voter: key(v) },
    });
  }
  // The spellings the issue names.
  contact({ firstName: 'anne-sophie', lastName: 'Eleonore Blin', bornAt: '1971-11-02', mobile: mobile(), support: '1', outcome: { voter: key(byName('ÉLÉONORE-BLIN', 'Anne')) } });
  contact({ firstName: 'Jean Pierre', lastName: 'Daubigne', bornAt: '14.03.1962', mobile: mobile(), support: '2', outcome: { voter: key(byName("D'AUBIGNÉ", 'Jean')) } });
  contact({ firstName: 'KARIM', lastName: 'Benahmed', bornAt: '05/09/1985', mobile: mobile(), support: '1', outcome: { voter: key(byName('BEN AHMED', 'Karim')) } });
  contact({ firstName: 'Maelys', lastName: 'Le Gall', bornAt: '1999-01-21', mobile: mobile(), support: '1', email: 'maelys@example.org', outcome: { voter: key(byName('LE GALL', 'Maëlys')) } });
  // Homonyms with one birth date: not applied.
  contact({ firstName: 'Marie', lastName: 'Martin', bornAt: '1962-03-14', mobile: mobile(), support: '1', outcome: 'ambiguous' });
  // People not on the list.
  contact({ firstName: 'Hugo', lastName: 'Castellani', bornAt: '1988-07-07', mobile: mobile(), support: '2', outcome: 'unmatched' });
  contact({ firstName: 'Zoé', lastName: 'Papazian', bornAt: '22/02/1994', mobile: mobile(), support: '1', outcome: 'unmatched' });
  // Two contacts on one voter: the later row wins.
  const twice = byName('FABRE', 'Josiane');
  contact({ firstName: 'Josiane', lastName: 'Fabre', bornAt: '30/06/1948', mobile: '06 11 11 11 11', support: '3', outcome: { voter: key(twice) } });
  contact({ firstName: 'JOSIANE', lastName: 'FABRE', bornAt: '1948-06-30', mobile: '06 22 22 22 22', support: '1', outcome: { voter: key(twice) } });

  // Émargement: a third of the imported principal-list voters, by bureau and numéro, in time order.
  const checks: ListFixtures['checks'] = [];
  for (const v of voters) {
    if (v.expect !== 'imported' || v.listType !== LP || !rng.chance(0.35)) continue;
    checks.push({ bureau: v.bureau, number: v.number, time: `2026-03-15 ${String(rng.int(8, 14)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}` });
  }
  checks.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return { voters, contacts, checks };
}

/** One REU line: every field quoted but the last; an empty field is nothing between separators. */
export function reuLine(v: ReuVoter, bureauLabel: string): string {
  const fields = [
    '04190', COMMUNE, v.listType, v.birthName, v.usageName, v.givenNames, v.sex, v.birthDate,
    v.nationality === 'Française' ? '04112' : '', v.nationality === 'Française' ? 'Manosque' : '', v.nationality === 'Française' ? 'Alpes-de-Haute-Provence' : '',
    v.nationality === 'Française' ? 'FRANCE' : v.nationality.toUpperCase().slice(0, 6), v.nationality,
    v.streetNumber, v.street, v.complement1, v.complement2, v.lieuDit, ZIP, COMMUNE, 'FRANCE',
    v.bureau, v.bureau === '' ? '' : bureauLabel, '0402', '2ème circonscription', '0409',
  ];
  return `${fields.map((f) => (f === '' ? '' : `"${f.replace(/"/g, '""')}"`)).join(';')};${v.number}\n`;
}

export function reuHeaderLine(): string {
  return `${REU_HEADERS.map((h) => `"${h}"`).join(';')}\n`;
}

export function renderReu(voters: readonly ReuVoter[]): string {
  const label = (code: string): string => BUREAUX.find((b) => b.code === code)?.label ?? '';
  return reuHeaderLine() + voters.map((v) => reuLine(v, label(v.bureau))).join('');
}

export const CONTACT_HEADERS = ['nationbuilder_id', 'first_name', 'last_name', 'born_at', 'email', 'mobile_number', 'support_level', 'tag_list'];

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function renderContacts(contacts: readonly Contact[]): string {
  const rows = contacts.map((c) => [c.nationbuilderId, c.firstName, c.lastName, c.bornAt, c.email, c.mobile, c.support, c.tags].map(csvField).join(','));
  return `${CONTACT_HEADERS.join(',')}\r\n${rows.join('\r\n')}\r\n`;
}

export function renderEmargement(checks: ListFixtures['checks']): string {
  return `Bureau de vote;N° d'ordre;Heure\n${checks.map((c) => `${c.bureau};${c.number};${c.time}`).join('\n')}\n`;
}

/**
 * A UK register: polling district, elector number (suffixes written `888/8` and `888.8`, as
 * printed on poll cards), name, address, postcode. Invented names and streets.
 */
export function renderUkRegister(): string {
  const rows = [
    ['AB', '888', 'SMITH', 'Alice', '1 Elm Row', 'ZZ1 1AA'],
    ['AB', '888/8', 'SMITH', 'Bob', '1 Elm Row', 'ZZ1 1AA'],
    ['AB', '888.8', 'JONES', 'Carol', '2 Elm Row', 'ZZ1 1AB'],
    ['AB', '8888', 'PATEL', 'Dev', '40 Oak Lane', 'ZZ1 2CD'],
    ['AB', '889/1', 'OWEN', 'Eira', '3 Elm Row', 'ZZ1 1AA'],
    ['AC', '888', 'BROWN', 'Fergus', '5 Ash Close', 'ZZ2 3EF'],
    ['AC', '12', "O'NEILL", 'Gráinne', '7 Ash Close', 'ZZ2 3EF'],
  ];
  return `Polling District,Elector Number,Surname,Forename,Address 1,Postcode\n${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

export interface ListFile {
  name: string;
  bytes: Buffer;
}

export function generateLists(seed = LISTS_SEED): ListFile[] {
  const f = listFixtures(seed);
  return [
    { name: 'reu-electeurs-actifs.csv', bytes: Buffer.from(renderReu(f.voters), 'utf8') },
    { name: 'contacts-nationbuilder.csv', bytes: Buffer.from(renderContacts(f.contacts), 'utf8') },
    { name: 'emargement-bureaux.csv', bytes: Buffer.from(renderEmargement(f.checks), 'utf8') },
    { name: 'uk-register.csv', bytes: Buffer.from(renderUkRegister(), 'utf8') },
  ];
}

/**
 * The benchmark's REU export (27 columns, `rows` voters in 1,000 bureaux) and, when `contacts` > 0,
 * a contact export of that many of its voters, named by identity only (first name, last name in
 * use, birth date written 1962-03-14), streamed to disk.
 */
export interface ReuBenchFiles {
  reu: string;
  contacts: string;
  /** For the sqlite3 reference: each voter's id and precomputed normalized key (last|first|date). */
  voterKeys: string;
  /** The contacts' precomputed keys and phones. */
  contactKeys: string;
  rows: number;
  contactCount: number;
  bytes: number;
}

export function writeReuBench(dir: string, rows: number, contacts = 0, seed = 'turnout REU bench'): ReuBenchFiles {
  fs.mkdirSync(dir, { recursive: true });
  const rng = new Random(seed);
  const files = {
    reu: path.join(dir, 'reu.csv'),
    contacts: path.join(dir, 'contacts.csv'),
    voterKeys: path.join(dir, 'reu-keys.csv'),
    contactKeys: path.join(dir, 'contacts-keys.csv'),
  };
  const reu = fs.openSync(files.reu, 'w', 0o600);
  const out = fs.openSync(files.contacts, 'w', 0o600);
  const voterKeys = fs.openSync(files.voterKeys, 'w', 0o600);
  const contactKeys = fs.openSync(files.contactKeys, 'w', 0o600);
  let keyBuffer = ['id,key\n'];
  let contactKeyBuffer = ['key,phone\n'];
  const every = contacts > 0 ? rows / contacts : Infinity;
  let bytes = 0;
  let written = 0;
  let buffer = [reuHeaderLine()];
  let contactBuffer = ['first_name,last_name,born_at,mobile_number,support_level\n'];
  const flush = (): void => {
    const b = Buffer.from(buffer.join(''), 'utf8');
    bytes += b.length;
    fs.writeSync(reu, b);
    fs.writeSync(out, contactBuffer.join(''));
    fs.writeSync(voterKeys, keyBuffer.join(''));
    fs.writeSync(contactKeys, contactKeyBuffer.join(''));
    buffer = [];
    contactBuffer = [];
    keyBuffer = [];
    contactKeyBuffer = [];
  };
  const numbers = new Int32Array(1000);
  for (let i = 0; i < rows; i++) {
    const sex = rng.chance(0.5) ? 'F' : 'M';
    const first = rng.pick(sex === 'F' ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
    const given = rng.chance(0.6) ? `${first} ${rng.pick(sex === 'F' ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES)}` : first;
    const birthName = rng.pick(LAST_NAMES).toUpperCase();
    const usage = sex === 'F' && rng.chance(0.35) ? rng.pick(LAST_NAMES).toUpperCase() : '';
    const b = rng.int(0, 999);
    numbers[b]!++;
    const bureau = String(b + 1).padStart(4, '0');
    const birthDate = date(rng);
    const v: ReuVoter = {
      listType: rng.chance(0.03) ? LCM : LP,
      birthName,
      usageName: usage,
      givenNames: given,
      sex,
      birthDate,
      nationality: 'Française',
      streetNumber: String(rng.int(1, 250)),
      street: rng.pick(STREETS),
      complement1: rng.chance(0.1) ? 'Bât B' : '',
      complement2: '',
      lieuDit: '',
      bureau,
      number: String(numbers[b]),
      expect: 'imported',
    };
    buffer.push(reuLine(v, `Bureau ${bureau}`));
    const [d, m, y] = birthDate.split('/');
    const key = `${normalizeName(usage || birthName)}|${normalizeName(first)}|${y}-${m}-${d}`;
    keyBuffer.push(`${bureau}/${v.number},${key}\n`);
    if (written < contacts && (i + 1) / every >= written + 1) {
      const phone = `06${String(rng.int(10_000_000, 79_999_999))}`;
      contactBuffer.push(`${first},${titleCase(usage || birthName)},${y}-${m}-${d},${phone},${rng.int(1, 5)}\n`);
      contactKeyBuffer.push(`${key},${phone}\n`);
      written++;
    }
    if (buffer.length >= 20_000) flush();
  }
  flush();
  for (const fd of [reu, out, voterKeys, contactKeys]) fs.closeSync(fd);
  return { ...files, rows, contactCount: written, bytes };
}

function main(argv: string[]): void {
  if (argv[0] === 'bench') {
    const rows = Number(argv[1] ?? 1_000_000);
    const contacts = Number(argv[2] ?? 100_000);
    const dir = argv[3] ?? path.join(repoRoot(), 'bench-data');
    process.stderr.write(`${JSON.stringify(writeReuBench(dir, rows, contacts))}\n`);
    return;
  }
  const dir = argv[0] ?? path.join(repoRoot(), 'fixtures', 'lists');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of generateLists()) {
    fs.writeFileSync(path.join(dir, f.name), f.bytes);
    process.stderr.write(`${path.join(dir, f.name)}  ${f.bytes.length} bytes\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main(process.argv.slice(2));
