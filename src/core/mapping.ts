/**
 * Header mapping: which column of a file holds which field. Headers are compared after
 * normalization (case, accents, punctuation and spacing ignored), against the field's name and
 * the common English and French synonyms; `--map field=Header` overrides.
 */
import { UsageError } from './errors.js';
import { VOTER_FIELDS, type VoterField } from './fields.js';

/** "N° Électeur " → "n_electeur": lower case, no accents, runs of other characters → "_". */
export function normalizeHeader(header: string): string {
  return header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[°º]/g, ' ')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Synonyms as people write them; normalized when used. The field's own name always matches. */
export const VOTER_SYNONYMS: Record<VoterField, readonly string[]> = {
  id: [
    'voter id', 'voterid', 'voter_id', 'voter number', 'voter no', 'ncid', 'sos voter id', 'state voter id', 'van id', 'vanid',
    'statefileid', 'elector number', 'elector id', 'registration number', 'reg number', 'person id', 'nationbuilder id',
    'n electeur', 'no electeur', 'n d electeur', 'numero electeur', 'numero d electeur', 'num electeur', 'id electeur',
    'identifiant', 'identifiant electeur', 'ine', 'numero national d electeur',
  ],
  first_name: ['first name', 'firstname', 'first', 'given name', 'forename', 'prenom', 'prenom usuel'],
  last_name: ['last name', 'lastname', 'last', 'surname', 'family name', 'married name', 'nom', 'nom de famille', 'nom d usage', 'nom usuel', 'nom marital'],
  phone: [
    'phone', 'phone number', 'telephone', 'telephone number', 'tel', 'mobile', 'mobile phone', 'mobile number', 'cell', 'cell phone',
    'cellphone', 'portable', 'telephone portable', 'tel portable', 'numero de telephone', 'num tel', 'gsm',
  ],
  email: ['email', 'e mail', 'email address', 'mail', 'courriel', 'adresse email', 'adresse mail', 'adresse electronique'],
  street_number: ['street number', 'street no', 'house number', 'house no', 'n voie', 'numero de rue', 'numero voie', 'n rue', 'no rue'],
  street: ['street', 'street name', 'address', 'address line 1', 'address1', 'rue', 'voie', 'nom de voie', 'adresse', 'libelle voie'],
  city: ['city', 'town', 'municipality', 'ville', 'commune', 'localite'],
  zip: ['zip', 'zip code', 'zipcode', 'postal code', 'postcode', 'post code', 'code postal', 'cp'],
  precinct: [
    'precinct', 'precinct id', 'precinct code', 'precinct name', 'polling district', 'ward', 'bureau', 'bureau de vote', 'bv', 'num bureau',
    'numero de bureau', 'numero bureau', 'code bureau', 'n bureau', 'no bureau',
  ],
  neighborhood: ['neighborhood', 'neighbourhood', 'area', 'district', 'quartier', 'secteur', 'arrondissement'],
  polling_place: [
    'polling place', 'polling station', 'polling location', 'poll location', 'vote center', 'lieu de vote', 'bureau de vote adresse',
    'adresse bureau de vote', 'adresse du bureau de vote', 'lieu du bureau de vote',
  ],
  list_number: [
    'list number', 'list no', 'elector number on list', 'roll number', 'numero d ordre', 'n d ordre', 'no d ordre', 'numero ordre',
    'num ordre', 'n ordre', 'ordre',
  ],
  support: ['support', 'support level', 'support score', 'supportlevel', 'soutien', 'niveau de soutien', 'score de soutien'],
  birth_name: ['birth name', 'maiden name', 'nom de naissance', 'nom de jeune fille', 'nom patronymique'],
  given_names: ['given names', 'forenames', 'first names', 'prenoms', 'tous les prenoms'],
  birth_date: ['birth date', 'date of birth', 'dob', 'birthdate', 'birthday', 'born at', 'born on', 'elector dob', 'date de naissance', 'date naissance', 'ddn', 'ne le', 'ne e le', 'naissance'],
  list_type: ['list type', 'libelle du type de liste', 'type de liste', 'liste'],
  address_2: ['address 2', 'address line 2', 'address2', 'complement 1', 'complement d adresse', 'complement adresse', 'complement'],
  address_3: ['address 3', 'address line 3', 'address3', 'complement 2'],
  locality: ['locality', 'lieu dit', 'lieudit', 'hamlet'],
  turnout_score: ['turnout score', 'turnout', 'turnout propensity', 'propensity', 'score participation', 'score de participation', 'participation'],
};

export const CHECK_FIELDS = ['id', 'precinct', 'list_number', 'checked_at', 'source'] as const;
export type CheckField = (typeof CHECK_FIELDS)[number];

