/**
 * Official electoral lists (issue 11). Recognizes their layouts from the headers, says how their
 * voters are keyed when the file has no voter id, and which list types count in this election.
 * Pure: used by the import's reading thread (src/io/voterFileWorker.ts) and by tests.
 */
import { UsageError } from './errors.js';
import type { VoterField } from './fields.js';
import { normalizeHeader } from './mapping.js';

/** How a voter file names its voters: by id, or by precinct and list number (the voter id is then derived). */
export type VoterKey = 'id' | 'precinct,list_number';

export type LayoutName = 'reu' | 'register' | 'plain';

export interface VoterLayout {
  name: LayoutName;
  /** For the summary: "REU export (Listes électeurs actifs)". */
  label: string;
  /** Field → header as written in the file: applied under the user's --map. */
  map: Partial<Record<VoterField, string>>;
  /** A register's separate elector-number suffix column, joined to the number as `888/8`. */
  suffixHeader?: string;
  /** Headers as written that are not kept at all (see REU_NOT_KEPT). */
  notKept: string[];
}

/** The French REU export: normalized header → field. The other columns are kept as extras. */
const REU_COLUMNS: Array<[string, VoterField]> = [
  ['code_du_bureau_de_vote', 'precinct'],
  ['numero_d_ordre_dans_le_bureau_de_vote', 'list_number'],
  ['libelle_du_bureau_de_vote', 'polling_place'],
  ['libelle_du_type_de_liste', 'list_type'],
  ['nom_d_usage', 'last_name'],
  ['nom_de_naissance', 'birth_name'],
  ['prenoms', 'given_names'],
  ['date_de_naissance', 'birth_date'],
  ['numero_de_voie', 'street_number'],
  ['libelle_de_voie', 'street'],
  ['complement_1', 'address_2'],
  ['complement_2', 'address_3'],
  ['lieu_dit', 'locality'],
  ['code_postal', 'zip'],
  ['commune', 'city'],
];

/**
 * REU columns not kept: the list's own commune (the same on every row), the voter's birthplace
 * (four columns a campaign has no use for: data minimization, GDPR art. 5(1)(c)), the address's
 * country, and the constituency and canton (the same for every voter of a bureau). Kept as
 * extras they tripled the database (~450 bytes of JSON per voter: 810 MB for 1M voters) and
 * the import's time. `sexe` and `libellé nationalité` (EU citizens) stay as extras.
 */
const REU_NOT_KEPT = new Set([
  'code_du_l_ugle',
  'libelle_de_l_ugle',
  'code_de_la_commune_de_naissance',
  'libelle_de_la_commune_de_naissance',
  'code_du_departement_de_naissance',
  'libelle_du_departement_de_naissance',
  'libelle_du_pays_de_naissance',
  'code_du_pays_de_naissance',
  'pays',
  'code_de_la_circonscription_legislative',
  'libelle_de_la_circonscription_legislative',
  'code_du_canton',
  'libelle_du_canton',
]);

/** A register's polling district, elector number and its suffix, as councils' software names them. */
const DISTRICT_HEADERS = ['polling_district', 'polling_district_code', 'pd', 'pd_code', 'elector_number_prefix', 'district_code'];
const NUMBER_HEADERS = ['elector_number', 'elector_no', 'eno', 'elector_num', 'electoral_number', 'elector_roll_number'];
const SUFFIX_HEADERS = ['elector_number_suffix', 'elector_suffix', 'eno_suffix', 'suffix'];

export function detectLayout(headers: readonly string[]): VoterLayout {
  const normalized = headers.map(normalizeHeader);
  const header = (names: readonly string[]): string | undefined => {
    for (const name of names) {
      const index = normalized.indexOf(name);
      if (index >= 0) return headers[index];
    }
    return undefined;
  };
  if (normalized.includes('code_du_bureau_de_vote') && normalized.includes('numero_d_ordre_dans_le_bureau_de_vote')) {
    const map: Partial<Record<VoterField, string>> = {};
    for (const [name, field] of REU_COLUMNS) {
      const found = header([name]);
      if (found !== undefined) map[field] = found;
    }
    const notKept = headers.filter((_, i) => REU_NOT_KEPT.has(normalized[i]!));
    return { name: 'reu', label: 'REU export (Listes électeurs actifs)', map, notKept };
  }
  const district = header(DISTRICT_HEADERS);
  const number = header(NUMBER_HEADERS);
  if (district !== undefined && number !== undefined) {
    const suffix = header(SUFFIX_HEADERS);
    return { name: 'register', label: 'electoral register (polling district + elector number)', map: { precinct: district, list_number: number }, suffixHeader: suffix, notKept: [] };
  }
  return { name: 'plain', label: 'voter file', map: {}, notKept: [] };
}

/**
 * The voter id of a voter keyed by precinct and list number: `<precinct>/<list_number>`, e.g.
 * `0001/42`, `AB/888/8`. Stable from one export of the list to the next, so a later import
 * updates the same voters. A `/` or `%` inside the precinct is written `%2F` / `%25`, so the first
 * `/` always ends the precinct and two different pairs never give one id.
 */
export function listVoterId(precinct: string, listNumber: string): string {
  const safe = precinct.includes('/') || precinct.includes('%') ? precinct.replace(/%/g, '%25').replace(/\//g, '%2F') : precinct;
  return `${safe}/${listNumber}`;
}

/** Short names for the REU's list types. */
const LIST_ALIASES: Record<string, string> = {
  lp: 'liste_principale',
  principale: 'liste_principale',
  lcm: 'liste_complementaire_municipale',
  municipale: 'liste_complementaire_municipale',
  lce: 'liste_complementaire_europeenne',
  europeenne: 'liste_complementaire_europeenne',
};

/**
 * `--lists` → a test on a row's list type. A value matches a list type written the same way
 * (case, accents and punctuation ignored), or by its short name: `LP` or `principale`, `LCM` or
 * `municipale`, `LCE` or `europeenne`. Rows without a list type always count. Undefined: all count.
 */
export function listTypeFilter(values: readonly string[] | undefined): ((listType: string | null) => boolean) | undefined {
  if (values === undefined) return undefined;
  const wanted = new Set<string>();
  for (const value of values.flatMap((v) => v.split(','))) {
    const key = normalizeHeader(value);
    if (key === '') continue;
    wanted.add(LIST_ALIASES[key] ?? key);
  }
  if (wanted.size === 0) {
    throw new UsageError('--lists names no list type', { hint: 'Write for example --lists principale,municipale (or LP,LCM).' });
  }
  const seen = new Map<string, boolean>();
  return (listType) => {
    if (listType === null) return true;
    let counts = seen.get(listType);
    if (counts === undefined) {
      const key = normalizeHeader(listType);
      counts = wanted.has(key) || wanted.has(LIST_ALIASES[key] ?? key);
      seen.set(listType, counts);
    }
    return counts;
  };
}