export const CHECK_SYNONYMS: Record<CheckField, readonly string[]> = {
  id: VOTER_SYNONYMS.id,
  precinct: VOTER_SYNONYMS.precinct,
  list_number: VOTER_SYNONYMS.list_number,
  checked_at: [
    'checked at', 'check time', 'checked', 'time', 'voted at', 'vote time', 'timestamp', 'heure', 'heure de vote', 'horodatage',
    'emargement', 'heure d emargement', 'date', 'date heure',
  ],
  source: ['source', 'watcher', 'poll watcher', 'reported by', 'assesseur', 'observateur', 'delegue'],
};

/**
 * A campaign's contact file (`turnout import contacts`): how it names voters, and what it adds.
 * Its id column is a voter id only under a voter-id name: a CRM's own ids (NationBuilder's
 * `nationbuilder_id`, a "person id") name nothing in the voter list and are kept as extras.
 */
export const CONTACT_FIELDS = [
  'id', 'precinct', 'list_number', 'last_name', 'birth_name', 'first_name', 'given_names', 'birth_date',
  'phone', 'email', 'support', 'turnout_score',
] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

const CRM_IDS = new Set(['person id', 'nationbuilder id', 'van id', 'vanid', 'identifiant']);
export const CONTACT_SYNONYMS: Record<ContactField, readonly string[]> = {
  id: [...VOTER_SYNONYMS.id.filter((s) => !CRM_IDS.has(s)), 'state file id', 'voter id number'],
  precinct: VOTER_SYNONYMS.precinct,
  list_number: VOTER_SYNONYMS.list_number,
  last_name: VOTER_SYNONYMS.last_name,
  birth_name: VOTER_SYNONYMS.birth_name,
  first_name: VOTER_SYNONYMS.first_name,
  given_names: VOTER_SYNONYMS.given_names,
  birth_date: VOTER_SYNONYMS.birth_date,
  phone: VOTER_SYNONYMS.phone,
  email: VOTER_SYNONYMS.email,
  support: VOTER_SYNONYMS.support,
  turnout_score: VOTER_SYNONYMS.turnout_score,
};

export interface HeaderMapping<F extends string> {
  /** Column index of each mapped field. */
  fields: Partial<Record<F, number>>;
  /** Every other column, by its header as written, in file order. */
  extras: Array<{ name: string; index: number }>;
}

/** Parses the `--map field=Header` values into a field → header object; bad ones are usage errors. */
export function parseMapOptions<F extends string>(values: readonly string[], known: readonly F[]): Partial<Record<F, string>> {
  const result: Partial<Record<F, string>> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const field = (eq < 0 ? '' : value.slice(0, eq).trim()) as F;
    const header = eq < 0 ? '' : value.slice(eq + 1).trim();
    if (eq < 0 || header === '') {
      throw new UsageError(`--map "${value}" is not field=Header`, { hint: 'Write for example --map id="Voter Number" --map phone=Mobile.' });
    }
    if (!known.includes(field)) {
      throw new UsageError(`--map names an unknown field "${field}"`, { hint: `Fields: ${known.join(', ')}.` });
    }
    result[field] = header;
  }
  return result;
}

/**
 * Maps a file's headers to fields. An override that names no header is a usage error listing
 * the headers. Headers in `ignore` (normalized) are dropped entirely.
 */
export function mapHeaders<F extends string>(
  headers: readonly string[],
  synonyms: Record<F, readonly string[]>,
  overrides: Partial<Record<F, string>> = {},
  ignore: readonly string[] = [],
): HeaderMapping<F> {
  const normalized = headers.map(normalizeHeader);
  const taken = new Set<number>();
  const fields: Partial<Record<F, number>> = {};
  const names = Object.keys(synonyms) as F[];

  for (const field of names) {
    const wanted = overrides[field];
    if (wanted === undefined) continue;
    let index = headers.indexOf(wanted);
    if (index < 0) index = normalized.indexOf(normalizeHeader(wanted));
    if (index < 0) {
      throw new UsageError(`--map ${field}=${wanted}: the file has no column "${wanted}"`, {
        hint: `The file's headers are: ${headers.map((h) => JSON.stringify(h)).join(', ')}.`,
      });
    }
    fields[field] = index;
    taken.add(index);
  }
  // Exact field names first, then synonyms in the order listed, so "nom" never steals "last_name"'s column from "last name".
  for (const pass of ['name', 'synonym'] as const) {
    for (const field of names) {
      if (fields[field] !== undefined) continue;
      const candidates = pass === 'name' ? [field] : synonyms[field].map(normalizeHeader);
      for (const candidate of candidates) {
        const index = normalized.findIndex((h, i) => h === candidate && !taken.has(i));
        if (index >= 0) {
          fields[field] = index;
          taken.add(index);
          break;
        }
      }
    }
  }
  const ignored = new Set(ignore.map(normalizeHeader));
  const extras: Array<{ name: string; index: number }> = [];
  headers.forEach((name, index) => {
    if (!taken.has(index) && !ignored.has(normalized[index]!)) extras.push({ name, index });
  });
  return { fields, extras };
}

export const VOTER_FIELD_NAMES: readonly VoterField[] = VOTER_FIELDS;
